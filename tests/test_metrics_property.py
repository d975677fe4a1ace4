"""On random data and random scopes, every metric equals a plain-Python recomputation,
and SQLite and PostgreSQL answer the same."""

import random
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from models import JourneyStage, TicketStatus
from models.enums import STAGE_ORDER
from models.tickets import DURATION_INDEXES, FLOAT_EPOCH_EXACT_BELOW, seconds_between_sql
from models.types import UTCDateTime
from resolvers import metrics, seed
from resolvers.duration_ranks import WALK_SHARE
from resolvers.filters import literal_sql
from tests.conftest import POSTGRES_URL, Api, database, served, serving

ANCHOR = datetime(2026, 6, 1, tzinfo=UTC)
QUERY = """query($f: MetricsFilter) { metrics(filter: $f) { nps npsResponses promoters passives
  detractors csat csatResponses ces cesResponses ticketVolume resolutionRate
  firstContactResolutionRate firstResponseTime { count mean median p90 }
  resolutionTime { count mean median p90 } activeCustomers churnedCustomers churnRate revenue
  averageLifetimeValue } journeyFunnel(filter: $f) { stage reached conversion } }"""


# ---------------------------------------------------------------- the reference, from rows


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (position - lower) * (ordered[upper] - ordered[lower])


def durations(values: list[float]) -> dict[str, Any]:
    return {
        "count": len(values),
        "mean": sum(values) / len(values) if values else None,
        "median": percentile(values, 0.5),
        "p90": percentile(values, 0.9),
    }


def ratio(a: float, b: float, scale: float = 1.0) -> float | None:
    return None if b == 0 else scale * a / b


def reference(data: seed.Dataset, f: dict[str, Any]) -> dict[str, Any]:
    start = datetime.fromisoformat(f["from"]) if f.get("from") else None
    end = datetime.fromisoformat(f["to"]) if f.get("to") else None
    segment, channel, team = f.get("segment"), f.get("channel"), f.get("team")
    people = {c["id"]: c for c in data.customers if segment in (None, c["segment"])}

    def inside(moment: datetime) -> bool:
        return (start is None or moment >= start) and (end is None or moment < end)

    responses = [
        r for r in data.responses if r["customer_id"] in people and inside(r["responded_at"])
    ]
    nps = [r["score"] for r in responses if r["survey_kind"].value == "NPS"]
    csat = [r["score"] for r in responses if r["survey_kind"].value == "CSAT"]
    ces = [r["score"] for r in responses if r["survey_kind"].value == "CES"]
    promoters, detractors = sum(s >= 9 for s in nps), sum(s <= 6 for s in nps)
    tickets = [
        t
        for t in data.tickets
        if t["customer_id"] in people
        and inside(t["created_at"])
        and channel in (None, t["channel"].value)
    ]
    finished = [t for t in tickets if t["status"] in (TicketStatus.RESOLVED, TicketStatus.CLOSED)]
    first_contact = [t for t in finished if t["contact_count"] == 1 and t["reopen_count"] == 0]

    def seconds(t: dict[str, Any], field: str) -> float:
        return (t[field] - t["created_at"]).total_seconds()

    if start is not None:
        active = [
            c
            for c in people.values()
            if c["created_at"] < start and (c["churned_at"] is None or c["churned_at"] >= start)
        ]
    else:
        active = [c for c in people.values() if end is None or c["created_at"] < end]
    churned = [c for c in active if c["churned_at"] is not None and inside(c["churned_at"])]
    purchases = [
        t
        for t in data.touchpoints
        if t["kind"] == "purchase"
        and t["customer_id"] in people
        and channel in (None, t["channel"].value)
        and team in (None, t["team"].value)
    ]
    revenue = sum(
        (t["value_cents"] for t in purchases if inside(t["occurred_at"])), Decimal("0.00")
    )
    owners = {k for k, c in people.items() if end is None or c["created_at"] < end}
    lifetime = sum(
        (
            t["value_cents"]
            for t in purchases
            if t["customer_id"] in owners and (end is None or t["occurred_at"] < end)
        ),
        Decimal("0.00"),
    )
    average = (
        (lifetime / len(owners)).quantize(Decimal("0.01"), ROUND_HALF_EVEN) if owners else None
    )
    journey = [
        t
        for t in data.touchpoints
        if t["customer_id"] in people
        and inside(t["occurred_at"])
        and channel in (None, t["channel"].value)
        and team in (None, t["team"].value)
    ]
    reached = [
        len({t["customer_id"] for t in journey if t["stage"].rank >= s.rank}) for s in STAGE_ORDER
    ]
    return {
        "metrics": {
            "nps": ratio(promoters - detractors, len(nps), 100),
            "npsResponses": len(nps),
            "promoters": promoters,
            "passives": len(nps) - promoters - detractors,
            "detractors": detractors,
            "csat": ratio(sum(s >= 4 for s in csat), len(csat), 100),
            "csatResponses": len(csat),
            "ces": ratio(sum(ces), len(ces)),
            "cesResponses": len(ces),
            "ticketVolume": len(tickets),
            "resolutionRate": ratio(len(finished), len(tickets)),
            "firstContactResolutionRate": ratio(len(first_contact), len(finished)),
            "firstResponseTime": durations(
                [seconds(t, "first_response_at") for t in tickets if t["first_response_at"]]
            ),
            "resolutionTime": durations(
                [seconds(t, "resolved_at") for t in tickets if t["resolved_at"]]
            ),
            "activeCustomers": len(active),
            "churnedCustomers": len(churned),
            "churnRate": ratio(len(churned), len(active)),
            "revenue": str(revenue),
            "averageLifetimeValue": str(average) if average is not None else None,
        },
        "journeyFunnel": [
            {"stage": s.value, "reached": n, "conversion": ratio(n, reached[i - 1]) if i else None}
            for i, (s, n) in enumerate(zip(STAGE_ORDER, reached, strict=True))
        ],
    }


