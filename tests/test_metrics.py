"""Every metric on a small hand-built dataset, each expected value worked out by hand.

Window W = [2026-03-01, 2026-04-01). Boundaries on purpose: a response exactly at
`from` counts and one exactly at `to` does not; NPS scores 6/7/8/9; a ticket resolved
but reopened; a customer churned exactly at `from`.
"""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from models import Customer, Role, SurveyResponse, Ticket, Touchpoint
from schema.node import to_global_id
from tests.conftest import Api, served


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


W = {"from": "2026-03-01T00:00:00Z", "to": "2026-04-01T00:00:00Z"}
C = {name: uuid.uuid4() for name in ("c1", "c2", "c3", "c4", "c5", "c6")}
CUSTOMERS = [
    # name, segment, created, churned
    ("c1", "smb", "2026-01-01", None),
    ("c2", "smb", "2026-02-01", "2026-03-01"),  # churned exactly at from: active, churned
    ("c3", "enterprise", "2026-02-15", "2026-02-20"),  # churned before from: not active
    ("c4", "enterprise", "2026-03-10", None),  # created inside W: not active at from
    ("c5", "smb", "2026-01-05", "2026-04-01"),  # churned exactly at to: active, not churned
    ("c6", "consumer", "2026-01-01", None),
]
RESPONSES = [
    # customer, kind, score, responded
    ("c1", "NPS", 9, "2026-03-01T00:00:00"),  # exactly at from: counts
    ("c1", "NPS", 6, "2026-03-10T00:00:00"),
    ("c2", "NPS", 7, "2026-03-15"),
    ("c2", "NPS", 8, "2026-03-20"),
    ("c4", "NPS", 9, "2026-03-25"),
    ("c5", "NPS", 10, "2026-04-01T00:00:00"),  # exactly at to: excluded
    ("c4", "NPS", 0, "2026-02-28"),  # before W
    ("c1", "CSAT", 5, "2026-03-05"),
    ("c2", "CSAT", 4, "2026-03-06"),
    ("c5", "CSAT", 3, "2026-03-07"),
    ("c1", "CSAT", 1, "2026-03-08"),
    ("c4", "CSAT", 2, "2026-04-02"),  # after W
    ("c1", "CES", 7, "2026-03-05"),
    ("c2", "CES", 4, "2026-03-06"),
    ("c5", "CES", 2, "2026-02-27"),  # before W
]
TICKETS = [
    # customer, channel, status, created, response s, resolution s, contacts, reopens
    ("c1", "EMAIL", "RESOLVED", "2026-03-02", 60, 3600, 1, 0),  # first-contact resolution
    ("c2", "CHAT", "CLOSED", "2026-03-03", 120, 7200, 2, 0),  # two contacts
    ("c5", "EMAIL", "OPEN", "2026-03-04", 300, None, 1, 1),  # resolved, then reopened
    ("c1", "PHONE", "NEW", "2026-03-05", None, None, 1, 0),
    ("c4", "EMAIL", "NEW", "2026-04-01", None, None, 1, 0),  # exactly at to: excluded
    ("c2", "EMAIL", "RESOLVED", "2026-03-01", 30, 600, 1, 1),  # at from; reopened once before
    ("c4", "CHAT", "OPEN", "2026-03-07", None, None, 1, 0),  # exactly 72 h before the asOf
    ("c6", "EMAIL", "NEW", "2026-02-01", None, None, 1, 0),
    ("c6", "EMAIL", "NEW", "2026-02-01T01:00", None, None, 1, 0),
    ("c6", "EMAIL", "NEW", "2026-02-01T02:00", None, None, 1, 0),
]
TOUCHPOINTS = [
    # customer, kind, stage, channel, team, value, occurred
    ("c1", "purchase", "DECISION", "WEB", "SALES", "100.10", "2026-03-01T00:00:00"),  # at from
    ("c2", "purchase", "DECISION", "WEB", "SALES", "50.05", "2026-03-31T23:59:59"),
    ("c5", "purchase", "DECISION", "WEB", "SALES", "20.00", "2026-04-01T00:00:00"),  # at to
    ("c4", "purchase", "RETENTION", "APP", "SALES", "1000.00", "2026-03-15"),
    ("c1", "page_view", "CONSIDERATION", "WEB", "MARKETING", "99.99", "2026-03-12"),  # no purchase
    ("c1", "purchase", "DECISION", "WEB", "SALES", "10.00", "2026-02-10"),  # before W
    ("c5", "ad_click", "AWARENESS", "ADS", "MARKETING", None, "2026-03-20"),
    ("c6", "ad_click", "AWARENESS", "ADS", "MARKETING", None, "2026-03-09"),
]


