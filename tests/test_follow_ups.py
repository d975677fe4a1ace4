"""Follow-ups kept current: the state machine of docs/domain.md "Follow-ups" through writes
and the clock, the queue's filters, order and paging, and who may read it."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from api.scheduler import Scheduler
from api.settings import Settings
from models import Role
from resolvers.follow_ups import FOLLOW_UP_DUE
from tests.conftest import UNLIMITED, Api, Clock, module_clock, new_customer, served

START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


clock = module_clock(START)


kept = served("follow", 3, clocked=True, **UNLIMITED)


def iso(moment: datetime) -> str:
    return moment.isoformat()


async def ticket(
    api: Api, who: str, priority: str = "NORMAL", channel: str = "EMAIL", assignee: str = "a"
) -> str:
    data = await api.query(
        "mutation($i: OpenTicketInput!) { openTicket(input: $i) { ticket { id } } }",
        {
            "i": {
                "customer": {"id": who},
                "subject": "Help",
                "channel": channel,
                "priority": priority,
                "assignee": assignee,
                "createdAt": iso(START - timedelta(days=30)),
            }
        },
    )
    found: str = data["openTicket"]["ticket"]["id"]
    await move(api, "respondToTicket", found)
    return found


async def move(api: Api, name: str, ticket_id: str, at: datetime | None = None) -> None:
    argument = ", at: $at" if at is not None else ""
    declared = ", $at: DateTime" if at is not None else ""
    variables: dict[str, Any] = {"id": ticket_id}
    if at is not None:
        variables["at"] = iso(at)
    data = await api.query(
        f"mutation($id: ID!{declared}) {{ {name}(id: $id{argument}) {{ userErrors {{ message }} }} }}",
        variables,
    )
    assert data[name]["userErrors"] == [], data


FOLLOW_UP = """query($id: ID!) { node(id: $id) { ... on Ticket { status
  followUp { state dueSince expiresAt ticket { id } invitation { id } } } } }"""


async def follow_up(api: Api, ticket_id: str, role: Role = Role.ADMIN) -> Any:
    data = await api.query(FOLLOW_UP, {"id": ticket_id}, role)
    return data["node"]["followUp"]


async def survey(api: Api) -> str:
    data = await api.query(
        'mutation { createSurvey(input: {kind: CSAT, question: "How did we do?"}) '
        "{ survey { id } } }"
    )
    found: str = data["createSurvey"]["survey"]["id"]
    return found


def scheduler(api: Api) -> Scheduler:
    return Scheduler(Settings(database_url=api.backend.url), api.app.state)


async def test_a_follow_up_follows_the_ticket_through_writes(kept: Api, clock: Clock) -> None:
    who = await new_customer(kept, "F")
    key = await ticket(kept, who)
    assert await follow_up(kept, key) is None  # open: no follow-up yet
    resolved = clock.now() - timedelta(hours=1)
    await move(kept, "resolveTicket", key, resolved)
    due = await follow_up(kept, key)
    assert due["state"] == "DUE" and due["ticket"]["id"] == key and due["invitation"] is None
    assert due["dueSince"] == iso(resolved) and due["expiresAt"] == iso(resolved + WEEK)
    await move(kept, "reopenTicket", key)  # a reopen cancels it
    assert await follow_up(kept, key) is None
    await move(kept, "resolveTicket", key)  # the next resolution starts a new one
    again = await follow_up(kept, key)
    assert again["state"] == "DUE" and again["dueSince"] == iso(clock.now())
    sent = await kept.query(
        "mutation($i: SendSurveyInvitationInput!) { sendSurveyInvitation(input: $i) "
        "{ invitation { id } token userErrors { message } } }",
        {"i": {"surveyId": await survey(kept), "ticketId": key}},
    )
    invitation = sent["sendSurveyInvitation"]["invitation"]["id"]
    now_sent = await follow_up(kept, key)
    assert now_sent["state"] == "SENT" and now_sent["invitation"] == {"id": invitation}
    await move(kept, "closeTicket", key)  # closing keeps the follow-up
    assert (await follow_up(kept, key))["state"] == "SENT"
    answered = await kept.query(
        "mutation($i: SurveyResponseInput!) { submitSurveyResponse(input: $i) "
        "{ userErrors { message } } }",
        {
            "i": {
                "surveyId": "ignored",
                "customer": {"id": who},
                "score": 5,
                "invitationToken": sent["sendSurveyInvitation"]["token"],
            }
        },
    )
    assert answered["submitSurveyResponse"]["userErrors"] == []
    assert (await follow_up(kept, key))["state"] == "ANSWERED"


async def test_a_response_linked_by_ticket_id_answers_the_follow_up(kept: Api) -> None:
    who = await new_customer(kept, "F")
    key = await ticket(kept, who)
    await move(kept, "resolveTicket", key)
    data = await kept.query(
        "mutation($i: SurveyResponseInput!) { submitSurveyResponse(input: $i) "
        "{ userErrors { message } } }",
        {
            "i": {
                "surveyId": await survey(kept),
                "customer": {"id": who},
                "ticketId": key,
                "score": 4,
            }
        },
    )
    assert data["submitSurveyResponse"]["userErrors"] == []
    assert (await follow_up(kept, key))["state"] == "ANSWERED"


async def test_the_scheduler_turns_due_into_missed_after_the_window(
    kept: Api, clock: Clock
) -> None:
    who = await new_customer(kept, "F")
    key, other = await ticket(kept, who), await ticket(kept, who)
    await move(kept, "resolveTicket", key)
    await move(kept, "resolveTicket", other, clock.now() - WEEK - timedelta(seconds=1))
    assert (await follow_up(kept, other))["state"] == "MISSED"  # resolved too long ago
    clock.at += WEEK - timedelta(seconds=1)
    await scheduler(kept).round()
    assert (await follow_up(kept, key))["state"] == "DUE"  # not yet
    clock.at += timedelta(seconds=1)
    applied = await scheduler(kept).round()
    assert len(applied[FOLLOW_UP_DUE.name]) >= 1
    assert (await follow_up(kept, key))["state"] == "MISSED"
    assert (await scheduler(kept).round())[FOLLOW_UP_DUE.name] == []  # nothing left


QUEUE = """query($first: Int, $after: String, $f: FollowUpFilter) {
  followUps(first: $first, after: $after, filter: $f) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { state dueSince ticket { id priority channel assignee } } } } }"""


async def queue(api: Api, filter: dict[str, Any], first: int) -> tuple[list[Any], int]:
    found, after, total = [], None, -1
    while True:
        data = (await api.query(QUEUE, {"first": first, "after": after, "f": filter}))["followUps"]
        found.extend(e["node"] for e in data["edges"])
        total = data["totalCount"]
        if not data["pageInfo"]["hasNextPage"]:
            return found, total
        after = data["pageInfo"]["endCursor"]


async def test_the_queue_filters_orders_oldest_due_first_and_pages(kept: Api, clock: Clock) -> None:
    team = f"team-{uuid.uuid4().hex[:8]}"  # this test's tickets only
    who = await new_customer(kept, "F")
    made = []
    for index, (priority, channel) in enumerate(
        [
            ("HIGH", "EMAIL"),
            ("LOW", "CHAT"),
            ("HIGH", "CHAT"),
            ("NORMAL", "EMAIL"),
            ("HIGH", "EMAIL"),
        ]
    ):
        key = await ticket(kept, who, priority, channel, team)
        resolved = clock.now() - timedelta(hours=10 - index * 3 % 7)
        await move(kept, "resolveTicket", key, resolved)
        made.append({"id": key, "priority": priority, "channel": channel, "at": resolved})
    await kept.query(
        "mutation($i: SendSurveyInvitationInput!) { sendSurveyInvitation(input: $i) { token } }",
        {"i": {"surveyId": await survey(kept), "ticketId": made[0]["id"]}},
    )
    made[0]["state"] = "SENT"
    for item in made[1:]:
        item["state"] = "DUE"
    expected_all = sorted(made, key=lambda m: (m["at"], uuid.UUID(int=0)))
    for filter, keep in (
        ({}, lambda m: True),
        ({"state": ["DUE"]}, lambda m: m["state"] == "DUE"),
        ({"priority": ["HIGH"]}, lambda m: m["priority"] == "HIGH"),
        ({"channel": ["CHAT"], "state": ["DUE", "SENT"]}, lambda m: m["channel"] == "CHAT"),
        (
            {"priority": ["HIGH"], "state": ["SENT"]},
            lambda m: m["priority"] == "HIGH" and m["state"] == "SENT",
        ),
    ):
        wanted = [m for m in expected_all if keep(m)]
        for first in (1, 2, 100):
            nodes, total = await queue(kept, {**filter, "assignee": team}, first)
            assert [n["ticket"]["id"] for n in nodes] == [m["id"] for m in wanted], filter
            assert [n["state"] for n in nodes] == [m["state"] for m in wanted]
            assert total == len(wanted)
    dues = [n["dueSince"] for n in (await queue(kept, {}, 100))[0]]
    assert dues == sorted(dues)  # across everything: oldest due first


async def test_the_queue_filters_follow_the_ticket_as_it_changes(kept: Api) -> None:
    """Priority and assignee changed on a resolved ticket move its follow-up between the
    queue's filters (the follow-up keeps copies of them: migration 9c4e2a7b5d18)."""
    team = f"team-{uuid.uuid4().hex[:8]}"
    other = f"other-{uuid.uuid4().hex[:8]}"
    key = await ticket(kept, await new_customer(kept, "G"), "LOW", "PHONE", team)
    await move(kept, "resolveTicket", key)
    update = """mutation($id: ID!, $i: UpdateTicketInput!) { updateTicket(id: $id, input: $i) {
      userErrors { message } } }"""
    for changes, matches in (
        ({}, {"priority": ["LOW"], "channel": ["PHONE"], "assignee": team}),
        ({"priority": "URGENT"}, {"priority": ["URGENT"], "assignee": team}),
        ({"assignee": other}, {"priority": ["URGENT"], "channel": ["PHONE"], "assignee": other}),
    ):
        if changes:
            found = await kept.query(update, {"id": key, "i": changes})
            assert found["updateTicket"]["userErrors"] == []
        for field, value in matches.items():
            given = {field: value, "assignee": matches["assignee"]}
            nodes, total = await queue(kept, given, 10)
            assert [n["ticket"]["id"] for n in nodes] == [key] and total == 1, given
    for stale in ({"priority": ["LOW"], "assignee": other}, {"assignee": team}):
        assert (await queue(kept, stale, 10))[1] == 0, stale


async def test_follow_ups_are_ticket_data_partner_may_not_read_them(kept: Api) -> None:
    for query in (
        "{ followUps(first: 1) { totalCount } }",
        "{ followUps(first: 1) { edges { node { state } } } }",
    ):
        response = await kept.post(query, role=Role.PARTNER)
        errors = response.json()["errors"]
        assert {e["extensions"]["code"] for e in errors} == {"FORBIDDEN"}, errors
    for role in (Role.ANALYST, Role.SUPPORT, Role.MARKETING, Role.SALES):
        data = await kept.query("{ followUps(first: 1) { totalCount } }", role=role)
        assert data["followUps"]["totalCount"] >= 1


async def test_a_bad_cursor_or_page_size_is_a_clear_error(kept: Api) -> None:
    errors = await kept.errors("{ followUps(first: 0) { totalCount } }")
    assert "first" in errors[0]["message"]
    errors = await kept.errors('{ followUps(after: "nope") { totalCount } }')
    assert errors[0]["extensions"]["code"] == "INVALID_CURSOR"
