"""journeyPainPoints: every row and measure equal to an independent recomputation in plain
Python from the touchpoints and tickets read back over the API, on a few seeded customers
plus hand-written edges (window ends, the 7-day ticket bound, later stages after `to`)."""

import asyncio
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from api.db import create_session_factory
from models import Role, Ticket, Touchpoint
from models import TouchpointJourneyPending as Pending
from models.enums import STAGE_ORDER, Channel
from resolvers import journey_facts
from tests.conftest import UNLIMITED, Api, module_clock, new_customer, served

FIELDS = """stage channel touchpoints customers sentiment sentimentTouchpoints sentimentSum
  negativeShare negativeTouchpoints ticketRate ticketCustomers stalled stalledCustomers"""
QUERY = f"""query($f: MetricsFilter, $o: PainPointOrder) {{
  journeyPainPoints(filter: $f, orderBy: $o) {{ {FIELDS} }} }}"""
HAND = {"from": "2027-06-01T00:00:00Z", "to": "2027-07-01T00:00:00Z"}
NOW = datetime(2027, 8, 1, tzinfo=UTC)
SEEDED = {"from": "2025-11-01T00:00:00Z", "to": "2026-05-01T00:00:00Z"}
MEASURES = {
    "TOUCHPOINTS": "touchpoints",
    "CUSTOMERS": "customers",
    "SENTIMENT": "sentiment",
    "NEGATIVE_SHARE": "negativeShare",
    "TICKET_RATE": "ticketRate",
    "STALLED": "stalled",
}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


clock = module_clock(NOW)  # the hand-written edges are in the past by then


async def write_edges(api: Api) -> None:
    a, b, c = [await new_customer(api, "P", segment) for segment in ("pp-a", "pp-b", "pp-a")]
    touchpoints = [
        # who, stage, channel, sentiment, occurred
        (a, "AWARENESS", "WEB", -0.5, "2027-06-01T00:00:00Z"),  # exactly at `from`: in
        (a, "AWARENESS", "WEB", 0.5, "2027-06-10T00:00:00Z"),
        (a, "CONSIDERATION", "EMAIL", None, "2027-07-05T00:00:00Z"),  # later stage after `to`
        (b, "CONSIDERATION", "WEB", None, "2027-05-20T00:00:00Z"),  # later stage before `from`
        (b, "AWARENESS", "WEB", None, "2027-06-15T00:00:00Z"),
        (b, "AWARENESS", "WEB", -0.9, "2027-07-01T00:00:00Z"),  # exactly at `to`: out
        (c, "DECISION", "CHAT", -1.0, "2027-06-20T00:00:00Z"),
        (c, "ADVOCACY", "CHAT", None, "2027-06-28T00:00:00Z"),
    ]
    data = await api.query(
        "mutation($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) "
        "{ created userErrors { message } } }",
        {
            "t": [
                {
                    "customer": {"id": who},
                    "stage": stage,
                    "channel": channel,
                    "team": "SUPPORT",
                    "kind": "visit",
                    "source": "pain-test",
                    "sentiment": sentiment,
                    "occurredAt": when,
                }
                for who, stage, channel, sentiment, when in touchpoints
            ]
        },
    )
    assert data["recordTouchpoints"] == {"created": len(touchpoints), "userErrors": []}
    tickets = [
        (a, "2027-06-17T00:00:00Z"),  # exactly 7 days after a's 06-10 touchpoint: counts
        (b, "2027-06-15T00:00:00Z"),  # at the touchpoint itself: not after it
        (b, "2027-06-22T00:00:00.000001Z"),  # 7 days and 1 microsecond: too late
        (c, "2027-07-03T00:00:00Z"),  # after `to`, 5 days after c's ADVOCACY touchpoint
    ]
    for who, when in tickets:
        opened = await api.query(
            "mutation($i: OpenTicketInput!) { openTicket(input: $i) { userErrors { message } } }",
            {"i": {"customer": {"id": who}, "subject": "S", "channel": "EMAIL", "createdAt": when}},
        )
        assert opened["openTicket"]["userErrors"] == []


