"""bulkExport throughput and memory: every touchpoint of a large table to JSONL.

Creates a scratch PostgreSQL database, migrates it, seeds 1,000 customers and then
copies their touchpoints in SQL until the table holds `--rows` rows, starts
`cx360 serve` (1 worker, the bulk job runner on) on 127.0.0.1, runs
`bulkExport` of `{ touchpoints { edges { node { ... } } } }` as an ADMIN key and
measures, while it runs, the server's resident memory (RSS, sampled from /proc every
0.2 s; the kernel's high-water mark VmHWM too), the time from the mutation's answer to
the first byte of the file, and rows/s over the whole job. The peer in the same run:
the same rows read by one plain asyncpg cursor (`SELECT ... ORDER BY occurred_at DESC,
id DESC`) written as JSONL by orjson, the floor no GraphQL job can beat. The server is
killed and the database dropped at the end; `--timeout` bounds the job.

    .venv/bin/python bench/export.py [--rows 1000000] [--timeout 1800]
"""

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
from common import DEFAULT_ADMIN_URL, plain_dsn, seeded, serving_process

QUERY = (
    "{ touchpoints { edges { node { id occurredAt channel stage team kind source "
    "externalId value currency } } } }"
)
START = (
    "mutation($q: String!) { bulkExport(query: $q) { bulkOperation { id } "
    "userErrors { message } } }"
)
STATUS = "query($id: ID!) { bulkOperation(id: $id) { status objectCount fileSize errorCode } }"


async def grow_touchpoints(dsn: str, rows: int) -> int:
    """Copies the seeded touchpoints (new ids, shifted times) until `rows` exist."""
    connection = await asyncpg.connect(dsn)
    try:
        have = int(await connection.fetchval("SELECT count(*) FROM touchpoint"))
        base = have
        round_ = 0
        while have < rows:
            round_ += 1
            await connection.execute(
                """INSERT INTO touchpoint (id, customer_id, occurred_at, channel, stage, team,
                kind, summary, value_cents, currency, sentiment, source, external_id,
                attributes, recorded_at)
                SELECT gen_random_uuid(), customer_id,
                  occurred_at - make_interval(mins => g), channel, stage, team, kind,
                  summary, value_cents, currency, sentiment, source,
                  CASE WHEN external_id IS NULL THEN NULL
                       ELSE external_id || '-' || $1::text || '-' || g END,
                  attributes, recorded_at
                FROM (SELECT * FROM touchpoint ORDER BY id LIMIT $2) t,
                  generate_series(1, $3) g
                LIMIT $4""",
                str(round_),
                base,
                max(1, (rows - have) // base + 1),
                rows - have,
            )
            have = int(await connection.fetchval("SELECT count(*) FROM touchpoint"))
        await connection.execute("ANALYZE touchpoint")
        return have
    finally:
        await connection.close()


def memory(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of the process, in kB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


async def raw_peer(dsn: str, out: Path) -> float:
    """Seconds for one asyncpg cursor over every touchpoint, written as JSONL."""
    connection = await asyncpg.connect(dsn)
    began = time.perf_counter()
    try:
        with out.open("wb") as file:
            async with connection.transaction():
                async for row in connection.cursor(
                    "SELECT id, occurred_at, channel, stage, team, kind, source, external_id,"
                    " value_cents, currency FROM touchpoint ORDER BY occurred_at DESC, id DESC",
                    prefetch=1000,
                ):
                    file.write(orjson.dumps(dict(row), default=str) + b"\n")
    finally:
        await connection.close()
    return time.perf_counter() - began


async def run_export(
    port: int, pid: int, token: str, files: Path, limit_seconds: float
) -> dict[str, Any]:
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}",
        timeout=60,
        headers={"Authorization": f"Bearer {token}"},
    ) as http:

        async def ask(query: str, variables: dict[str, Any]) -> Any:
            body = await http.post("/graphql", json={"query": query, "variables": variables})
            return body.json()["data"]

        rss_before, _ = memory(pid)
        began = time.perf_counter()
        started = (await ask(START, {"q": QUERY}))["bulkExport"]
        assert started["userErrors"] == [], started
        operation = started["bulkOperation"]["id"]
        answered = time.perf_counter()
        first_byte: float | None = None
        peak = rss_before
        samples = 0
        last_poll = 0.0
        status: dict[str, Any] = {}
        while time.perf_counter() - began < limit_seconds:
            rss, _ = memory(pid)
            peak, samples = max(peak, rss), samples + 1
            if first_byte is None:
                written = [p for p in (files / "operations").glob("*.jsonl") if p.stat().st_size]
                if written:
                    first_byte = time.perf_counter() - answered
            if time.perf_counter() - last_poll > 1.0:
                last_poll = time.perf_counter()
                status = (await ask(STATUS, {"id": operation}))["bulkOperation"]
                if status["status"] not in ("CREATED", "RUNNING"):
                    break
            await asyncio.sleep(0.2)
        else:
            raise SystemExit(f"the export did not finish in {limit_seconds:.0f} s: {status}")
        elapsed = time.perf_counter() - answered
        _, hwm = memory(pid)
        return {
            "status": status,
            "seconds": elapsed,
            "first_byte": first_byte,
            "rss_before_mb": rss_before / 1024,
            "rss_peak_mb": peak / 1024,
            "hwm_mb": hwm / 1024,
            "samples": samples,
        }


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--rows", type=int, default=1_000_000, help="touchpoints to export")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds the job may take")
    args = parser.parse_args()

    async with seeded(args.admin_url, "cx360_bench_export", 1000) as (url, token):
        rows = await grow_touchpoints(plain_dsn(url), args.rows)
        with tempfile.TemporaryDirectory(prefix="cx360-bench-export-") as scratch:
            files = Path(scratch) / "files"
            served = serving_process(url, bulk_dir=str(files), scheduler="0", webhooks="0")
            async with served as (port, process):
                found = await run_export(port, process.pid, token, files, args.timeout)
            (produced,) = (files / "operations").glob("*.jsonl")
            size = produced.stat().st_size
            produced.unlink()
            raw = await raw_peer(plain_dsn(url), Path(scratch) / "raw.jsonl")
        status = found["status"]
        assert status["status"] == "COMPLETED", status
        assert status["objectCount"] == rows, status
        print(f"PostgreSQL, {rows} touchpoints, 1 server worker, bulk job runner in-process\n")
        print(f"bulkExport: {rows / found['seconds']:.0f} rows/s ({found['seconds']:.1f} s)")
        print(f"  file: {size / 1e6:.0f} MB; first byte {found['first_byte'] * 1000:.0f} ms")
        print(
            f"  server RSS: {found['rss_before_mb']:.0f} MB before, peak {found['rss_peak_mb']:.0f}"
            f" MB while exporting ({found['samples']} samples), VmHWM {found['hwm_mb']:.0f} MB"
        )
        print(f"raw asyncpg cursor + orjson: {rows / raw:.0f} rows/s ({raw:.1f} s)")
        print(f"ratio bulkExport / raw: {raw / found['seconds']:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
