"""Proactive CX: stored health and SLA reads, write cost, and the scheduler's catch-up.

    .venv/bin/python bench/proactive.py [--customers 100000] [--requests 200] [--keep]
        [--reuse] [--explain]

Seeds `--customers` on PostgreSQL (database `cx360_bench_proactive` on the admin URL's
server, `cx360 seed`: bulk inserts, anchored at today's midnight UTC, so tickets are open
long enough to be BREACHED and some are AT_RISK now; `--reuse` takes that database as it
is when it already holds customers, and keeps it), starts two `cx360 serve` (1 worker
each, scheduler off) on it: one as deployed, one with `CX360_PROACTIVE_UPKEEP=false`
(writes skip recomputing stored health, SLA states and next-best-actions), and measures,
one request at a time (bounded load: `--requests` per figure after 10 warm-ups):

- p50/p95 of `customers(filter: {healthLevel: AT_RISK}, first: 50) { totalCount edges
  { node { name health { score reasons } } } }` (ANALYST key) and of `tickets(filter:
  {slaState: [AT_RISK, BREACHED]}, orderBy: {field: RESOLUTION_DUE, direction: ASC},
  first: 50)` with a list view's selection, `sla { ... }` included (SUPPORT key), with
  the read path that answered (compiled: one SQL statement; resolvers); and of a sales
  accounts list, `customers(orderBy: {field: LIFETIME_VALUE, direction: DESC}, first:
  50)` with `totalCount` (SALES key: the kept lifetime value and its index);
- p50/p95 of `recordTouchpoints` (one touchpoint) and `openTicket` with the upkeep and
  without, the two servers alternating request by request (same run, same load), and
  the ratio of the medians;
- the scheduler's catch-up after a 1-hour stop: in this process, the clock moved one
  hour ahead, one full round of every due-work kind (what a restarted process does
  first), with the rows each kind applied.

`--explain` prints EXPLAIN ANALYZE of the three reads' compiled statements. The database
is dropped at the end unless `--keep` or `--reuse`.
"""

import argparse
import asyncio
import json
import os
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

import asyncpg
import httpx
import sqlalchemy as sa
from asgi_lifespan import LifespanManager
from common import CX360, DEFAULT_ADMIN_URL, plain_dsn, server
from graphql import parse
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from api.app import create_app
from api.db import create_engine, create_session_factory
from api.scheduler import Scheduler
from api.settings import Settings
from models import Role
from models.types import set_clock, utc_now
from resolvers import keys
from resolvers import seed as demo
from resolvers.compiled.forms import CompileContext
from resolvers.filters import POSTGRES
from schema.compiled.plans import Declined

DATABASE = "cx360_bench_proactive"
WARM_UP = 10
AT_RISK_CUSTOMERS = """{ customers(filter: {healthLevel: AT_RISK}, first: 50) {
  totalCount edges { node { name health { score reasons } } } } }"""
SLA_TICKETS = """{ tickets(filter: {slaState: [AT_RISK, BREACHED]},
  orderBy: {field: RESOLUTION_DUE, direction: ASC}, first: 50) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { node { id subject status priority createdAt customer { name }
    sla { state firstResponseState resolutionState firstResponseDueAt resolutionDueAt
      secondsToNextDue policy { priority resolutionSeconds } } } } } }"""
# A sales accounts list: the 50 customers of highest lifetime value (the kept column and
# its index, migration 6b2d8f4c0e35), with totalCount.
TOP_ACCOUNTS = """{ customers(orderBy: {field: LIFETIME_VALUE, direction: DESC}, first: 50) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { node { id name company segment lifetimeValue } } } }"""
# The root lists without a filter: totalCount from the counts the database keeps
# (list_row_count, migration 7c3e9a1d5b42), the page from an index.
ALL_TOUCHPOINTS = """{ touchpoints(first: 50) { totalCount pageInfo { hasNextPage endCursor }
  edges { node { id occurredAt channel stage kind customer { name } } } } }"""
