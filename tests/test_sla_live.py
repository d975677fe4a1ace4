"""Live SLA: a ticket entering AT_RISK or BREACHED by time alone is announced once per state
entered, on `ticketSlaChanged` / `ticketSlaChanges` (with cursors to resume from) and as
webhook deliveries of TICKET_SLA_AT_RISK / TICKET_SLA_BREACHED; PARTNER gets neither.

The server runs in this process (uvicorn on a free port) so the test owns its clock
(models.types.set_clock) and the scheduler's rounds. On PostgreSQL with Redis, the round
runs in one server and the subscriber listens on another.
"""

import asyncio
import base64
import json
import os
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from websockets.asyncio.client import ClientConnection, connect

from api.app import create_app
from api.scheduler import Scheduler
from api.settings import Settings
from models import Role
from resolvers.scheduler import DueWork
from resolvers.sla_live import SLA_DUE
from tests.conftest import Backend, database
from tests.test_health_state import Clock
from tests.test_health_state import clock as clock  # the server's clock, per module
from tests.test_ingestion_crash import free_port
from tests.test_webhooks import CREATE, Receiver, receiving

REDIS_URL = os.environ.get("CX360_TEST_REDIS_URL")
OPEN = """mutation($c: ID!, $a: String!) { openTicket(input: {customer: {id: $c},
  subject: "Printer on fire", channel: EMAIL, priority: URGENT, assignee: $a}) {
  ticket { id sla { state firstResponseDueAt } } userErrors { code } } }"""
MOVE = """mutation($id: ID!) { %s(id: $id) { ticket { sla { state } } userErrors { code } } }"""
CHANGES = """subscription($a: String!, $after: String) {
  ticketSlaChanges(filter: {assignee: $a}, after: $after) {
    cursor type occurredAt ticket { id assignee sla { state } } } }"""
CHANGED = """subscription($a: String!) {
  ticketSlaChanged(filter: {assignee: $a}) { id sla { state firstResponseState } } }"""
WEBHOOKS = {
    "webhooks": True,
    "webhook_allow_private_networks": True,
    "webhook_poll_seconds": 0.2,
}


@dataclass
class Node:
    """One server process's worth: the app, its port, and a scheduler on its state."""

    app: Any
    port: int
    scheduler: Scheduler

    async def post(self, key: str, query: str, variables: dict[str, Any]) -> Any:
        async with httpx.AsyncClient() as client:
            response = await client.post(
                f"http://127.0.0.1:{self.port}/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {key}"},
            )
        body = response.json()
        return body


@asynccontextmanager
async def node(
    backend: Backend, kinds: Sequence[DueWork] = (SLA_DUE,), **settings: Any
) -> AsyncIterator[Node]:
    config = Settings(database_url=backend.url, scheduler=False, **settings)
    app = create_app(config)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not task.done(), "the server did not start"
            await asyncio.sleep(0.02)
        yield Node(app, port, Scheduler(config, app.state, kinds))
    finally:
        server.should_exit = True
        await task


@dataclass
class Live:
    backend: Backend
    receiver: Receiver
    writer: Node  # writes and runs the scheduler's rounds
    listener: Node  # holds the subscriptions (another process's worth on PostgreSQL)


@asynccontextmanager
async def live_servers(kind: str, directory: Path, kinds: Sequence[DueWork]) -> AsyncIterator[Live]:
    """A seeded database, a webhook receiver, a writer (webhooks on, the scheduler's
    `kinds`) and a listener: the same server on SQLite, another over Redis on PostgreSQL."""
    receiver = Receiver(failures=0)
    async with database(kind, directory, 3) as backend, receiving(receiver):
        if kind == "sqlite":
            async with node(backend, kinds, **WEBHOOKS) as only:
                yield Live(backend, receiver, only, only)
            return
        if not REDIS_URL:
            pytest.skip("CX360_TEST_REDIS_URL is not set: no Redis between workers")
        async with (
            node(backend, kinds, redis_url=REDIS_URL, **WEBHOOKS) as writer,
            # No webhook task here: it would refuse the receiver's private address.
            node(backend, kinds, redis_url=REDIS_URL, webhooks=False) as listener,
        ):
            yield Live(backend, receiver, writer, listener)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, clock: Clock
) -> AsyncIterator[Live]:
    async with live_servers(request.param, tmp_path_factory.mktemp("slalive"), [SLA_DUE]) as found:
        yield found


