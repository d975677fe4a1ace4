"""Live updates over graphql-transport-ws, through real `cx360 serve` processes.

On PostgreSQL with Redis, two server processes: a subscriber on one hears writes made
through the other. On SQLite, one process announces in memory.
"""

import asyncio
import json
import os
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from api.db import create_session_factory
from models import Role
from resolvers import keys
from schema.node import to_global_id
from tests.conftest import Backend, database
from tests.test_ingestion_crash import Server, free_port

REDIS_URL = os.environ.get("CX360_TEST_REDIS_URL")
RECORD = """mutation($t: [TouchpointInput!]!) {
  recordTouchpoints(touchpoints: $t) { created userErrors { code } } }"""
TIMELINE = """subscription($c: ID!) { customerTimeline(customerId: $c) {
  __typename ... on Touchpoint { kind summary } ... on Ticket { subject status } } }"""
TICKETS = """subscription { ticketChanged(filter: {status: [NEW]}) { subject status
  customer { email } } }"""


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def servers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Backend, Server, Server]]:
    """Two processes on the same database (one on SQLite), started once for the module."""
    async with database(request.param, tmp_path_factory.mktemp("live"), 5) as backend:
        first = Server(backend.url, free_port())
        second = first
        if request.param == "postgres":
            if not REDIS_URL:
                pytest.skip("CX360_TEST_REDIS_URL is not set: no Redis between workers")
            first.env["CX360_REDIS_URL"] = REDIS_URL
            second = Server(backend.url, free_port())
            second.env["CX360_REDIS_URL"] = REDIS_URL
        await first.start()
        if second is not first:
            await second.start()
        try:
            yield backend, first, second
        finally:
            await first.kill()
            if second is not first:
                await second.kill()


@asynccontextmanager
async def socket(server: Server, key: str | None) -> AsyncIterator[ClientConnection]:
    async with connect(
        f"ws://127.0.0.1:{server.port}/graphql", subprotocols=["graphql-transport-ws"]
    ) as ws:
        payload = {"Authorization": f"Bearer {key}"} if key else {}
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        yield ws


async def subscribe(ws: ClientConnection, query: str, variables: dict[str, Any]) -> None:
    ack = await next_event(ws)
    assert ack["type"] == "connection_ack", ack
    message = {"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}}
    await ws.send(json.dumps(message))
    await asyncio.sleep(0.3)  # let the server start listening before the write


async def next_event(ws: ClientConnection, seconds: float = 5) -> dict[str, Any]:
    raw = await asyncio.wait_for(ws.recv(), seconds)
    assert isinstance(raw, str), "protocol messages are text frames (clients refuse binary)"
    message: dict[str, Any] = json.loads(raw)
    return message


async def post(server: Server, key: str, query: str, variables: dict[str, Any]) -> Any:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"http://127.0.0.1:{server.port}/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {key}"},
        )
    return response.json()


def touchpoint(backend: Backend, external_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "customer": {"id": to_global_id("Customer", backend.data.customers[0]["id"])},
        "occurredAt": "2026-10-30T12:00:00Z",
        "channel": "APP",
        "stage": "RETENTION",
        "team": "PRODUCT",
        "kind": "app_login",
        "summary": external_id,
        "source": "live-test",
        "externalId": external_id,
        **overrides,
    }


async def test_a_write_through_one_worker_reaches_a_subscriber_on_another(
    servers: tuple[Backend, Server, Server],
) -> None:
    backend, listening, writing = servers
    customer = to_global_id("Customer", backend.data.customers[0]["id"])
    async with socket(listening, backend.keys[Role.SUPPORT]) as ws:
        await subscribe(ws, TIMELINE, {"c": customer})
        started = time.perf_counter()
        stored = await post(
            writing, backend.keys[Role.ADMIN], RECORD, {"t": [touchpoint(backend, "evt-a")]}
        )
        assert stored["data"]["recordTouchpoints"]["created"] == 1
        event = await next_event(ws, 1.0)  # within a second, across processes
        latency = time.perf_counter() - started
    assert event["type"] == "next"
    assert event["payload"]["data"]["customerTimeline"] == {
        "__typename": "Touchpoint",
        "kind": "app_login",
        "summary": "evt-a",
    }
    print(f"\nwrite to event across workers ({backend.name}): {latency * 1000:.0f} ms")


