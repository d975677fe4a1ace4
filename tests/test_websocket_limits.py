"""The WebSocket has HTTP's limits, and a subscription sent over HTTP gets a clear refusal.

A `cx360 serve` with tight limits: a message over the body limit closes the socket
(1009), documents over the size, token, depth, alias and cost limits are refused with
the codes HTTP uses, the key's cost budget applies, and a socket that never sends
`connection_init` is closed quickly (4408).
"""

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Origin

from models import Role
from schema.node import to_global_id
from tests.conftest import Api, Backend, database
from tests.test_ingestion_crash import Server, free_port
from tests.test_subscriptions import socket


async def post(server: Server, key: str, query: str, variables: Any = None) -> Any:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"http://127.0.0.1:{server.port}/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {key}"},
        )
    return response.json()


LIMITS = {
    "CX360_MAX_BODY_BYTES": "20000",
    "CX360_MAX_DOCUMENT_BYTES": "3000",
    "CX360_MAX_TOKENS": "200",
    "CX360_MAX_DEPTH": "6",
    "CX360_MAX_ALIASES": "3",
    "CX360_MAX_QUERY_COST": "50",
    "CX360_RATE_LIMIT_CAPACITY": "60",
    "CX360_RATE_LIMIT_PER_SECOND": "0.001",
    "CX360_CONNECTION_INIT_TIMEOUT_SECONDS": "1",
}
TICKETS = "subscription { ticketChanged { subject } }"


@pytest.fixture(scope="module")
async def limited(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[Backend, Server]]:
    async with database("sqlite", tmp_path_factory.mktemp("limits"), 3) as backend:
        server = Server(backend.url, free_port())
        server.env.update(LIMITS)
        await server.start()
        try:
            yield backend, server
        finally:
            await server.kill()


async def receive(ws: ClientConnection, seconds: float = 5) -> dict[str, Any]:
    raw = await asyncio.wait_for(ws.recv(), seconds)
    assert isinstance(raw, str), "protocol messages are text frames"
    message: dict[str, Any] = json.loads(raw)
    return message


