"""Survey invitations: the token is shown once and stored hashed, answers once (a double
submit, even two at once, stores one response), expires after 14 days; the response rate
metric; who may send them."""

import asyncio
import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from models import Role
from tests.conftest import UNLIMITED, Api, Clock, module_clock, new_customer, served

START = datetime(2027, 5, 3, 9, 0, tzinfo=UTC)


clock = module_clock(START)


kept = served("invite", 3, clocked=True, **UNLIMITED)


SEND = """mutation($i: SendSurveyInvitationInput!) { sendSurveyInvitation(input: $i) {
  token invitation { id sentAt expiresAt survey { id } customer { id } ticket { id }
  response { id } } userErrors { field message code } } }"""
SUBMIT = """mutation($i: SurveyResponseInput!) { submitSurveyResponse(input: $i) {
  surveyResponse { id score customer { id } ticket { id } survey { id } }
  userErrors { field message code } } }"""


async def survey(api: Api) -> str:
    data = await api.query(
        'mutation { createSurvey(input: {kind: NPS, question: "Recommend us?"}) { survey { id } } }'
    )
    found: str = data["createSurvey"]["survey"]["id"]
    return found


async def resolved_ticket(api: Api, who: str) -> str:
    data = await api.query(
        "mutation($c: ID!) { openTicket(input: {customer: {id: $c}, subject: 'x', "
        "channel: EMAIL}) { ticket { id } } }".replace("'", '"'),
        {"c": who},
    )
    key: str = data["openTicket"]["ticket"]["id"]
    for name in ("respondToTicket", "resolveTicket"):
        await api.query(
            f"mutation($id: ID!) {{ {name}(id: $id) {{ ticket {{ id }} }} }}", {"id": key}
        )
    return key


async def send(api: Api, given: dict[str, Any], role: Role = Role.ADMIN) -> Any:
    return (await api.query(SEND, {"i": given}, role))["sendSurveyInvitation"]


def submit_input(token: str, score: int = 9) -> dict[str, Any]:
    # surveyId and customer are required by the input type; with a token they are unused
    return {
        "surveyId": "unused",
        "customer": {"id": "unused"},
        "score": score,
        "invitationToken": token,
    }


async def test_a_token_is_shown_once_stored_hashed_and_links_the_response(
    kept: Api,
) -> None:
    who, form = await new_customer(kept, "I"), await survey(kept)
    ticket = await resolved_ticket(kept, who)
    sent = await send(kept, {"surveyId": form, "ticketId": ticket}, Role.SUPPORT)
    assert sent["userErrors"] == []
    token, invitation = sent["token"], sent["invitation"]
    assert token and invitation["customer"]["id"] == who and invitation["ticket"]["id"] == ticket
    assert invitation["response"] is None
    expires = datetime.fromisoformat(invitation["expiresAt"])
    assert expires - datetime.fromisoformat(invitation["sentAt"]) == timedelta(days=14)
    async with kept.backend.engine.connect() as connection:
        stored = (
            (await connection.execute(sa.text("SELECT token_hash FROM survey_invitation")))
            .scalars()
            .all()
        )
    assert hashlib.sha256(token.encode()).hexdigest() in stored
    assert all(token not in value for value in stored)  # only the hash is kept
    # never read back: the invitation has no token field
    errors = await kept.errors(
        "query($id: ID!) { node(id: $id) { ... on SurveyInvitation { token } } }",
        {"id": invitation["id"]},
    )
    assert "token" in errors[0]["message"]
    answered = (await kept.query(SUBMIT, {"i": submit_input(token)}, Role.SUPPORT))[
        "submitSurveyResponse"
    ]
    assert answered["userErrors"] == []
    response = answered["surveyResponse"]
    assert response["customer"]["id"] == who and response["ticket"]["id"] == ticket
    assert response["survey"]["id"] == form
    node = await kept.query(
        "query($id: ID!) { node(id: $id) { ... on SurveyInvitation { response { id } } } }",
        {"id": invitation["id"]},
    )
    assert node["node"]["response"] == {"id": response["id"]}
    # the same token again: the same response, stored once
    again = (await kept.query(SUBMIT, {"i": submit_input(token, 3)}))["submitSurveyResponse"]
    assert again["surveyResponse"]["id"] == response["id"] and again["surveyResponse"]["score"] == 9


