"""Webhooks: signed, retried, recorded, replayable, exactly once per event id.

A receiver runs on 127.0.0.1 and fails the first attempts; the server's own worker task
drains the outbox (in the app for SQLite and PostgreSQL, and in two `cx360 serve`
processes on PostgreSQL to show two workers never send one delivery twice).
"""

import asyncio
import contextlib
import json
import os
import re
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import uvicorn
from graphql import GraphQLObjectType
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.settings import Settings
from api.webhook_worker import PAYLOAD_SELECTIONS
from models import Role
from resolvers.webhooks import sign, verify
from schema.node import to_global_id
from schema.permissions import ReadAudited
from schema.schema import schema
from tests.conftest import Api, Backend, database, served, serving
from tests.test_compiled_reads import compare_pages_with_resolvers
from tests.test_ingestion_crash import Server, free_port
from tests.test_read_audit import comment_on, entries, new_key, read
from tests.test_subscriptions import touchpoint

FAST = {
    "webhooks": True,
    "webhook_allow_private_networks": True,
    "webhook_retry_base_seconds": 0.1,
    "webhook_poll_seconds": 0.5,
    "webhook_max_attempts": 4,
}
CREATE = """mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) {
    secret endpoint { id url eventTypes role filters active }
    userErrors { field message code } } }"""
OPEN = """mutation($c: ID!, $s: String!, $p: TicketPriority!) {
  openTicket(input: {customer: {id: $c}, subject: $s, channel: EMAIL, priority: $p}) {
    ticket { id } userErrors { code } } }"""
UPDATE = """mutation($id: ID!, $s: String!) {
  updateTicket(id: $id, input: {subject: $s}) { ticket { id } userErrors { code } } }"""
CLOSE = """mutation($id: ID!) { closeTicket(id: $id) { userErrors { code } } }"""
RECORD = """mutation($t: [TouchpointInput!]!) {
  recordTouchpoints(touchpoints: $t) { created userErrors { code } } }"""
DELIVERIES = """query($f: WebhookDeliveryFilter) { webhookDeliveries(first: 100, filter: $f) {
  totalCount edges { node { id eventId eventType status attempts lastStatusCode lastError
  deliveredAt nextAttemptAt payload } } } }"""
REPLAY = """mutation($id: ID!) { replayWebhookDelivery(id: $id) {
  delivery { status attempts } userErrors { field code } } }"""


@dataclass
class Received:
    event_id: str
    body: bytes
    headers: dict[str, str]


@dataclass
class Receiver:
    """An endpoint that answers 500 to the first `failures` attempts of each event."""

    failures: int = 2
    port: int = field(default_factory=free_port)
    attempts: Counter[str] = field(default_factory=Counter)
    accepted: list[Received] = field(default_factory=list)
    hold: asyncio.Event | None = None
    holding: asyncio.Event = field(default_factory=asyncio.Event)
    arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def hook(self, request: Request) -> Response:
        body = await request.body()
        event_id = request.headers["cx360-event-id"]
        self.attempts[event_id] += 1
        if self.hold is not None:
            self.holding.set()
            await self.hold.wait()
        if self.attempts[event_id] <= self.failures:
            return Response("not now", status_code=500)
        async with self.arrived:
            self.accepted.append(Received(event_id, body, dict(request.headers)))
            self.arrived.notify_all()
        return Response(status_code=204)

    def accepted_ids(self) -> Counter[str]:
        return Counter(r.event_id for r in self.accepted)

    async def until(self, count: int, seconds: float = 20) -> None:
        async def enough() -> None:
            async with self.arrived:
                await self.arrived.wait_for(lambda: len(self.accepted) >= count)

        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(enough(), seconds)
        assert len(self.accepted) >= count, (self.attempts, len(self.accepted))


@asynccontextmanager
async def receiving(receiver: Receiver) -> AsyncIterator[Receiver]:
    app = Starlette(routes=[Route("/hook", receiver.hook, methods=["POST"])])
    config = uvicorn.Config(
        app, host="127.0.0.1", port=receiver.port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.01)
    try:
        yield receiver
    finally:
        if receiver.hold is not None:
            receiver.hold.set()
        server.should_exit = True
        await task