CHANGES = """subscription($c: ID!, $after: String) {
  customerTimelineChanges(customerId: $c, after: $after) {
    cursor type event { ... on Touchpoint { summary } } } }"""


async def test_a_subscriber_that_reconnects_with_its_cursor_gets_what_it_missed(
    servers: tuple[Backend, Server, Server],
) -> None:
    """The socket drops after the first change; two more commit before it is back, and
    resuming with the first change's cursor brings both from the log, then live ones."""
    backend, listening, writing = servers
    customer = to_global_id("Customer", backend.data.customers[0]["id"])
    admin, support = backend.keys[Role.ADMIN], backend.keys[Role.SUPPORT]

    async def record(summary: str) -> None:
        stored = await post(writing, admin, RECORD, {"t": [touchpoint(backend, summary)]})
        assert stored["data"]["recordTouchpoints"]["created"] == 1

    def change(message: dict[str, Any]) -> dict[str, Any]:
        assert message["type"] == "next", message
        found: dict[str, Any] = message["payload"]["data"]["customerTimelineChanges"]
        return found

    async with socket(listening, support) as ws:
        await subscribe(ws, CHANGES, {"c": customer, "after": None})
        await record("replay-1")
        first = change(await next_event(ws))
    assert first["type"] == "TOUCHPOINT_RECORDED"
    assert first["event"] == {"summary": "replay-1"}
    await record("replay-2")  # nobody is listening now
    await record("replay-3")
    async with socket(listening, support) as ws:
        await subscribe(ws, CHANGES, {"c": customer, "after": first["cursor"]})
        missed = [change(await next_event(ws)) for _ in range(2)]
        await record("replay-4")
        live = change(await next_event(ws))
        with pytest.raises(TimeoutError):  # nothing twice
            await next_event(ws, 0.5)
    assert [m["event"]["summary"] for m in missed] == ["replay-2", "replay-3"]
    assert live["event"] == {"summary": "replay-4"}
    cursors = [first["cursor"], *(m["cursor"] for m in missed), live["cursor"]]
    assert len(set(cursors)) == 4

    for garbled in ("not-a-cursor", ""):  # "" is no position either, never "from now"
        async with socket(listening, support) as ws:
            await subscribe(ws, CHANGES, {"c": customer, "after": garbled})
            refused = await next_event(ws)
        assert refused["type"] == "next", refused
        (error,) = refused["payload"]["errors"]
        assert "`after` is not a change cursor" in error["message"], error
        extensions = error["extensions"]
        assert (extensions["code"], extensions["argument"]) == ("INVALID_CURSOR", "after"), error
        assert "Traceback" not in json.dumps(refused)


async def test_a_rolled_back_write_announces_nothing(
    servers: tuple[Backend, Server, Server],
) -> None:
    backend, listening, writing = servers
    customer = to_global_id("Customer", backend.data.customers[0]["id"])
    admin = backend.keys[Role.ADMIN]
    async with socket(listening, backend.keys[Role.SUPPORT]) as ws:
        await subscribe(ws, TIMELINE, {"c": customer})
        bad = [touchpoint(backend, "evt-b"), touchpoint(backend, "evt-c", occurredAt="soon")]
        refused = await post(writing, admin, RECORD, {"t": bad})
        assert refused.get("errors") or refused["data"]["recordTouchpoints"]["userErrors"]
        await post(writing, admin, RECORD, {"t": [touchpoint(backend, "evt-d")]})
        event = await next_event(ws)
    assert event["payload"]["data"]["customerTimeline"]["summary"] == "evt-d"