async def test_a_follow_up_answered_names_the_invitation_answered(kept: Api) -> None:
    """Two invitations for one ticket (a reminder): answering the first makes the follow-up
    ANSWERED with that invitation, though the second was sent after it."""
    who, form = await new_customer(kept, "Twice"), await survey(kept)
    ticket = await resolved_ticket(kept, who)
    first = await send(kept, {"surveyId": form, "ticketId": ticket})
    second = await send(kept, {"surveyId": form, "ticketId": ticket})
    assert first["userErrors"] == second["userErrors"] == []
    answered = await kept.query(SUBMIT, {"i": submit_input(first["token"])})
    assert answered["submitSurveyResponse"]["userErrors"] == []
    follow_up = await kept.query(
        "query($id: ID!) { node(id: $id) { ... on Ticket { followUp { state "
        "invitation { id response { id } } } } } }",
        {"id": ticket},
    )
    assert follow_up["node"]["followUp"] == {
        "state": "ANSWERED",
        "invitation": {
            "id": first["invitation"]["id"],
            "response": {"id": answered["submitSurveyResponse"]["surveyResponse"]["id"]},
        },
    }


async def test_two_concurrent_identical_submissions_store_one_response(kept: Api) -> None:
    who, form = await new_customer(kept, "I"), await survey(kept)
    sent = await send(kept, {"surveyId": form, "customer": {"id": who}})
    token = sent["token"]
    results = await asyncio.gather(
        *(kept.query(SUBMIT, {"i": submit_input(token)}) for _ in range(4))
    )
    ids = {r["submitSurveyResponse"]["surveyResponse"]["id"] for r in results}
    assert len(ids) == 1, results
    counted = await kept.query(
        "query($id: ID!) { node(id: $id) { ... on Customer { surveyResponses(first: 10) "
        "{ totalCount } } } }",
        {"id": who},
    )
    assert counted["node"]["surveyResponses"]["totalCount"] == 1


async def test_an_expired_or_unknown_token_is_a_user_error_naming_the_field(
    kept: Api, clock: Clock
) -> None:
    who, form = await new_customer(kept, "I"), await survey(kept)
    sent = await send(kept, {"surveyId": form, "customer": {"id": who}})
    unknown = (await kept.query(SUBMIT, {"i": submit_input("inv_nope")}))["submitSurveyResponse"]
    assert unknown["surveyResponse"] is None
    assert unknown["userErrors"][0]["field"] == ["input", "invitationToken"]
    clock.at += timedelta(days=14)
    try:
        expired = (await kept.query(SUBMIT, {"i": submit_input(sent["token"])}))[
            "submitSurveyResponse"
        ]
    finally:
        clock.at -= timedelta(days=14)
    assert expired["surveyResponse"] is None
    assert expired["userErrors"][0]["field"] == ["input", "invitationToken"]
    assert expired["userErrors"][0]["code"] == "EXPIRED"


async def test_bad_invitations_are_refused_with_the_field(kept: Api) -> None:
    who, form = await new_customer(kept, "I"), await survey(kept)
    both = await send(
        kept,
        {"surveyId": form, "customer": {"id": who}, "ticketId": await resolved_ticket(kept, who)},
    )
    assert both["token"] is None and both["userErrors"][0]["field"] == ["input"]
    data = await kept.query(
        'mutation($c: ID!) { openTicket(input: {customer: {id: $c}, subject: "o", '
        "channel: EMAIL}) { ticket { id } } }",
        {"c": who},
    )
    open_ticket = await send(
        kept, {"surveyId": form, "ticketId": data["openTicket"]["ticket"]["id"]}
    )
    assert open_ticket["userErrors"][0]["field"] == ["input", "ticketId"]