# A writable database served with the webhook task on and quick retries.
hooked = served("hooks", 5, **FAST)


def customer_id(backend: Backend, n: int = 0) -> str:
    return to_global_id("Customer", backend.data.customers[n]["id"])


async def create_endpoint(api: Api, **given: Any) -> dict[str, Any]:
    result = (await api.query(CREATE, {"input": given}))["createWebhookEndpoint"]
    assert result["userErrors"] == [], result
    found: dict[str, Any] = result
    return found


async def open_ticket(api: Api, subject: str, priority: str, customer: str) -> str:
    opened = await api.query(OPEN, {"c": customer, "s": subject, "p": priority})
    assert opened["openTicket"]["userErrors"] == []
    ticket_id: str = opened["openTicket"]["ticket"]["id"]
    return ticket_id


async def deliveries(api: Api, endpoint_id: str) -> list[dict[str, Any]]:
    found = await api.query(DELIVERIES, {"f": {"endpointId": endpoint_id}})
    return [edge["node"] for edge in found["webhookDeliveries"]["edges"]]


async def test_deliveries_are_signed_retried_recorded_and_arrive_once_each(hooked: Api) -> None:
    customer = customer_id(hooked.backend, 1)
    async with receiving(Receiver(failures=2)) as receiver:
        created = await create_endpoint(
            hooked,
            url=receiver.url,
            eventTypes=["TICKET_OPENED", "TICKET_UPDATED", "TOUCHPOINT_RECORDED"],
            role="SUPPORT",
            ticketFilter={"priority": ["HIGH", "URGENT"]},
        )
        secret = created["secret"]
        endpoint = created["endpoint"]
        assert secret.startswith("whsec_") and endpoint["filters"] == {
            "Ticket": {"priorities": ["HIGH", "URGENT"]}
        }
        high = await open_ticket(hooked, "Printer on fire", "HIGH", customer)
        await open_ticket(hooked, "Minor typo", "LOW", customer)  # filtered out
        await open_ticket(hooked, "Site down", "URGENT", customer)
        updated = await hooked.query(UPDATE, {"id": high, "s": "Printer still on fire"})
        assert updated["updateTicket"]["userErrors"] == []
        refused = await hooked.query(CLOSE, {"id": high})  # NEW cannot close: rolled back
        assert refused["closeTicket"]["userErrors"][0]["code"] == "INVALID_TRANSITION"
        stored = await hooked.query(
            RECORD,
            {
                "t": [
                    touchpoint(
                        hooked.backend, f"wh-{n}-{time.time_ns()}", customer={"id": customer}
                    )
                    for n in range(2)
                ]
            },
        )
        assert stored["recordTouchpoints"]["created"] == 2

        await receiver.until(5)
        await asyncio.sleep(0.8)  # a straggler would show up now

    # Exactly once by event id, each after two refused attempts.
    assert sorted(receiver.accepted_ids().values()) == [1] * 5
    assert set(receiver.attempts.values()) == {3}
    bodies = [json.loads(r.body) for r in receiver.accepted]
    assert Counter(b["type"] for b in bodies) == {
        "TICKET_OPENED": 2,
        "TICKET_UPDATED": 1,
        "TOUCHPOINT_RECORDED": 2,
    }
    # The record as it was when the change was taken from the log (at once, normally).
    (update,) = [b for b in bodies if b["type"] == "TICKET_UPDATED"]
    assert update["data"]["subject"] == "Printer still on fire"
    opened = {b["data"]["subject"] for b in bodies if b["type"] == "TICKET_OPENED"}
    assert "Site down" in opened and "Minor typo" not in opened  # LOW is filtered out
    assert all(b["data"]["customer"]["id"] == customer for b in bodies)
    email = hooked.backend.data.customers[1]["email"]
    assert {b["data"]["customer"]["email"] for b in bodies} == {email}  # SUPPORT: unmasked
    # Times as in HTTP answers: UTC with +00:00 (README), the envelope's and the record's.
    wire_time = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?\+00:00")
    for body in bodies:
        times = [body["occurredAt"], body["data"].get("createdAt") or body["data"]["occurredAt"]]
        assert all(wire_time.fullmatch(t) for t in times), times

    # Signatures: right secret, this body, recent; anything else fails.
    now = time.time()
    for received in receiver.accepted:
        header = received.headers["cx360-signature"]
        assert verify(secret, header, received.body, now)
        assert json.loads(received.body)["id"] == received.event_id
        assert not verify(secret, header, received.body + b" ", now)
        assert not verify("whsec_wrong", header, received.body, now)
        assert not verify(secret, header, received.body, now + 3600)  # a replayed capture
    stale = sign(secret, receiver.accepted[0].body, int(now) - 3600)
    assert not verify(secret, stale, receiver.accepted[0].body, now)

    # Every delivery is recorded with its outcome.
    recorded = await deliveries(hooked, endpoint["id"])
    assert len(recorded) == 5
    for delivery in recorded:
        assert delivery["status"] == "DELIVERED", delivery
        assert delivery["attempts"] == 3
        assert delivery["lastStatusCode"] == 204
        assert delivery["nextAttemptAt"] is None and delivery["deliveredAt"] is not None
    assert {d["eventId"] for d in recorded} == set(receiver.accepted_ids())


