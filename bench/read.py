"""Dashboard reads: cx360's resolver path, its compiled path and PostGraphile, in one run.

    .venv/bin/python bench/read.py [--seconds 15] [--customers 10000] [--reseed]
        [--servers resolvers,compiled,compiled-noaudit,postgraphile] [--database cx360_bench]
        [--audit-rounds N]

Seeds 10,000 customers on PostgreSQL (database `cx360_bench`, ~205k touchpoints, ~19k
tickets, ~12k survey responses; reused while it holds that many customers), then
drives each server in turn with wrk (16 connections, 127.0.0.1, a 3 s warm-up, then
`--seconds`) on the three dashboard queries in examples/ (support queue, customer page
with its timeline, marketing journeys) and the customer 360 page as MARKETING sees it
(masked email and phone, `attributes`, `metrics`: which path served it is printed, not
required), each with its team's key:

- cx360 with compiled reads off (resolvers and dataloaders), 1 worker;
- cx360 with compiled reads on (the default), 1 worker;
- cx360 with compiled reads on and the read audit off (`--servers compiled-noaudit`:
  what recording who read personal data costs; the support queue and the customer page
  show emails to their keys, so each response records entries);
- PostGraphile 5 on the same database (bench/postgraphile.sh), with the
  equivalent query written against the schema it generates (PEER_QUERIES below).

Every server's answer is checked first (data, no errors; on cx360, which path served
it), and any non-2xx answer under load is reported. Beside each rate: the CPU one request
cost the server's processes and PostgreSQL's (every `postgres` process, the writers of
what the read audit stores included), read from /proc around the load; wrk's own is in
neither. On a machine whose cores are all busy, the rate follows their sum. Needs `wrk`
(apt-get install wrk) and Node/npm for PostGraphile (the script installs it under /tmp).
Stops by itself.
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from common import (
    CX360,
    DEFAULT_ADMIN_URL,
    cpu_spent,
    plain_dsn,
    process_times,
    server,
    serving_process,
)
from sqlalchemy.engine import make_url

from api.db import create_engine, create_session_factory
from models import Role
from resolvers import journey_facts, keys
from schema.node import to_global_id

ROOT = Path(__file__).resolve().parent.parent
PEER = ROOT / "bench" / "postgraphile.sh"
DATABASE = "cx360_bench"
CONNECTIONS = 16
DASHBOARDS: dict[str, tuple[str, Role]] = {
    "support queue": ("support/queue_dashboard", Role.SUPPORT),
    "customer page": ("sales/customer_page", Role.SALES),
    "marketing journeys": ("marketing/journeys_dashboard", Role.MARKETING),
    "marketing 360": ("marketing/customer_360", Role.MARKETING),
}
# Pages whose read path is reported rather than required (the customer 360 page for
# MARKETING, with masked fields, `attributes` and `metrics`: compiled since issue 16).
REPORTED = {"marketing 360"}
# The same reads against PostGraphile's generated schema. Differences it forces: no
# IN filter without a plugin (the queue reads OPEN tickets only), no union (the page
# reads touchpoints, tickets and responses as three lists), no computed money or
# seconds fields, no masking (emails come in clear).
PEER_QUERIES: dict[str, str] = {
    "support queue": """{
  allTickets(first: 50, condition: {status: "OPEN"},
             orderBy: [PRIORITY_DESC, CREATED_AT_ASC, ID_ASC]) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      id subject status priority channel assignee createdAt firstResponseAt
      contactCount reopenCount
      customerByCustomerId {
        id name email segment stage
        touchpointsByCustomerId(first: 5, orderBy: [OCCURRED_AT_DESC, ID_DESC]) {
          edges { node { occurredAt channel kind summary } } }
        ticketsByCustomerId(first: 5, orderBy: [CREATED_AT_DESC, ID_DESC]) {
          totalCount edges { node { id subject status createdAt resolvedAt } } }
      }
    } }
  }
}""",
    "customer page": """query($id: UUID!) {
  customerById(id: $id) {
    id name email phone company segment stage createdAt churnedAt
    customerExternalIdsByCustomerId { nodes { source externalId } }
    touchpointsByCustomerId(first: 50, orderBy: [OCCURRED_AT_DESC, ID_DESC]) {
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id occurredAt channel kind summary valueCents currency sentiment } }
    }
    ticketsByCustomerId(first: 10, orderBy: [CREATED_AT_DESC, ID_DESC]) {
      totalCount edges { node { id subject status priority createdAt resolvedAt } }
    }
    surveyResponsesByCustomerId(first: 10, orderBy: [RESPONDED_AT_DESC, ID_DESC]) {
      totalCount edges { node { id score comment respondedAt
        surveyBySurveyId { kind question } } }
    }
  }
}""",
    "marketing journeys": """query($segment: String) {
  allCustomers(first: 50, condition: {segment: $segment}, orderBy: [CREATED_AT_DESC, ID_DESC]) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id name email segment stage createdAt
      touchpointsByCustomerId(first: 10, orderBy: [OCCURRED_AT_DESC, ID_DESC]) {
        edges { node { occurredAt channel stage team kind valueCents sentiment } } }
      ticketsByCustomerId(first: 5, orderBy: [CREATED_AT_DESC, ID_DESC]) {
        edges { node { subject status priority } } }
      surveyResponsesByCustomerId(first: 5, orderBy: [RESPONDED_AT_DESC, ID_DESC]) {
        edges { node { score respondedAt surveyBySurveyId { kind } } } }
    } }
  }
}""",
    "marketing 360": """query($id: UUID!) {
  customerById(id: $id) {
    id name email phone company segment stage createdAt churnedAt attributes
    customerExternalIdsByCustomerId { nodes { source externalId } }
    touchpointsByCustomerId(first: 20, orderBy: [OCCURRED_AT_DESC, ID_DESC]) {
      pageInfo { hasNextPage endCursor }
      edges { node { occurredAt channel stage kind summary valueCents attributes } }
    }
    ticketsByCustomerId(first: 20, orderBy: [CREATED_AT_DESC, ID_DESC]) {
      edges { node { createdAt subject status priority } }
    }
    surveyResponsesByCustomerId(first: 20, orderBy: [RESPONDED_AT_DESC, ID_DESC]) {
      edges { node { respondedAt score surveyBySurveyId { kind } } }
    }
  }
}""",
}


@dataclass
class Figures:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    failed: int
    response_bytes: int
    # CPU milliseconds per request the server's processes and PostgreSQL's spent under
    # the load (wrk's own are neither): what each request costs the machine's cores.
    server_cpu_ms: float = 0.0
    database_cpu_ms: float = 0.0


async def migrate(url: str) -> None:
    """A reused database gets this checkout's migrations (idempotent)."""
    process = await asyncio.create_subprocess_exec(
        CX360, "migrate", env={**os.environ, "CX360_DATABASE_URL": url}
    )
    if await process.wait() != 0:
        raise SystemExit("cx360 migrate failed")


