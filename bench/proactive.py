"""Proactive CX: stored health and SLA reads, write cost, and the scheduler's catch-up.

    .venv/bin/python bench/proactive.py [--customers 100000] [--requests 200] [--keep]

Seeds `--customers` on PostgreSQL (database `cx360_bench_proactive` on the admin URL's
server, anchored at today's midnight UTC, so tickets are open long enough to be BREACHED
and some are AT_RISK now), starts `cx360 serve` (1 worker) and measures, one request at
a time (bounded load: `--requests` per figure after 10 warm-ups):

- p50/p95 of `customers(filter: {healthLevel: AT_RISK}, first: 50) { totalCount edges
  { node { name health { score reasons } } } }` (ANALYST key);
- p50/p95 of `tickets(filter: {slaState: [AT_RISK, BREACHED]}, orderBy: {field:
  RESOLUTION_DUE, direction: ASC}, first: 50) { totalCount edges { node { id sla { state
  } } } }` (SUPPORT key);
- p50/p95 of `recordTouchpoints` (one touchpoint) and `openTicket`, which keep health and
  SLA state current in their transaction. There is no switch to turn that upkeep off,
  so no "without upkeep" ratio is measured;
- the scheduler's catch-up after a 1-hour stop: in this process, the clock moved one
  hour ahead, one full round of every due-work kind (what a restarted process does
  first), with the rows each kind applied.

The database is dropped at the end unless `--keep`.
"""

import argparse
import asyncio
import os
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
from asgi_lifespan import LifespanManager
from common import CX360, DEFAULT_ADMIN_URL, plain_dsn, server
from sqlalchemy.engine import make_url

from api.app import create_app
from api.db import create_engine, create_session_factory
from api.scheduler import Scheduler
from api.settings import Settings
from models import Role
from models.types import set_clock
from resolvers import keys

DATABASE = "cx360_bench_proactive"
WARM_UP = 10
AT_RISK_CUSTOMERS = """{ customers(filter: {healthLevel: AT_RISK}, first: 50) {
  totalCount edges { node { name health { score reasons } } } } }"""
SLA_TICKETS = """{ tickets(filter: {slaState: [AT_RISK, BREACHED]},
  orderBy: {field: RESOLUTION_DUE, direction: ASC}, first: 50) {
  totalCount edges { node { id sla { state } } } } }"""
RECORD = """mutation($t: [TouchpointInput!]!) {
  recordTouchpoints(touchpoints: $t) { created userErrors { code } } }"""
OPEN = """mutation($c: ID!, $s: String!) { openTicket(input: {customer: {id: $c},
  subject: $s, channel: EMAIL, priority: HIGH}) { ticket { id } userErrors { code } } }"""


async def fresh_database(admin_url: str, customers: int) -> str:
    url = make_url(admin_url).set(database=DATABASE).render_as_string(False)
    admin = await asyncpg.connect(plain_dsn(admin_url))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await admin.close()
    env = {"CX360_DATABASE_URL": url}
    started = time.perf_counter()
    for command in ([CX360, "migrate"], [CX360, "seed", "--customers", str(customers)]):
        process = await asyncio.create_subprocess_exec(*command, env={**os.environ, **env})
        if await process.wait() != 0:
            raise SystemExit(f"{' '.join(command)} failed")
    print(f"seeded {customers} customers in {time.perf_counter() - started:.0f} s")
    connection = await asyncpg.connect(plain_dsn(url))
    try:
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return url


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
        return {
            role: (await keys.create_key(sessions, f"bench-{role.value.lower()}", role)).token
            for role in (Role.ANALYST, Role.SUPPORT, Role.ADMIN)
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


async def timed(
    client: httpx.AsyncClient,
    port: int,
    key: str,
    requests: int,
    body: Any,
) -> tuple[list[float], Any]:
    """`body(n)` -> the JSON to post; every answer must be free of errors."""
    samples: list[float] = []
    last: Any = None
    for n in range(WARM_UP + requests):
        started = time.perf_counter()
        response = await client.post(
            f"http://127.0.0.1:{port}/graphql",
            json=body(n),
            headers={"Authorization": f"Bearer {key}"},
        )
        elapsed = (time.perf_counter() - started) * 1000
        answer = response.json()
        if response.status_code != 200 or answer.get("errors"):
            raise SystemExit(f"failed: {response.status_code} {str(answer)[:300]}")
        if n >= WARM_UP:
            samples.append(elapsed)
        last = answer["data"]
    return samples, last


async def reads_and_writes(url: str, requests: int) -> None:
    issued = await bench_keys(url)
    customer = await some_customer(url)
    run = uuid.uuid4().hex[:8]
    async with server(url, scheduler="false") as port, httpx.AsyncClient(timeout=60) as client:
        samples, data = await timed(
            client, port, issued[Role.ANALYST], requests, lambda _: {"query": AT_RISK_CUSTOMERS}
        )
        print(
            f"customers(healthLevel: AT_RISK, first: 50)      {percentiles(samples)}  "
            f"totalCount {data['customers']['totalCount']}"
        )
        samples, data = await timed(
            client, port, issued[Role.SUPPORT], requests, lambda _: {"query": SLA_TICKETS}
        )
        print(
            f"tickets(slaState: [AT_RISK, BREACHED], RESOLUTION_DUE) {percentiles(samples)}  "
            f"totalCount {data['tickets']['totalCount']}"
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

        samples, _ = await timed(client, port, issued[Role.ADMIN], requests, touchpoint)
        print(f"recordTouchpoints (1 touchpoint, with upkeep)   {percentiles(samples)}")
        samples, _ = await timed(
            client,
            port,
            issued[Role.ADMIN],
            requests,
            lambda n: {"query": OPEN, "variables": {"c": customer, "s": f"bench {n}"}},
        )
        print(f"openTicket (with upkeep)                        {percentiles(samples)}")
        print("write cost without upkeep: not measured (there is no switch to turn it off)")


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


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    arguments = parser.parse_args()
    url = await fresh_database(arguments.admin_url, arguments.customers)
    try:
        await reads_and_writes(url, arguments.requests)
        await catch_up(url)
    finally:
        if not arguments.keep:
            await drop_database(arguments.admin_url)


if __name__ == "__main__":
    asyncio.run(main())