async def test_a_failed_delivery_is_kept_and_replayed_by_id(hooked: Api) -> None:
    customer = customer_id(hooked.backend, 2)
    async with receiving(Receiver(failures=1000)) as receiver:
        created = await create_endpoint(
            hooked, url=receiver.url, eventTypes=["TICKET_OPENED"], role="SUPPORT"
        )
        endpoint = created["endpoint"]["id"]
        await open_ticket(hooked, "Will fail", "NORMAL", customer)
        deadline = time.monotonic() + 20
        recorded: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            recorded = await deliveries(hooked, endpoint)
            if recorded and recorded[0]["status"] == "FAILED":
                break
            await asyncio.sleep(0.1)
        (failed,) = recorded
        assert failed["status"] == "FAILED", failed
        assert failed["attempts"] == FAST["webhook_max_attempts"]
        assert (failed["lastStatusCode"], failed["lastError"]) == (500, "HTTP 500")
        assert receiver.accepted == []

        receiver.failures = 0  # the partner fixed their endpoint
        replayed = (await hooked.query(REPLAY, {"id": failed["id"]}))["replayWebhookDelivery"]
        assert replayed == {"delivery": {"status": "PENDING", "attempts": 0}, "userErrors": []}
        await receiver.until(1)
        assert receiver.accepted[0].event_id == failed["eventId"]
        assert json.loads(receiver.accepted[0].body) == failed["payload"]  # the same body

        again = (await hooked.query(REPLAY, {"id": "bm90LWFuLWlk"}))["replayWebhookDelivery"]
        assert again["userErrors"] == [{"field": ["id"], "code": "INVALID_ID"}]  # "not-an-id"


async def test_a_slow_endpoint_never_holds_up_the_write(hooked: Api) -> None:
    customer = customer_id(hooked.backend, 3)
    async with receiving(Receiver(failures=0, hold=asyncio.Event())) as receiver:
        await create_endpoint(hooked, url=receiver.url, eventTypes=["TICKET_OPENED"], role="SALES")
        await open_ticket(hooked, "First", "NORMAL", customer)
        await asyncio.wait_for(receiver.holding.wait(), 10)  # the endpoint sits on it
        # The next write commits and answers while that delivery is still in flight.
        second = await asyncio.wait_for(open_ticket(hooked, "Second", "NORMAL", customer), 5)
        assert second and receiver.accepted == []
        assert receiver.hold is not None
        receiver.hold.set()
        await receiver.until(2)
    assert sorted(receiver.accepted_ids().values()) == [1, 1]


