"""Redis goes away and comes back; two deployments share one Redis.

Real `cx360 serve` processes on PostgreSQL with a throwaway `redis-server` of the test's
own (loopback, no persistence), and real graphql-transport-ws clients:

- while Redis is down, requests and writes still answer 200 with no infrastructure
  detail, rate limits hold inside each process, and every open subscription keeps
  receiving changes (read from the change log);
- once it is back, each process's listener has resubscribed, and every subscription
  opened before the outage has received each change written before, during and after
  it exactly once and in order; new subscriptions work;
- deployments with different `CX360_REDIS_PREFIX` hear none of each other's changes.
"""

import asyncio
import contextlib
import json
import os
import shutil
import signal
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as redis
from websockets.asyncio.client import ClientConnection, connect

from models import Role
from schema.node import to_global_id
from tests.conftest import Backend, database
from tests.test_ingestion_crash import Server, free_port
from tests.test_subscriptions import RECORD, touchpoint

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")

OPEN = """mutation($c: ID!, $s: String!) { openTicket(input: {customer: {id: $c},
  subject: $s, channel: CHAT}) { ticket { id } } }"""
PROBE = "{ customers(first: 100) { edges { node { id } } } }"
EVENT = "... on Touchpoint { summary } ... on Ticket { subject }"
SUBSCRIPTIONS = {
    "timeline": f"subscription($c: ID!) {{ customerTimeline(customerId: $c) {{ {EVENT} }} }}",
    "timeline-changes": "subscription($c: ID!) { customerTimelineChanges(customerId: $c) "
    f"{{ cursor event {{ {EVENT} }} }} }}",
    "tickets": "subscription { ticketChanged { subject } }",
    "ticket-changes": "subscription { ticketChanges { cursor ticket { subject } } }",
}
# What leaked before: "Error 111 connecting to 127.0.0.1:6399. Connection refused."
INFRASTRUCTURE = ("127.0.0.1", "Error 111", "onnection refused", "redis", "Redis")


class RedisServer:
    """A throwaway redis-server on a free loopback port; stopped and started at will."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        assert REDIS_SERVER is not None
        self.process = await asyncio.create_subprocess_exec(
            REDIS_SERVER,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        client = redis.from_url(self.url)
        try:
            for _ in range(100):
                with contextlib.suppress(redis.ConnectionError):
                    if await client.ping():
                        return
                await asyncio.sleep(0.05)
        finally:
            await client.aclose()
        raise RuntimeError("redis-server did not start")

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
            await self.process.wait()


@asynccontextmanager
async def throwaway_redis() -> AsyncIterator[RedisServer]:
    server = RedisServer()
    await server.start()
    try:
        yield server
    finally:
        await server.kill()


async def numsub(url: str, channel: str) -> int:
    client = redis.from_url(url)
    try:
        found = await client.pubsub_numsub(channel)
        return int(found[0][1])
    finally:
        await client.aclose()


async def subscribed(url: str, count: int, channel: str | None = None) -> bool:
    """`count` processes listen on the channel (by default that of the inherited prefix)."""
    prefix = os.environ.get("CX360_REDIS_PREFIX", "cx360")
    return await numsub(url, channel or f"{prefix}:changes") == count


async def until(check: Callable[[], Any], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not within {seconds} s: {what}")


class Live:
    """One graphql-transport-ws socket holding several subscriptions, collecting events."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.events: dict[str, list[str]] = defaultdict(list)
        self.others: list[Any] = []
        self.reader: asyncio.Task[None] | None = None

    async def subscribe(self, name: str, variables: dict[str, Any]) -> None:
        payload = {"query": SUBSCRIPTIONS[name], "variables": variables}
        await self.ws.send(json.dumps({"id": name, "type": "subscribe", "payload": payload}))

    async def read(self) -> None:
        async for raw in self.ws:  # text frames, or binary ones from older servers
            message = json.loads(raw)
            payload = message.get("payload") or {}
            if message.get("type") == "next" and payload.get("data"):
                (found,) = payload["data"].values()
                event = found.get("event") or found.get("ticket") or found
                self.events[message["id"]].append(event.get("summary") or event.get("subject"))
            else:
                self.others.append(message)


@asynccontextmanager
async def live(server: Server, key: str) -> AsyncIterator[Live]:
    async with connect(
        f"ws://127.0.0.1:{server.port}/graphql", subprotocols=["graphql-transport-ws"]
    ) as ws:
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {key}"}})
        )
        ack = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert ack["type"] == "connection_ack", ack
        client = Live(ws)
        client.reader = asyncio.create_task(client.read())
        try:
            yield client
        finally:
            client.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await client.reader


async def post(server: Server, key: str, query: str, variables: dict[str, Any]) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.post(
            f"http://127.0.0.1:{server.port}/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {key}"},
        )


def no_infrastructure(response: httpx.Response) -> None:
    for detail in INFRASTRUCTURE:
        assert detail not in response.text, response.text


