"""Ingestion throughput on PostgreSQL: the API's write paths beside raw asyncpg, same run.

Creates a scratch PostgreSQL database, migrates it, seeds 200 customers, starts
`cx360 serve` (1 worker) on 127.0.0.1, then stores EVENTS fresh events (default
200,000) per measurement, each with its own external ids, in this order:

- raw asyncpg `executemany` into `touchpoint`, CLIENTS connections, 1,000 rows per call
  (in customer order: the table's triggers lock customers, see raw_executemany);
- raw asyncpg `COPY` (`copy_records_to_table`), CLIENTS connections, 1,000 rows per call;
- `recordTouchpoints` over HTTP, batches of 1,000 from CLIENTS clients (fast path on);
- the same with the fast path off (CX360_FAST_WRITES=0, a second server): the full
  strawberry pipeline, for the before/after, on SLOW_EVENTS events (default 20,000:
  at the old rate 200,000 would take minutes);
- `bulkImport` of an EVENTS-line JSONL file (one event per line, recordTouchpoints):
  upload time, then the job's time from bulkImport to COMPLETED;
- raw `executemany` again, to see how the grown table moved the baseline.

Prints events/s and ratios to raw `executemany` (the mean of its two runs), then drops
the database. Everything stays on 127.0.0.1 and stops by itself.

    .venv/bin/python bench/ingest.py [--events 200000] [--clients 4]
"""

import argparse
import asyncio
import base64
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
from common import DEFAULT_ADMIN_URL, plain_dsn, scratch_database, server

from api.db import create_engine, create_session_factory
from api.migrate import upgrade_engine
from models import Role
from resolvers import keys, seed

BATCH = 1000
RECORD = (
    "mutation($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) "
    "{ created duplicates userErrors { message } } }"
)
STAGE = "mutation { stagedUpload { upload { url } userErrors { message } } }"
IMPORT = (
    "mutation($m: String!, $u: String!) { bulkImport(mutation: $m, uploadUrl: $u) "
    "{ bulkOperation { id } userErrors { message } } }"
)
STATUS = "query($id: ID!) { bulkOperation(id: $id) { status objectCount errorCount } }"
KINDS = [
    ("page_view", "WEB", "MARKETING", "CONSIDERATION"),
    ("app_login", "APP", "PRODUCT", "RETENTION"),
    ("purchase", "WEB", "SALES", "DECISION"),
]
COLUMNS = (
    "id, customer_id, occurred_at, channel, stage, team, kind, summary, value_cents, "
    "currency, sentiment, source, external_id, attributes, recorded_at"
)
IMPORT_DEADLINE_SECONDS = 1800


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


def as_row(e: dict[str, Any]) -> tuple[Any, ...]:
    return (
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


def batches_of(items: list[Any], size: int = BATCH) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


async def concurrently(
    batches: list[Any], clients: int, send: Callable[[Any, Any], Awaitable[None]], open_: Any
) -> tuple[float, list[float]]:
    """Seconds for `clients` workers (each with its own connection) to send every batch."""
    queue: asyncio.Queue[Any] = asyncio.Queue()
    for batch in batches:
        queue.put_nowait(batch)
    latencies: list[float] = []

    async def worker() -> None:
        async with open_() as connection:
            while not queue.empty():
                batch = queue.get_nowait()
                began = time.perf_counter()
                await send(connection, batch)
                latencies.append(time.perf_counter() - began)

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return time.perf_counter() - began, latencies


class Raw:
    def __init__(self, dsn: str) -> None:
        self.dsn = dsn

    async def __aenter__(self) -> asyncpg.Connection:
        self.connection = await asyncpg.connect(self.dsn)
        return self.connection

    async def __aexit__(self, *_: object) -> None:
        await self.connection.close()


async def raw_executemany(connection: asyncpg.Connection, rows: list[tuple[Any, ...]]) -> None:
    # One statement per row in one transaction. The table's triggers (lifetime value,
    # row counts) lock the customer each statement touches; in customer order, as the
    # app takes them, so two clients' transactions cannot deadlock on two customers.
    rows = sorted(rows, key=lambda row: row[1])
    await connection.executemany(
        f"INSERT INTO touchpoint ({COLUMNS}) VALUES "
        "($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)",
        rows,
    )


async def raw_copy(connection: asyncpg.Connection, rows: list[tuple[Any, ...]]) -> None:
    await connection.copy_records_to_table(
        "touchpoint", records=rows, columns=[c.strip() for c in COLUMNS.split(",")]
    )


def http(port: int, key: str) -> Callable[[], httpx.AsyncClient]:
    return lambda: httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", timeout=300, headers={"Authorization": f"Bearer {key}"}
    )