async def test_endpoints_are_checked_before_they_are_stored(api: Api) -> None:
    """Refusals only: nothing is written to the shared dataset."""

    async def problems(caller: Role = Role.ADMIN, **given: Any) -> Any:
        given = {"url": "https://93.184.215.14/x", "eventTypes": ["TICKET_OPENED"]} | given
        response = await api.post(CREATE, {"input": given}, caller)
        body = response.json()
        if body.get("errors"):
            return body["errors"][0]["extensions"]["code"]
        result = body["data"]["createWebhookEndpoint"]
        assert result["endpoint"] is None
        return [(e["field"], e["message"]) for e in result["userErrors"]]

    assert await problems(Role.SUPPORT) == "FORBIDDEN"
    ((field, message),) = await problems(url="ftp://93.184.215.14/x")
    assert field == ["input", "url"] and "https" in message
    ((field, message),) = await problems(url="http://127.0.0.1:9/hook")
    assert field == ["input", "url"] and "private network" in message
    # The refusal names the setting that lifts it, and that setting exists.
    assert "CX360_WEBHOOK_ALLOW_PRIVATE_NETWORKS=true" in message
    assert "webhook_allow_private_networks" in Settings.model_fields
    ((field, message),) = await problems(url="https://user:pw@93.184.215.14/x")
    assert field == ["input", "url"] and "credentials" in message
    ((field, message),) = await problems(role="PARTNER")
    assert field == ["input", "eventTypes"] and "PARTNER key may not read tickets" in message
    ((field, _),) = await problems(eventTypes=[])
    assert field == ["input", "eventTypes"]
    ((field, message),) = await problems(role="SUPPORT", touchpointFilter={"channel": ["WEB"]})
    assert field == ["input", "touchpointFilter"] and "no chosen event type" in message
    listed = await api.post("{ webhookEndpoints { totalCount } }", role=Role.ANALYST)
    assert listed.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


REDIS_URL = os.environ.get("CX360_TEST_REDIS_URL")


