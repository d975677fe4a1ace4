"""Every root list's orders and filters: a 50-row page with `totalCount`, one at a time.

    .venv/bin/python bench/lists.py --database-url <a seeded database> [--requests 30]
    .venv/bin/python bench/lists.py [--customers 10000]

For each root list of the contract (`customers`, `tickets`, `touchpoints`, `followUps`,
`nextBestActions`) it asks the first 50 rows with `totalCount`, in every order the list
offers (both directions) and with each filter field alone, with an ADMIN key (it may read
every field, so no filter is refused), against `cx360 serve` (1 worker, compiled reads
on, debug on to report the read path) on 127.0.0.1: 3 warm-ups, then `--requests`
sequential requests each; prints p50 / p95 in ms, the read path and `totalCount`, and
marks a p50 over the issue's 20 ms. Filter values are taken from the data (the most used
assignee, segment, kind, ...), the windows from its newest rows.

With `--database-url` the database is migrated and vacuumed (VACUUM ANALYZE) first and
kept; without, a scratch database is seeded with `--customers` customers (`cx360 seed`)
and dropped.
Stops by itself.
"""

import argparse
import asyncio
import os
import statistics
import time
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
from common import CX360, DEFAULT_ADMIN_URL, plain_dsn, scratch_database, server

from api.db import create_engine, create_session_factory
from models import Role
from resolvers import keys

TARGET_MS = 20.0
WARM_UP = 3
PAGE = "first: 50"


def listing(field: str, arguments: str) -> str:
    inner = f"{PAGE}, {arguments}" if arguments else PAGE
    leaf = "state" if field == "followUps" else "id"  # a follow-up has no id of its own
    return f"{{ {field}({inner}) {{ totalCount edges {{ node {{ {leaf} }} }} }} }}"


async def values(url: str) -> dict[str, Any]:
    """Realistic filter values: the most used of each, windows ending at the newest row."""
    connection = await asyncpg.connect(plain_dsn(url))
    try:

        async def top(sql: str) -> Any:
            return await connection.fetchval(sql)

        newest_ticket = await top("SELECT max(created_at) FROM ticket")
        newest_touchpoint = await top("SELECT max(occurred_at) FROM touchpoint")
        newest_customer = await top("SELECT max(created_at) FROM customer")
        name = str(await top("SELECT name FROM customer ORDER BY id LIMIT 1"))
        return {
            "segment": await top(
                "SELECT segment FROM customer WHERE segment IS NOT NULL "
                "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
            ),
            "search": name.split()[-1][:5],
            "assignee": await top(
                "SELECT assignee FROM ticket WHERE assignee IS NOT NULL "
                "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
            ),
            "follow_up_assignee": await top(
                "SELECT t.assignee FROM follow_up f JOIN ticket t ON t.id = f.ticket_id "
                "WHERE t.assignee IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
            ),
            "action_kind": await top(
                "SELECT kind FROM next_action GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
            ),
            "kind": await top(
                "SELECT kind FROM touchpoint GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
            ),
            "ticket_week": (newest_ticket - timedelta(days=7)).isoformat(),
            "touchpoint_week": (newest_touchpoint - timedelta(days=7)).isoformat(),
            "customer_month": (newest_customer - timedelta(days=30)).isoformat(),
            "customer_end": newest_customer.isoformat(),
        }
    finally:
        await connection.close()


