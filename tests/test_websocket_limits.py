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
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from models import Role
from tests.conftest import Api, Backend, database
from tests.test_ingestion_crash import Server, free_port
from tests.test_subscriptions import socket

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
    from websockets.asyncio.client import connect

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
