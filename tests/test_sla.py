"""SLA policies, due times, states over time, the slaState filter and the SLA metrics.

Time is driven by the server's clock hook (`models.types.set_clock`, what `Context.now`
and the scheduler read);
ticket histories by the mutations' own `createdAt` / `at` arguments.
"""

import contextlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from models import Role
from tests.conftest import Api, clock_at

T0 = datetime(2026, 11, 2, 10, tzinfo=UTC)  # a Monday, in the writable dataset's past
H = timedelta(hours=1)

SLA = """sla { firstResponseDueAt resolutionDueAt firstResponseState resolutionState state
  secondsToNextDue policy { priority firstResponseSeconds resolutionSeconds } }"""
OPEN = (
    """mutation($input: OpenTicketInput!) { openTicket(input: $input) {
  ticket { id createdAt """
    + SLA
    + """ } userErrors { field message code } } }"""
)
SET = """mutation($input: SlaPolicyInput!) { setSlaPolicy(input: $input) {
  policy { priority firstResponseSeconds resolutionSeconds
           calendar { timeZone weekdays opensAt closesAt } }
  userErrors { field message code } } }"""
POLICIES = """{ slaPolicies { priority firstResponseSeconds resolutionSeconds
  calendar { timeZone weekdays opensAt closesAt } } }"""
DEFAULTS = {"URGENT": (3600, 28800), "HIGH": (14400, 86400), "NORMAL": (28800, 259200)}
DEFAULTS["LOW"] = (86400, 604800)


def iso(moment: datetime) -> str:
    return moment.isoformat()


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


@contextmanager
def clock(api: Api, moment: datetime) -> Iterator[Callable[[datetime], None]]:
    """Sets the server's clock to `moment`; the yielded function moves it."""
    with clock_at(moment) as found:

        def move(to: datetime) -> None:
            found.at = to

        yield move


async def customer_id(api: Api) -> str:
    data = await api.query("{ customers(first: 1) { edges { node { id } } } }")
    found: str = data["customers"]["edges"][0]["node"]["id"]
    return found


async def open_ticket(api: Api, priority: str, created_at: datetime) -> dict[str, Any]:
    data = await api.query(
        OPEN,
        {
            "input": {
                "customer": {"id": await customer_id(api)},
                "subject": "SLA test",
                "channel": "EMAIL",
                "priority": priority,
                "createdAt": iso(created_at),
            }
        },
    )
    assert data["openTicket"]["userErrors"] == []
    ticket: dict[str, Any] = data["openTicket"]["ticket"]
    return ticket


async def sla_of(api: Api, ticket_id: str) -> dict[str, Any]:
    data = await api.query(
        "query($id: ID!) { node(id: $id) { ... on Ticket { " + SLA + " } } }", {"id": ticket_id}
    )
    found: dict[str, Any] = data["node"]["sla"]
    return found


async def move(api: Api, name: str, ticket_id: str, at: datetime | None = None) -> None:
    arguments = "id: $id" + (", at: $at" if at is not None else "")
    declared = "$id: ID!" + (", $at: DateTime" if at is not None else "")
    variables: dict[str, Any] = {"id": ticket_id}
    if at is not None:
        variables["at"] = iso(at)
    data = await api.query(
        f"mutation({declared}) {{ {name}({arguments}) {{ userErrors {{ message }} }} }}",
        variables,
    )
    assert data[name]["userErrors"] == []


async def set_policy(api: Api, policy: dict[str, Any], role: Role = Role.ADMIN) -> Any:
    response = await api.post(SET, {"input": policy}, role)
    assert response.status_code == 200, response.text
    return response.json()


def defaults_of(priority: str) -> dict[str, Any]:
    first, resolution = DEFAULTS[priority]
    return {"priority": priority, "firstResponseSeconds": first, "resolutionSeconds": resolution}


# ---------------------------------------------------------------- policies