async def test_two_workers_send_each_delivery_once(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Two `cx360 serve` processes drain one outbox on PostgreSQL: every event reaches
    the endpoint exactly once, and no attempt is made twice (SKIP LOCKED claims)."""
    async with database("postgres", tmp_path_factory.mktemp("hooks2"), 3) as backend:
        servers = [Server(backend.url, free_port()) for _ in range(2)]
        for server in servers:
            server.env |= {
                "CX360_WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true",
                "CX360_WEBHOOK_RETRY_BASE_SECONDS": "0.1",
                "CX360_WEBHOOK_POLL_SECONDS": "0.2",
            }
            if REDIS_URL:
                server.env["CX360_REDIS_URL"] = REDIS_URL
            await server.start()
        admin = {"Authorization": f"Bearer {backend.keys[Role.ADMIN]}"}
        customer = customer_id(backend)
        try:
            # 30 writes to one customer queue on its row (its health, SLA state and actions
            # are recomputed in each write): wait for them, not 5 s.
            async with (
                receiving(Receiver(failures=1)) as receiver,
                httpx.AsyncClient(timeout=60) as client,
            ):

                async def post(server: Server, query: str, variables: dict[str, Any]) -> Any:
                    response = await client.post(
                        f"http://127.0.0.1:{server.port}/graphql",
                        json={"query": query, "variables": variables},
                        headers=admin,
                    )
                    body = response.json()
                    assert "errors" not in body, body
                    return body["data"]

                given = {"url": receiver.url, "eventTypes": ["TICKET_OPENED"], "role": "SUPPORT"}
                created = await post(servers[0], CREATE, {"input": given})
                assert created["createWebhookEndpoint"]["userErrors"] == []
                writes = [
                    post(servers[n % 2], OPEN, {"c": customer, "s": f"t{n}", "p": "NORMAL"})
                    for n in range(30)
                ]
                await asyncio.gather(*writes)
                await receiver.until(30, seconds=30)
                await asyncio.sleep(1.0)
        finally:
            for server in servers:
                await server.kill()
    assert sorted(receiver.accepted_ids().values()) == [1] * 30
    assert set(receiver.attempts.values()) == {2}  # one refused, one accepted: none doubled


def test_the_verify_snippet_in_the_docs_agrees_with_the_servers_verify() -> None:
    """docs/webhooks.md's receiver snippet, run as written, judges signatures as we do."""
    doc = (Path(__file__).resolve().parent.parent / "docs" / "webhooks.md").read_text()
    (snippet,) = [s for s in re.findall(r"```python\n(.*?)```", doc, re.S) if "def verify" in s]
    namespace: dict[str, Any] = {}
    exec(compile(snippet, "docs/webhooks.md", "exec"), namespace)
    now = 1_795_000_000
    namespace["time"] = SimpleNamespace(time=lambda: float(now))  # the receiver's clock
    documented = namespace["verify"]
    secret, body = "whsec_doc", b'{"id":"Y2hhbmdlOjQy","type":"TICKET_OPENED"}'
    good = sign(secret, body, now)
    digest = good.split("v1=", 1)[1]
    cases = {
        "good": (secret, good, body),
        "older but within five minutes": (secret, sign(secret, body, now - 299), body),
        "changed body": (secret, good, body + b" "),
        "wrong secret": ("whsec_other", good, body),
        "stale": (secret, sign(secret, body, now - 301), body),
        "from the future": (secret, sign(secret, body, now + 301), body),
        "time not signed": (secret, f"t={now + 1},v1={digest}", body),
        "no v1": (secret, f"t={now}", body),
        "no t": (secret, f"v1={digest}", body),
        "t not a number": (secret, f"t=soon,v1={digest}", body),
        "empty": (secret, "", body),
        "reordered": (secret, f"v1={digest},t={now}", body),
    }
    judged = {name: (documented(*case), verify(*case, now=now)) for name, case in cases.items()}
    assert all(ours == theirs for ours, theirs in judged.values()), judged
    accepted = {name for name, (ours, _) in judged.items() if ours}
    assert accepted == {"good", "older but within five minutes", "reordered"}


def test_the_docs_list_the_payload_fields_of_each_record_type() -> None:
    """docs/webhooks.md lists each type's payload fields: exactly PAYLOAD_SELECTIONS."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "webhooks.md").read_text()
    for record_type, selection in PAYLOAD_SELECTIONS.items():
        found = re.search(rf"^- `{record_type}`: `(.+)`$", text, re.M)
        assert found, f"docs/webhooks.md lists no payload fields for {record_type}"
        fields = selection.split("{", 1)[1].rsplit("}", 1)[0]
        assert found.group(1) == " ".join(fields.split()), record_type


ENDPOINTS_PAGE = """query($first: Int, $after: String) { webhookEndpoints(first: $first,
  after: $after) { totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node { id url description eventTypes role filters active createdAt
    createdBy } } } }"""
DELIVERIES_PAGE = """query($first: Int, $after: String, $f: WebhookDeliveryFilter) {
  webhookDeliveries(first: $first, after: $after, filter: $f) { totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { id endpointId eventId eventType status attempts nextAttemptAt
      lastAttemptAt lastStatusCode lastError deliveredAt createdAt payload } } } }"""


async def test_the_webhook_lists_compile_to_the_resolvers_bytes(hooked: Api) -> None:
    """`webhookEndpoints` and `webhookDeliveries` for ADMIN: deliveries delivered, failing
    and pending, every filter, paged with cursors, are the resolvers' bytes (global ids,
    event cursors, the body as sent); malformed filter ids get the same error."""
    if hooked.backend.name != "postgres":
        pytest.skip("the compiled path is PostgreSQL's")
    customer = customer_id(hooked.backend, 2)
    async with receiving(Receiver(failures=1)) as receiver:
        good = await create_endpoint(
            hooked,
            url=receiver.url,
            eventTypes=["TICKET_OPENED"],
            role="SUPPORT",
            description='Ünïcode ✓ "quoted"',
        )
        dead = await create_endpoint(
            hooked,
            url=f"http://127.0.0.1:{free_port()}/gone",
            eventTypes=["TICKET_OPENED"],
            role="MARKETING",
            ticketFilter={"priority": ["LOW"]},
        )
        await open_ticket(hooked, 'Wifi ✓ "broken" \\ again', "LOW", customer)
        await open_ticket(hooked, "Second one", "HIGH", customer)
        await receiver.until(2)
    # Compared once nothing changes any more: the dead endpoint's delivery has used up its
    # attempts (FAILED); a retry between the two reads would move its next attempt.
    for _ in range(300):
        found = await deliveries(hooked, dead["endpoint"]["id"])
        if found and found[0]["status"] == "FAILED":
            break
        await asyncio.sleep(0.1)
    assert found and found[0]["status"] == "FAILED" and found[0]["lastError"], found
    async with (
        serving(hooked.backend, debug=True) as compiled,
        serving(hooked.backend, compiled_reads=False) as resolvers,
    ):
        # Only deliveries that no longer change: other tests' endpoints may still be
        # retrying theirs while this one reads.
        cases = [
            (ENDPOINTS_PAGE, {}),
            (DELIVERIES_PAGE, {"f": {"endpointId": good["endpoint"]["id"]}}),
            (
                DELIVERIES_PAGE,
                {"f": {"endpointId": dead["endpoint"]["id"], "status": ["PENDING", "FAILED"]}},
            ),
            (DELIVERIES_PAGE, {"f": {"status": ["DELIVERED"]}}),
            (
                DELIVERIES_PAGE,
                {"f": {"eventId": found[0]["eventId"], "endpointId": dead["endpoint"]["id"]}},
            ),
            (DELIVERIES_PAGE, {"f": {"endpointId": customer}}),  # another type's id: none
        ]
        statuses = set()
        for query, variables in cases:
            pages = await compare_pages_with_resolvers(
                compiled, resolvers, query, variables, Role.ADMIN, first=2, pages=6
            )
            statuses.update(e["node"].get("status") for page in pages for e in page["edges"])
        assert {"DELIVERED", "FAILED"} <= statuses, statuses
        for bad in ({"endpointId": "nope"}, {"eventId": "nope"}):
            variables = {"f": bad}
            answer = (await compiled.post(DELIVERIES_PAGE, variables, Role.ADMIN)).json()
            expected = (await resolvers.post(DELIVERIES_PAGE, variables, Role.ADMIN)).json()
            assert answer["errors"] == expected["errors"] and answer["errors"], answer
        refused = (await compiled.post(ENDPOINTS_PAGE, {}, Role.SUPPORT)).json()
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_malformed_event_id_filter_says_what_to_pass(hooked: Api) -> None:
    """`filter.eventId` takes a delivery's event id: a value that is none is an input error
    naming it and what to pass, not a subscription's cursor."""
    answer = (await hooked.post(DELIVERIES, {"f": {"eventId": "nope"}}, Role.ADMIN)).json()
    (error,) = answer["errors"]
    assert error["extensions"]["code"] == "INVALID_CURSOR", error
    assert error["message"].startswith("`filter.eventId` is not a change cursor; pass a "), error
    assert "Cx360-Event-Id" in error["message"], error