async def test_ticket_changes_follow_the_filter_and_the_roles_masks(
    servers: tuple[Backend, Server, Server],
) -> None:
    backend, listening, writing = servers
    email = backend.data.customers[0]["email"]
    async with socket(listening, backend.keys[Role.MARKETING]) as ws:
        await subscribe(ws, TICKETS, {})
        opened = await post(
            writing,
            backend.keys[Role.SUPPORT],
            """mutation($e: String!) { openTicket(input: {customer: {email: $e},
               subject: "Live", channel: CHAT}) { ticket { id } } }""",
            {"e": email},
        )
        assert opened["data"]["openTicket"]["ticket"]["id"]
        event = await next_event(ws)
    ticket = event["payload"]["data"]["ticketChanged"]
    assert ticket["subject"] == "Live" and ticket["status"] == "NEW"
    local, domain = email.split("@")
    assert ticket["customer"]["email"] == f"{local[0]}***@{domain}"  # MARKETING: masked


async def test_a_partner_follows_a_timeline_and_hears_only_touchpoints(
    servers: tuple[Backend, Server, Server],
) -> None:
    """PARTNER may not read tickets: a ticket opened on the customer reaches neither
    `customerTimeline` nor `customerTimelineChanges`; the touchpoint after it does."""
    backend, listening, writing = servers
    customer = backend.data.customers[0]
    ticket = """mutation($e: String!) { openTicket(input: {customer: {email: $e},
        subject: "Not for partners", channel: CHAT}) { ticket { id } } }"""
    for query, field in ((TIMELINE, "customerTimeline"), (CHANGES, "customerTimelineChanges")):
        async with socket(listening, backend.keys[Role.PARTNER]) as ws:
            await subscribe(ws, query, {"c": to_global_id("Customer", customer["id"])})
            opened = await post(
                writing, backend.keys[Role.SUPPORT], ticket, {"e": customer["email"]}
            )
            assert opened["data"]["openTicket"]["ticket"]["id"]
            summary = f"partner-{field}"
            await post(
                writing, backend.keys[Role.ADMIN], RECORD, {"t": [touchpoint(backend, summary)]}
            )
            event = await next_event(ws)
            with pytest.raises(TimeoutError):  # and nothing else
                await next_event(ws, 0.5)
        assert event["type"] == "next", event
        assert "errors" not in event["payload"], event
        data = event["payload"]["data"][field]
        assert (data.get("event") or data)["summary"] == summary, data


async def test_the_key_is_checked_at_connection_init(
    servers: tuple[Backend, Server, Server],
) -> None:
    _, listening, _ = servers
    for key in (None, "cx360_not-a-key"):
        async with socket(listening, key) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await next_event(ws)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_a_role_that_may_not_read_tickets_gets_forbidden(
    servers: tuple[Backend, Server, Server],
) -> None:
    backend, listening, _ = servers
    async with socket(listening, backend.keys[Role.PARTNER]) as ws:
        await subscribe(ws, TICKETS, {})
        message = await next_event(ws)
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    # Its filter tests a ticket's status: the argument is refused first, and named.
    assert errors[0]["extensions"]["argument"] == "filter.status"