async def load(engine: Any, surveys: dict[str, uuid.UUID]) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            sa.insert(Customer.__table__),
            [  # type: ignore[attr-defined]
                {
                    "id": C[n],
                    "name": n,
                    "segment": s,
                    "stage": "AWARENESS",
                    "created_at": at(c),
                    "updated_at": at(c),
                    "churned_at": at(ch) if ch else None,
                }
                for n, s, c, ch in CUSTOMERS
            ],
        )
        await connection.execute(
            sa.insert(SurveyResponse.__table__),
            [  # type: ignore[attr-defined]
                {
                    "id": uuid.uuid4(),
                    "survey_id": surveys[k],
                    "survey_kind": k,
                    "customer_id": C[n],
                    "score": score,
                    "responded_at": at(when),
                }
                for n, k, score, when in RESPONSES
            ],
        )
        rows = []
        for n, channel, status, created, response, resolution, contacts, reopens in TICKETS:
            start = at(created)
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "customer_id": C[n],
                    "subject": "s",
                    "channel": channel,
                    "status": status,
                    "priority": "NORMAL",
                    "created_at": start,
                    "updated_at": start,
                    "first_response_at": start + timedelta(seconds=response) if response else None,
                    "resolved_at": start + timedelta(seconds=resolution) if resolution else None,
                    "contact_count": contacts,
                    "reopen_count": reopens,
                }
            )
        await connection.execute(sa.insert(Ticket.__table__), rows)  # type: ignore[attr-defined]
        await connection.execute(
            sa.insert(Touchpoint.__table__),
            [  # type: ignore[attr-defined]
                {
                    "id": uuid.uuid4(),
                    "customer_id": C[n],
                    "kind": kind,
                    "stage": stage,
                    "channel": channel,
                    "team": team,
                    "value_cents": Decimal(v) if v else None,
                    "currency": "USD" if v else None,
                    "source": "hand",
                    "occurred_at": at(when),
                    "recorded_at": at(when),
                }
                for n, kind, stage, channel, team, v, when in TOUCHPOINTS
            ],
        )


async def _hand_built(api: Api) -> None:
    backend = api.backend
    await load(backend.engine, {s["kind"].value: s["id"] for s in backend.data.surveys})


hand = served("metrics", 0, setup=_hand_built)


ALL = """{ npsResponses promoters passives detractors nps csatResponses csatSatisfied csat
  cesResponses cesScoreSum ces ticketVolume resolvedTickets resolutionRate
  firstContactResolvedTickets firstContactResolutionRate
  firstResponseTime { count mean median p90 } resolutionTime { count mean median p90 }
  activeCustomers churnedCustomers churnRate revenue averageLifetimeValue
  lifetimeValueTotal lifetimeValueCustomers }"""


async def metrics(api: Api, **filters: Any) -> dict[str, Any]:
    data = await api.query(
        f"query($f: MetricsFilter) {{ metrics(filter: $f) {ALL} }}", {"f": {**W, **filters}}
    )
    return data["metrics"]


