"""Metric latency on a large PostgreSQL dataset, through the HTTP API.

Creates a scratch database, migrates it, and generates (in SQL, with generate_series)
50,000 customers, 1,000,000 survey responses, 500,000 tickets and 1,000,000 touchpoints
(300,000 purchases and 700,000 journey touchpoints over every stage, channel and team,
two thirds with a sentiment) spread over two years. Starts `cx360 serve` on 127.0.0.1
and times a bounded number of sequential requests for each query: `metrics` over the
whole window, `metrics` for one segment, a 12-month `metricsSeries`, the analyst
dashboard (the year's metrics, 12 months and the journey funnel in one request), and
`journeyPainPoints` over the year and for one segment. Drops the database at the end.

    .venv/bin/python bench/metrics.py [--runs 15] [--only journeyPainPoints] [--keep]
    .venv/bin/python bench/metrics.py --database-url <the kept database> --only journey
        [--compiled-reads 0]

A kept database is migrated to the code's schema and settled (journey facts caught up,
VACUUM ANALYZE) before it is timed.
"""

import argparse
import asyncio
import statistics
import time
import uuid

import asyncpg
import httpx
from common import DEFAULT_ADMIN_URL, plain_dsn, scratch_database, server

from api.db import create_engine, create_session_factory
from api.migrate import upgrade_engine
from models import Role
from resolvers import journey_facts, keys

ALL = """{ nps npsResponses csat ces ticketVolume resolutionRate firstContactResolutionRate
  firstResponseTime { count mean median p90 } resolutionTime { count mean median p90 }
  activeCustomers churnedCustomers churnRate revenue averageLifetimeValue }"""
PAIN = """{ stage channel touchpoints customers sentiment sentimentTouchpoints
  negativeShare ticketRate ticketCustomers stalled stalledCustomers }"""
YEAR = 'from: "2025-11-01T00:00:00Z", to: "2026-11-01T00:00:00Z"'
QUERIES = {
    "metrics, whole window (1 year)": f"{{ metrics(filter: {{{YEAR}}}) {ALL} }}",
    "metrics, one segment (1 year)": (
        f'{{ metrics(filter: {{{YEAR}, segment: "enterprise"}}) {ALL} }}'
    ),
    "metricsSeries, 12 months": (
        f"{{ metricsSeries(interval: MONTH, filter: {{{YEAR}}}) {{ start metrics {ALL} }} }}"
    ),
    # The analyst dashboard: the year's metrics, its 12 months (the series fields of
    # examples/analyst/cx_dashboard.graphql) and the journey funnel, in one request.
    "analyst dashboard (1 year)": (
        f"{{ metrics(filter: {{{YEAR}}}) {ALL} "
        f"metricsSeries(interval: MONTH, filter: {{{YEAR}}}) "
        "{ start end metrics { nps csat ticketVolume resolutionRate revenue } } "
        f"journeyFunnel(filter: {{{YEAR}}}) {{ stage reached conversion }} }}"
    ),
    "journeyPainPoints (1 year)": f"{{ journeyPainPoints(filter: {{{YEAR}}}) {PAIN} }}",
    "journeyPainPoints, one segment": (
        f'{{ journeyPainPoints(filter: {{{YEAR}, segment: "enterprise"}}) {PAIN} }}'
    ),
}