async def test_policies_have_the_domain_defaults_most_urgent_first(writable: Api) -> None:
    data = await writable.query(POLICIES)
    assert [
        (p["priority"], p["firstResponseSeconds"], p["resolutionSeconds"], p["calendar"])
        for p in data["slaPolicies"]
    ] == [(p, *DEFAULTS[p], None) for p in ("URGENT", "HIGH", "NORMAL", "LOW")]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"firstResponseSeconds": 0}, ["input", "firstResponseSeconds"]),
        ({"resolutionSeconds": -5}, ["input", "resolutionSeconds"]),
        ({"firstResponseSeconds": 7200, "resolutionSeconds": 3600}, ["input", "resolutionSeconds"]),
        ({"calendar": {"timeZone": "Mars/Olympus", "weekdays": [1], "opensAt": "09:00",
                       "closesAt": "17:00"}}, ["input", "calendar", "timeZone"]),
        ({"calendar": {"timeZone": "Europe/Berlin", "weekdays": [0, 8], "opensAt": "09:00",
                       "closesAt": "17:00"}}, ["input", "calendar", "weekdays"]),
        ({"calendar": {"timeZone": "Europe/Berlin", "weekdays": [1, 1], "opensAt": "09:00",
                       "closesAt": "17:00"}}, ["input", "calendar", "weekdays"]),
        ({"calendar": {"timeZone": "Europe/Berlin", "weekdays": [], "opensAt": "09:00",
                       "closesAt": "17:00"}}, ["input", "calendar", "weekdays"]),
        ({"calendar": {"timeZone": "Europe/Berlin", "weekdays": [1], "opensAt": "9am",
                       "closesAt": "17:00"}}, ["input", "calendar", "opensAt"]),
        ({"calendar": {"timeZone": "Europe/Berlin", "weekdays": [1], "opensAt": "17:00",
                       "closesAt": "09:00"}}, ["input", "calendar", "closesAt"]),
        ({"resolutionSeconds": 2_000_000_000, "calendar": {"timeZone": "UTC", "weekdays": [7],
          "opensAt": "09:00", "closesAt": "09:01"}}, ["input", "resolutionSeconds"]),
    ],
)  # fmt: skip
async def test_invalid_policies_are_refused_naming_the_field(
    writable: Api, change: dict[str, Any], field: list[str]
) -> None:
    body = await set_policy(writable, {**defaults_of("NORMAL"), **change})
    payload = body["data"]["setSlaPolicy"]
    assert payload["policy"] is None
    assert [e["field"] for e in payload["userErrors"]] == [field]
    assert all(e["code"] == "INVALID" for e in payload["userErrors"])
    assert (await writable.query(POLICIES))["slaPolicies"][2]["resolutionSeconds"] == 259200


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
async def test_only_admin_sets_policies(writable: Api, role: Role) -> None:
    body = await set_policy(writable, {**defaults_of("LOW"), "firstResponseSeconds": 60}, role)
    assert body["data"] is None or body["data"]["setSlaPolicy"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await writable.query(POLICIES))["slaPolicies"][3]["firstResponseSeconds"] == 86400


async def test_partner_reads_no_sla(writable: Api) -> None:
    refused = await writable.post(POLICIES, role=Role.PARTNER)
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    for query in (
        "{ customers(first: 5) { edges { node { tickets(filter: {slaState: [BREACHED]}) "
        "{ totalCount } } } } }",
        "{ customers(first: 5) { edges { node { tickets(orderBy: {field: RESOLUTION_DUE, "
        "direction: ASC}) { totalCount } } } } }",
    ):
        body = (await writable.post(query, role=Role.PARTNER)).json()
        assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}


# ---------------------------------------------------------------- due times