def test_a_payload_shows_no_personal_field_but_those_it_records() -> None:
    """`shown_in` (api/webhook_worker.py) knows a payload's personal fields: its customer's
    email and phone and a survey response's comment, which PAYLOAD_SELECTIONS selects
    there. Every read-audited field of the schema is one of them: a new one fails here
    until payloads record it too."""
    audited = set()
    for name, found in schema._schema.type_map.items():
        if isinstance(found, GraphQLObjectType):
            for field_name, field_type in found.fields.items():
                definition = field_type.extensions.get("strawberry-definition")
                if definition and any(isinstance(e, ReadAudited) for e in definition.extensions):
                    audited.add((name, field_name))
    assert audited == {("Customer", "email"), ("Customer", "phone"), ("SurveyResponse", "comment")}
    for selection in PAYLOAD_SELECTIONS.values():
        assert "customer { id name email phone" in selection, selection
    assert "comment" in PAYLOAD_SELECTIONS["SurveyResponse"]


PAYLOADS = """query Payloads($f: WebhookDeliveryFilter) {
  webhookDeliveries(first: 50, filter: $f) { edges { node { eventType payload } } } }"""
NO_PAYLOADS = """query NoPayloads($f: WebhookDeliveryFilter) {
  webhookDeliveries(first: 50, filter: $f) { edges { node { eventType status } } } }"""