async def test_a_revoked_keys_subscription_ends(servers: tuple[Backend, Server, Server]) -> None:
    backend, listening, writing = servers
    sessions = create_session_factory(backend.engine)
    issued = await keys.create_key(sessions, "live-revoked", Role.SUPPORT)
    customer = to_global_id("Customer", backend.data.customers[0]["id"])
    async with socket(listening, issued.token) as ws:
        await subscribe(ws, TIMELINE, {"c": customer})
        assert await keys.revoke_key(sessions, "live-revoked") == 1
        await post(writing, backend.keys[Role.ADMIN], RECORD, {"t": [touchpoint(backend, "evt-r")]})
        message = await next_event(ws)
    assert message["type"] == "next"
    assert message["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "data" not in message["payload"] or message["payload"]["data"] is None


NAMED = """query($id: ID!) { customer(id: $id) { name mergedFrom { id } } }"""
RENAME = """mutation($id: ID!, $n: String!) {
  updateCustomer(id: $id, input: {name: $n}) { userErrors { code } } }"""
TICKET_CUSTOMERS = """subscription { ticketChanged { subject customer { name } } }"""
OPEN_TICKET = """mutation($c: ID!, $s: String!) {
  openTicket(input: {customer: {id: $c}, subject: $s, channel: EMAIL}) { userErrors { code } } }"""


async def test_each_socket_operation_and_event_reads_what_is_stored_now(
    servers: tuple[Backend, Server, Server],
) -> None:
    """Operations on one WebSocket, and the events of one subscription, share the
    connection but not what it loaded: a rename between them shows in the next."""
    backend, listening, writing = servers
    admin = backend.keys[Role.ADMIN]
    customer = to_global_id("Customer", backend.data.customers[3]["id"])
    async with socket(listening, admin) as ws:
        ack = await next_event(ws)
        assert ack["type"] == "connection_ack", ack
        names = []
        for n, name in enumerate(("Socket One", "Socket Two")):
            renamed = await post(writing, admin, RENAME, {"id": customer, "n": name})
            assert renamed["data"]["updateCustomer"]["userErrors"] == []
            message = {
                "id": f"q{n}",
                "type": "subscribe",
                "payload": {"query": NAMED, "variables": {"id": customer}},
            }
            await ws.send(json.dumps(message))
            answer = await next_event(ws)
            assert answer["type"] == "next", answer
            names.append(answer["payload"]["data"]["customer"]["name"])
            assert (await next_event(ws))["type"] == "complete"
        assert names == ["Socket One", "Socket Two"]
    async with socket(listening, admin) as ws:
        await subscribe(ws, TICKET_CUSTOMERS, {})
        seen = []
        for n, name in enumerate(("Event One", "Event Two")):
            renamed = await post(writing, admin, RENAME, {"id": customer, "n": name})
            assert renamed["data"]["updateCustomer"]["userErrors"] == []
            opened = await post(writing, admin, OPEN_TICKET, {"c": customer, "s": f"live {n}"})
            assert opened["data"]["openTicket"]["userErrors"] == []
            while True:
                event = await next_event(ws)
                data = event["payload"]["data"]["ticketChanged"]
                if data["subject"] == f"live {n}":
                    break
            seen.append(data["customer"]["name"])
        assert seen == ["Event One", "Event Two"]


async def test_a_revoked_keys_next_socket_operation_is_refused(
    servers: tuple[Backend, Server, Server],
) -> None:
    """A socket opened before its key was revoked answers no further operation: each one
    checks the key, as each HTTP request does."""
    backend, listening, _ = servers
    sessions = create_session_factory(backend.engine)
    name = f"live-revoked-query-{uuid.uuid4().hex[:6]}"
    issued = await keys.create_key(sessions, name, Role.SUPPORT)
    customer = to_global_id("Customer", backend.data.customers[0]["id"])
    query = {
        "query": "query($id: ID!) { customer(id: $id) { email } }",
        "variables": {"id": customer},
    }
    async with socket(listening, issued.token) as ws:
        assert (await next_event(ws))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "a", "type": "subscribe", "payload": query}))
        answer = await next_event(ws)
        assert answer["type"] == "next" and answer["payload"]["data"]["customer"]["email"]
        assert (await next_event(ws))["type"] == "complete"
        assert await keys.revoke_key(sessions, name) == 1
        await ws.send(json.dumps({"id": "b", "type": "subscribe", "payload": query}))
        refused = await next_event(ws)
    assert (refused["id"], refused["type"]) == ("b", "error"), refused
    (error,) = refused["payload"]
    assert (error["message"], error["extensions"]["code"]) == (keys.KEY_ENDED, "UNAUTHENTICATED")