async def test_due_times_on_open_and_on_priority_change(writable: Api) -> None:
    ticket = await open_ticket(writable, "URGENT", T0)
    sla = ticket["sla"]
    assert parse(sla["firstResponseDueAt"]) == T0 + H
    assert parse(sla["resolutionDueAt"]) == T0 + 8 * H
    assert sla["policy"]["priority"] == "URGENT"
    data = await writable.query(
        "mutation($id: ID!) { updateTicket(id: $id, input: {priority: LOW}) { ticket { "
        + SLA
        + " } userErrors { message } } }",
        {"id": ticket["id"]},
    )
    moved = data["updateTicket"]["ticket"]["sla"]
    assert parse(moved["firstResponseDueAt"]) == T0 + 24 * H  # still from createdAt
    assert parse(moved["resolutionDueAt"]) == T0 + 168 * H
    assert moved["policy"]["priority"] == "LOW"


async def test_a_calendar_policy_counts_working_time_across_a_weekend_and_dst(
    writable: Api,
) -> None:
    calendar = {
        "timeZone": "Europe/Berlin",
        "weekdays": [1, 2, 3, 4, 5],
        "opensAt": "09:00",
        "closesAt": "17:00",
    }
    body = await set_policy(writable, {**defaults_of("HIGH"), "calendar": calendar})
    assert body["data"]["setSlaPolicy"]["userErrors"] == []
    assert body["data"]["setSlaPolicy"]["policy"]["calendar"] == calendar
    try:
        # Friday 2026-03-27 15:00 CET; Berlin moves to CEST on Sunday the 29th.
        created = datetime(2026, 3, 27, 14, tzinfo=UTC)
        ticket = await open_ticket(writable, "HIGH", created)
        # 4 working hours: 2 on Friday, 2 on Monday from 09:00 CEST (07:00 UTC).
        assert parse(ticket["sla"]["firstResponseDueAt"]) == datetime(2026, 3, 30, 9, tzinfo=UTC)
        # 24 working hours: Fri 2 + Mon 8 + Tue 8 + Wed 6 -> Wednesday 15:00 CEST.
        assert parse(ticket["sla"]["resolutionDueAt"]) == datetime(2026, 4, 1, 13, tzinfo=UTC)
        audit = await writable.query(
            '{ auditLog(first: 5, filter: {action: ["setSlaPolicy"]}) '
            "{ edges { node { action keyName details } } } }"
        )
        entry = audit["auditLog"]["edges"][0]["node"]
        assert entry["keyName"] == "test-admin"
        assert entry["details"]["priority"] == "HIGH"
        assert entry["details"]["calendar"] == calendar  # which hours, not just "some"
        assert entry["details"]["previous"]["calendar"] is None
    finally:
        await set_policy(writable, defaults_of("HIGH"))


async def test_a_policy_change_moves_open_tickets_only(writable: Api) -> None:
    running = await open_ticket(writable, "NORMAL", T0)
    finished = await open_ticket(writable, "NORMAL", T0)
    await move(writable, "respondToTicket", finished["id"], T0 + H)
    await move(writable, "resolveTicket", finished["id"], T0 + 2 * H)
    policy = {"priority": "NORMAL", "firstResponseSeconds": 600, "resolutionSeconds": 7200}
    body = await set_policy(writable, policy)
    try:
        assert body["data"]["setSlaPolicy"]["userErrors"] == []
        moved = await sla_of(writable, running["id"])
        assert parse(moved["firstResponseDueAt"]) == T0 + timedelta(minutes=10)
        assert parse(moved["resolutionDueAt"]) == T0 + 2 * H
        kept = await sla_of(writable, finished["id"])
        assert parse(kept["firstResponseDueAt"]) == T0 + 8 * H
        assert parse(kept["resolutionDueAt"]) == T0 + 72 * H
        assert kept["policy"]["firstResponseSeconds"] == 600  # the policy is the current one
        audit = await writable.query(
            '{ auditLog(first: 1, filter: {action: ["setSlaPolicy"]}) '
            "{ edges { node { details } } } }"
        )
        details = audit["auditLog"]["edges"][0]["node"]["details"]
        assert details["ticketsMoved"] >= 1
        # What it became and what it was: "who changed our targets to what?"
        assert (details["firstResponseSeconds"], details["resolutionSeconds"]) == (600, 7200)
        assert details["calendar"] is None
        assert details["previous"] == {
            "firstResponseSeconds": 8 * 3600,
            "resolutionSeconds": 72 * 3600,
            "calendar": None,
        }
    finally:
        await set_policy(writable, defaults_of("NORMAL"))
    restored = await sla_of(writable, running["id"])
    assert parse(restored["firstResponseDueAt"]) == T0 + 8 * H