GENERATE = [
    """INSERT INTO customer (id, name, email, segment, stage, created_at, updated_at, churned_at)
       SELECT gen_random_uuid(), 'Customer ' || n, 'c' || n || '@bench.example',
              (ARRAY['enterprise','smb','smb','consumer','consumer','consumer'])[1 + n % 6],
              'RETENTION', ts, ts, CASE WHEN n % 9 = 0 THEN ts + interval '200 days' END
       FROM (SELECT n, timestamptz '2024-11-01' + (n % 700) * interval '1 day' AS ts
             FROM generate_series(1, 50000) n) s""",
    """INSERT INTO ticket (id, customer_id, subject, channel, status, priority, created_at,
                           updated_at, first_response_at, resolved_at, contact_count, reopen_count,
                           first_response_due_at, resolution_due_at, first_response_at_risk_at,
                           resolution_at_risk_at)
       SELECT gen_random_uuid(), c.id, 'Bench ticket',
              (ARRAY['EMAIL','CHAT','PHONE','SELF_SERVICE'])[1 + n % 4],
              (ARRAY['NEW','OPEN','PENDING','RESOLVED','CLOSED','CLOSED','RESOLVED'])[1 + n % 7],
              (ARRAY['LOW','NORMAL','HIGH','URGENT'])[1 + n % 4], ts, ts,
              CASE WHEN n % 7 > 0 THEN ts + (60 + n % 86400) * interval '1 second' END,
              CASE WHEN n % 7 >= 3 THEN ts + (3600 + n % 400000) * interval '1 second' END,
              1 + (n % 5 = 0)::int, (n % 13 = 0)::int,
              ts + interval '8 hours', ts + interval '3 days', ts + interval '6 hours',
              ts + interval '54 hours'
       FROM (SELECT n, timestamptz '2024-11-01' + (n * 127 % 63072000) * interval '1 second' AS ts,
                    n % 50000 AS k FROM generate_series(1, 500000) n) s
       JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM customer) c USING (k)""",
    """INSERT INTO survey_response (id, survey_id, survey_kind, customer_id, score, responded_at)
       SELECT gen_random_uuid(), sv.id, sv.kind, c.id,
              CASE sv.kind WHEN 'NPS' THEN n % 11 WHEN 'CSAT' THEN 1 + n % 5 ELSE 1 + n % 7 END,
              timestamptz '2024-11-01' + (n * 61 % 63072000) * interval '1 second'
       FROM generate_series(1, 1000000) n
       JOIN (SELECT id, kind, row_number() OVER (ORDER BY kind) - 1 AS j FROM survey) sv
         ON sv.j = n % 3
       JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM customer) c
         ON c.k = n % 50000""",
    """INSERT INTO touchpoint (id, customer_id, occurred_at, channel, stage, team, kind,
                               value_cents, currency, source, external_id, recorded_at)
       SELECT gen_random_uuid(), c.id, ts, 'WEB', 'RETENTION', 'SALES', 'purchase',
              1000 + n % 90000, 'USD', 'bench', 'p' || n, ts
       FROM (SELECT n, timestamptz '2024-11-01' + (n * 211 % 63072000) * interval '1 second' AS ts
             FROM generate_series(1, 300000) n) s
       JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM customer) c
         ON c.k = s.n % 50000""",
    # Journey touchpoints: later stages rarer (a funnel), channels and teams mixed.
    """INSERT INTO touchpoint (id, customer_id, occurred_at, channel, stage, team, kind,
                               sentiment, source, external_id, recorded_at)
       SELECT gen_random_uuid(), c.id, ts,
              (ARRAY['WEB','EMAIL','SOCIAL','ADS','PHONE','CHAT','IN_PERSON','SMS','APP',
                     'REVIEW'])[1 + n * 7 % 10],
              (ARRAY['AWARENESS','AWARENESS','AWARENESS','AWARENESS','CONSIDERATION',
                     'CONSIDERATION','CONSIDERATION','DECISION','DECISION','RETENTION',
                     'RETENTION','ADVOCACY'])[1 + n % 12],
              (ARRAY['MARKETING','SALES','SUPPORT','PRODUCT'])[1 + n * 3 % 4], 'journey',
              CASE WHEN n % 3 > 0 THEN ((n * 37 % 201) - 100) / 100.0 END,
              'bench', 'j' || n, ts
       FROM (SELECT n, timestamptz '2024-11-01' + (n * 173 % 63072000) * interval '1 second'
                    AS ts FROM generate_series(1, 700000) n) s
       JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM customer) c
         ON c.k = s.n * 7 % 50000""",
]


async def seed(url: str) -> None:
    """Migrates the database at `url` and generates the dataset above into it."""
    engine = create_engine(url)
    await upgrade_engine(engine)
    await engine.dispose()
    connection = await asyncpg.connect(plain_dsn(url))
    began = time.perf_counter()
    await connection.execute(
        "INSERT INTO survey (id, kind, question, scale_min, scale_max, created_at) VALUES "
        "(gen_random_uuid(), 'NPS', 'Recommend?', 0, 10, now()), "
        "(gen_random_uuid(), 'CSAT', 'Satisfied?', 1, 5, now()), "
        "(gen_random_uuid(), 'CES', 'Easy?', 1, 7, now())"
    )
    for statement in GENERATE:
        await connection.execute(statement)
    await connection.close()
    await settle(url)
    print(f"generated in {time.perf_counter() - began:.1f}s")