async def write(server: Server, backend: Backend, customer: str, summary: str) -> None:
    """A ticket ("tk-...") for `customer` or a touchpoint for the first customer; it must
    succeed, and say nothing about Redis."""
    admin = backend.keys[Role.ADMIN]
    if summary.startswith("tk-"):
        response = await post(server, admin, OPEN, {"c": customer, "s": summary})
    else:
        response = await post(server, admin, RECORD, {"t": [touchpoint(backend, summary)]})
    assert response.status_code == 200, response.text
    no_infrastructure(response)
    body = response.json()
    assert "errors" not in body, body
    assert (body["data"].get("recordTouchpoints") or {}).get("userErrors", []) == [], body


async def listening(
    server: Server, backend: Backend, customer: str, *subscriptions: tuple[Live, str]
) -> None:
    """Waits until the subscriptions hear a ticket written for the purpose, then forgets
    what they heard: a fixed sleep after subscribing is not enough on a busy machine."""
    for attempt in range(10):
        marker = f"tk-listening-{attempt}"
        await write(server, backend, customer, marker)
        with contextlib.suppress(AssertionError):
            await until(
                lambda marker=marker: all(
                    marker in live.events[name] for live, name in subscriptions
                ),
                2,
                "subscriptions listening",
            )
            for live, name in subscriptions:
                live.events[name].clear()
            return
    raise AssertionError("the subscriptions never heard a change")


def server(backend: Backend, redis_url: str, logs: Path, **env: str) -> Server:
    found = Server(backend.url, free_port())
    found.env.update({"CX360_REDIS_URL": redis_url, "CX360_WEBHOOKS": "false", **env})
    found.stdout = logs.open("ab")
    return found


def warnings_in(logs: Path, logger: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in logs.read_text().splitlines() if line.startswith("{")]
    return [line for line in lines if line["logger"] == logger and line["level"] == "warning"]


async def test_redis_outage_degrades_then_every_subscription_catches_up(tmp_path: Path) -> None:
    started = time.monotonic()
    async with (
        database("postgres", tmp_path, 5) as backend,
        throwaway_redis() as store,
    ):
        customer = to_global_id("Customer", backend.data.customers[0]["id"])
        limits = {"CX360_RATE_LIMIT_CAPACITY": "1000", "CX360_RATE_LIMIT_PER_SECOND": "0.1"}
        first = server(backend, store.url, tmp_path / "first.log", **limits)
        second = server(backend, store.url, tmp_path / "second.log", **limits)
        support = backend.keys[Role.SUPPORT]
        try:
            await asyncio.gather(first.start(), second.start())
            async with live(first, support) as on_first, live(second, support) as on_second:
                sockets = (on_first, on_second)
                for client in sockets:
                    for name in SUBSCRIPTIONS:
                        await client.subscribe(name, {"c": customer} if "timeline" in name else {})
                await until(lambda: subscribed(store.url, 2), 5, "both processes subscribed")
                every = [(client, name) for client in sockets for name in SUBSCRIPTIONS]
                await listening(first, backend, customer, *every)

                def received(*expected: str) -> Callable[[], bool]:
                    timeline = list(expected)
                    tickets = [e for e in expected if e.startswith("tk-")]
                    return lambda: all(
                        client.events[name] == (timeline if "timeline" in name else tickets)
                        for client in sockets
                        for name in SUBSCRIPTIONS
                    )

                await write(first, backend, customer, "tp-before")
                await write(second, backend, customer, "tk-before")
                before = ("tp-before", "tk-before")
                await until(received(*before), 5, "the changes before the outage")

                await store.kill()
                # Writes through either process still succeed: 200, nothing about Redis.
                during = ("tp-down-1", "tk-down", "tp-down-2")
                await write(first, backend, customer, during[0])
                await write(second, backend, customer, during[1])
                await write(second, backend, customer, during[2])
                # Reads answer, and the rate limit still holds, inside each process.
                analyst = backend.keys[Role.ANALYST]
                answers = [await post(first, analyst, PROBE, {}) for _ in range(12)]
                for answer in answers:
                    no_infrastructure(answer)
                assert answers[0].status_code == 200, answers[0].text
                cost = answers[0].json()["extensions"]["cost"]["requested"]
                allowed = 1000 // cost
                assert [a.status_code for a in answers[: allowed + 1]] == [200] * allowed + [429]
                refused = answers[allowed].json()["errors"][0]
                assert refused["extensions"]["code"] == "RATE_LIMITED", refused
                # Open subscriptions keep receiving, from the change log.
                await until(received(*before, *during), 8, "the changes written during it")

                await store.start()  # the same port
                await until(
                    lambda: subscribed(store.url, 2), 15, "both processes' listeners resubscribed"
                )
                after = ("tp-after", "tk-after")
                await write(first, backend, customer, after[0])
                await write(second, backend, customer, after[1])
                await until(received(*before, *during, *after), 8, "the changes after it")
                await asyncio.sleep(1)  # nothing arrives twice
                assert received(*before, *during, *after)(), [c.events for c in sockets]
                assert all(not client.others for client in sockets), [c.others for c in sockets]

                # New subscriptions on either process hear writes through the other.
                async with live(first, support) as late_first, live(second, support) as late:
                    await late_first.subscribe("timeline", {"c": customer})
                    await late.subscribe("tickets", {})
                    pair = ((late_first, "timeline"), (late, "tickets"))
                    await listening(second, backend, customer, *pair)
                    await write(second, backend, customer, "tp-late")
                    await write(first, backend, customer, "tk-late")
                    await until(
                        lambda: (
                            late_first.events["timeline"] == ["tp-late", "tk-late"]
                            and late.events["tickets"] == ["tk-late"]
                        ),
                        5,
                        "new subscriptions receive changes",
                    )
        finally:
            await first.kill()
            await second.kill()
        # One warning per process for the outage, not one per request.
        for logs in ("first.log", "second.log"):
            lost = warnings_in(tmp_path / logs, "cx360.redis")
            assert len(lost) == 1, lost
    assert time.monotonic() - started < 60