# ---------------------------------------------------------------- states over time


async def test_states_move_with_the_clock_and_the_lifecycle(writable: Api) -> None:
    ticket = await open_ticket(writable, "URGENT", T0)  # 1 h / 8 h; at risk after 45 min / 6 h
    key = ticket["id"]

    async def states() -> tuple[str, str, str, int | None]:
        found = await sla_of(writable, key)
        return (
            found["firstResponseState"],
            found["resolutionState"],
            found["state"],
            found["secondsToNextDue"],
        )

    with clock(writable, T0 + timedelta(minutes=10)) as at:
        assert await states() == ("ON_TRACK", "ON_TRACK", "ON_TRACK", 50 * 60)
        at(T0 + timedelta(minutes=45))
        assert await states() == ("AT_RISK", "ON_TRACK", "AT_RISK", 15 * 60)
        at(T0 + H)
        assert await states() == ("AT_RISK", "ON_TRACK", "AT_RISK", 0)
        at(T0 + H + timedelta(seconds=1))
        assert await states() == ("BREACHED", "ON_TRACK", "BREACHED", 7 * 3600 - 1)
        await move(writable, "respondToTicket", key, T0 + timedelta(minutes=30))
        assert await states() == ("MET", "ON_TRACK", "ON_TRACK", 7 * 3600 - 1)
        at(T0 + 6 * H)
        assert await states() == ("MET", "AT_RISK", "AT_RISK", 2 * 3600)
        at(T0 + 7 * H)  # writes are refused times after the server's "now"
        await move(writable, "resolveTicket", key, T0 + 7 * H)
        assert await states() == ("MET", "MET", "MET", None)
        await move(writable, "reopenTicket", key)  # the resolution is unachieved again
        assert await states() == ("MET", "AT_RISK", "AT_RISK", 3600)
        at(T0 + 9 * H)
        assert await states() == ("MET", "BREACHED", "BREACHED", None)
        await move(writable, "resolveTicket", key, T0 + 8 * H + timedelta(minutes=1))
        await move(writable, "closeTicket", key, T0 + 9 * H)
        assert await states() == ("MET", "BREACHED", "BREACHED", None)


# ---------------------------------------------------------------- filter, order, metrics

ALL = (
    """query($after: String) { tickets(first: 100, after: $after) {
  edges { node { id status createdAt firstResponseAt resolvedAt """
    + SLA
    + """ } }
  pageInfo { hasNextPage endCursor } } }"""
)


async def every_ticket(api: Api) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await api.query(ALL, {"after": after}))["tickets"]
        found += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


async def some_tickets_in_every_state(api: Api) -> None:
    for priority, hours in (("URGENT", 0), ("HIGH", 1), ("NORMAL", 2), ("LOW", 3)):
        for offset in (0, 3, 20, 60):
            await open_ticket(api, priority, T0 + (hours + offset) * H)
    responded = await open_ticket(api, "HIGH", T0)
    await move(api, "respondToTicket", responded["id"], T0 + H)
    await move(api, "resolveTicket", responded["id"], T0 + 30 * H)