async def test_scores(hand: Api) -> None:
    m = await metrics(hand)
    # NPS in W: 9 (at from), 6, 7, 8, 9 -> promoters 2, passives 2, detractors 1 of 5
    assert (m["npsResponses"], m["promoters"], m["passives"], m["detractors"]) == (5, 2, 2, 1)
    assert m["nps"] == pytest.approx(100 * (2 - 1) / 5)  # 20.0
    # CSAT in W: 5, 4, 3, 1 -> 2 of 4 satisfied
    assert (m["csatResponses"], m["csatSatisfied"], m["csat"]) == (4, 2, 50.0)
    # CES in W: 7, 4 -> mean 5.5
    assert (m["cesResponses"], m["cesScoreSum"], m["ces"]) == (2, 11, 5.5)


async def test_tickets(hand: Api) -> None:
    m = await metrics(hand)
    # created in W: t1, t2, t3, t4, t6 (at from), t7; t5 at `to` is out -> 6
    assert m["ticketVolume"] == 6
    # RESOLVED or CLOSED: t1, t2, t6 -> 3 / 6; first contact: only t1 (t2 two contacts,
    # t6 reopened once) -> 1 / 3; t3 was resolved but reopened: not resolved now
    assert (m["resolvedTickets"], m["resolutionRate"]) == (3, 0.5)
    assert m["firstContactResolvedTickets"] == 1
    assert m["firstContactResolutionRate"] == pytest.approx(1 / 3)
    # first responses 30, 60, 120, 300: mean 127.5; median at rank 1.5 -> 90;
    # p90 at rank 2.7 -> 120 + 0.7 * (300 - 120) = 246
    assert m["firstResponseTime"] == {
        "count": 4,
        "mean": 127.5,
        "median": 90.0,
        "p90": pytest.approx(246.0),
    }
    # resolutions 600, 3600, 7200: mean 3800; median 3600; p90 at 1.8 -> 6480
    assert m["resolutionTime"] == {
        "count": 3,
        "mean": pytest.approx(3800.0),
        "median": 3600.0,
        "p90": pytest.approx(6480.0),
    }


MEAN_TICKETS = [  # created, response s, resolution s: means 3.6 and 0.1 exactly
    ("2025-01-02T00:00:00", 7.1, 0.1),
    ("2025-01-03T00:00:00", 0.1, 0.1),
    ("2025-01-04T00:00:00", None, 0.1),
    # Past 1e9 seconds PostgreSQL sums another part (resolvers/metrics.py
    # _exact_parts_pg): the means are still exact, 500000000.15 and 0.3.
    ("1980-01-02T00:00:00", 1_000_000_000.1, 0.1),
    ("1980-01-03T00:00:00", 0.2, 0.5),
    # Every duration of a window past 1e9 seconds (none under it to sum): still exact.
    ("1970-01-02T00:00:00", 1_262_304_000.123457, 1_000_000_000),
]


async def _mean_tickets(api: Api) -> None:
    customer = uuid.uuid4()
    moment = at("2025-01-01")
    async with api.backend.engine.begin() as connection:
        await connection.execute(
            sa.insert(Customer.__table__),  # type: ignore[attr-defined]
            [
                {
                    "id": customer,
                    "name": "m",
                    "segment": "smb",
                    "stage": "AWARENESS",
                    "created_at": moment,
                    "updated_at": moment,
                }
            ],
        )
        rows = []
        for created, response, resolution in MEAN_TICKETS:
            start = datetime.fromisoformat(created).replace(tzinfo=UTC)
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "customer_id": customer,
                    "subject": "s",
                    "channel": "EMAIL",
                    "status": "RESOLVED",
                    "priority": "NORMAL",
                    "created_at": start,
                    "updated_at": start,
                    "first_response_at": start + timedelta(seconds=response) if response else None,
                    "resolved_at": start + timedelta(seconds=resolution),
                    "contact_count": 1,
                    "reopen_count": 0,
                }
            )
        await connection.execute(sa.insert(Ticket.__table__), rows)  # type: ignore[attr-defined]


means = served("metrics_means", 0, setup=_mean_tickets)


