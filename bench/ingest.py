"""Ingestion throughput: recordTouchpoints over HTTP vs raw asyncpg executemany, same run.

Creates a scratch PostgreSQL database, migrates it, seeds 200 customers, starts
`cx360 serve` on 127.0.0.1, sends a bounded number of events in batches of 100 and of
1000 from concurrent clients, then inserts the same number of rows with asyncpg's
`executemany` straight into the table. Prints events/s and batch latencies, then drops
the database. Everything stays on 127.0.0.1 and stops by itself.

    .venv/bin/python bench/ingest.py [--events 20000] [--clients 4]
"""

import argparse
import asyncio
import base64
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
from common import DEFAULT_ADMIN_URL, plain_dsn, scratch_database, server

from api.db import create_engine, create_session_factory
from api.migrate import upgrade_engine
from models import Role
from resolvers import keys, seed

RECORD = (
    "mutation($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) "
    "{ created duplicates userErrors { message } } }"
)
KINDS = [
    ("page_view", "WEB", "MARKETING", "CONSIDERATION"),
    ("app_login", "APP", "PRODUCT", "RETENTION"),
    ("purchase", "WEB", "SALES", "DECISION"),
]


def make_events(customer_ids: list[uuid.UUID], count: int, tag: str) -> list[dict[str, Any]]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    events = []
    for n in range(count):
        kind, channel, team, stage = KINDS[n % len(KINDS)]
        events.append(
            {
                "customer_id": customer_ids[n % len(customer_ids)],
                "occurred_at": start + timedelta(seconds=n * 37),
                "kind": kind,
                "channel": channel,
                "team": team,
                "stage": stage,
                "value": "19.90" if kind == "purchase" else None,
                "currency": "USD" if kind == "purchase" else None,
                "source": "bench",
                "external_id": f"{tag}-{n}",
            }
        )
    return events


def as_graphql(event: dict[str, Any], global_ids: dict[uuid.UUID, str]) -> dict[str, Any]:
    return {
        "customer": {"id": global_ids[event["customer_id"]]},
        "occurredAt": event["occurred_at"].isoformat(),
        "channel": event["channel"],
        "stage": event["stage"],
        "team": event["team"],
        "kind": event["kind"],
        "value": event["value"],
        "currency": event["currency"],
        "source": event["source"],
        "externalId": event["external_id"],
    }


async def through_api(
    port: int, key: str, batches: list[list[dict[str, Any]]], clients: int
) -> tuple[float, list[float]]:
    queue: asyncio.Queue[list[dict[str, Any]]] = asyncio.Queue()
    for batch in batches:
        queue.put_nowait(batch)
    latencies: list[float] = []

    async def client() -> None:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            timeout=120,
            headers={"Authorization": f"Bearer {key}"},
        ) as http:
            while not queue.empty():
                batch = queue.get_nowait()
                began = time.perf_counter()
                response = await http.post(
                    "/graphql", json={"query": RECORD, "variables": {"t": batch}}
                )
                latencies.append(time.perf_counter() - began)
                result = response.json()["data"]["recordTouchpoints"]
                assert result["userErrors"] == [], result
                assert result["created"] == len(batch), result

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return time.perf_counter() - began, latencies


async def raw_executemany(dsn: str, events: list[dict[str, Any]]) -> float:
    connection = await asyncpg.connect(dsn)
    rows = [
        (
            uuid.uuid4(),
            e["customer_id"],
            e["occurred_at"],
            e["channel"],
            e["stage"],
            e["team"],
            e["kind"],
            None,
            int(float(e["value"]) * 100) if e["value"] else None,
            e["currency"],
            None,
            e["source"],
            e["external_id"],
            None,
            datetime.now(UTC),
        )
        for e in events
    ]
    began = time.perf_counter()
    await connection.executemany(
        "INSERT INTO touchpoint (id, customer_id, occurred_at, channel, stage, team, kind, summary,"
        " value_cents, currency, sentiment, source, external_id, attributes, recorded_at)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)",
        rows,
    )
    elapsed = time.perf_counter() - began
    await connection.close()
    return elapsed


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--events", type=int, default=20000, help="events per measurement")
    parser.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients")
    args = parser.parse_args()

    async with scratch_database(args.admin_url, "cx360_bench_ingest") as url:
        engine = create_engine(url)
        await upgrade_engine(engine)
        data = seed.generate(200, seed=1, anchor=datetime(2026, 1, 1, tzinfo=UTC))
        await seed.write(engine, data, lambda _: None)
        key = (await keys.create_key(create_session_factory(engine), "bench", Role.ADMIN)).token
        await engine.dispose()
        customer_ids = [c["id"] for c in data.customers]
        global_ids = {c: base64.b64encode(f"Customer:{c}".encode()).decode() for c in customer_ids}
        async with server(url) as port:
            print(
                f"PostgreSQL, {args.events} events per run, {args.clients} concurrent clients, "
                "1 server worker\n"
            )
            print(f"{'path':<34} {'events/s':>9} {'batch p50 ms':>13} {'batch p99 ms':>13}")
            results: dict[str, float] = {}
            for size in (100, 1000):
                events = make_events(customer_ids, args.events, f"api{size}-{uuid.uuid4().hex[:6]}")
                batches = [
                    [as_graphql(e, global_ids) for e in events[i : i + size]]
                    for i in range(0, len(events), size)
                ]
                await through_api(port, key, batches[:2], 1)  # warm-up: created as extra rows
                elapsed, latencies = await through_api(port, key, batches[2:], args.clients)
                sent = sum(len(b) for b in batches[2:])
                results[f"api{size}"] = sent / elapsed
                print(
                    f"{f'recordTouchpoints, batches of {size}':<34} {sent / elapsed:>9.0f} "
                    f"{statistics.median(latencies) * 1000:>13.1f} "
                    f"{percentile(latencies, 0.99) * 1000:>13.1f}"
                )
        raw = await raw_executemany(plain_dsn(url), make_events(customer_ids, args.events, "raw"))
        results["raw"] = args.events / raw
        print(f"{'raw asyncpg executemany':<34} {results['raw']:>9.0f} {'-':>13} {'-':>13}")
        print(
            f"\nratio to raw inserts: batches of 100 = {results['api100'] / results['raw']:.2f}, "
            f"batches of 1000 = {results['api1000'] / results['raw']:.2f}"
        )


if __name__ == "__main__":
    asyncio.run(main())