async def record_batch(client: httpx.AsyncClient, batch: list[dict[str, Any]]) -> None:
    response = await client.post("/graphql", json={"query": RECORD, "variables": {"t": batch}})
    assert response.status_code == 200, response.text[:500]
    result = response.json()["data"]["recordTouchpoints"]
    assert result["userErrors"] == [], result
    assert result["created"] == len(batch), result


async def bulk_import(port: int, key: str, lines: list[dict[str, Any]]) -> tuple[float, float]:
    """(upload seconds, job seconds from bulkImport to COMPLETED)."""
    body = b"".join(json.dumps({"t": [line]}).encode() + b"\n" for line in lines)
    async with http(port, key)() as client:

        async def ask(query: str, variables: dict[str, Any] | None = None) -> Any:
            found = await client.post("/graphql", json={"query": query, "variables": variables})
            data = found.json()
            assert "errors" not in data, data
            return data["data"]

        began = time.perf_counter()
        url = (await ask(STAGE))["stagedUpload"]["upload"]["url"]
        assert (await client.put(url, content=body)).status_code == 200
        uploaded = time.perf_counter()
        started = (await ask(IMPORT, {"m": RECORD, "u": url}))["bulkImport"]
        assert started["userErrors"] == [], started
        operation = started["bulkOperation"]["id"]
        while time.perf_counter() - uploaded < IMPORT_DEADLINE_SECONDS:
            state = (await ask(STATUS, {"id": operation}))["bulkOperation"]
            if state["status"] not in ("CREATED", "RUNNING"):
                break
            await asyncio.sleep(0.1)
        done = time.perf_counter()
        assert state == {"status": "COMPLETED", "objectCount": len(lines), "errorCount": 0}, state
        return uploaded - began, done - uploaded


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--events", type=int, default=200_000, help="events per measurement")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients")
    parser.add_argument(
        "--slow-events", type=int, default=20_000, help="events with the fast path off"
    )
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
        dsn, n, clients = plain_dsn(url), args.events, args.clients
        rows: dict[str, tuple[float, list[float]]] = {}

        def events(tag: str) -> list[dict[str, Any]]:
            return make_events(customer_ids, n, f"{tag}-{uuid.uuid4().hex[:6]}")

        async def raw(label: str, send: Any) -> None:
            batches = batches_of([as_row(e) for e in events(label)])
            rows[label] = await concurrently(batches, clients, send, lambda: Raw(dsn))

        async def api(label: str, port: int, count: int = n) -> None:
            batches = batches_of([as_graphql(e, global_ids) for e in events(label)][:count])
            async with http(port, key)() as warm:  # warm-up: two batches, extra rows
                for batch in batches_of([as_graphql(e, global_ids) for e in events("w")])[:2]:
                    await record_batch(warm, batch)
            rows[label] = await concurrently(batches, clients, record_batch, http(port, key))

        print(
            f"PostgreSQL, {n} events per measurement, {clients} concurrent clients, "
            "1 server worker, 200 customers\n"
        )
        await raw("raw executemany", raw_executemany)
        await raw("raw COPY", raw_copy)
        with tempfile.TemporaryDirectory() as files:
            async with server(url, bulk_dir=files, request_timeout_seconds="300") as port:
                await api("recordTouchpoints, fast path", port)
                lines = [as_graphql(e, global_ids) for e in events("import")]
                upload, job = await bulk_import(port, key, lines)
                rows["bulkImport (job only)"] = (job, [])
            async with server(
                url, fast_writes="0", bulk_operations="0", request_timeout_seconds="300"
            ) as port:
                await api("recordTouchpoints, fast path off", port, args.slow_events)
        await raw("raw executemany, again", raw_executemany)

        baseline = statistics.mean(
            n / rows[label][0] for label in ("raw executemany", "raw executemany, again")
        )
        print(
            f"{'path':<36} {'events/s':>9} {'ratio':>6} {'batch p50 ms':>13} {'batch p99 ms':>13}"
        )
        for label, (elapsed, latencies) in rows.items():
            rate = (args.slow_events if label.endswith("off") else n) / elapsed
            p50 = f"{statistics.median(latencies) * 1000:.1f}" if latencies else "-"
            p99 = f"{percentile(latencies, 0.99) * 1000:.1f}" if latencies else "-"
            print(f"{label:<36} {rate:>9.0f} {rate / baseline:>6.2f} {p50:>13} {p99:>13}")
        print(
            f"\nbulkImport: upload of the {n}-line file {upload:.1f} s, job {job:.1f} s; "
            f"upload and job together {n / (upload + job):.0f} events/s. Ratio: to the mean "
            f"raw executemany ({baseline:.0f} events/s)."
        )


if __name__ == "__main__":
    asyncio.run(main())