async def test_a_duration_mean_is_the_exact_mean_rounded_once(means: Api) -> None:
    """Means of durations are exact, one rounding to float, on both databases: 7.1 s and
    0.1 s give 3.6 (a float sum gives 3.5999999999999996), three times 0.1 s gives 0.1
    (not 0.10000000000000002), alone, per customer and per bucket."""
    figures = "firstResponseTime { count mean } resolutionTime { count mean }"
    query = (
        f"query($f: MetricsFilter) {{ metrics(filter: $f) {{ {figures} }} "
        f"metricsSeries(interval: MONTH, filter: $f) {{ metrics {{ {figures} }} }} "
        f"customers(first: 1) {{ edges {{ node {{ metrics(filter: $f) {{ {figures} }} }} }} }} }}"
    )
    windows = {  # a month each, so one bucket
        "2025-01": ((2, 3.6), (3, 0.1)),
        # A float sum gives 500000000.15000004; PostgreSQL sums a second part past 1e9 s.
        "1980-01": ((2, 500000000.15), (2, 0.3)),
        # Every duration past 1e9 s: nothing in the first part (it was null once).
        "1970-01": ((1, 1262304000.123457), (1, 1000000000.0)),
    }
    for month, (response, resolution) in windows.items():
        following = f"{month[:4]}-{int(month[5:]) + 1:02d}"
        window = {"from": f"{month}-01T00:00:00Z", "to": f"{following}-01T00:00:00Z"}
        data = await means.query(query, {"f": window})
        expected = {
            "firstResponseTime": dict(zip(("count", "mean"), response, strict=True)),
            "resolutionTime": dict(zip(("count", "mean"), resolution, strict=True)),
        }
        assert data["metrics"] == expected, month
        assert [b["metrics"] for b in data["metricsSeries"]] == [expected], month
        assert data["customers"]["edges"][0]["node"]["metrics"] == expected, month


async def test_customers_and_churn(hand: Api) -> None:
    m = await metrics(hand)
    # active at from: c1, c2 (churned exactly at from), c5 (churns at to), c6 -> 4
    # churned in W: c2 -> 1
    assert (m["activeCustomers"], m["churnedCustomers"], m["churnRate"]) == (4, 1, 0.25)
    enterprise = await metrics(hand, segment="enterprise")
    assert (enterprise["activeCustomers"], enterprise["churnRate"]) == (0, None)
    # with no `from`: everyone created before `to` (6); churned before `to`: c2, c3 -> 2
    everyone = await hand.query(
        'query { metrics(filter: {to: "2026-04-01T00:00:00Z"}) { activeCustomers churnedCustomers } }'
    )
    assert everyone["metrics"] == {"activeCustomers": 6, "churnedCustomers": 2}


async def test_revenue_and_lifetime_value(hand: Api) -> None:
    m = await metrics(hand)
    # purchases in W: 100.10 (at from) + 50.05 + 1000.00; 20.00 at `to` and the
    # 99.99 page view do not count
    assert m["revenue"] == "1150.15"
    # created before to: all 6; purchases before to: 110.10 + 50.05 + 1000.00 = 1160.15
    assert (m["lifetimeValueTotal"], m["lifetimeValueCustomers"]) == ("1160.15", 6)
    assert m["averageLifetimeValue"] == "193.36"  # 1160.15 / 6 = 193.358...
    web, marketing, smb = (
        await metrics(hand, channel="WEB"),
        await metrics(hand, team="MARKETING"),
        await metrics(hand, segment="smb"),
    )
    assert (web["revenue"], marketing["revenue"], smb["revenue"]) == ("150.15", "0.00", "150.15")
    # channel filters tickets too: EMAIL tickets in W are t1, t3, t6
    assert (web["ticketVolume"], (await metrics(hand, channel="EMAIL"))["ticketVolume"]) == (0, 3)