async def bench_database(
    admin_url: str, customers: int, reseed: bool, database: str = DATABASE
) -> str:
    url = make_url(admin_url).set(database=database).render_as_string(False)
    admin = await asyncpg.connect(plain_dsn(admin_url))
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if exists and not reseed:
            found = await asyncpg.connect(plain_dsn(url))
            try:
                have = await found.fetchval(
                    "SELECT count(*) FROM customer WHERE merged_into_id IS NULL"
                )
            except asyncpg.UndefinedTableError:
                have = 0
            finally:
                await found.close()
            if have == customers:
                print(f"reusing {database}: {have} customers")
                await migrate(url)
                await settle(url)
                await analyze(url)
                return url
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{database}"')
    finally:
        await admin.close()
    env = {**os.environ, "CX360_DATABASE_URL": url}
    seed = ["--customers", str(customers), "--seed", "7", "--anchor", "2026-11-01T00:00:00Z"]
    for command in ([CX360, "migrate"], [CX360, "seed", *seed]):
        process = await asyncio.create_subprocess_exec(*command, env=env)
        if await process.wait() != 0:
            raise SystemExit(f"{' '.join(command)} failed")
    await settle(url)
    await analyze(url)
    return url


async def settle(url: str) -> None:
    """The journey facts of every customer a seed marked, caught up now: otherwise the
    first server's scheduler does it while that server is measured."""
    engine = create_engine(url)
    try:
        cleared = await journey_facts.catch_up(create_session_factory(engine))
    finally:
        await engine.dispose()
    if cleared:
        print(f"caught up the journey facts of {cleared} customers")