# The hand-written edges, written once per backend.
pains = served("pain", 5, clocked=True, setup=write_edges, **UNLIMITED)


# ---------------------------------------------------------------- the recomputation


@dataclass(frozen=True)
class Seen:
    customer: str
    segment: str | None
    at: datetime
    stage: str
    channel: str
    team: str
    sentiment: float | None


async def read_all(api: Api, root: str, fields: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after = None
    while True:
        data = await api.query(
            f"query($a: String) {{ {root}(first: 100, after: $a) "
            f"{{ edges {{ node {{ {fields} }} }} pageInfo {{ hasNextPage endCursor }} }} }}",
            {"a": after},
        )
        found += [edge["node"] for edge in data[root]["edges"]]
        if not data[root]["pageInfo"]["hasNextPage"]:
            return found
        after = data[root]["pageInfo"]["endCursor"]


async def facts(api: Api) -> tuple[list[Seen], dict[str, list[datetime]]]:
    touchpoints = [
        Seen(
            t["customer"]["id"],
            t["customer"]["segment"],
            at(t["occurredAt"]),
            t["stage"],
            t["channel"],
            t["team"],
            t["sentiment"],
        )
        for t in await read_all(
            api,
            "touchpoints",
            "occurredAt stage channel team sentiment customer { id segment }",
        )
    ]
    tickets: dict[str, list[datetime]] = defaultdict(list)
    for ticket in await read_all(api, "tickets", "createdAt customer { id }"):
        tickets[ticket["customer"]["id"]].append(at(ticket["createdAt"]))
    return touchpoints, tickets


def ratio(numerator: float, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def recompute(
    touchpoints: list[Seen], tickets: dict[str, list[datetime]], f: dict[str, Any]
) -> list[dict[str, Any]]:
    """The definition of docs/domain.md, row by row, in stage order then channel order."""
    start = at(f["from"]) if f.get("from") else None
    end = at(f["to"]) if f.get("to") else None
    rank = {stage.value: index for index, stage in enumerate(STAGE_ORDER)}
    furthest: dict[str, int] = {}
    for t in touchpoints:
        if end is None or t.at < end:
            furthest[t.customer] = max(furthest.get(t.customer, -1), rank[t.stage])
    rows: dict[tuple[str, str], list[Seen]] = defaultdict(list)
    for t in touchpoints:
        if (
            (start is None or t.at >= start)
            and (end is None or t.at < end)
            and f.get("segment") in (None, t.segment)
            and f.get("channel") in (None, t.channel)
            and f.get("team") in (None, t.team)
        ):
            rows[(t.stage, t.channel)].append(t)
    week = timedelta(days=7)
    found = []
    channels = [c.value for c in Channel]
    for (stage, channel), seen in sorted(
        rows.items(), key=lambda r: (rank[r[0][0]], channels.index(r[0][1]))
    ):
        people = {t.customer for t in seen}
        rated = [t.sentiment for t in seen if t.sentiment is not None]
        negative = sum(1 for s in rated if s < 0)
        ticketed = {
            t.customer
            for t in seen
            if any(timedelta(0) < k - t.at <= week for k in tickets[t.customer])
        }
        last = rank[stage] == len(STAGE_ORDER) - 1
        stalled = None if last else sum(1 for p in people if furthest[p] <= rank[stage])
        found.append(
            {
                "stage": stage,
                "channel": channel,
                "touchpoints": len(seen),
                "customers": len(people),
                "sentiment": ratio(sum(rated), len(rated)),
                "sentimentTouchpoints": len(rated),
                "sentimentSum": sum(rated),
                "negativeShare": ratio(negative, len(rated)),
                "negativeTouchpoints": negative,
                "ticketRate": ratio(len(ticketed), len(people)),
                "ticketCustomers": len(ticketed),
                "stalled": None if stalled is None else ratio(stalled, len(people)),
                "stalledCustomers": stalled,
            }
        )
    return found


def approximately(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {k: pytest.approx(v) if isinstance(v, float) else v for k, v in row.items()} for row in rows
    ]


async def pain_points(
    api: Api, f: dict[str, Any] | None, order: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    data = await api.query(QUERY, {"f": f, "o": order})
    rows: list[dict[str, Any]] = data["journeyPainPoints"]
    return rows


# ---------------------------------------------------------------- the tests


async def test_hand_written_edges(pains: Api) -> None:
    rows = {(r["stage"], r["channel"]): r for r in await pain_points(pains, HAND)}
    assert list(rows) == [("AWARENESS", "WEB"), ("DECISION", "CHAT"), ("ADVOCACY", "CHAT")]
    # a at `from` (-0.5) and 06-10 (0.5), b 06-15 (none); b at `to` is out
    assert rows["AWARENESS", "WEB"] == {
        "stage": "AWARENESS",
        "channel": "WEB",
        "touchpoints": 3,
        "customers": 2,
        "sentiment": 0.0,
        "sentimentTouchpoints": 2,
        "sentimentSum": 0.0,
        "negativeShare": 0.5,
        "negativeTouchpoints": 1,
        # a: a ticket exactly 7 days later; b: one at the same instant, one 1 µs too late
        "ticketRate": 0.5,
        "ticketCustomers": 1,
        # a reached CONSIDERATION only after `to`; b before `from` (still counts)
        "stalled": 0.5,
        "stalledCustomers": 1,
    }
    decision, advocacy = rows["DECISION", "CHAT"], rows["ADVOCACY", "CHAT"]
    assert (decision["sentiment"], decision["negativeShare"], decision["ticketRate"]) == (
        -1.0,
        1.0,
        0.0,
    )
    assert (decision["stalled"], decision["stalledCustomers"]) == (0.0, 0)  # ADVOCACY later
    # no sentiment: null, not 0; the ticket after `to` counts; last stage: stalled null
    assert (advocacy["sentiment"], advocacy["negativeShare"], advocacy["sentimentSum"]) == (
        None,
        None,
        0.0,
    )
    assert (advocacy["ticketRate"], advocacy["stalled"], advocacy["stalledCustomers"]) == (
        1.0,
        None,
        None,
    )


async def test_sentiment_sums_are_the_same_on_both_databases(pains: Api) -> None:
    """Sentiments are summed in units of 10^-12, each value rounded once, half to even,
    on SQLite as on PostgreSQL: 0.1 + 0.7 is 0.8 (a float sum gives 0.7999999999999999),
    and a mean of values with more digits is the same bytes on both."""
    who = await new_customer(pains, "Sums", "pp-sums")
    cells = {"EMAIL": [0.1, 0.7], "SMS": [0.3, 0.1, 1 / 3, 0.123456789]}
    written = await pains.query(
        "mutation($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) "
        "{ created userErrors { message } } }",
        {
            "t": [
                {
                    "customer": {"id": who},
                    "stage": "DECISION",
                    "channel": channel,
                    "team": "SUPPORT",
                    "kind": "visit",
                    "source": "pain-sums",
                    "sentiment": sentiment,
                    "occurredAt": f"2027-07-1{i}T00:00:00Z",
                }
                for channel, values in cells.items()
                for i, sentiment in enumerate(values)
            ]
        },
    )
    assert written["recordTouchpoints"]["userErrors"] == []
    window = {"from": "2027-07-10T00:00:00Z", "to": "2027-07-20T00:00:00Z", "segment": "pp-sums"}
    rows = {r["channel"]: r for r in await pain_points(pains, window)}
    assert (rows["EMAIL"]["sentimentSum"], rows["EMAIL"]["sentiment"]) == (0.8, 0.4)
    assert (rows["SMS"]["sentimentSum"], rows["SMS"]["sentiment"]) == (
        0.856790122333,
        0.21419753058325,
    )


async def test_segment_filter(pains: Api) -> None:
    a_rows = await pain_points(pains, {**HAND, "segment": "pp-a"})
    assert [(r["stage"], r["touchpoints"], r["ticketRate"], r["stalled"]) for r in a_rows] == [
        ("AWARENESS", 2, 1.0, 1.0),
        ("DECISION", 1, 0.0, 0.0),
        ("ADVOCACY", 1, 1.0, None),
    ]
    b_rows = await pain_points(pains, {**HAND, "segment": "pp-b"})
    assert [(r["touchpoints"], r["sentiment"], r["ticketRate"], r["stalled"]) for r in b_rows] == [
        (1, None, 0.0, 0.0)
    ]
    assert await pain_points(pains, {**HAND, "segment": "nobody"}) == []


@pytest.mark.parametrize(
    "scope",
    [
        None,
        SEEDED,
        HAND,
        {"to": "2026-03-01T00:00:00Z"},
        {"from": "2026-06-01T00:00:00Z"},
        {**SEEDED, "channel": "WEB"},
        {"team": "SUPPORT"},
        {"segment": "pp-a"},
    ],
)
async def test_every_row_equals_the_recomputation(pains: Api, scope: dict[str, Any] | None) -> None:
    touchpoints, tickets = await facts(pains)
    expected = recompute(touchpoints, tickets, scope or {})
    assert len(expected) >= 1
    first = await pain_points(pains, scope)
    assert first == approximately(expected)
    if pains.backend.name == "postgres":
        # Measured from the touchpoints and tickets while marked, from the facts after:
        # the very same bytes (sums are exact, rounded once), however the two parts split.
        await mark_everyone(pains)
        assert await pain_points(pains, scope) == first
        await caught_up(pains)
        assert await pain_points(pains, scope) == first


async def test_the_seeded_data_exercises_every_measure(pains: Api) -> None:
    rows = await pain_points(pains, None)
    assert len(rows) > 5
    for name in ("ticketCustomers", "negativeTouchpoints", "stalledCustomers"):
        assert any(r[name] for r in rows), name
    assert any(r["stalledCustomers"] == 0 or r["stalled"] not in (0.0, 1.0, None) for r in rows)


@pytest.mark.parametrize("field", list(MEASURES))
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_ordering(pains: Api, field: str, direction: str) -> None:
    base = await pain_points(pains, None)  # stage order, then channel order
    measure = MEASURES[field]
    present = [r for r in base if r[measure] is not None]
    # sorted() is stable: ties keep stage-then-channel order; nulls last either way
    ordered = sorted(present, key=lambda r: r[measure], reverse=False)
    if direction == "DESC":
        ordered = sorted(present, key=lambda r: -r[measure])
    expected = ordered + [r for r in base if r[measure] is None]
    assert await pain_points(pains, None, {"field": field, "direction": direction}) == expected


async def test_roles(pains: Api) -> None:
    for role in (Role.ANALYST, Role.MARKETING, Role.SUPPORT, Role.SALES):
        data = await pains.query(QUERY, {"f": HAND}, role=role)
        assert len(data["journeyPainPoints"]) == 3
    response = await pains.post(QUERY, {"f": HAND}, role=Role.PARTNER)
    body = response.json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert "metrics" in body["errors"][0]["message"]


async def test_bad_window_names_the_filter(pains: Api) -> None:
    errors = await pains.errors(QUERY, {"f": {"from": HAND["to"], "to": HAND["from"]}})
    assert errors[0]["extensions"]["argument"] == "filter"


async def test_one_statement_whatever_the_order(pains: Api) -> None:
    await pain_points(pains, SEEDED)  # the key is known from here on
    pains.statements.clear()
    await pain_points(pains, SEEDED, {"field": "STALLED", "direction": "DESC"})
    assert len([s for s in pains.statements if "touchpoint" in s.lower()]) == 1


# ---------------------------------------------------------------- the kept journey facts

# A database of this module's own for the writes below.
journeys = served("journeys", 2, **UNLIMITED)
WEEK = timedelta(days=7)


async def caught_up(api: Api) -> None:
    """PostgreSQL: every marked customer caught up (resolvers/journey_facts.py), as the
    scheduler does a few seconds after a write (its rounds may hold some for a moment)."""
    sessions = create_session_factory(api.backend.engine)
    for _ in range(50):
        await journey_facts.catch_up(sessions)
        async with sessions() as session:
            left = await session.scalar(sa.select(sa.func.count()).select_from(Pending))
        if not left:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{left} customers still marked")


async def mark_everyone(api: Api) -> None:
    """PostgreSQL: every customer marked as if just written, due in an hour."""
    async with api.backend.engine.begin() as connection:
        await connection.execute(
            sa.text(
                "INSERT INTO touchpoint_journey_pending (customer_id, due_at) "
                "SELECT id, now() + interval '1 hour' FROM customer ON CONFLICT DO NOTHING"
            )
        )


async def assert_journey_facts_kept(api: Api) -> None:
    """Each touchpoint's journey facts (models/touchpoints.py) equal their definition,
    recomputed here from the touchpoints and tickets stored (on PostgreSQL once the
    marked customers are caught up)."""
    if api.backend.name == "postgres":
        await caught_up(api)
    async with api.backend.engine.connect() as connection:
        rows = (
            await connection.execute(
                sa.select(
                    *(
                        col(getattr(Touchpoint, name))
                        for name in (
                            "id",
                            "customer_id",
                            "stage",
                            "channel",
                            "occurred_at",
                            "previous_in_cell_at",
                            "ticket_within_7_days",
                            "previous_ticketed_in_cell_at",
                            "later_stage_at",
                        )
                    )
                )
            )
        ).all()
        tickets: dict[uuid.UUID, list[datetime]] = defaultdict(list)
        for owner, created in await connection.execute(
            sa.select(col(Ticket.customer_id), col(Ticket.created_at))
        ):
            tickets[owner].append(created)
    rank = {stage: index for index, stage in enumerate(STAGE_ORDER)}
    cells: dict[tuple[Any, ...], list[Any]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: (r.occurred_at, r.id)):
        cells[(row.customer_id, row.stage, row.channel)].append(row)
    found, expected = {}, {}
    for cell in cells.values():
        previous: datetime | None = None
        previous_ticketed: datetime | None = None
        for row in cell:
            ticketed = any(
                timedelta(0) < k - row.occurred_at <= WEEK for k in tickets[row.customer_id]
            )
            later = [
                r.occurred_at
                for r in rows
                if r.customer_id == row.customer_id and rank[r.stage] > rank[row.stage]
            ]
            expected[row.id] = (
                previous,
                ticketed,
                previous_ticketed if ticketed else None,
                min(later, default=None),
            )
            found[row.id] = (
                row.previous_in_cell_at,
                row.ticket_within_7_days,
                row.previous_ticketed_in_cell_at,
                row.later_stage_at,
            )
            previous = row.occurred_at
            previous_ticketed = row.occurred_at if ticketed else previous_ticketed
    assert found == expected


def events(who: str, items: list[tuple[str, str, str]], source: str) -> list[dict[str, Any]]:
    return [
        {
            "customer": {"id": who},
            "stage": stage,
            "channel": channel,
            "team": "MARKETING",
            "kind": "visit",
            "source": source,
            "externalId": f"{source}-{index}",
            "occurredAt": when,
        }
        for index, (stage, channel, when) in enumerate(items)
    ]


async def record(api: Api, batch: list[dict[str, Any]]) -> None:
    data = await api.query(
        "mutation($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) "
        "{ created userErrors { message } } }",
        {"t": batch},
    )
    assert data["recordTouchpoints"]["userErrors"] == []


async def open_ticket(api: Api, who: str, when: str) -> None:
    opened = await api.query(
        "mutation($i: OpenTicketInput!) { openTicket(input: $i) { userErrors { message } } }",
        {"i": {"customer": {"id": who}, "subject": "S", "channel": "EMAIL", "createdAt": when}},
    )
    assert opened["openTicket"]["userErrors"] == []


async def owner_of(api: Api, source: str) -> uuid.UUID:
    async with api.backend.engine.connect() as connection:
        found = await connection.execute(
            sa.select(col(Touchpoint.customer_id)).where(col(Touchpoint.source) == source)
        )
        owner = found.scalars().first()
    assert owner is not None
    return owner


def sql_touchpoint(
    owner: uuid.UUID, external_id: str, when: datetime, stage: str = "AWARENESS"
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "customer_id": owner,
        "occurred_at": when,
        "channel": "WEB",
        "stage": stage,
        "team": "SALES",
        "kind": "visit",
        "source": "sql",
        "external_id": external_id,
        "recorded_at": when,
    }


async def sql(api: Api, statement: str, **values: Any) -> None:
    async with api.backend.engine.begin() as connection:
        await connection.execute(sa.text(statement), values)


async def test_journey_facts_follow_every_write(journeys: Api) -> None:
    """Out-of-order events, ties, several rows of one statement, tickets before and after,
    a merge and its undoing, rows written, moved and deleted in SQL, an erasure: after
    each, every touchpoint's kept facts are as recomputed from scratch."""
    api = journeys
    a, b = await new_customer(api, "FactsA"), await new_customer(api, "FactsB")
    await assert_journey_facts_kept(api)
    # One batch, newest first, two at the same instant, later stages in between.
    await record(
        api,
        events(
            a,
            [
                ("AWARENESS", "WEB", "2026-03-20T00:00:00Z"),
                ("DECISION", "CHAT", "2026-03-15T00:00:00Z"),
                ("AWARENESS", "WEB", "2026-03-10T00:00:00Z"),
                ("AWARENESS", "WEB", "2026-03-10T00:00:00Z"),
                ("CONSIDERATION", "EMAIL", "2026-03-12T00:00:00Z"),
                ("AWARENESS", "WEB", "2026-03-01T00:00:00Z"),
            ],
            "facts-a",
        ),
    )
    await record(
        api,
        events(
            b,
            [
                ("AWARENESS", "WEB", "2026-03-05T00:00:00Z"),
                ("ADVOCACY", "APP", "2026-04-01T00:00:00Z"),
            ],
            "facts-b",
        ),
    )
    await assert_journey_facts_kept(api)
    # Tickets after some touchpoints (within 7 days and not), then an earlier event.
    await open_ticket(api, a, "2026-03-16T00:00:00Z")
    await open_ticket(api, a, "2026-03-27T00:00:00Z")
    await open_ticket(api, b, "2026-03-08T00:00:00Z")
    await assert_journey_facts_kept(api)
    await record(api, events(a, [("AWARENESS", "WEB", "2026-03-12T00:00:00Z")], "facts-a-late"))
    await record(
        api, events(a, [("CONSIDERATION", "EMAIL", "2026-03-02T00:00:00Z")], "facts-a-early")
    )
    await assert_journey_facts_kept(api)

    merge = """mutation($s: ID!, $m: [ID!]!) { mergeCustomers(input: {survivorId: $s,
      mergedIds: $m}) { userErrors { message } } }"""
    assert (await api.query(merge, {"s": a, "m": [b]}))["mergeCustomers"]["userErrors"] == []
    await assert_journey_facts_kept(api)
    unmerge = "mutation($b: ID!) { unmergeCustomer(id: $b) { userErrors { message } } }"
    assert (await api.query(unmerge, {"b": b}))["unmergeCustomer"]["userErrors"] == []
    await assert_journey_facts_kept(api)

    # Rows written in SQL: several in one statement (newest first), a duplicate that
    # ON CONFLICT skips (its triggers must leave nothing behind), a move in time and stage.
    owner = await owner_of(api, "facts-a")
    rows = [
        sql_touchpoint(owner, f"sql-{day}", datetime(2026, 3, day, tzinfo=UTC))
        for day in (25, 11, 9)
    ]
    async with api.backend.engine.begin() as connection:
        await connection.execute(sa.insert(Touchpoint).values(rows))
    await assert_journey_facts_kept(api)
    insert = (postgresql if api.backend.name == "postgres" else sqlite).insert(Touchpoint)
    duplicate = sql_touchpoint(owner, "sql-11", datetime(2026, 1, 1, tzinfo=UTC), "ADVOCACY")
    async with api.backend.engine.begin() as connection:
        skipped = await connection.execute(insert.values([duplicate]).on_conflict_do_nothing())
        assert skipped.rowcount == 0
    await assert_journey_facts_kept(api)
    async with api.backend.engine.begin() as connection:
        await connection.execute(
            sa.update(Touchpoint)
            .where(col(Touchpoint.external_id) == "facts-a-0")
            .values(stage="DECISION", occurred_at=datetime(2026, 2, 18, tzinfo=UTC))
        )
    await assert_journey_facts_kept(api)
    await sql(api, "DELETE FROM touchpoint WHERE external_id IN ('facts-a-2', 'sql-11')")
    await assert_journey_facts_kept(api)
    await sql(
        api,
        "UPDATE ticket SET customer_id = (SELECT customer_id FROM touchpoint "
        "WHERE source = 'facts-b' LIMIT 1) WHERE id = (SELECT id FROM ticket "
        "WHERE customer_id = (SELECT customer_id FROM touchpoint WHERE source = 'facts-a' "
        "LIMIT 1) ORDER BY created_at LIMIT 1)",
    )
    await assert_journey_facts_kept(api)
    await sql(
        api,
        "DELETE FROM ticket WHERE id = (SELECT id FROM ticket ORDER BY created_at DESC LIMIT 1)",
    )
    await assert_journey_facts_kept(api)
    if api.backend.name == "postgres":
        # TRUNCATE fires no delete trigger: its own clears the ticket facts (rolled back).
        async with api.backend.engine.connect() as connection:
            transaction = await connection.begin()
            await connection.execute(sa.text("TRUNCATE ticket CASCADE"))
            left = await connection.execute(
                sa.text("SELECT count(*) FROM touchpoint WHERE ticket_within_7_days")
            )
            assert left.scalar_one() == 0
            await transaction.rollback()

    # Several writes before one catch-up: their marks add up (the earliest time wins).
    await record(api, events(b, [("DECISION", "WEB", "2026-03-30T00:00:00Z")], "facts-b-1"))
    await open_ticket(api, b, "2026-03-04T00:00:00Z")
    await record(api, events(b, [("AWARENESS", "WEB", "2026-02-01T00:00:00Z")], "facts-b-2"))
    await assert_journey_facts_kept(api)

    erase = "mutation($a: ID!) { eraseCustomer(id: $a) { userErrors { message } } }"
    assert (await api.query(erase, {"a": a}))["eraseCustomer"]["userErrors"] == []
    await assert_journey_facts_kept(api)


async def test_journey_facts_of_concurrent_writers(journeys: Api) -> None:
    """PostgreSQL: two transactions writing one cell out of order, and a catch-up while
    the second is under way: the catch-up leaves that customer marked (the second wrote a
    new version of the mark), and the facts come out right once it is caught up after
    the commit."""
    if journeys.backend.name != "postgres":
        pytest.skip("SQLite has one writer at a time and keeps the facts as it writes")
    who = await new_customer(journeys, "Concurrent")
    await record(journeys, events(who, [("AWARENESS", "WEB", "2026-05-01T00:00:00Z")], "cc"))
    owner = await owner_of(journeys, "cc")
    engine = journeys.backend.engine
    sessions = create_session_factory(engine)
    async with engine.connect() as first, engine.connect() as second:
        one = await first.begin()
        await first.execute(
            sa.insert(Touchpoint).values(
                [sql_touchpoint(owner, "cc-late", datetime(2026, 5, 20, tzinfo=UTC))]
            )
        )
        two = await second.begin()
        later = asyncio.ensure_future(
            second.execute(
                sa.insert(Touchpoint).values(
                    [
                        sql_touchpoint(owner, "cc-early", datetime(2026, 5, 10, tzinfo=UTC)),
                        sql_touchpoint(
                            owner, "cc-next", datetime(2026, 5, 15, tzinfo=UTC), "DECISION"
                        ),
                    ]
                )
            )
        )
        await asyncio.sleep(0.3)
        assert not later.done()  # its mark waits for the first writer's
        await one.commit()
        await later
        # The second holds its new version of the mark: a catch-up leaves it.
        assert await journey_facts.catch_up(sessions, [owner]) == 0
        # Read meanwhile: the marked customer is measured from their rows.
        before = await pain_points(journeys, None)
        await two.commit()
    await assert_journey_facts_kept(journeys)
    touchpoints, tickets = await facts(journeys)
    assert await pain_points(journeys, None) == approximately(recompute(touchpoints, tickets, {}))
    assert before != await pain_points(journeys, None)  # the second's rows were not committed