async def test_empty_scope_gives_null_ratios_not_zero(hand: Api) -> None:
    empty = await metrics(hand, **{"from": "2020-01-01T00:00:00Z", "to": "2020-02-01T00:00:00Z"})
    assert [
        empty[k]
        for k in (
            "nps",
            "csat",
            "ces",
            "resolutionRate",
            "firstContactResolutionRate",
            "churnRate",
            "averageLifetimeValue",
        )
    ] == [None] * 7
    assert empty["firstResponseTime"] == {"count": 0, "mean": None, "median": None, "p90": None}
    assert empty["revenue"] == "0.00"


async def test_customer_metrics_count_only_that_customer(hand: Api) -> None:
    data = await hand.query(
        f"query($a: ID!, $b: ID!, $f: MetricsFilter) {{ a: customer(id: $a) {{ metrics(filter: $f) {ALL} }} "
        f"b: customer(id: $b) {{ metrics(filter: $f) {ALL} }} }}",
        {"a": to_global_id("Customer", C["c1"]), "b": to_global_id("Customer", C["c2"]), "f": W},
    )
    c1, c2 = data["a"]["metrics"], data["b"]["metrics"]
    assert (c1["npsResponses"], c1["nps"], c1["ticketVolume"], c1["revenue"]) == (
        2,
        0.0,
        2,
        "100.10",
    )
    assert (c2["npsResponses"], c2["nps"], c2["ticketVolume"], c2["churnedCustomers"]) == (
        2,
        0.0,
        2,
        1,
    )
    assert c1["averageLifetimeValue"] == "110.10"


async def test_series_clips_edge_buckets_and_keeps_empty_ones(hand: Api) -> None:
    data = await hand.query(
        """{ metricsSeries(interval: WEEK, filter: {from: "2026-03-04T12:00:00Z", to: "2026-03-20T00:00:00Z"}) {
             start end metrics { ticketVolume revenue } } }"""
    )
    weeks = data["metricsSeries"]
    assert [(w["start"], w["end"]) for w in weeks] == [
        ("2026-03-02T00:00:00+00:00", "2026-03-09T00:00:00+00:00"),
        ("2026-03-09T00:00:00+00:00", "2026-03-16T00:00:00+00:00"),
        ("2026-03-16T00:00:00+00:00", "2026-03-23T00:00:00+00:00"),
    ]
    # first week counts only [03-04 12:00, 03-09): t4 (03-05) and t7 (03-07), not t3 (03-04 00:00)
    assert [w["metrics"]["ticketVolume"] for w in weeks] == [2, 0, 0]
    # the 1000.00 purchase on 03-15 lands in the second week
    assert [w["metrics"]["revenue"] for w in weeks] == ["0.00", "1000.00", "0.00"]
    months = await hand.query(
        """{ metricsSeries(interval: MONTH, filter: {from: "2026-02-15T00:00:00Z", to: "2026-04-01T00:00:00Z"}) {
             start metrics { ticketVolume revenue activeCustomers churnedCustomers
             averageLifetimeValue lifetimeValueCustomers lifetimeValueTotal } } }"""
    )
    feb, mar = months["metricsSeries"]
    # lifetime value by each bucket's end: before 03-01, customers c1 c2 c3 c5 c6 and c1's
    # 10.00; before 04-01, all six and 1160.15
    assert [
        (
            m["metrics"].pop("lifetimeValueCustomers"),
            m["metrics"].pop("lifetimeValueTotal"),
            m["metrics"].pop("averageLifetimeValue"),
        )
        for m in (feb, mar)
    ] == [(5, "10.00", "2.00"), (6, "1160.15", "193.36")]
    assert feb["start"] == "2026-02-01T00:00:00+00:00"
    # Feb ∩ W' = [02-15, 03-01): active at 02-15: c1, c2, c5, c6 (c3 created 02-15 is not
    # before it); churned in it: none (c3 churned on 02-20 but was not active)
    assert feb["metrics"] == {
        "ticketVolume": 0,
        "revenue": "0.00",
        "activeCustomers": 4,
        "churnedCustomers": 0,
    }
    assert mar["metrics"] == {
        "ticketVolume": 6,
        "revenue": "1150.15",
        "activeCustomers": 4,
        "churnedCustomers": 1,
    }