ALL_TICKETS = """{ tickets(orderBy: {field: PRIORITY, direction: DESC}, first: 50) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { node { id subject status priority createdAt customer { name } } } } }"""
# The reads measured and EXPLAINed: (label printed, key's role, query, its top field).
READS = (
    (
        "customers(healthLevel: AT_RISK, first: 50)     ",
        Role.ANALYST,
        AT_RISK_CUSTOMERS,
        "customers",
    ),
    (
        "tickets(slaState: [AT_RISK, BREACHED], RESOLUTION_DUE)",
        Role.SUPPORT,
        SLA_TICKETS,
        "tickets",
    ),
    ("customers(orderBy: LIFETIME_VALUE DESC, first: 50)", Role.SALES, TOP_ACCOUNTS, "customers"),
    ("touchpoints(first: 50), no filter", Role.ANALYST, ALL_TOUCHPOINTS, "touchpoints"),
    ("tickets(orderBy: PRIORITY DESC, first: 50)", Role.SUPPORT, ALL_TICKETS, "tickets"),
)
RECORD = """mutation($t: [TouchpointInput!]!) {
  recordTouchpoints(touchpoints: $t) { created userErrors { code } } }"""
UPDATE = """mutation($t: ID!, $p: TicketPriority!) { updateTicket(id: $t,
  input: {priority: $p}) { ticket { id } userErrors { code } } }"""
OPEN = """mutation($c: ID!, $s: String!) { openTicket(input: {customer: {id: $c},
  subject: $s, channel: EMAIL, priority: HIGH}) { ticket { id } userErrors { code } } }"""


async def seeded(url: str) -> bool:
    try:
        connection = await asyncpg.connect(plain_dsn(url))
    except asyncpg.InvalidCatalogNameError:
        return False
    try:
        return bool(await connection.fetchval("SELECT count(*) > 0 FROM customer"))
    except asyncpg.UndefinedTableError:
        return False
    finally:
        await connection.close()


async def fresh_database(admin_url: str, customers: int, reuse: bool) -> str:
    url = make_url(admin_url).set(database=DATABASE).render_as_string(False)
    if reuse and await seeded(url):
        print(f"reusing {DATABASE} as it is")
        return url
    admin = await asyncpg.connect(plain_dsn(admin_url))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await admin.close()
    env = {"CX360_DATABASE_URL": url}
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(CX360, "migrate", env={**os.environ, **env})
    if await process.wait() != 0:
        raise SystemExit("cx360 migrate failed")
    await copy_seed(url, customers)
    print(f"seeded {customers} customers in {time.perf_counter() - started:.0f} s")
    connection = await asyncpg.connect(plain_dsn(url))
    try:
        await connection.execute("VACUUM ANALYZE")
        counts = {
            table: await connection.fetchval(f"SELECT count(*) FROM {table}")
            for table in ("customer", "touchpoint", "ticket", "survey_response", "next_action")
        }
    finally:
        await connection.close()
    print("rows: " + ", ".join(f"{table} {n:,}" for table, n in counts.items()))
    return url


class _Defaults:
    """What a Python-side column default is given (SQLAlchemy's execution context)."""

    def __init__(self, row: dict[str, Any]) -> None:
        self.row = row

    def get_current_parameters(self) -> dict[str, Any]:
        return self.row