def personal_fields(payloads: list[dict[str, Any]]) -> list[str]:
    """The personal fields bodies show unmasked, in the read audit's order."""
    present = set()
    for payload in payloads:
        data = payload["data"]
        present |= {name for name in ("email", "phone") if data["customer"][name] is not None}
        present |= {"comment"} if data.get("comment") is not None else set()
    return [name for name in ("email", "phone", "comment") if name in present]


async def test_reading_a_payload_records_the_personal_data_it_shows(hooked: Api) -> None:
    """A body holds what the endpoint's role reads. ADMIN reading the `payload` of a
    SUPPORT endpoint's deliveries sees a customer's email and phone and a survey comment
    again, and the read audit records it as for those fields; a MARKETING endpoint's
    masked bodies record nothing, nor does a read without `payload`. The same on each
    read path (compiled, then its fast path, and the resolvers)."""
    customer = customer_id(hooked.backend, 3)
    nowhere = f"http://127.0.0.1:{free_port()}/gone"
    kinds = ["TICKET_OPENED", "SURVEY_RESPONSE_RECORDED"]
    support = await create_endpoint(hooked, url=nowhere, eventTypes=kinds, role="SUPPORT")
    marketing = await create_endpoint(hooked, url=nowhere, eventTypes=kinds, role="MARKETING")
    support_id, marketing_id = support["endpoint"]["id"], marketing["endpoint"]["id"]
    await open_ticket(hooked, "Where is my order?", "LOW", customer)
    await comment_on(hooked, customer, "Slow answers")
    for _ in range(300):  # fanned out by the worker's next round
        if [len(await deliveries(hooked, e)) for e in (support_id, marketing_id)] == [2, 2]:
            break
        await asyncio.sleep(0.1)
    async with contextlib.AsyncExitStack() as stack:
        paths = [hooked]
        if hooked.backend.name == "postgres":
            paths = [
                await stack.enter_async_context(serving(hooked.backend, debug=True)),
                await stack.enter_async_context(
                    serving(hooked.backend, debug=True, compiled_reads=False)
                ),
            ]
        for api in paths:
            name, token = await new_key(api, Role.ADMIN)
            answers = [
                await read(api, token, PAYLOADS, {"f": {"endpointId": support_id}})
                for _ in range(2)
            ]
            payloads = [
                e["node"]["payload"] for e in answers[0]["data"]["webhookDeliveries"]["edges"]
            ]
            assert {p["type"] for p in payloads} == set(kinds), payloads
            fields = personal_fields(payloads)
            assert "email" in fields and "comment" in fields, payloads
            if api is not hooked:  # the compiled server, then the resolvers
                path = "compiled" if api is paths[0] else "resolvers"
                assert {a["extensions"]["readPath"]["path"] for a in answers} == {path}
            masked = await read(api, token, PAYLOADS, {"f": {"endpointId": marketing_id}})
            for edge in masked["data"]["webhookDeliveries"]["edges"]:
                assert "***" in edge["node"]["payload"]["data"]["customer"]["email"]
            await read(api, token, NO_PAYLOADS, {"f": {"endpointId": support_id}})
            found = await entries(api, keyName=name)
            assert [(e["customer"]["id"], e["fields"], e["operationName"]) for e in found] == [
                (customer, fields, "Payloads")
            ] * 2, found