async def settle(url: str) -> None:
    """The journey facts the generated touchpoints marked, caught up (otherwise the
    server's scheduler rewrites every touchpoint while it is measured), then VACUUM
    ANALYZE: fresh statistics and a visibility map, as autovacuum leaves a settled table."""
    engine = create_engine(url)
    try:
        cleared = await journey_facts.catch_up(create_session_factory(engine))
    finally:
        await engine.dispose()
    connection = await asyncpg.connect(plain_dsn(url))
    try:
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
    if cleared:
        print(f"caught up the journey facts of {cleared} customers")


def percentile(timings: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted timings (p99 of 15 runs is the slowest)."""
    return timings[min(len(timings) - 1, int(share * len(timings)))]


async def time_queries(url: str, runs: int, only: str, compiled: bool = True) -> None:
    """Times `runs` sequential requests of each query (after one warm-up) on 1 worker,
    compiled reads on or off; prints the path (compiled or resolvers) that served each."""
    engine = create_engine(url)
    name = f"bench-{uuid.uuid4().hex[:6]}"
    key = (await keys.create_key(create_session_factory(engine), name, Role.ADMIN)).token
    await engine.dispose()
    connection = await asyncpg.connect(plain_dsn(url))
    counts = await connection.fetchrow(
        "SELECT (SELECT count(*) FROM customer), (SELECT count(*) FROM survey_response), "
        "(SELECT count(*) FROM ticket), (SELECT count(*) FROM touchpoint)"
    )
    await connection.close()
    print(
        f"{counts[0]:,} customers, {counts[1]:,} survey responses, "
        f"{counts[2]:,} tickets, {counts[3]:,} touchpoints"
    )
    async with (
        # A generous request timeout: the bench reports slow figures instead of failing.
        server(
            url,
            request_timeout_seconds="300",
            compiled_reads="1" if compiled else "0",
            debug="1",  # the answer says which read path served it (extensions.readPath)
        ) as port,
        httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            timeout=300,
            headers={"Authorization": f"Bearer {key}"},
        ) as client,
    ):
        print(
            f"\nPostgreSQL, 1 server worker, {runs} sequential requests per query "
            "after one warm-up\n"
        )
        print(f"{'query':<34} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  path")
        for label, query in QUERIES.items():
            if only not in label:
                continue
            response = await client.post("/graphql", json={"query": query})
            answer = response.json()
            assert "errors" not in answer, response.text
            path = (answer.get("extensions") or {}).get("readPath", {}).get("path", "?")
            timings = []
            for _ in range(runs):
                start = time.perf_counter()
                await client.post("/graphql", json={"query": query})
                timings.append((time.perf_counter() - start) * 1000)
            timings.sort()
            print(
                f"{label:<34} {statistics.median(timings):>8.0f} "
                f"{percentile(timings, 0.95):>8.0f} {percentile(timings, 0.99):>8.0f}  {path}",
                flush=True,
            )


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--runs", type=int, default=15, help="timed requests per query")
    parser.add_argument("--keep", action="store_true", help="keep the database to inspect it")
    parser.add_argument("--only", default="", help="time only queries whose label has this")
    parser.add_argument(
        "--compiled-reads", type=int, choices=(0, 1), default=1, help="CX360_COMPILED_READS"
    )
    parser.add_argument(
        "--database-url",
        help="time against this database, seeded by an earlier --keep run (not dropped)",
    )
    args = parser.parse_args()
    if args.database_url:
        engine = create_engine(args.database_url)  # a kept database: at the code's schema
        await upgrade_engine(engine)
        await engine.dispose()
        await settle(args.database_url)
        await time_queries(args.database_url, args.runs, args.only, bool(args.compiled_reads))
        return
    async with scratch_database(args.admin_url, "cx360_bench_metrics", args.keep) as url:
        await seed(url)
        await time_queries(url, args.runs, args.only, bool(args.compiled_reads))


if __name__ == "__main__":
    asyncio.run(main())
