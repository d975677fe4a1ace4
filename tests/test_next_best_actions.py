"""Next-best-actions kept current: writes and the clock start and end them, the queue
orders and pages them, a dismissal hides one until its date or until its facts change,
and PARTNER cannot read them."""

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.scheduler import Scheduler
from api.settings import Settings
from models import Role
from models.types import set_clock
from tests.conftest import Api, database, serving
from tests.test_health_state import Clock, iso, surveys

START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def clock() -> Iterator[Clock]:
    found = Clock(START)
    set_clock(found.now)
    try:
        yield found
    finally:
        set_clock(None)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def kept(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, clock: Clock
) -> AsyncIterator[Api]:
    async with (
        database(request.param, tmp_path_factory.mktemp("actions"), 3) as backend,
        serving(backend, rate_limit_capacity=10**12, rate_limit_per_second=10**9) as api,
    ):
        yield api


async def customer(api: Api, segment: str = "s") -> str:
    data = await api.query(
        "mutation($e: String!, $s: String!) { createCustomer(input: "
        '{name: "A", email: $e, segment: $s}) { customer { id } } }',
        {"e": f"a-{uuid.uuid4().hex}@x.example", "s": segment},
    )
    found: str = data["createCustomer"]["customer"]["id"]
    return found


async def nps(api: Api, survey: str, who: str, score: int, at: datetime) -> None:
    data = await api.query(
        "mutation($i: SurveyResponseInput!) { submitSurveyResponse(input: $i) "
        "{ userErrors { message } } }",
        {
            "i": {
                "surveyId": survey,
                "customer": {"id": who},
                "score": score,
                "respondedAt": iso(at),
            }
        },
    )
    assert data["submitSurveyResponse"]["userErrors"] == []


async def touch(api: Api, who: str, at: datetime, team: str = "SUPPORT") -> None:
    data = await api.query(
        "mutation($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) "
        "{ userErrors { message } } }",
        {
            "t": [
                {
                    "customer": {"id": who},
                    "occurredAt": iso(at),
                    "channel": "EMAIL",
                    "stage": "AWARENESS",
                    "team": team,
                    "kind": "email",
                    "source": "test",
                }
            ]
        },
    )
    assert data["recordTouchpoints"]["userErrors"] == []


ACTIONS = (
    "query($id: ID!) { customer(id: $id) { nextBestActions { kind team priority reason since } } }"
)


async def actions(api: Api, who: str) -> list[dict[str, Any]]:
    data = await api.query(ACTIONS, {"id": who})
    found: list[dict[str, Any]] = data["customer"]["nextBestActions"]
    return found


def kinds(found: list[dict[str, Any]]) -> list[str]:
    return [a["kind"] for a in found]


async def test_a_detractor_starts_with_a_write_and_ends_with_contact_or_time(
    kept: Api, clock: Clock
) -> None:
    scheduler = Scheduler(Settings(database_url=kept.backend.url), kept.app.state)
    survey = (await surveys(kept))["nps"]
    who = await customer(kept)
    assert kinds(await actions(kept, who)) == []
    answered = clock.now() - timedelta(minutes=5)
    await nps(kept, survey, who, 3, answered)
    found = await actions(kept, who)
    assert found == [
        {
            "kind": "RECOVER_DETRACTOR",
            "team": "SUPPORT",
            "priority": "HIGH",
            "reason": f"latest NPS 3 on {answered.day} {answered:%b %Y}; "
            "no support or sales contact since",
            "since": clock.now().isoformat(),
        }
    ]
    await touch(kept, who, clock.now() - timedelta(minutes=1), team="SALES")
    assert kinds(await actions(kept, who)) == []
    other = await customer(kept)
    await nps(kept, survey, other, 2, clock.now() - timedelta(minutes=5))
    assert kinds(await actions(kept, other)) == ["RECOVER_DETRACTOR"]
    clock.move(timedelta(days=30))
    await scheduler.round()
    assert kinds(await actions(kept, other)) == []