async def test_deployments_with_different_prefixes_share_a_redis_unheard(tmp_path: Path) -> None:
    async with (
        database("postgres", tmp_path / "a", 5) as alpha_db,
        database("postgres", tmp_path / "b", 5) as beta_db,
        throwaway_redis() as store,
    ):
        alpha = server(alpha_db, store.url, tmp_path / "alpha.log", CX360_REDIS_PREFIX="alpha")
        beta = server(beta_db, store.url, tmp_path / "beta.log", CX360_REDIS_PREFIX="beta")
        watcher = redis.from_url(store.url)
        heard = watcher.pubsub()
        try:
            await asyncio.gather(alpha.start(), beta.start())
            await heard.psubscribe("*")
            alpha_customer = to_global_id("Customer", alpha_db.data.customers[0]["id"])
            beta_customer = to_global_id("Customer", beta_db.data.customers[0]["id"])
            async with live(alpha, alpha_db.keys[Role.SUPPORT]) as listener:
                await listener.subscribe("timeline", {"c": alpha_customer})
                await listener.subscribe("tickets", {})
                pair = ((listener, "timeline"), (listener, "tickets"))
                await listening(alpha, alpha_db, alpha_customer, *pair)
                for n in range(3):
                    await write(beta, beta_db, beta_customer, f"tk-beta-{n}")
                await asyncio.sleep(0.5)
                await write(alpha, alpha_db, alpha_customer, "tk-alpha")
                await until(
                    lambda: (
                        listener.events["tickets"] == ["tk-alpha"]
                        and listener.events["timeline"] == ["tk-alpha"]
                    ),
                    5,
                    "alpha's subscriber hears alpha's change",
                )
                await asyncio.sleep(0.5)
                assert listener.events == {"tickets": ["tk-alpha"], "timeline": ["tk-alpha"]}
            assert await numsub(store.url, "alpha:changes") == 1
            assert await numsub(store.url, "beta:changes") == 1
            channels: set[str] = set()
            while (message := await heard.get_message(timeout=0.2)) is not None:
                if message["type"] == "pmessage":
                    channels.add(message["channel"].decode())
            assert channels == {"alpha:changes", "beta:changes"}, channels
            keys = {key.decode() async for key in watcher.scan_iter()}
            assert keys, "rate-limit budgets are kept in Redis"
            assert all(key.split(":")[0] in ("alpha", "beta") for key in keys), keys
            assert any(key.startswith("alpha:") for key in keys), keys
            assert any(key.startswith("beta:") for key in keys), keys
        finally:
            await heard.aclose()
            await watcher.aclose()
            await alpha.kill()
            await beta.kill()


async def test_a_process_that_writes_nothing_reads_the_change_log_while_redis_is_down(
    tmp_path: Path,
) -> None:
    """Every process polls the change log each second while Redis is down, not only the
    one taking writes: a subscriber on a process that writes nothing hears outage-time
    changes within about two seconds, long before Redis returns."""
    async with (
        database("postgres", tmp_path, 5) as backend,
        throwaway_redis() as store,
    ):
        customer = to_global_id("Customer", backend.data.customers[0]["id"])
        writer = server(backend, store.url, tmp_path / "writer.log")
        quiet = server(backend, store.url, tmp_path / "quiet.log")
        support = backend.keys[Role.SUPPORT]
        try:
            await asyncio.gather(writer.start(), quiet.start())
            async with live(quiet, support) as listener:
                names = ("timeline", "timeline-changes")
                for name in names:
                    await listener.subscribe(name, {"c": customer})
                await until(lambda: subscribed(store.url, 2), 5, "both processes subscribed")
                await listening(writer, backend, customer, *((listener, n) for n in names))
                await store.kill()
                await asyncio.sleep(1.5)  # long enough for the writer to notice
                for n in range(3):
                    summary = f"tk-down-{n}"
                    await write(writer, backend, customer, summary)
                    started = time.monotonic()
                    await until(
                        lambda summary=summary: all(
                            summary in listener.events[name] for name in names
                        ),
                        2.5,
                        f"the quiet process's subscriber hears {summary} while Redis is down",
                    )
                    assert time.monotonic() - started < 2.5
                expected = [f"tk-down-{n}" for n in range(3)]
                assert all(listener.events[name] == expected for name in names), listener.events
                assert not listener.others, listener.others
        finally:
            await writer.kill()
            await quiet.kill()