async def refusal(server: Server, key: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The first answer to one subscribe message on a fresh socket."""
    async with socket(server, key) as ws:
        assert (await receive(ws))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        return await receive(ws)


def code_of(message: dict[str, Any]) -> str:
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert "Traceback" not in json.dumps(message)
    return str(errors[0]["extensions"]["code"])


async def test_a_message_over_the_body_limit_closes_the_socket(
    limited: tuple[Backend, Server],
) -> None:
    backend, server = limited
    async with socket(server, backend.keys[Role.ADMIN]) as ws:
        assert (await receive(ws))["type"] == "connection_ack"
        padding = "x" * 30_000
        payload = {"query": TICKETS, "variables": {"padding": padding}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        with pytest.raises(ConnectionClosed) as closed:
            await receive(ws)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


@pytest.mark.parametrize(
    ("query", "variables", "code", "words"),
    [
        (
            "subscription { ticketChanged { subject } }" + " " * 3000,
            {},
            "DOCUMENT_TOO_LARGE",
            "3000 bytes",
        ),
        (TICKETS, {"v": "a\x00b"}, "BAD_USER_INPUT", "NUL"),
        (
            "subscription { ticketChanged { customer { tickets { edges { node { customer { tickets { edges { node { id } } } } } } } } } }",
            {},
            "GRAPHQL_VALIDATION_FAILED",
            "depth",
        ),
        (
            "subscription { ticketChanged { a: subject b: subject c: subject d: subject } }",
            {},
            "GRAPHQL_VALIDATION_FAILED",
            "aliases",
        ),
        (
            "subscription { ticketChanged { customer { tickets(first: 100) { edges { node { id } } } } } }",
            {},
            "QUERY_TOO_COSTLY",
            "could cost",
        ),
    ],
    ids=["size", "nul", "depth", "aliases", "cost"],
)
async def test_documents_get_the_same_checks_as_over_http(
    limited: tuple[Backend, Server], query: str, variables: dict[str, Any], code: str, words: str
) -> None:
    backend, server = limited
    message = await refusal(
        server, backend.keys[Role.ADMIN], {"query": query, "variables": variables}
    )
    assert code_of(message) == code, message
    assert words in json.dumps(message), message


async def test_too_many_tokens_close_the_socket_with_the_reason(
    limited: tuple[Backend, Server],
) -> None:
    backend, server = limited
    query = "subscription { ticketChanged { " + "subject " * 250 + "} }"  # < 3000 bytes
    with pytest.raises(ConnectionClosed) as closed:
        await refusal(server, backend.keys[Role.ADMIN], {"query": query})
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400
    assert "more than 200 tokens" in closed.value.rcvd.reason


async def test_the_keys_cost_budget_applies_to_subscriptions(
    limited: tuple[Backend, Server],
) -> None:
    """Each subscription takes its cost from the key's bucket, as a query would."""
    backend, server = limited
    costly = "subscription { ticketChanged { customer { tickets(first: 5) { edges { node { id } } } } } }"
    async with socket(server, backend.keys[Role.SUPPORT]) as ws:
        assert (await receive(ws))["type"] == "connection_ack"
        answers = []
        for n in range(8):  # 8 per subscription over a bucket of 60
            await ws.send(
                json.dumps({"id": str(n), "type": "subscribe", "payload": {"query": costly}})
            )
            try:
                answers.append(await receive(ws, 0.5))
            except TimeoutError:
                continue  # subscribed, waiting for events
    assert answers, "the budget ran out and said so"
    assert code_of(answers[0]) == "RATE_LIMITED", answers[0]
    assert "retry in" in answers[0]["payload"]["errors"][0]["message"]


async def test_a_socket_that_never_sends_connection_init_is_closed_soon(
    limited: tuple[Backend, Server],
) -> None:
    _, server = limited
    started = time.monotonic()
    async with connect(
        f"ws://127.0.0.1:{server.port}/graphql", subprotocols=["graphql-transport-ws"]
    ) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4408
    assert time.monotonic() - started < 3


async def test_a_subscription_over_http_says_to_use_the_websocket(api: Api) -> None:
    for response in (
        await api.post(TICKETS),
        await api.client.get(
            "/graphql",
            params={"query": TICKETS},
            headers={"Authorization": f"Bearer {api.backend.keys[Role.ADMIN]}"},
        ),
    ):
        assert response.status_code == 400, response.text
        (error,) = response.json()["errors"]
        assert error["extensions"]["code"] == "SUBSCRIPTION_OVER_HTTP"
        assert "graphql-transport-ws" in error["message"] and "/graphql" in error["message"]


@pytest.fixture(scope="module")
async def logged(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[Backend, Server, Path]]:
    """A `cx360 serve` with default limits (a whole refill rate) logging at INFO to a file."""
    directory = tmp_path_factory.mktemp("logged")
    async with database("sqlite", directory, 3) as backend:
        server = Server(backend.url, free_port())
        server.env.update(
            {"CX360_LOG_LEVEL": "info", "CX360_MAX_SUBSCRIPTIONS_PER_CONNECTION": "3"}
        )
        logs = directory / "server.log"
        server.stdout = logs.open("ab")
        await server.start()
        try:
            yield backend, server, logs
        finally:
            await server.kill()


def log_lines(logs: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in logs.read_text().splitlines() if line.startswith("{")]


CREATE = 'mutation Sneaky { createCustomer(input: {name: "Over the socket", email: "ws@x.example"}) { customer { id } } }'
CUSTOMERS = "query Few { customers(first: 2) { totalCount } }"


async def test_a_mutation_over_the_websocket_is_refused_and_writes_nothing(
    logged: tuple[Backend, Server, Path],
) -> None:
    """Mutations only run from a JSON POST (README); queries over the socket still run."""
    backend, server, _ = logged
    admin = backend.keys[Role.ADMIN]
    before = await post(server, admin, CUSTOMERS)
    message = await refusal(server, admin, {"query": CREATE})
    assert message["type"] == "error", message
    assert code_of(message) == "MUTATION_OVER_WEBSOCKET", message
    text = message["payload"][0]["message"]
    assert "POST" in text and "JSON" in text and "/graphql" in text, text
    after = await post(server, admin, CUSTOMERS)
    assert after["data"] == before["data"], "the mutation wrote nothing"
    answer = await refusal(server, admin, {"query": CUSTOMERS})
    assert answer["type"] == "next" and answer["payload"]["data"] == before["data"], answer


async def test_the_subscription_limit_has_its_own_code_and_names_the_setting(
    logged: tuple[Backend, Server, Path],
) -> None:
    backend, server, _ = logged
    async with socket(server, backend.keys[Role.ADMIN]) as ws:
        assert (await receive(ws))["type"] == "connection_ack"
        for n in range(4):
            await ws.send(
                json.dumps({"id": str(n), "type": "subscribe", "payload": {"query": TICKETS}})
            )
        message = await receive(ws)
    assert message["id"] == "3" and code_of(message) == "SUBSCRIPTION_LIMIT", message
    text = message["payload"][0]["message"]
    assert "3" in text and "CX360_MAX_SUBSCRIPTIONS_PER_CONNECTION" in text, text


async def test_socket_operations_have_request_log_lines_and_request_ids(
    logged: tuple[Backend, Server, Path],
) -> None:
    """Each subscribe message gets a `cx360.requests` line (at its end) with its own
    request id, operation name, codes and duration; its errors carry that request id, and
    client errors are logged with it."""
    backend, server, logs = logged
    async with socket(server, backend.keys[Role.SUPPORT]) as ws:
        assert (await receive(ws))["type"] == "connection_ack"
        subscribe = {"query": "subscription Live { ticketChanged { subject } }"}
        await ws.send(json.dumps({"id": "live", "type": "subscribe", "payload": subscribe}))
        await ws.send(json.dumps({"id": "q", "type": "subscribe", "payload": {"query": CUSTOMERS}}))
        bad = {"query": "query Typo { customers(first: 1) { totalCont } }"}
        await ws.send(json.dumps({"id": "bad", "type": "subscribe", "payload": bad}))
        answers = {}
        while {"q", "bad"} - set(answers):  # the subscription says nothing until a change
            message = await receive(ws)
            answers.setdefault(message["id"], message)
        await ws.send(json.dumps({"id": "live", "type": "complete"}))
        await asyncio.sleep(0.5)
    error = answers["bad"]["payload"][0]
    request_id = error["extensions"]["requestId"]
    assert len(request_id) >= 16, error
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = [line for line in log_lines(logs) if line["logger"] == "cx360.requests"]
        by_name = {line["operation"]: line for line in lines if line.get("transport")}
        if {"Live", "Few", "Typo"} <= set(by_name):
            break
        await asyncio.sleep(0.1)
    assert {"Live", "Few", "Typo"} <= set(by_name), lines
    for name, outcome in (("Live", "ok"), ("Few", "ok"), ("Typo", "GRAPHQL_VALIDATION_FAILED")):
        line = by_name[name]
        assert line["outcome"] == outcome and line["transport"] == "websocket", line
        assert line["key_name"] == "test-support" and line["role"] == "SUPPORT", line
        assert isinstance(line["duration_ms"], float) and line["request_id"], line
    assert by_name["Typo"]["request_id"] == request_id
    assert len({by_name[name]["request_id"] for name in ("Live", "Few", "Typo")}) == 3
    client_errors = [line for line in log_lines(logs) if line["logger"] == "cx360.errors"]
    assert client_errors and all(line["request_id"] for line in client_errors), client_errors
    assert any(line["request_id"] == request_id for line in client_errors), client_errors


async def test_cost_numbers_read_the_same_on_every_transport(
    logged: tuple[Backend, Server, Path],
) -> None:
    """`extensions.cost` over HTTP, a query over the socket and a subscription's events:
    the same fields, every one a whole number (`1000`, not `1000.0`)."""
    backend, server, _ = logged
    admin = backend.keys[Role.ADMIN]
    reports = [(await post(server, admin, CUSTOMERS))["extensions"]["cost"]]
    reports.append(
        (await refusal(server, admin, {"query": CUSTOMERS}))["payload"]["extensions"]["cost"]
    )
    async with socket(server, admin) as ws:
        assert (await receive(ws))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": TICKETS}}))
        await asyncio.sleep(0.3)
        opened = await post(
            server,
            admin,
            'mutation($c: ID!) { openTicket(input: {customer: {id: $c}, subject: "cost", '
            "channel: CHAT}) { ticket { id } } }",
            {"c": to_global_id("Customer", backend.data.customers[0]["id"])},
        )
        assert "errors" not in opened, opened
        event = await receive(ws)
    assert event["type"] == "next", event
    reports.append(event["payload"]["extensions"]["cost"])
    for report in reports:
        assert set(report) == {"requested", "maximum", "remaining", "capacity", "refillPerSecond"}
        assert all(type(value) is int for value in report.values()), reports
        assert report["refillPerSecond"] == 1000 and report["capacity"] == 100_000, report


async def test_a_refused_origin_is_logged_readably_with_the_setting_to_change(
    logged: tuple[Backend, Server, Path],
) -> None:
    _, server, logs = logged
    origin = "https://elsewhere.example"
    with pytest.raises(InvalidStatus):
        async with connect(
            f"ws://127.0.0.1:{server.port}/graphql",
            subprotocols=["graphql-transport-ws"],
            origin=Origin(origin),
        ):
            pass
    await asyncio.sleep(0.3)
    warnings = [line for line in log_lines(logs) if line["level"] == "warning"]
    ours = [line for line in warnings if line["logger"] == "cx360.websocket"]
    assert ours, warnings
    text = ours[-1]["message"]
    assert origin in text and f"127.0.0.1:{server.port}" in text, text
    assert "CX360_ALLOWED_ORIGINS" in text, text
    for line in warnings:
        assert "%r" not in line["message"] and "%s" not in line["message"], line
    strawberry = [line for line in warnings if line["logger"].startswith("strawberry")]
    assert all(line["message"].endswith("`allowed_origins`.") for line in strawberry), strawberry