def random_filter(rnd: random.Random) -> dict[str, Any]:
    f: dict[str, Any] = {}
    if rnd.random() < 0.8:
        begin = ANCHOR - timedelta(days=rnd.randrange(1, 700), seconds=rnd.randrange(86400))
        f["from"] = begin.isoformat()
        if rnd.random() < 0.8:
            f["to"] = (begin + timedelta(days=rnd.randrange(1, 400))).isoformat()
    elif rnd.random() < 0.5:
        f["to"] = (ANCHOR - timedelta(days=rnd.randrange(0, 300))).isoformat()
    f["segment"] = rnd.choice([None, "smb", "enterprise", "consumer"])
    f["channel"] = rnd.choice([None, None, "EMAIL", "CHAT", "WEB"])
    f["team"] = rnd.choice([None, None, "SALES", "MARKETING"])
    return f


def assert_close(actual: Any, expected: Any, path: str = "") -> None:
    """Equal, floats to 1e-9 (durations are exact to the microsecond on both databases)."""
    if isinstance(expected, dict):
        assert set(actual) == set(expected), path
        for key in expected:
            assert_close(actual[key], expected[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert len(actual) == len(expected), path
        for index, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_close(a, e, f"{path}[{index}]")
    elif isinstance(expected, float) and actual is not None:
        assert actual == pytest.approx(expected, rel=1e-12, abs=1e-9), path
    else:
        assert actual == expected, path


# ---------------------------------------------------------------- the tests


random_data = served("prop", 150)


async def test_every_metric_equals_a_plain_python_recomputation(random_data: Api) -> None:
    rnd = random.Random(20261122)
    for _ in range(30):
        f = random_filter(rnd)
        assert_close(
            await random_data.query(QUERY, {"f": f}), reference(random_data.backend.data, f), str(f)
        )


async def test_every_series_bucket_equals_the_recomputation_of_its_window(random_data: Api) -> None:
    query = """query($f: MetricsFilter, $i: Interval!) { metricsSeries(interval: $i, filter: $f) {
      start end metrics { nps csat ces ticketVolume revenue activeCustomers churnedCustomers
      averageLifetimeValue firstResponseTime { count mean median p90 } } } }"""
    rnd = random.Random(11)
    for _ in range(6):
        f = random_filter(rnd)
        begin = ANCHOR - timedelta(days=rnd.randrange(30, 500), hours=rnd.randrange(24))
        f.update(
            {
                "from": begin.isoformat(),
                "to": (begin + timedelta(days=rnd.randrange(1, 300))).isoformat(),
            }
        )
        buckets = (await random_data.query(query, {"f": f, "i": "MONTH"}))["metricsSeries"]
        for bucket in buckets:
            window = {
                **f,
                "from": max(bucket["start"], f["from"]),
                "to": min(bucket["end"], f["to"]),
            }
            expected = reference(random_data.backend.data, window)["metrics"]
            assert_close(
                bucket["metrics"],
                {k: expected[k] for k in bucket["metrics"]},
                f"{f} {bucket['start']}",
            )


async def test_sqlite_and_postgresql_answer_the_same(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    if not POSTGRES_URL:
        pytest.skip("CX360_TEST_POSTGRES_URL is not set: no PostgreSQL to compare with")
    series = """query($f: MetricsFilter, $i: Interval!) { metricsSeries(interval: $i, filter: $f) {
      start end metrics { nps csat ces ticketVolume resolutionRate firstResponseTime { median p90 }
      activeCustomers churnedCustomers revenue averageLifetimeValue } } }"""
    rnd = random.Random(7)
    async with (
        database("sqlite", tmp_path_factory.mktemp("both"), 120) as lite_db,
        database("postgres", tmp_path_factory.mktemp("both"), 120) as pg_db,
        serving(lite_db) as lite,
        serving(pg_db) as pg,
    ):
        for _ in range(15):
            f = random_filter(rnd)
            assert_close(await lite.query(QUERY, {"f": f}), await pg.query(QUERY, {"f": f}), str(f))
            variables = {
                "f": {**f, "from": None, "to": None}
                if rnd.random() < 0.2
                else {**f, "to": f.get("to") or ANCHOR.isoformat()},
                "i": rnd.choice(["WEEK", "MONTH"]),
            }
            if variables["f"].get("from") and variables["i"] == "WEEK":
                variables["i"] = "MONTH"
            assert_close(
                await lite.query(series, variables),
                await pg.query(series, variables),
                str(variables),
            )


async def test_wide_and_narrow_windows_give_percentile_cont_to_the_bit(random_data: Api) -> None:
    """On PostgreSQL the median and p90 of a window holding at least 1/WALK_SHARE of the
    tickets that have the duration are walked off the duration's index, a narrower
    window's are sorted (resolvers/duration_ranks.py). Either way each is PostgreSQL's
    percentile_cont over the window's durations, the same float, on the compiled path and
    on the resolvers; and the windows below take both ways."""
    if random_data.backend.name != "postgres":
        pytest.skip("SQLite has no duration indexes: its percentiles come from row numbers")
    engine = random_data.backend.engine
    async with engine.begin() as connection:
        await connection.execute(sa.text("ANALYZE ticket"))  # the indexes' sizes known
    query = """query($f: MetricsFilter) { metrics(filter: $f) {
      firstResponseTime { count median p90 } resolutionTime { count median p90 } } }"""
    rnd = random.Random(42)
    ways: dict[str, int] = {"walked": 0, "sorted": 0}
    async with serving(random_data.backend, compiled_reads=False) as resolvers:
        for round_ in range(24):
            f: dict[str, Any] = {}
            if round_:  # the first: every ticket
                begin = ANCHOR - timedelta(days=rnd.randrange(1, 800), seconds=rnd.randrange(9))
                f["from"] = begin.isoformat()
                if rnd.random() < 0.7:
                    f["to"] = (begin + timedelta(days=rnd.randrange(1, 500))).isoformat()
            served_ = [await api.query(query, {"f": f}) for api in (random_data, resolvers)]
            assert served_[0] == served_[1], f
            for metric, (index, column) in zip(
                ("firstResponseTime", "resolutionTime"), DURATION_INDEXES.values(), strict=True
            ):
                window = [f"{column} IS NOT NULL"]
                window += ["created_at >= :start"] if "from" in f else []
                window += ["created_at < :end"] if "to" in f else []
                seconds = seconds_between_sql("created_at", column)
                statement = sa.text(
                    f"SELECT count(*), percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP "
                    f"(ORDER BY {seconds}), (SELECT reltuples FROM pg_class "
                    f"WHERE relname = '{index}') FROM ticket WHERE {' AND '.join(window)}"
                )
                bounds = {
                    name: datetime.fromisoformat(f[key])
                    for name, key in (("start", "from"), ("end", "to"))
                    if key in f
                }
                async with engine.connect() as connection:
                    count, values, indexed = (await connection.execute(statement, bounds)).one()
                median, p90 = values or (None, None)
                expected = {"count": count, "median": median, "p90": p90}
                assert served_[0]["metrics"][metric] == expected, (f, metric)
                if count:
                    ways["walked" if count * WALK_SHARE >= indexed else "sorted"] += 1
    assert ways["walked"] >= 3 and ways["sorted"] >= 3, ways


async def test_the_walks_read_the_duration_indexes_in_order(random_data: Api) -> None:
    """The text a statement orders the durations by is the migration's index text: with
    sorting disabled, each walk is an index-only scan of its index (a mismatch would
    leave PostgreSQL a sort, whatever it costs)."""
    if random_data.backend.name != "postgres":
        pytest.skip("SQLite has no duration indexes: its percentiles come from row numbers")
    scope = metrics.Scope(start=ANCHOR - timedelta(days=400), end=ANCHOR)
    statement = literal_sql(metrics._ticket_statement(scope, metrics.Grouping(), True))
    async with random_data.backend.engine.begin() as connection:
        await connection.execute(sa.text("SET LOCAL enable_sort = off"))
        plan = "\n".join((await connection.execute(sa.text(f"EXPLAIN {statement}"))).scalars())
    for index, _ in DURATION_INDEXES.values():
        assert f"Index Only Scan using {index}" in plan, plan
        assert f"Index Only Scan Backward using {index}" in plan, plan


async def test_ticket_seconds_are_whole_seconds_between_the_served_times(
    random_data: Api,
) -> None:
    query = """query($after: String) { tickets(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor } edges { node { createdAt firstResponseAt resolvedAt
      firstResponseSeconds resolutionSeconds } } } }"""
    after, checked = None, 0
    for _ in range(5):
        page = (await random_data.query(query, {"after": after}))["tickets"]
        for edge in page["edges"]:
            ticket = edge["node"]
            created = datetime.fromisoformat(ticket["createdAt"])
            for at, seconds in (
                ("firstResponseAt", "firstResponseSeconds"),
                ("resolvedAt", "resolutionSeconds"),
            ):
                expected = None
                if ticket[at] is not None:
                    expected = int((datetime.fromisoformat(ticket[at]) - created).total_seconds())
                assert ticket[seconds] == expected, ticket
                checked += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert checked > 100


async def test_durations_are_the_float_nearest_the_exact_seconds(random_data: Api) -> None:
    """`seconds_between` in SQL, on either database, is the float nearest the exact
    microseconds over 1e6 (Python's int / int rounds once, correctly): around every
    magnitude, at the bound where PostgreSQL's form changes (models.tickets.
    FLOAT_EPOCH_EXACT_BELOW) and past it, negative too. Intervals over whole days matter:
    PostgreSQL keeps their days apart from the time of day."""
    rng = random.Random(16)
    bound = int(FLOAT_EPOCH_EXACT_BELOW) * 1_000_000
    spans = [0, 1, -1, 999_999, bound - 1, bound, bound + 1, -bound, 86_400_000_000]
    spans += [rng.randrange(-(10**p), 10**p) for p in range(1, 17) for _ in range(60)]
    start = datetime(2000, 1, 1, tzinfo=UTC)  # +-317 years stays within both
    pairs = []
    for span in spans:
        offset = timedelta(microseconds=rng.randrange(0, 10**15))
        pairs.append((start + offset, start + offset + timedelta(microseconds=span)))
    found: list[float | None] = []
    async with random_data.backend.engine.connect() as connection:
        for at in range(0, len(pairs), 400):  # SQLite takes 500 selects in one UNION
            rows = sa.union_all(
                *(
                    sa.select(
                        sa.literal(a, UTCDateTime()).label("a"),
                        sa.literal(b, UTCDateTime()).label("b"),
                    )
                    for a, b in pairs[at : at + 400]
                )
            ).subquery("pair")
            statement = sa.select(metrics.seconds_between(rows.c.a, rows.c.b))
            found += (await connection.execute(statement)).scalars()
    expected = [(b - a) // timedelta(microseconds=1) / 1_000_000 for a, b in pairs]
    wrong = [(p, f, e) for p, f, e in zip(pairs, found, expected, strict=True) if f != e]
    assert not wrong, wrong[:5]


def test_reference_percentile_matches_hand_values() -> None:
    assert percentile([30, 60, 120, 300], 0.5) == 90
    assert percentile([30, 60, 120, 300], 0.9) == pytest.approx(246)
    assert percentile([5], 0.9) == 5 and percentile([], 0.5) is None
    assert JourneyStage.ADVOCACY.rank == 4