@pytest.mark.parametrize("field", ["RESOLUTION_DUE", "FIRST_RESPONSE_DUE"])
async def test_filter_by_state_and_order_by_due_time_page_by_page(
    writable: Api, field: str
) -> None:
    await some_tickets_in_every_state(writable)
    due_of = "resolutionDueAt" if field == "RESOLUTION_DUE" else "firstResponseDueAt"
    now = T0 + 26 * H
    with clock(writable, now):
        everything = await every_ticket(writable)
        for wanted in (["AT_RISK", "BREACHED"], ["ON_TRACK"], ["MET"], ["AT_RISK"]):
            expected = {t["id"] for t in everything if t["sla"]["state"] in wanted}
            for direction in ("ASC", "DESC"):
                query = (
                    """query($after: String, $states: [SlaState!], $order: TicketOrder) {
                  tickets(first: 3, after: $after, filter: {slaState: $states}, orderBy: $order)
                  { totalCount edges { cursor node { id sla { state """
                    + due_of
                    + """ } } }
                    pageInfo { hasNextPage endCursor } } }"""
                )
                seen: list[dict[str, Any]] = []
                after = None
                while True:
                    variables = {
                        "after": after,
                        "states": wanted,
                        "order": {"field": field, "direction": direction},
                    }
                    page = (await writable.query(query, variables))["tickets"]
                    assert page["totalCount"] == len(expected)
                    seen += [edge["node"] for edge in page["edges"]]
                    if not page["pageInfo"]["hasNextPage"]:
                        break
                    after = page["pageInfo"]["endCursor"]
                assert [t["id"] for t in seen if t["sla"]["state"] in wanted] == [
                    t["id"] for t in seen
                ]
                assert {t["id"] for t in seen} == expected
                assert len(seen) == len(expected)
                dues = [parse(t["sla"][due_of]) for t in seen]
                assert dues == sorted(dues, reverse=direction == "DESC")
        # Without `sla` in the selection the compiled path serves the due-time order too
        # (tests/test_compiled_parity.py replays this through both read paths).
        plain = await writable.query(
            "query($order: TicketOrder) { tickets(first: 5, orderBy: $order) "
            "{ edges { cursor node { id createdAt } } } }",
            {"order": {"field": field, "direction": "ASC"}},
        )
        ids = [edge["node"]["id"] for edge in plain["tickets"]["edges"]]
        by_due = sorted(everything, key=lambda t: parse(t["sla"][due_of]))
        assert {t["id"] for t in by_due[:5]} >= set(ids[:1])
        assert any(t["sla"]["state"] == "AT_RISK" for t in everything)
        assert any(t["sla"]["state"] == "BREACHED" for t in everything)


def decided_and_met(ticket: dict[str, Any], now: datetime) -> tuple[int, int, int, int]:
    """The metric's definition, recomputed from the ticket's own fields."""
    sla = ticket["sla"]
    first_due, resolution_due = parse(sla["firstResponseDueAt"]), parse(sla["resolutionDueAt"])
    responded = parse(ticket["firstResponseAt"]) if ticket["firstResponseAt"] else None
    resolved = (
        parse(ticket["resolvedAt"])
        if ticket["resolvedAt"] and ticket["status"] in ("RESOLVED", "CLOSED")
        else None
    )
    first_decided = responded is not None or now > first_due
    resolution_decided = resolved is not None or now > resolution_due
    return (
        int(responded is not None and responded <= first_due),
        int(first_decided),
        int(resolved is not None and resolved <= resolution_due),
        int(resolution_decided),
    )