async def test_series_refuses_too_many_buckets_by_name(hand: Api) -> None:
    errors = await hand.errors(
        '{ metricsSeries(interval: DAY, filter: {from: "2020-01-01T00:00:00Z", to: "2026-01-01T00:00:00Z"}) { start } }'
    )
    assert errors[0]["extensions"]["argument"] == "filter" and "400" in errors[0]["message"]


async def test_journey_funnel(hand: Api) -> None:
    data = await hand.query(
        "query($f: MetricsFilter) { journeyFunnel(filter: $f) { stage reached conversion } }",
        {"f": W},
    )
    steps = [(s["stage"], s["reached"], s["conversion"]) for s in data["journeyFunnel"]]
    # in W at a stage or later: AWARENESS c1 c2 c4 c5 c6; CONSIDERATION+ c1 c2 c4;
    # DECISION+ c1 c2 c4; RETENTION+ c4; ADVOCACY none (c5's purchase at `to` is out)
    assert steps == [
        ("AWARENESS", 5, None),
        ("CONSIDERATION", 3, 0.6),
        ("DECISION", 3, 1.0),
        ("RETENTION", 1, pytest.approx(1 / 3)),
        ("ADVOCACY", 0, 0.0),
    ]


async def test_health_rules_and_reasons(hand: Api) -> None:
    query = """query($id: ID!) { customer(id: $id) { health(asOf: "2026-03-10T00:00:00Z") {
                 score level reasons } } }"""

    async def health(name: str) -> dict[str, Any]:
        return (await hand.query(query, {"id": to_global_id("Customer", C[name])}))["customer"][
            "health"
        ]

    # c1: t4 NEW since 03-05 (-20); latest NPS 6 at exactly asOf (-25); latest CSAT 1 (-15)
    assert await health("c1") == {
        "score": 40,
        "level": "AT_RISK",
        "reasons": [
            "1 ticket open for more than 72 hours",
            "latest NPS score 6 (detractor)",
            "latest CSAT score 1 (dissatisfied)",
        ],
    }
    # c2: nothing open, no NPS yet, CSAT 4, no touchpoint up to asOf (-20)
    assert await health("c2") == {
        "score": 80,
        "level": "HEALTHY",
        "reasons": ["no touchpoint in the last 90 days"],
    }
    # c4: t7 opened exactly 72 h before asOf does not count; NPS 0 (-25); quiet (-20)
    assert (await health("c4"))["score"] == 55
    # c6: three stale tickets, capped at -40; an ad click on 03-09
    assert await health("c6") == {
        "score": 60,
        "level": "WATCH",
        "reasons": ["3 tickets open for more than 72 hours"],
    }


async def test_customers_filter_by_health_level(hand: Api) -> None:
    data = await hand.query("""{ risk: customers(filter: {healthLevel: AT_RISK}) { totalCount edges { node { name health { level } } } }
        watch: customers(filter: {healthLevel: WATCH}) { totalCount edges { node { health { level } } } }
        healthy: customers(filter: {healthLevel: HEALTHY}) { totalCount } all: customers { totalCount } }""")
    assert all(e["node"]["health"]["level"] == "AT_RISK" for e in data["risk"]["edges"])
    assert all(e["node"]["health"]["level"] == "WATCH" for e in data["watch"]["edges"])
    assert (
        data["risk"]["totalCount"] + data["watch"]["totalCount"] + data["healthy"]["totalCount"]
        == (data["all"]["totalCount"])
    )