def cases(v: dict[str, Any]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    orders = {
        "customers": ("CREATED_AT", "NAME", "LIFETIME_VALUE", "HEALTH_SCORE"),
        "tickets": ("CREATED_AT", "PRIORITY", "FIRST_RESPONSE_DUE", "RESOLUTION_DUE"),
    }
    for field in ("customers", "tickets", "touchpoints", "followUps", "nextBestActions"):
        found.append((f"{field}, default order", listing(field, "")))
        for order in orders.get(field, ()):
            for direction in ("ASC", "DESC"):
                arguments = f"orderBy: {{field: {order}, direction: {direction}}}"
                found.append((f"{field}, {order} {direction}", listing(field, arguments)))
    filters = {
        "customers": [
            f'search: "{v["search"]}"',
            f'segment: "{v["segment"]}"',
            "stage: ADVOCACY",
            "churned: true",
            f'createdFrom: "{v["customer_month"]}"',
            f'createdTo: "{v["customer_month"]}"',
            "healthLevel: AT_RISK",
            f"hasAction: {v['action_kind']}",
        ],
        "tickets": [
            "status: [OPEN]",
            "priority: [URGENT]",
            "channel: [CHAT]",
            f'assignee: "{v["assignee"]}"',
            f'from: "{v["ticket_week"]}"',
            f'to: "{v["ticket_week"]}"',
            "slaState: [BREACHED]",
        ],
        "touchpoints": [
            "channel: [PHONE]",
            "stage: [ADVOCACY]",
            "team: [SUPPORT]",
            f'kind: ["{v["kind"]}"]',
            f'from: "{v["touchpoint_week"]}"',
            f'to: "{v["touchpoint_week"]}"',
        ],
        "followUps": [
            "state: [DUE]",
            "priority: [URGENT]",
            "channel: [EMAIL]",
            f'assignee: "{v["follow_up_assignee"]}"',
        ],
        "nextBestActions": [
            "team: [SUPPORT]",
            f"kind: [{v['action_kind']}]",
            f'segment: "{v["segment"]}"',
            "priority: [URGENT]",
        ],
    }
    for field, conditions in filters.items():
        for condition in conditions:
            found.append((f"{field}, {condition}", listing(field, f"filter: {{{condition}}}")))
    return found


async def key_for(url: str) -> str:
    engine = create_engine(url)
    try:
        sessions = create_session_factory(engine)
        return (await keys.create_key(sessions, "bench-lists", Role.ADMIN, replace=True)).token
    finally:
        await engine.dispose()


async def measure(url: str, requests: int) -> None:
    token = await key_for(url)
    found = await values(url)
    headers = {"Authorization": f"Bearer {token}"}
    rows = []
    settings = {
        "debug": "1",
        "scheduler": "0",
        "rate_limit_capacity": "1000000000000",
        "rate_limit_per_second": "1000000000000",
    }
    async with server(url, **settings) as port, httpx.AsyncClient(timeout=60) as client:
        endpoint = f"http://127.0.0.1:{port}/graphql"
        for label, query in cases(found):
            samples = []
            answer: Any = None
            for n in range(WARM_UP + requests):
                started = time.perf_counter()
                response = await client.post(endpoint, json={"query": query}, headers=headers)
                elapsed = (time.perf_counter() - started) * 1000
                answer = response.json()
                if response.status_code != 200 or answer.get("errors"):
                    raise SystemExit(f"{label}: {response.status_code} {str(answer)[:300]}")
                if n >= WARM_UP:
                    samples.append(elapsed)
            (top,) = answer["data"].values()
            path = answer.get("extensions", {}).get("readPath", {}).get("path", "?")
            p50 = statistics.median(samples)
            p95 = statistics.quantiles(samples, n=20)[-1]
            rows.append((label, p50, p95, path, top["totalCount"]))
            mark = "  OVER" if p50 > TARGET_MS else ""
            print(f"{label:<58} {p50:7.1f} {p95:7.1f}  {path:<9} {top['totalCount']:>9}{mark}")
    over = [r for r in rows if r[1] > TARGET_MS]
    print(f"\n{len(rows)} pages, {len(over)} with p50 over {TARGET_MS:g} ms\n")
    print("| list, order or filter | p50 ms | p95 ms | read path | totalCount |")
    print("| --- | --- | --- | --- | --- |")
    for label, p50, p95, path, total in rows:
        shown = f"**{p50:.1f}**" if p50 > TARGET_MS else f"{p50:.1f}"
        print(f"| `{label}` | {shown} | {p95:.1f} | {path} | {total:,} |")


async def command(url: str, *arguments: str) -> None:
    """`cx360 <arguments>` on `url`, its output kept unless it fails."""
    process = await asyncio.create_subprocess_exec(
        CX360,
        *arguments,
        env={**os.environ, "CX360_DATABASE_URL": url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"cx360 {' '.join(arguments)} failed:\n{output.decode()[-2000:]}")


async def settle(url: str) -> None:
    """The database at the code's schema, vacuumed with fresh planner statistics, as
    autovacuum keeps a database that is not being bulk-loaded (index-only scans then
    skip the heap)."""
    await command(url, "migrate")
    connection = await asyncpg.connect(plain_dsn(url))
    try:
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()


async def run(args: argparse.Namespace) -> None:
    if args.database_url:
        await settle(args.database_url)
        await measure(args.database_url, args.requests)
        return
    async with scratch_database(args.admin_url, "cx360_bench_lists") as url:
        await command(url, "migrate")
        started = time.perf_counter()
        await command(url, "seed", "--customers", str(args.customers))
        print(f"seeded {args.customers} customers in {time.perf_counter() - started:.0f} s")
        await settle(url)
        await measure(url, args.requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="a seeded database (kept)")
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