def copy_records(
    table: sa.Table, rows: list[dict[str, Any]]
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The rows as `INSERT` would send them (Python-side defaults filled in, values bound
    as the column types bind them), for COPY: columns and records."""
    given = set().union(*(row.keys() for row in rows)) if rows else set()
    columns = [c for c in table.columns if c.name in given or (c.default is not None)]
    records = []
    for row in rows:
        values = []
        for column in columns:
            if column.name in row:
                value = row[column.name]
            else:
                default: Any = column.default
                value = default.arg(_Defaults(row)) if default.is_callable else default.arg
            column_type = column.type
            if value is not None and isinstance(column_type, sa.types.TypeDecorator):
                value = column_type.process_bind_param(value, POSTGRES)
            if isinstance(value, Enum):
                value = value.value
            elif value is not None and isinstance(column_type, sa.JSON):
                value = json.dumps(value)
            values.append(value)
        records.append(tuple(values))
    return [c.name for c in columns], records


async def copy_seed(url: str, customers: int) -> None:
    """`cx360 seed`'s rows (resolvers.seed.generate, same seed and anchor) loaded with
    COPY instead of INSERT, then the same stored state (health, follow-ups, SLA states,
    next-best-actions, with their next checks) in the same transaction."""
    anchor = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    started = time.perf_counter()
    data = demo.generate(customers, 42, anchor)
    print(f"  generated {data.row_count:,} rows in {time.perf_counter() - started:.0f} s")
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(sa.text("SELECT 1"))  # the transaction has begun
            raw: Any = (await connection.get_raw_connection()).driver_connection
            for table, rows in data.tables():
                columns, records = copy_records(table, rows)
                await raw.copy_records_to_table(table.name, records=records, columns=columns)
            print(f"  copied in {time.perf_counter() - started:.0f} s")
            # Statistics of the rows just loaded (ANALYZE sees this transaction's rows):
            # without them the stored-state statements get plans for empty tables.
            await connection.execute(sa.text("ANALYZE"))
            await demo.store_state(AsyncSession(bind=connection), data)
    finally:
        await engine.dispose()
    print(f"  stored state in {time.perf_counter() - started:.0f} s")


async def drop_database(admin_url: str) -> None:
    admin = await asyncpg.connect(plain_dsn(admin_url))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    finally:
        await admin.close()
    print(f"dropped {DATABASE}")


async def bench_keys(url: str) -> dict[Role, str]:
    engine = create_engine(url)
    try:
        sessions = create_session_factory(engine)
        run = uuid.uuid4().hex[:6]  # a reused database keeps earlier runs' keys
        return {
            role: (await keys.create_key(sessions, f"bench-{role.value.lower()}-{run}", role)).token
            for role in (Role.ANALYST, Role.SUPPORT, Role.SALES, Role.ADMIN)
        }
    finally:
        await engine.dispose()


async def some_customer(url: str) -> str:
    from schema.node import to_global_id

    connection = await asyncpg.connect(plain_dsn(url))
    try:
        found = await connection.fetchval(
            "SELECT id FROM customer WHERE merged_into_id IS NULL ORDER BY id LIMIT 1"
        )
    finally:
        await connection.close()
    return to_global_id("Customer", str(found))


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {statistics.median(ordered):6.1f} ms  p95 {p95:6.1f} ms  (n={len(ordered)})"


async def post(
    client: httpx.AsyncClient, port: int, key: str, body: dict[str, Any]
) -> tuple[float, Any]:
    """Milliseconds and the answer, which must be free of errors."""
    started = time.perf_counter()
    response = await client.post(
        f"http://127.0.0.1:{port}/graphql", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    elapsed = (time.perf_counter() - started) * 1000
    answer = response.json()
    if response.status_code != 200 or answer.get("errors"):
        raise SystemExit(f"failed: {response.status_code} {str(answer)[:300]}")
    return elapsed, answer


async def timed(
    client: httpx.AsyncClient,
    ports: list[int],
    key: str,
    requests: int,
    body: Any,
) -> tuple[list[list[float]], Any]:
    """`body(n)` -> the JSON to post, to each port in turn (which one goes first
    alternates); the samples per port, and the last answer of the first port."""
    samples: list[list[float]] = [[] for _ in ports]
    last: Any = None
    for n in range(WARM_UP + requests):
        order = list(range(len(ports)))
        if n % 2:
            order.reverse()
        for index in order:
            elapsed, answer = await post(client, ports[index], key, body(2 * n + index))
            if n >= WARM_UP:
                samples[index].append(elapsed)
            if index == 0:
                last = answer
    return samples, last


def read_path(answer: Any) -> str:
    return str(answer.get("extensions", {}).get("readPath", {}).get("path", "?"))


async def reads_and_writes(url: str, requests: int) -> None:
    issued = await bench_keys(url)
    customer = await some_customer(url)
    run = uuid.uuid4().hex[:8]
    async with (
        server(url, scheduler="false", debug="true") as upkept,
        server(url, scheduler="false", proactive_upkeep="false") as bare,
        httpx.AsyncClient(timeout=60) as client,
    ):
        for label, role, query, top in READS:
            (samples,), answer = await timed(
                client, [upkept], issued[role], requests, lambda _, q=query: {"query": q}
            )
            print(
                f"{label:<54} {percentiles(samples)}  "
                f"totalCount {answer['data'][top]['totalCount']}, read path {read_path(answer)}"
            )

        def touchpoint(n: int) -> dict[str, Any]:
            one = {
                "customer": {"id": customer},
                "occurredAt": datetime.now(UTC).isoformat(),
                "channel": "APP",
                "stage": "RETENTION",
                "team": "PRODUCT",
                "kind": "app_login",
                "summary": "bench",
                "source": "bench-proactive",
                "externalId": f"{run}-{n}",
            }
            return {"query": RECORD, "variables": {"t": [one]}}

        both = [upkept, bare]
        (on, off), _ = await timed(client, both, issued[Role.ADMIN], requests, touchpoint)
        compare("recordTouchpoints (1 touchpoint)", on, off)
        (on, off), _ = await timed(
            client,
            both,
            issued[Role.ADMIN],
            requests,
            lambda n: {"query": OPEN, "variables": {"c": customer, "s": f"bench {n}"}},
        )
        compare("openTicket", on, off)
        tickets = []
        for n in range(2):
            _, opened = await post(
                client,
                upkept,
                issued[Role.ADMIN],
                {"query": OPEN, "variables": {"c": customer, "s": f"bench update {n}"}},
            )
            tickets.append(opened["data"]["openTicket"]["ticket"]["id"])

        def priority_change(k: int) -> dict[str, Any]:
            """Each server its own ticket, whose priority (so its due times) changes."""
            priority = ("URGENT", "HIGH")[(k // 2) % 2]
            return {"query": UPDATE, "variables": {"t": tickets[k % 2], "p": priority}}

        (on, off), _ = await timed(client, both, issued[Role.ADMIN], requests, priority_change)
        compare("updateTicket (priority change)", on, off)


def compare(name: str, on: list[float], off: list[float]) -> None:
    ratio = statistics.median(on) / statistics.median(off)
    print(f"{name:34} with upkeep    {percentiles(on)}")
    print(f"{'':34} without upkeep {percentiles(off)}  ratio of p50s {ratio:.2f}")


async def catch_up(url: str) -> None:
    """One round after the clock jumped an hour, as a process restarted after a stop."""
    settings = Settings(database_url=url, scheduler=False, webhooks=False)
    app = create_app(settings)
    async with LifespanManager(app):
        ahead = datetime.now(UTC) + timedelta(hours=1)
        set_clock(lambda: ahead)
        try:
            started = time.perf_counter()
            applied = await Scheduler(settings, app.state).round()
            elapsed = time.perf_counter() - started
        finally:
            set_clock(None)
    counts = ", ".join(f"{kind} {len(rows)}" for kind, rows in applied.items())
    print(f"scheduler catch-up after a 1-hour stop: {elapsed:.2f} s ({counts} rows applied)")


async def explain(url: str) -> None:
    """EXPLAIN ANALYZE of the statements the compiled path sends for the two reads."""
    settings = Settings(database_url=url, scheduler=False, webhooks=False)
    app = create_app(settings)
    async with LifespanManager(app):
        cache = app.state.plans.cache
        for _label, role, query, _top in READS:
            ready = cache.prepare(query, parse(query), None, {}, CompileContext(role, utc_now()))
            if isinstance(ready, Declined):
                print(f"not compiled: {ready.reason}")
                continue
            connection = await asyncpg.connect(plain_dsn(url))
            try:
                plan = await connection.fetch(
                    "EXPLAIN (ANALYZE, BUFFERS) " + ready.plan.sql, *ready.parameters
                )
            finally:
                await connection.close()
            print(f"EXPLAIN ANALYZE, {role.value}: {query.split('(')[0].strip('{ ')}")
            print("\n".join(row[0] for row in plan))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse", action="store_true", help="use the seeded database if there is one; keep it"
    )
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the reads")
    arguments = parser.parse_args()
    url = await fresh_database(arguments.admin_url, arguments.customers, arguments.reuse)
    try:
        if arguments.explain:
            await explain(url)
        await reads_and_writes(url, arguments.requests)
        await catch_up(url)
    finally:
        if not (arguments.keep or arguments.reuse):
            await drop_database(arguments.admin_url)


if __name__ == "__main__":
    asyncio.run(main())