async def test_definitions_explain_every_metric_field(hand: Api) -> None:
    data = await hand.query(
        '{ definitions { name definition } __type(name: "Metrics") { fields { name description } } }'
    )
    defined = {d["name"]: d["definition"] for d in data["definitions"]}
    fields = {f["name"]: f["description"] for f in data["__type"]["fields"]}
    assert defined == fields
    assert (
        "percentile" in "".join(defined.values()).lower()
        or "median" in defined["firstResponseTime"]
    )


async def test_a_bare_date_is_midnight_utc_in_windows_and_list_filters(hand: Api) -> None:
    dated = await metrics(hand, **{"from": "2026-03-01", "to": "2026-04-01"})
    assert dated == await metrics(hand)  # W given with times and offsets
    assert dated["npsResponses"] == 5  # the response at 2026-03-01T00:00Z is inside
    listed = """query($f: CustomerFilter) { customers(filter: $f) { totalCount } }"""
    by_date = await hand.query(
        listed, {"f": {"createdFrom": "2026-02-01", "createdTo": "2026-03-01"}}
    )
    by_time = await hand.query(
        listed, {"f": {"createdFrom": "2026-02-01T00:00:00Z", "createdTo": "2026-03-01T00:00Z"}}
    )
    assert by_date == by_time == {"customers": {"totalCount": 2}}  # c2 (at from) and c3
    touched = await hand.query(
        '{ touchpoints(filter: {from: "2026-03-31", to: "2026-04-01"}) { totalCount } }'
    )
    assert touched["touchpoints"]["totalCount"] == 1  # 23:59:59 in, 04-01T00:00 out
    # A date-time still needs an offset; a date must be a real one.
    for given, said in (("2026-03-01T00:00:00", "UTC offset"), ("2026-02-30", "calendar date")):
        errors = await hand.errors(
            "query($f: MetricsFilter) { metrics(filter: $f) { npsResponses } }",
            {"f": {"from": given}},
        )
        assert said in errors[0]["message"] and "$f" in errors[0]["message"]


DIMENSIONS = """{ dimensions {
  segments { value count } channels { value count } ticketChannels { value count }
  teams { value count } kinds { value count } sources { value count } } }"""


async def test_dimensions_list_the_values_to_filter_by_with_counts(hand: Api) -> None:
    found = {
        name: [(v["value"], v["count"]) for v in values]
        for name, values in (await hand.query(DIMENSIONS, role=Role.ANALYST))["dimensions"].items()
    }
    assert found == {
        "segments": [("smb", 3), ("enterprise", 2), ("consumer", 1)],
        "channels": [("WEB", 5), ("ADS", 2), ("APP", 1)],
        "ticketChannels": [("EMAIL", 7), ("CHAT", 2), ("PHONE", 1)],
        "teams": [("SALES", 5), ("MARKETING", 3)],
        "kinds": [("purchase", 5), ("ad_click", 2), ("page_view", 1)],
        "sources": [("hand", 8)],
    }
    # Each listed value filters to the records it counts.
    for segment, count in found["segments"]:
        listed = await hand.query(
            "query($s: String) { customers(filter: {segment: $s}) { totalCount } }", {"s": segment}
        )
        assert listed["customers"]["totalCount"] == count
    for channel, count in found["channels"]:
        listed = await hand.query(
            "query($c: Channel!) { touchpoints(filter: {channel: [$c]}) { totalCount } }",
            {"c": channel},
        )
        assert listed["touchpoints"]["totalCount"] == count


async def test_dimensions_show_a_role_only_what_it_may_read(hand: Api) -> None:
    body = (await hand.post(DIMENSIONS, role=Role.PARTNER)).json()
    seen = body["data"]["dimensions"]
    assert seen["ticketChannels"] is None  # partners do not read tickets
    ((error,),) = [[e for e in body["errors"] if e["path"][-1] == "ticketChannels"]]
    assert error["extensions"]["code"] == "FORBIDDEN" and len(body["errors"]) == 1
    assert seen["segments"][0] == {"value": "smb", "count": 3}
    assert seen["sources"] == [{"value": "hand", "count": 8}]