async def test_sla_metrics_match_a_recomputation_in_totals_and_series(writable: Api) -> None:
    await some_tickets_in_every_state(writable)
    now = T0 + 40 * H
    start, end = T0 - 3 * 24 * H, T0 + 4 * 24 * H
    fields = """firstResponseSla firstResponseSlaMet firstResponseSlaDecided
                resolutionSla resolutionSlaMet resolutionSlaDecided"""
    with clock(writable, now):
        tickets = [t for t in await every_ticket(writable) if start <= parse(t["createdAt"]) < end]
        data = await writable.query(
            "query($f: MetricsFilter) { metrics(filter: $f) { " + fields + " } "
            "metricsSeries(interval: DAY, filter: $f) { start metrics { " + fields + " } } }",
            {"f": {"from": iso(start), "to": iso(end)}},
        )
    totals = [
        sum(column) for column in zip(*(decided_and_met(t, now) for t in tickets), strict=True)
    ]
    metrics = data["metrics"]
    assert [
        metrics["firstResponseSlaMet"],
        metrics["firstResponseSlaDecided"],
        metrics["resolutionSlaMet"],
        metrics["resolutionSlaDecided"],
    ] == totals
    assert totals[1] > totals[0] > 0 and totals[3] > 0
    assert metrics["firstResponseSla"] == pytest.approx(totals[0] / totals[1])
    assert metrics["resolutionSla"] == pytest.approx(totals[2] / totals[3])
    for bucket in data["metricsSeries"]:
        day = parse(bucket["start"])
        inside = [t for t in tickets if day <= parse(t["createdAt"]) < day + 24 * H]
        expected = [sum(c) for c in zip(*(decided_and_met(t, now) for t in inside), strict=True)]
        got = bucket["metrics"]
        assert [
            got["firstResponseSlaMet"],
            got["firstResponseSlaDecided"],
            got["resolutionSlaMet"],
            got["resolutionSlaDecided"],
        ] == (expected or [0, 0, 0, 0])


async def assert_state_counts_kept(api: Api, within: Any = None) -> None:
    """The counts per stored SLA state the database keeps (what `tickets(filter:
    {slaState})` alone counts from) are the tickets' stored states counted now (in the
    transaction of connection `within` if given)."""
    async with contextlib.AsyncExitStack() as stack:
        connection = within or await stack.enter_async_context(api.backend.engine.connect())
        kept = await connection.execute(
            sa.text(
                "SELECT sla_state, sum(tickets) FROM ticket_sla_state_count "
                "GROUP BY sla_state HAVING sum(tickets) <> 0"
            )
        )
        counted = await connection.execute(
            sa.text(
                "SELECT sla_state, count(*) FROM ticket WHERE sla_state IS NOT NULL "
                "GROUP BY sla_state"
            )
        )
        assert {s: int(n) for s, n in kept.all()} == {s: int(n) for s, n in counted.all()}


async def test_counts_per_state_follow_inserts_updates_and_deletes(writable: Api) -> None:
    await some_tickets_in_every_state(writable)
    await assert_state_counts_kept(writable)
    async with writable.backend.engine.begin() as connection:
        # Many rows in one statement (the PostgreSQL triggers see a statement's rows at once).
        await connection.execute(sa.text("UPDATE ticket SET sla_state = 'MET'"))
        await assert_state_counts_kept(writable, connection)
        await connection.execute(
            sa.text(
                "UPDATE ticket SET sla_state = CASE WHEN priority = 'URGENT' THEN 'BREACHED' "
                "WHEN priority = 'LOW' THEN NULL ELSE 'AT_RISK' END"
            )
        )
        await assert_state_counts_kept(writable, connection)
        await connection.execute(
            sa.text(
                "DELETE FROM ticket WHERE sla_state = 'BREACHED' AND NOT EXISTS (SELECT 1 "
                "FROM survey_response r WHERE r.ticket_id = ticket.id) AND NOT EXISTS "
                "(SELECT 1 FROM follow_up f WHERE f.ticket_id = ticket.id) AND NOT EXISTS "
                "(SELECT 1 FROM survey_invitation i WHERE i.ticket_id = ticket.id)"
            )
        )
        await assert_state_counts_kept(writable, connection)
        await connection.rollback()  # the shared module database keeps its tickets
    await assert_state_counts_kept(writable)


async def test_an_empty_state_list_matches_no_ticket(writable: Api) -> None:
    """As an empty `status` list does: unticking every state shows nothing, not all."""
    for states_and_status in ("slaState: []", "status: []", "slaState: [], status: [OPEN]"):
        data = await writable.query(
            "{ tickets(filter: {" + states_and_status + "}) { totalCount edges { node { id } } } }"
        )
        assert data["tickets"] == {"totalCount": 0, "edges": []}, states_and_status