async def analyze(url: str) -> None:
    """Fresh planner statistics: every server then gets the same, sensible plans."""
    connection = await asyncpg.connect(plain_dsn(url))
    try:
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


async def bench_keys(url: str) -> dict[Role, str]:
    engine = create_engine(url)
    try:
        sessions = create_session_factory(engine)
        issued = {}
        for role in {role for _, role in DASHBOARDS.values()}:
            name = f"bench-{role.value.lower()}"
            issued[role] = (await keys.create_key(sessions, name, role, replace=True)).token
        return issued
    finally:
        await engine.dispose()


async def audit_entries(url: str) -> int:
    """Rows in the read audit: what an audited run wrote (every server flushes at exit)."""
    connection = await asyncpg.connect(plain_dsn(url))
    try:
        return int(await connection.fetchval("SELECT count(*) FROM read_audit_entry"))
    finally:
        await connection.close()


async def busiest_customer(url: str) -> str:
    connection = await asyncpg.connect(plain_dsn(url))
    try:
        found = await connection.fetchval(
            "SELECT customer_id FROM touchpoint GROUP BY customer_id ORDER BY count(*) DESC, "
            "customer_id LIMIT 1"
        )
    finally:
        await connection.close()
    return str(found)


def parse_duration_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def wrk(
    url: str,
    body: dict[str, Any],
    headers: dict[str, str],
    seconds: int,
    is_server: Callable[[str, int], bool] | None = None,
) -> Figures:
    """wrk's figures for one request; with `is_server` (of a process's name and session
    id), the CPU the server and PostgreSQL spent per request too."""
    script_lines = [
        'wrk.method = "POST"',
        f"wrk.body = {json.dumps(json.dumps(body))}",
        'wrk.headers["Content-Type"] = "application/json"',
        *(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()),
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write("\n".join(script_lines) + "\n")
    try:
        base = ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-s", script.name, "--latency"]
        subprocess.run([*base, "-d", "3s", url], check=True, capture_output=True)  # warm-up
        before = process_times()
        output = subprocess.run(
            [*base, "-d", f"{seconds}s", "--timeout", "10s", url],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        server_cpu, database_cpu = (
            cpu_spent(before, process_times(), is_server) if is_server else (0.0, 0.0)
        )
    finally:
        os.unlink(script.name)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = parse_duration_ms(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = parse_duration_ms(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: .*timeout (\d+)", output)
    total_failed = (int(failed.group(1)) if failed else 0) + (int(errors.group(1)) if errors else 0)
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    per_request = 1000 / max(requests, 1)
    return Figures(
        rate, p50, p99, total_failed, 0, server_cpu * per_request, database_cpu * per_request
    )


def cpu(figures: Figures) -> str:
    """The CPU a request cost, as printed beside its rate."""
    return (
        f"  (CPU per request: server {figures.server_cpu_ms:.2f} ms, "
        f"PostgreSQL {figures.database_cpu_ms:.2f} ms)"
    )


async def check(url: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, Any]:
    """One answer, which must hold data and no errors: its size and its readPath."""
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(url, json=body, headers=headers)
    answer = response.json()
    if response.status_code != 200 or answer.get("errors") or not answer.get("data"):
        raise SystemExit(f"{url} answered badly: {response.text[:500]}")
    return len(response.content), (answer.get("extensions") or {}).get("readPath")


async def run_cx360(
    url: str,
    tokens: dict[Role, str],
    variables: dict[str, Any],
    seconds: int,
    compiled: bool,
    workers: int,
    read_audit: bool = True,
) -> dict[str, Figures]:
    label = "compiled" if compiled else "resolvers"
    shown = label if read_audit else "no audit"
    results = {}
    settings = {
        "compiled_reads": "1" if compiled else "0",
        "read_audit": "1" if read_audit else "0",
        "debug": "1",
        "rate_limit_capacity": "1000000000000",
        "rate_limit_per_second": "1000000000000",
        "workers": str(workers),
    }
    before = await audit_entries(url)
    async with serving_process(url, **settings) as (port, process):
        endpoint = f"http://127.0.0.1:{port}/graphql"
        session = process.pid  # `cx360 serve` leads a session of its own, workers and all
        for name, (example, role) in DASHBOARDS.items():
            body = {"query": (ROOT / "examples" / f"{example}.graphql").read_text()}
            body["variables"] = variables
            headers = {"Authorization": f"Bearer {tokens[role]}"}
            size, path = await check(endpoint, body, headers)
            if name in REPORTED:
                print(f"  cx360 {shown:9} {name:18} served by {path}")
            elif path["path"] != label:
                raise SystemExit(f"{name}: served by {path}, expected {label}")
            figures = wrk(endpoint, body, headers, seconds, lambda _, sid: sid == session)
            figures.response_bytes = size
            results[name] = figures
            rate = figures.requests_per_second
            print(f"  cx360 {shown:9} {name:18} {rate:7.1f} req/s{cpu(figures)}")
        await asyncio.sleep(1.5)  # the last flush interval: the server is killed, not stopped
    print(f"  read audit entries written: {await audit_entries(url) - before}")
    return results


async def audit_cost(
    url: str, tokens: dict[Role, str], variables: dict[str, Any], seconds: int, rounds: int
) -> str:
    """Compiled reads with the read audit on and off, both servers up at once and loaded
    in turn (on, off, on, off...) on the support queue, so a shared machine's drift hits
    both alike; the ratio of the medians."""
    example, role = DASHBOARDS["support queue"]
    body = {"query": (ROOT / "examples" / f"{example}.graphql").read_text()}
    body["variables"] = variables
    headers = {"Authorization": f"Bearer {tokens[role]}"}
    common = {
        "debug": "1",
        "rate_limit_capacity": "1000000000000",
        "rate_limit_per_second": "1000000000000",
    }
    rates: dict[str, list[float]] = {"on": [], "off": []}
    async with (
        server(url, **common, read_audit="1") as on,
        server(url, **common, read_audit="0") as off,
    ):
        ports = {"on": on, "off": off}
        for label, port in ports.items():
            _, path = await check(f"http://127.0.0.1:{port}/graphql", body, headers)
            if path["path"] != "compiled":
                raise SystemExit(f"audit {label}: served by {path}")
        for _ in range(rounds):
            for label, port in ports.items():
                figures = wrk(f"http://127.0.0.1:{port}/graphql", body, headers, seconds)
                rates[label].append(figures.requests_per_second)
                rate = figures.requests_per_second
                print(f"  support queue, read audit {label:3} {rate:7.1f} req/s")
        await asyncio.sleep(1.5)  # the last flush interval: the servers are killed
    on_rate, off_rate = statistics.median(rates["on"]), statistics.median(rates["off"])
    return (
        f"support queue, compiled, {rounds} alternating runs of {seconds} s each: read audit "
        f"on {', '.join(f'{r:.0f}' for r in rates['on'])} req/s (median {on_rate:.0f}), off "
        f"{', '.join(f'{r:.0f}' for r in rates['off'])} (median {off_rate:.0f}): "
        f"on / off = {on_rate / off_rate:.2f}x"
    )


def peer(command: str, url: str) -> None:
    dsn = plain_dsn(url)
    env = {**os.environ, "PEER_DSN": dsn, "PEER_TTL": "900"}
    subprocess.run(["bash", str(PEER), command], env=env, check=True, stdout=subprocess.DEVNULL)


async def run_postgraphile(url: str, customer_id: str, seconds: int) -> dict[str, Figures]:
    peer_dir = Path(os.environ.get("PEER_DIR", tempfile.gettempdir() + "/cx360-peer"))
    if not (peer_dir / "node_modules" / "postgraphile").exists():
        peer("install", url)
    peer("start", url)
    endpoint = "http://127.0.0.1:5001/graphql"
    variables = {"id": customer_id, "segment": "smb"}
    results = {}
    try:
        for name, query in PEER_QUERIES.items():
            body = {"query": query, "variables": variables}
            size, _ = await check(endpoint, body, {})
            # PostGraphile is the one Node process (bench/postgraphile.sh starts it).
            figures = wrk(endpoint, body, {}, seconds, lambda name, _: name == "node")
            figures.response_bytes = size
            results[name] = figures
            rate = figures.requests_per_second
            print(f"  PostGraphile       {name:18} {rate:7.1f} req/s{cpu(figures)}")
    finally:
        peer("stop", url)
    return results


def table(runs: dict[str, dict[str, Figures]]) -> str:
    lines = [
        "| query | server | req/s | p50 ms | p99 ms | bytes | failed | CPU ms/request: "
        "server, PostgreSQL |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in DASHBOARDS:
        for server_name, results in runs.items():
            f = results[name]
            lines.append(
                f"| {name} | {server_name} | {f.requests_per_second:.0f} | {f.p50_ms:.1f} | "
                f"{f.p99_ms:.1f} | {f.response_bytes} | {f.failed} | "
                f"{f.server_cpu_ms:.2f}, {f.database_cpu_ms:.2f} |"
            )
    if "cx360 compiled" in runs and "cx360 compiled, read audit off" in runs:
        lines += ["", "| query | compiled, read audit on / off |", "|---|---|"]
        for name in DASHBOARDS:
            on = runs["cx360 compiled"][name].requests_per_second
            off = runs["cx360 compiled, read audit off"][name].requests_per_second
            lines.append(f"| {name} | {on / off:.2f}x |")
    if not {"cx360 compiled", "cx360 resolvers", "PostGraphile 5"} <= set(runs):
        return "\n".join(lines)
    lines += ["", "| query | compiled / PostGraphile | compiled / resolvers |", "|---|---|---|"]
    for name in DASHBOARDS:
        compiled = runs["cx360 compiled"][name].requests_per_second
        peer_rate = runs["PostGraphile 5"][name].requests_per_second
        resolvers = runs["cx360 resolvers"][name].requests_per_second
        lines.append(f"| {name} | {compiled / peer_rate:.2f}x | {compiled / resolvers:.1f}x |")
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--workers", type=int, default=1, help="cx360 worker processes")
    parser.add_argument(
        "--database", default=DATABASE, help="the scratch database (kept between runs)"
    )
    parser.add_argument(
        "--audit-rounds",
        type=int,
        default=0,
        help="instead of the servers: the read audit's cost, this many alternating runs",
    )
    parser.add_argument(
        "--servers",
        default="resolvers,compiled,postgraphile",
        help="which to run, of resolvers, compiled, compiled-noaudit, postgraphile (the "
        "path ratios need resolvers, compiled and postgraphile; the audit's cost compiled "
        "and compiled-noaudit)",
    )
    args = parser.parse_args()
    chosen = set(args.servers.split(","))
    if shutil.which("wrk") is None:
        raise SystemExit("bench/read.py needs wrk: apt-get install wrk")
    url = await bench_database(args.admin_url, args.customers, args.reseed, args.database)
    tokens = await bench_keys(url)
    customer_id = await busiest_customer(url)
    variables = {"id": to_global_id("Customer", uuid.UUID(customer_id)), "segment": "smb"}
    print(
        f"load: wrk, {CONNECTIONS} connections, {args.seconds} s per query after a 3 s "
        f"warm-up; cx360 with {args.workers} worker(s)"
    )
    if args.audit_rounds:
        print(await audit_cost(url, tokens, variables, args.seconds, args.audit_rounds))
        return
    runs = {}
    if "resolvers" in chosen:
        runs["cx360 resolvers"] = await run_cx360(
            url, tokens, variables, args.seconds, False, args.workers
        )
    if "compiled" in chosen:
        runs["cx360 compiled"] = await run_cx360(
            url, tokens, variables, args.seconds, True, args.workers
        )
    if "compiled-noaudit" in chosen:
        runs["cx360 compiled, read audit off"] = await run_cx360(
            url, tokens, variables, args.seconds, True, args.workers, read_audit=False
        )
    if "postgraphile" in chosen:
        runs["PostGraphile 5"] = await run_postgraphile(url, customer_id, args.seconds)
    print()
    print(table(runs))


if __name__ == "__main__":
    asyncio.run(main())
