"""Live next-best-actions: an action starting to hold, by a write or by time alone, is
announced once per start on `actionsChanged` / `actionChanges` (with cursors to resume
from) and as ACTION_STARTED webhook deliveries; the filter applies, a dismissed action is
never announced, and PARTNER gets neither.

The servers run in this process (uvicorn on free ports) so the test owns their clock and
the scheduler's rounds. On PostgreSQL with Redis, writes and rounds run in one server and
the subscriber listens on another.
"""

import asyncio
import base64
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from websockets.asyncio.client import ClientConnection

from api.scheduler import DUE_WORK
from models import Role
from tests.conftest import Clock, clock_at
from tests.test_sla_live import Live, live_servers, quiet, receive, socket, subscribe
from tests.test_webhooks import CREATE

START = datetime(2027, 5, 3, 9, 0, tzinfo=UTC)
FIELDS = "id kind team priority reason since customer { id }"
CHANGED = f"""subscription($f: ActionFilter) {{ actionsChanged(filter: $f) {{ {FIELDS} }} }}"""
CHANGES = f"""subscription($f: ActionFilter, $after: String) {{
  actionChanges(filter: $f, after: $after) {{ cursor type occurredAt action {{ {FIELDS} }} }} }}"""
ACTIONS = """query($id: ID!) { customer(id: $id) { nextBestActions { id kind since } } }"""
NODE = """query($id: ID!) { node(id: $id) { __typename ... on Action { kind reason } } }"""
DISMISS = """mutation($c: ID!, $k: ActionKind!, $u: DateTime!) { dismissAction(input:
  {customerId: $c, kind: $k, until: $u, reason: "called them"}) { userErrors { code } } }"""


@pytest.fixture(scope="module")
def clock() -> Iterator[Clock]:
    with clock_at(START) as found:
        yield found


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, clock: Clock
) -> AsyncIterator[Live]:
    """The writer's scheduler runs every kind of due work (health, SLA, actions, ...)."""
    directory = tmp_path_factory.mktemp("actionslive")
    async with live_servers(request.param, directory, DUE_WORK) as found:
        await found.writer.scheduler.round()  # what the seed left due, out of the way
        yield found


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def day(moment: datetime) -> str:
    return f"{moment.day} {moment:%b %Y}"