async def test_sla_risk_starts_by_the_clock_and_ends_with_resolution(
    kept: Api, clock: Clock
) -> None:
    scheduler = Scheduler(Settings(database_url=kept.backend.url), kept.app.state)
    who = await customer(kept)
    data = await kept.query(
        "mutation($i: OpenTicketInput!) { openTicket(input: $i) { ticket { id } } }",
        {
            "i": {
                "customer": {"id": who},
                "subject": "Help",
                "channel": "EMAIL",
                "priority": "NORMAL",
            }
        },
    )
    ticket = data["openTicket"]["ticket"]["id"]
    assert "RESOLVE_SLA_RISK" not in kinds(await actions(kept, who))
    clock.move(timedelta(hours=6, seconds=1))  # first response (8 h) enters AT_RISK at 6 h
    await scheduler.round()
    found = await actions(kept, who)
    assert kinds(found)[0] == "RESOLVE_SLA_RISK" and found[0]["priority"] == "URGENT"
    queue = await kept.query(
        "{ nextBestActions(first: 100, filter: {team: [SUPPORT], kind: [RESOLVE_SLA_RISK]}) "
        "{ totalCount edges { node { kind customer { id } } } } }"
    )
    assert who in [e["node"]["customer"]["id"] for e in queue["nextBestActions"]["edges"]]
    has = await kept.query(
        "{ customers(first: 100, filter: {hasAction: RESOLVE_SLA_RISK}) { edges { node { id } } } }"
    )
    assert who in [e["node"]["id"] for e in has["customers"]["edges"]]
    for move in ("respondToTicket", "resolveTicket"):
        moved = await kept.query(
            f"mutation($id: ID!) {{ {move}(id: $id) {{ userErrors {{ message }} }} }}",
            {"id": ticket},
        )
        assert moved[move]["userErrors"] == []
    found = await actions(kept, who)
    assert "RESOLVE_SLA_RISK" not in kinds(found)
    assert "REQUEST_FEEDBACK" in kinds(found)  # the resolution's follow-up is DUE
    clock.move(timedelta(days=7, seconds=1))
    await scheduler.round()
    assert "REQUEST_FEEDBACK" not in kinds(await actions(kept, who))


DISMISS = """mutation($i: DismissActionInput!) { dismissAction(input: $i) {
  customer { nextBestActions { kind } } userErrors { field message code } } }"""


async def test_dismissal_until_a_date_and_early_return_and_roles(kept: Api, clock: Clock) -> None:
    scheduler = Scheduler(Settings(database_url=kept.backend.url), kept.app.state)
    survey = (await surveys(kept))["nps"]
    who = await customer(kept)
    await nps(kept, survey, who, 3, clock.now() - timedelta(minutes=5))
    until = clock.now() + timedelta(days=2)
    given = {
        "customerId": who,
        "kind": "RECOVER_DETRACTOR",
        "until": iso(until),
        "reason": "called",
    }
    refused = (await kept.post(DISMISS, {"i": given}, role=Role.MARKETING)).json()["data"]
    assert refused["dismissAction"]["userErrors"][0]["code"] == "FORBIDDEN"
    partner = (await kept.post(DISMISS, {"i": given}, role=Role.PARTNER)).json()
    assert partner["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    done = (await kept.post(DISMISS, {"i": given}, role=Role.SUPPORT)).json()["data"]
    assert done["dismissAction"] == {"customer": {"nextBestActions": []}, "userErrors": []}
    clock.move(timedelta(days=1))
    await scheduler.round()
    assert kinds(await actions(kept, who)) == []
    clock.move(timedelta(days=1, seconds=1))
    await scheduler.round()
    assert kinds(await actions(kept, who)) == ["RECOVER_DETRACTOR"]
    # dismissed again; a new detractor score (other facts) brings it back at once
    given["until"] = iso(clock.now() + timedelta(days=5))
    done = (await kept.post(DISMISS, {"i": given}, role=Role.ADMIN)).json()["data"]
    assert done["dismissAction"]["userErrors"] == []
    await nps(kept, survey, who, 1, clock.now() - timedelta(minutes=1))
    assert kinds(await actions(kept, who)) == ["RECOVER_DETRACTOR"]


async def test_partner_cannot_read_actions(kept: Api) -> None:
    for query in (
        "{ nextBestActions(first: 1) { totalCount } }",
        "{ customers(first: 1, filter: {hasAction: RE_ENGAGE}) { totalCount } }",
        "{ customers(first: 1) { edges { node { nextBestActions { kind } } } } }",
    ):
        errors = (await kept.post(query, role=Role.PARTNER)).json()["errors"]
        assert errors and {e["extensions"]["code"] for e in errors} == {"FORBIDDEN"}, errors