async def test_an_erased_customer_is_not_invited_by_ticket_or_by_id(kept: Api) -> None:
    """After an erasure, an invitation through the person's resolved ticket or their id
    is refused (ERASED) and nothing is sent: no invitation, no token, no follow-up."""
    who, form = await new_customer(kept, "E"), await survey(kept)
    ticket = await resolved_ticket(kept, who)
    erased = await kept.query(
        "mutation($id: ID!) { eraseCustomer(id: $id) { userErrors { code } } }", {"id": who}
    )
    assert erased["eraseCustomer"]["userErrors"] == []
    for given, field in (
        ({"surveyId": form, "ticketId": ticket}, ["input", "ticketId"]),
        ({"surveyId": form, "customer": {"id": who}}, ["input", "customer"]),
    ):
        refused = await send(kept, given)
        assert (refused["token"], refused["invitation"]) == (None, None)
        assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [(field, "ERASED")]
    listed = await kept.query(
        "query($id: ID!) { customer(id: $id) { erasedAt } "
        "followUps(first: 100) { edges { node { ticket { id } invitation { id } } } } }",
        {"id": who},
    )
    assert listed["customer"]["erasedAt"] is not None
    assert all(
        e["node"]["invitation"] is None
        for e in listed["followUps"]["edges"]
        if e["node"]["ticket"]["id"] == ticket
    )


async def test_who_may_send_invitations(kept: Api) -> None:
    who, form = await new_customer(kept, "I"), await survey(kept)
    for role in (Role.SUPPORT, Role.MARKETING, Role.ADMIN):
        assert (await send(kept, {"surveyId": form, "customer": {"id": who}}, role))["token"]
    for role in (Role.SALES, Role.ANALYST, Role.PARTNER):
        response = await kept.post(SEND, {"i": {"surveyId": form, "customer": {"id": who}}}, role)
        errors = response.json()["errors"]
        assert {e["extensions"]["code"] for e in errors} == {"FORBIDDEN"}, errors


RATE = """query($f: MetricsFilter) { metrics(filter: $f) {
  surveyResponseRate surveyInvitationsSent surveyInvitationsAnswered } }"""
SERIES = """query($f: MetricsFilter) { metricsSeries(interval: DAY, filter: $f) {
  start metrics { surveyResponseRate surveyInvitationsSent surveyInvitationsAnswered } } }"""


async def test_survey_response_rate_counts_invitations_sent_in_the_window(
    kept: Api, clock: Clock
) -> None:
    segment = f"seg-{uuid.uuid4().hex[:6]}"
    data = await kept.query(
        'mutation($s: String!) { createCustomer(input: {name: "R", segment: $s}) { customer { id } } }',
        {"s": segment},
    )
    who, form = data["createCustomer"]["customer"]["id"], await survey(kept)
    clock.at = START + timedelta(days=20)
    tokens = [
        (await send(kept, {"surveyId": form, "customer": {"id": who}}))["token"] for _ in range(3)
    ]
    clock.at += timedelta(days=1)
    later = [
        (await send(kept, {"surveyId": form, "customer": {"id": who}}))["token"] for _ in range(2)
    ]
    for token in (tokens[0], tokens[2], later[1]):
        assert (await kept.query(SUBMIT, {"i": submit_input(token)}))["submitSurveyResponse"][
            "userErrors"
        ] == []
    day = (START + timedelta(days=20)).replace(hour=0)  # calendar days: one bucket each
    window = {
        "segment": segment,
        "from": day.isoformat(),
        "to": (day + timedelta(days=2)).isoformat(),
    }
    total = (await kept.query(RATE, {"f": window}))["metrics"]
    assert total == {
        "surveyResponseRate": 3 / 5,
        "surveyInvitationsSent": 5,
        "surveyInvitationsAnswered": 3,
    }
    first_day = {**window, "to": (day + timedelta(days=1)).isoformat()}
    assert (await kept.query(RATE, {"f": first_day}))["metrics"]["surveyResponseRate"] == 2 / 3
    series = (await kept.query(SERIES, {"f": window}))["metricsSeries"]
    assert [b["metrics"]["surveyInvitationsSent"] for b in series] == [3, 2]
    assert [b["metrics"]["surveyResponseRate"] for b in series] == [2 / 3, 1 / 2]
    empty = {**window, "from": (day - timedelta(days=5)).isoformat(), "to": day.isoformat()}
    assert (await kept.query(RATE, {"f": empty}))["metrics"]["surveyResponseRate"] is None
    clock.at = START