async def ok(live: Live, role: Role, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """The data of a request the writer's server must answer without errors."""
    body = await live.writer.post(live.backend.keys[role], query, variables)
    assert body.get("errors") is None, body
    found: dict[str, Any] = body["data"]
    for payload in found.values():
        if isinstance(payload, dict) and "userErrors" in payload:
            assert payload["userErrors"] == [], body
    return found


async def customer(live: Live, segment: str) -> str:
    created = await ok(
        live,
        Role.ADMIN,
        'mutation($e: String!, $s: String!) { createCustomer(input: {name: "Act", '
        "email: $e, segment: $s}) { customer { id } userErrors { code } } }",
        {"e": f"act-{uuid.uuid4().hex[:8]}@x.example", "s": segment},
    )
    key: str = created["createCustomer"]["customer"]["id"]
    return key


async def nps_survey(live: Live) -> str:
    created = await ok(
        live,
        Role.ADMIN,
        'mutation { createSurvey(input: {kind: NPS, question: "Recommend us?"}) '
        "{ survey { id } } }",
        {},
    )
    key: str = created["createSurvey"]["survey"]["id"]
    return key


async def nps(live: Live, survey: str, who: str, score: int, at: datetime) -> None:
    await ok(
        live,
        Role.SUPPORT,
        "mutation($i: SurveyResponseInput!) { submitSurveyResponse(input: $i) "
        "{ userErrors { code } } }",
        {
            "i": {
                "surveyId": survey,
                "customer": {"id": who},
                "score": score,
                "respondedAt": iso(at),
            }
        },
    )


async def touch(live: Live, who: str, team: str, at: datetime) -> None:
    point = {
        "customer": {"id": who},
        "occurredAt": iso(at),
        "channel": "EMAIL",
        "stage": "AWARENESS",
        "team": team,
        "kind": "email",
        "source": "test",
    }
    await ok(
        live,
        Role.ADMIN,
        "mutation($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) "
        "{ userErrors { code } } }",
        {"t": [point]},
    )


async def open_ticket(live: Live, who: str) -> str:
    opened = await ok(
        live,
        Role.SUPPORT,
        'mutation($c: ID!) { openTicket(input: {customer: {id: $c}, subject: "Broken", '
        "channel: EMAIL, priority: NORMAL}) { ticket { id } userErrors { code } } }",
        {"c": who},
    )
    key: str = opened["openTicket"]["ticket"]["id"]
    return key


async def webhook(live: Live, role: str, action_filter: dict[str, Any]) -> dict[str, Any]:
    created = await live.writer.post(
        live.backend.keys[Role.ADMIN],
        CREATE,
        {
            "input": {
                "url": live.receiver.url,
                "eventTypes": ["ACTION_STARTED"],
                "role": role,
                "actionFilter": action_filter,
            }
        },
    )
    found: dict[str, Any] = created["data"]["createWebhookEndpoint"]
    return found


async def started_rows(live: Live, customer_id: str) -> int:
    """ACTION_STARTED entries in the change log for this customer."""
    key = uuid.UUID(base64.b64decode(customer_id).decode().removeprefix("Customer:"))
    async with live.backend.engine.connect() as connection:
        found = await connection.execute(
            sa.text(
                "SELECT count(*) FROM change_event WHERE customer_id = :c "
                "AND change_type = 'ACTION_STARTED'"
            ),
            {"c": key if live.backend.name == "postgres" else key.hex},
        )
        return int(found.scalar_one())


async def events(ws: ClientConnection, count: int) -> dict[str, dict[str, Any]]:
    """The next `count` messages, by subscription id (each id once)."""
    found: dict[str, dict[str, Any]] = {}
    for _ in range(count):
        message = await receive(ws)
        assert message["type"] == "next", message
        assert message["id"] not in found, (message, found)
        assert "errors" not in message["payload"], message
        found[message["id"]] = message["payload"]["data"]
    return found


async def test_a_write_that_makes_a_rule_hold_is_announced_once_per_start(
    live: Live, clock: Clock
) -> None:
    segment = f"seg-{uuid.uuid4().hex[:8]}"
    survey = await nps_survey(live)
    mine = {"segment": segment}
    endpoint = await webhook(live, "SUPPORT", mine)
    assert endpoint["userErrors"] == [], endpoint
    assert endpoint["endpoint"]["eventTypes"] == ["ACTION_STARTED"]
    other_team = await webhook(live, "SUPPORT", {"segment": segment, "team": ["SALES"]})
    assert other_team["userErrors"] == [], other_team
    before = len(live.receiver.accepted)
    async with socket(live.listener, f"Bearer {live.backend.keys[Role.SUPPORT]}") as ws:
        await subscribe(ws, "changed", CHANGED, {"f": mine})
        await subscribe(ws, "changes", CHANGES, {"f": mine, "after": None})
        # Each of these excludes the action that starts below.
        excluded = {
            "team": {"segment": segment, "team": ["MARKETING", "SALES"]},
            "kind": {"segment": segment, "kind": ["RE_ENGAGE", "ASK_FOR_REFERRAL"]},
            "priority": {"segment": segment, "priority": ["LOW", "URGENT"]},
            "segment": {"segment": f"{segment}-other"},
        }
        for name, action_filter in excluded.items():
            await subscribe(ws, name, CHANGED, {"f": action_filter})
        await asyncio.sleep(0.3)  # the server listens before anything is written
        who = await customer(live, segment)
        answered = clock.now() - timedelta(minutes=5)
        await nps(live, survey, who, 3, answered)  # RECOVER_DETRACTOR starts in this write
        got = await events(ws, 2)
        reason = f"latest NPS 3 on {day(answered)}; no support or sales contact since"
        first = got["changed"]["actionsChanged"]
        assert {k: v for k, v in first.items() if k != "id"} == {
            "kind": "RECOVER_DETRACTOR",
            "team": "SUPPORT",
            "priority": "HIGH",
            "reason": reason,
            "since": clock.now().isoformat(),
            "customer": {"id": who},
        }
        change = got["changes"]["actionChanges"]
        assert change["type"] == "ACTION_STARTED"
        assert datetime.fromisoformat(change["occurredAt"]) == clock.now()
        assert change["action"] == first
        # The id is the action's while this start holds: the customer's list and `node`.
        shown = (await ok(live, Role.SALES, ACTIONS, {"id": who}))["customer"]["nextBestActions"]
        assert [(a["id"], a["kind"]) for a in shown] == [(first["id"], "RECOVER_DETRACTOR")]
        found = await ok(live, Role.ANALYST, NODE, {"id": first["id"]})
        assert found["node"] == {
            "__typename": "Action",
            "kind": "RECOVER_DETRACTOR",
            "reason": reason,
        }

        # Writes that leave it holding announce nothing more.
        clock.move(timedelta(minutes=1))
        await touch(live, who, "MARKETING", clock.now())
        await live.writer.scheduler.round()
        await quiet(ws)
        assert await started_rows(live, who) == 1

        # It ends with a sales contact; a new detractor score starts it again: a new start.
        clock.move(timedelta(minutes=1))
        await touch(live, who, "SALES", clock.now())
        assert (await ok(live, Role.SALES, ACTIONS, {"id": who}))["customer"][
            "nextBestActions"
        ] == []
        clock.move(timedelta(minutes=1))
        await nps(live, survey, who, 1, clock.now())
        again = (await events(ws, 2))["changed"]["actionsChanged"]
        assert again["kind"] == "RECOVER_DETRACTOR"
        assert (
            again["reason"]
            == f"latest NPS 1 on {day(clock.now())}; no support or sales contact since"
        )
        assert again["since"] == clock.now().isoformat()
        assert again["id"] != first["id"]
        assert (await ok(live, Role.ANALYST, NODE, {"id": first["id"]}))["node"] is None
        await quiet(ws)
    assert await started_rows(live, who) == 2
    await live.receiver.until(before + 2)
    await asyncio.sleep(0.6)  # and no more: the SALES-only endpoint takes neither
    hooks = sorted(live.receiver.accepted[before:], key=lambda h: json.loads(h.body)["occurredAt"])
    assert [h.headers["cx360-event-type"] for h in hooks] == ["ACTION_STARTED"] * 2
    bodies = [json.loads(h.body) for h in hooks]
    assert [b["data"]["id"] for b in bodies] == [first["id"], again["id"]]
    assert [b["data"]["reason"] for b in bodies] == [reason, again["reason"]]
    assert bodies[0]["data"]["customer"]["id"] == who
    assert bodies[0]["data"]["kind"] == "RECOVER_DETRACTOR"
    assert bodies[0]["data"]["team"] == "SUPPORT"


async def test_time_alone_starting_an_action_is_announced_once_by_the_scheduler(
    live: Live, clock: Clock
) -> None:
    segment = f"seg-{uuid.uuid4().hex[:8]}"
    mine = {"segment": segment}
    await live.writer.scheduler.round()
    async with socket(live.listener, f"Bearer {live.backend.keys[Role.MARKETING]}") as ws:
        await subscribe(ws, "changed", CHANGED, {"f": mine})
        await subscribe(ws, "changes", CHANGES, {"f": mine})
        await subscribe(ws, "sales", CHANGED, {"f": {"segment": segment, "team": ["SALES"]}})
        await asyncio.sleep(0.3)
        who = await customer(live, segment)
        await open_ticket(live, who)  # NORMAL: first response due in 8 h, AT_RISK at 6 h
        opened = clock.now()
        clock.move(timedelta(hours=6) - timedelta(seconds=1))
        await live.writer.scheduler.round()
        await quiet(ws, 0.3)

        clock.at = opened + timedelta(hours=6, seconds=1)  # the ticket is AT_RISK now
        await live.writer.scheduler.round()
        got = await events(ws, 2)
        action = got["changed"]["actionsChanged"]
        due = opened + timedelta(hours=72)
        assert {k: v for k, v in action.items() if k != "id"} == {
            "kind": "RESOLVE_SLA_RISK",
            "team": "SUPPORT",
            "priority": "URGENT",
            "reason": "1 open ticket AT_RISK or BREACHED on SLA; earliest resolution due "
            f"{due.day} {due:%b %Y %H:%M} UTC",
            "since": clock.now().isoformat(),
            "customer": {"id": who},
        }
        change = got["changes"]["actionChanges"]
        assert change["type"] == "ACTION_STARTED" and change["action"] == action
        assert datetime.fromisoformat(change["occurredAt"]) == clock.now()

        # Still holding (BREACHED later, the reason the same): no second start.
        clock.at = opened + timedelta(hours=8, seconds=1)
        await live.writer.scheduler.round()
        clock.move(timedelta(hours=1))
        await live.writer.scheduler.round()
        await quiet(ws)
    assert await started_rows(live, who) == 1


async def test_a_dismissed_action_is_never_announced(live: Live, clock: Clock) -> None:
    """Time starts the action, the scheduler has not looked yet, and a dismissal's own
    recomputation finds and dismisses it: nothing is announced, then or when the
    dismissal ends and the action shows again (that is no new start)."""
    segment = f"seg-{uuid.uuid4().hex[:8]}"
    await live.writer.scheduler.round()
    async with socket(live.listener, f"Bearer {live.backend.keys[Role.ADMIN]}") as ws:
        await subscribe(ws, "changed", CHANGED, {"f": {"segment": segment}})
        await asyncio.sleep(0.3)
        who = await customer(live, segment)
        await open_ticket(live, who)
        clock.move(timedelta(hours=6, seconds=1))  # AT_RISK: the action holds, not stored
        until = clock.now() + timedelta(hours=1)
        await ok(live, Role.SUPPORT, DISMISS, {"c": who, "k": "RESOLVE_SLA_RISK", "u": iso(until)})
        await live.writer.scheduler.round()
        await quiet(ws, 0.5)
        clock.at = until + timedelta(seconds=1)
        await live.writer.scheduler.round()
        shown = (await ok(live, Role.SUPPORT, ACTIONS, {"id": who}))["customer"]["nextBestActions"]
        assert [a["kind"] for a in shown] == ["RESOLVE_SLA_RISK"]
        assert shown[0]["since"] == (until - timedelta(hours=1)).isoformat()
        await quiet(ws)
    assert await started_rows(live, who) == 0


async def test_a_subscriber_resumes_after_a_dropped_socket_with_its_cursor(
    live: Live, clock: Clock
) -> None:
    segment = f"seg-{uuid.uuid4().hex[:8]}"
    survey = await nps_survey(live)
    mine = {"segment": segment}
    who = await customer(live, segment)
    key = f"Bearer {live.backend.keys[Role.ANALYST]}"
    async with socket(live.listener, key) as ws:
        await subscribe(ws, "changes", CHANGES, {"f": mine, "after": None})
        await asyncio.sleep(0.3)
        await nps(live, survey, who, 2, clock.now())
        first = (await events(ws, 1))["changes"]["actionChanges"]
    # The socket dropped; the action ends and starts again meanwhile.
    clock.move(timedelta(minutes=1))
    await touch(live, who, "SUPPORT", clock.now())
    clock.move(timedelta(minutes=1))
    await nps(live, survey, who, 0, clock.now())
    async with socket(live.listener, key) as ws:
        await subscribe(ws, "changes", CHANGES, {"f": mine, "after": first["cursor"]})
        missed = (await events(ws, 1))["changes"]["actionChanges"]
        assert missed["action"]["reason"].startswith("latest NPS 0 on ")
        assert missed["action"]["id"] != first["action"]["id"]
        assert missed["cursor"] != first["cursor"]
        await quiet(ws)  # none twice


async def test_partner_gets_no_action_events(live: Live) -> None:
    async with socket(live.listener, f"Bearer {live.backend.keys[Role.PARTNER]}") as ws:
        for name, query in (("changed", CHANGED), ("changes", CHANGES)):
            await subscribe(ws, name, query, {"f": None})
            refused = await receive(ws)
            assert refused["type"] in ("error", "next"), refused
            payload = refused["payload"]
            errors = payload if refused["type"] == "error" else payload["errors"]
            assert errors[0]["extensions"]["code"] == "FORBIDDEN", refused
            assert "may not read Subscription." in errors[0]["message"], refused
            assert "(metrics); roles that may: " in errors[0]["message"], refused
    refused_hook = await webhook(live, "PARTNER", {})
    assert refused_hook["endpoint"] is None
    (error,) = refused_hook["userErrors"]
    assert error["field"] == ["input", "eventTypes"], error
    assert "ACTION_STARTED" in error["message"] and "PARTNER" in error["message"]
    # Nor through `node`, whatever the id.
    body = await live.writer.post(
        live.backend.keys[Role.PARTNER],
        NODE,
        {"id": base64.b64encode(f"Action:{uuid.uuid4()}".encode()).decode()},
    )
    assert body["data"]["node"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