@asynccontextmanager
async def socket(server: Node, key: str) -> AsyncIterator[ClientConnection]:
    async with connect(
        f"ws://127.0.0.1:{server.port}/graphql", subprotocols=["graphql-transport-ws"]
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": key}}))
        ack = await receive(ws)
        assert ack["type"] == "connection_ack", ack
        yield ws


async def subscribe(ws: ClientConnection, sid: str, query: str, variables: Any) -> None:
    payload = {"query": query, "variables": variables}
    await ws.send(json.dumps({"id": sid, "type": "subscribe", "payload": payload}))


async def receive(ws: ClientConnection, seconds: float = 5) -> dict[str, Any]:
    raw = await asyncio.wait_for(ws.recv(), seconds)
    assert isinstance(raw, str)
    found: dict[str, Any] = json.loads(raw)
    return found


async def quiet(ws: ClientConnection, seconds: float = 0.8) -> None:
    """Nothing more arrives on this socket for a while."""
    with pytest.raises(TimeoutError):
        await receive(ws, seconds)


async def nothing_due(live: Live) -> None:
    applied = await live.writer.scheduler.round()
    assert applied == {SLA_DUE.name: []}


def bearer(live: Live, role: Role) -> str:
    return f"Bearer {live.backend.keys[role]}"


async def customer(live: Live) -> str:
    created = await live.writer.post(
        live.backend.keys[Role.ADMIN],
        'mutation($e: String!) { createCustomer(input: {name: "Sla", email: $e}) '
        "{ customer { id } } }",
        {"e": f"sla-{uuid.uuid4().hex[:8]}@x.example"},
    )
    key: str = created["data"]["createCustomer"]["customer"]["id"]
    return key


async def open_ticket(live: Live, assignee: str) -> dict[str, Any]:
    opened = await live.writer.post(
        live.backend.keys[Role.SUPPORT], OPEN, {"c": await customer(live), "a": assignee}
    )
    assert opened["data"]["openTicket"]["userErrors"] == [], opened
    ticket: dict[str, Any] = opened["data"]["openTicket"]["ticket"]
    return ticket


async def move(live: Live, name: str, ticket: dict[str, Any]) -> None:
    moved = await live.writer.post(
        live.backend.keys[Role.SUPPORT], MOVE % name, {"id": ticket["id"]}
    )
    assert moved["data"][name]["userErrors"] == [], moved


async def sla_rows(live: Live, ticket_id: str) -> int:
    """SLA entries in the change log for this ticket (by its global id's row id)."""
    key = base64.b64decode(ticket_id).decode().removeprefix("Ticket:")
    async with live.backend.engine.connect() as connection:
        found = await connection.execute(
            sa.text(
                "SELECT count(*) FROM change_event WHERE record_id = :r "
                "AND change_type IN ('TICKET_SLA_AT_RISK', 'TICKET_SLA_BREACHED')"
            ),
            {"r": uuid.UUID(key) if live.backend.name == "postgres" else uuid.UUID(key).hex},
        )
        return int(found.scalar_one())


async def test_a_ticket_crossing_at_risk_then_breached_by_time_is_announced_once_each(
    live: Live, clock: Clock
) -> None:
    assignee = f"agent-{uuid.uuid4().hex[:8]}"
    created = await live.writer.post(
        live.backend.keys[Role.ADMIN],
        CREATE,
        {
            "input": {
                "url": live.receiver.url,
                "eventTypes": ["TICKET_SLA_AT_RISK", "TICKET_SLA_BREACHED"],
                "role": "SUPPORT",
                "ticketFilter": {"assignee": assignee},
            }
        },
    )
    assert created["data"]["createWebhookEndpoint"]["userErrors"] == [], created
    before = len(live.receiver.accepted)
    await live.writer.scheduler.round()  # whatever the seed left due, out of the way
    async with socket(live.listener, bearer(live, Role.SUPPORT)) as ws:
        await subscribe(ws, "changes", CHANGES, {"a": assignee})
        await subscribe(ws, "changed", CHANGED, {"a": assignee})
        await asyncio.sleep(0.3)  # the server listens before anything is written
        ticket = await open_ticket(live, assignee)  # URGENT: first response due in 1 h
        assert ticket["sla"]["state"] == "ON_TRACK"
        at_risk = clock.now() + timedelta(minutes=45)  # 25 % of the hour left
        # The scheduler sleeps no longer than until the moment (so well within 60 s).
        assert await live.writer.scheduler.until_next_due() <= 45 * 60
        clock.move(timedelta(minutes=44, seconds=59))
        await nothing_due(live)
        await quiet(ws, 0.3)

        clock.at = at_risk
        applied = await live.writer.scheduler.round()
        assert len(applied[SLA_DUE.name]) == 1
        events = {m["id"]: m for m in [await receive(ws), await receive(ws)]}
        change = events["changes"]["payload"]["data"]["ticketSlaChanges"]
        assert change["type"] == "TICKET_SLA_AT_RISK"
        assert datetime.fromisoformat(change["occurredAt"]) == at_risk
        assert change["ticket"] == {
            "id": ticket["id"],
            "assignee": assignee,
            "sla": {"state": "AT_RISK"},
        }
        assert events["changed"]["payload"]["data"]["ticketSlaChanged"] == {
            "id": ticket["id"],
            "sla": {"state": "AT_RISK", "firstResponseState": "AT_RISK"},
        }
        clock.move(timedelta(minutes=5))
        await nothing_due(live)  # still AT_RISK: nothing new, nothing looked at
        await quiet(ws, 0.3)

        clock.at = at_risk + timedelta(minutes=15, microseconds=1)  # just past the due time
        await live.writer.scheduler.round()
        events = {m["id"]: m for m in [await receive(ws), await receive(ws)]}
        change = events["changes"]["payload"]["data"]["ticketSlaChanges"]
        assert change["type"] == "TICKET_SLA_BREACHED"
        assert change["ticket"]["sla"] == {"state": "BREACHED"}
        assert events["changed"]["payload"]["data"]["ticketSlaChanged"]["sla"] == {
            "state": "BREACHED",
            "firstResponseState": "BREACHED",
        }
        # Still BREACHED through a late answer, a resolution and a reopen: once per entry.
        for name in ("respondToTicket", "resolveTicket", "reopenTicket"):
            clock.move(timedelta(minutes=10))
            await move(live, name, ticket)
        clock.move(timedelta(hours=10))  # past every due time of the ticket
        await live.writer.scheduler.round()
        await quiet(ws)
    assert await sla_rows(live, ticket["id"]) == 2
    await live.receiver.until(before + 2)
    await asyncio.sleep(0.5)  # and no more than two
    # Sent concurrently: in any order.
    hooks = sorted(live.receiver.accepted[before:], key=lambda h: json.loads(h.body)["occurredAt"])
    assert [h.headers["cx360-event-type"] for h in hooks] == [
        "TICKET_SLA_AT_RISK",
        "TICKET_SLA_BREACHED",
    ]
    bodies = [json.loads(h.body) for h in hooks]
    assert [b["data"]["id"] for b in bodies] == [ticket["id"], ticket["id"]]
    assert [b["type"] for b in bodies] == ["TICKET_SLA_AT_RISK", "TICKET_SLA_BREACHED"]


async def test_a_response_before_the_at_risk_moment_announces_nothing(
    live: Live, clock: Clock
) -> None:
    assignee = f"agent-{uuid.uuid4().hex[:8]}"
    await live.writer.scheduler.round()
    async with socket(live.listener, bearer(live, Role.SUPPORT)) as ws:
        await subscribe(ws, "changed", CHANGED, {"a": assignee})
        await asyncio.sleep(0.3)
        ticket = await open_ticket(live, assignee)
        clock.move(timedelta(minutes=30))
        await move(live, "respondToTicket", ticket)
        clock.move(timedelta(hours=2))  # past the first response's due time
        await live.writer.scheduler.round()
        await quiet(ws)
    assert await sla_rows(live, ticket["id"]) == 0


async def test_a_subscriber_resumes_after_a_dropped_socket_with_its_cursor(
    live: Live, clock: Clock
) -> None:
    assignee = f"agent-{uuid.uuid4().hex[:8]}"
    await live.writer.scheduler.round()
    ticket = await open_ticket(live, assignee)
    async with socket(live.listener, bearer(live, Role.ANALYST)) as ws:
        await subscribe(ws, "changes", CHANGES, {"a": assignee, "after": None})
        await asyncio.sleep(0.3)
        clock.move(timedelta(minutes=45))
        await live.writer.scheduler.round()
        first = (await receive(ws))["payload"]["data"]["ticketSlaChanges"]
        assert first["type"] == "TICKET_SLA_AT_RISK"
    # The socket dropped; the ticket breaches meanwhile.
    clock.move(timedelta(minutes=16))
    await live.writer.scheduler.round()
    async with socket(live.listener, bearer(live, Role.ANALYST)) as ws:
        await subscribe(ws, "changes", CHANGES, {"a": assignee, "after": first["cursor"]})
        missed = (await receive(ws))["payload"]["data"]["ticketSlaChanges"]
        assert missed["type"] == "TICKET_SLA_BREACHED"
        assert missed["ticket"]["id"] == ticket["id"]
        assert missed["cursor"] != first["cursor"]
        await quiet(ws)  # none twice


async def test_partner_gets_no_sla_events(live: Live) -> None:
    async with socket(live.listener, bearer(live, Role.PARTNER)) as ws:
        await subscribe(ws, "changed", CHANGED, {"a": "anyone"})
        refused = await receive(ws)
    assert refused["type"] in ("error", "next"), refused
    errors = refused["payload"] if refused["type"] == "error" else refused["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "FORBIDDEN", refused
    for event_type in ("TICKET_SLA_AT_RISK", "TICKET_SLA_BREACHED"):
        created = await live.writer.post(
            live.backend.keys[Role.ADMIN],
            CREATE,
            {"input": {"url": live.receiver.url, "eventTypes": [event_type], "role": "PARTNER"}},
        )
        payload = created["data"]["createWebhookEndpoint"]
        assert payload["endpoint"] is None
        (error,) = payload["userErrors"]
        assert error["field"] == ["input", "eventTypes"], error
        assert event_type in error["message"]


FILTERED = """query($a: String!, $s: [SlaState!]) {
  tickets(filter: {assignee: $a, slaState: $s}, orderBy: {field: RESOLUTION_DUE, direction: ASC}) {
    totalCount edges { node { id sla { state } } } } }"""


async def test_the_state_filter_agrees_with_ticket_sla_whether_or_not_the_scheduler_looked(
    live: Live, clock: Clock
) -> None:
    """The filter reads the stored state only where it is the state now: time passing
    a moment before the scheduler's round, or a clock before the last look, must not
    put a ticket in the wrong state's list."""
    assignee = f"agent-{uuid.uuid4().hex[:8]}"
    await live.writer.scheduler.round()
    ticket = await open_ticket(live, assignee)  # URGENT: AT_RISK after 45 min, due 1 h
    opened = clock.now()

    async def lists() -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for state in ("ON_TRACK", "AT_RISK", "BREACHED"):
            answer = await live.listener.post(
                live.backend.keys[Role.SUPPORT], FILTERED, {"a": assignee, "s": [state]}
            )
            assert answer.get("errors") is None, answer
            page = answer["data"]["tickets"]
            assert page["totalCount"] == len(page["edges"])
            for edge in page["edges"]:
                assert edge["node"] == {"id": ticket["id"], "sla": {"state": state}}
                found.setdefault(state, []).append(edge["node"]["id"])
        return found

    assert await lists() == {"ON_TRACK": [ticket["id"]]}
    clock.at = opened + timedelta(minutes=46)  # AT_RISK now; the stored state not yet
    assert await lists() == {"AT_RISK": [ticket["id"]]}
    await live.writer.scheduler.round()
    assert await lists() == {"AT_RISK": [ticket["id"]]}
    clock.at = opened + timedelta(minutes=61)  # past due, no round
    assert await lists() == {"BREACHED": [ticket["id"]]}
    clock.at = opened + timedelta(minutes=10)  # a clock before the last look (AT_RISK)
    assert await lists() == {"ON_TRACK": [ticket["id"]]}
    clock.at = opened + timedelta(minutes=61)
    await live.writer.scheduler.round()
    assert await lists() == {"BREACHED": [ticket["id"]]}
