"""Ingestion survives a server killed mid-request: retried batches store each event once.

A real `cx360 serve` process is SIGKILLed and restarted while a client sends 2,000
events in batches and retries every batch it got no answer for. Each kill lands while a
request is in flight, at a random moment within the time a request has been taking (before,
during or after the commit): a fixed number of kills, each one a mid-request kill, rather
than kills on a timer that may fall between requests (or too few of them on a fast run).
"""

import asyncio
import os
import random
import signal
import socket
import sys
import uuid
from pathlib import Path
from typing import IO

import httpx
import sqlalchemy as sa

from tests.conftest import Api, app_logins

CX360 = str(Path(sys.executable).parent / "cx360")
EVENTS = 2000
BATCH = 50  # 40 requests at least: room for every kill to find one in flight
KILLS = 4
RECORD = "mutation($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) { created duplicates userErrors { message } } }"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    def __init__(self, url: str, port: int) -> None:
        self.env = {**os.environ, "CX360_DATABASE_URL": url, "CX360_LOG_LEVEL": "warning"}
        self.port = port
        self.process: asyncio.subprocess.Process | None = None
        self.stdout: int | IO[bytes] = asyncio.subprocess.DEVNULL

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            CX360,
            "serve",
            "--port",
            str(self.port),
            env=self.env,
            stdout=self.stdout,
            stderr=asyncio.subprocess.DEVNULL,
        )
        async with httpx.AsyncClient() as client:
            for _ in range(1200):  # up to 60 s: a loaded machine starts slowly
                try:
                    if (
                        await client.get(f"http://127.0.0.1:{self.port}/healthz")
                    ).status_code == 200:
                        return
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
        raise RuntimeError("server did not start")

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
            await self.process.wait()


async def test_events_are_stored_exactly_once_across_server_kills(writable: Api) -> None:
    backend = writable.backend
    created = await writable.query(
        'mutation { createCustomer(input: {name: "Crash", email: "crash@x.example"}) { customer { id } } }'
    )
    ref = {"id": created["createCustomer"]["customer"]["id"]}
    prefix = uuid.uuid4().hex
    events = app_logins(ref, "crash-test", [f"{prefix}-{n}" for n in range(EVENTS)])
    server = Server(backend.url, free_port())
    await server.start()
    rnd = random.Random(5)
    kills = 0
    acknowledged_created = 0
    in_flight = asyncio.Event()  # a request to the running server awaits its answer
    took = [0.05]  # how long answered requests took (s)
    attempts = 0  # requests answered or failed so far
    sent_at = 0.0  # when the request in flight was sent
    loop = asyncio.get_running_loop()
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{server.port}",
            timeout=10,
            headers={"Authorization": f"Bearer {backend.keys[next(iter(backend.keys))]}"},
        ) as client:

            async def killer() -> None:
                nonlocal kills
                while kills < KILLS:
                    await in_flight.wait()
                    number, moment = attempts, sent_at + rnd.uniform(0, took[-1])
                    await asyncio.sleep(max(0.0, moment - loop.time()))
                    if not in_flight.is_set() or attempts != number:
                        continue  # answered already: the next request
                    await server.kill()
                    kills += 1
                    await server.start()

            chaos = asyncio.create_task(killer())
            for offset in range(0, EVENTS, BATCH):
                batch = events[offset : offset + BATCH]
                deadline = loop.time() + 60
                while loop.time() < deadline:
                    sent_at = loop.time()
                    in_flight.set()
                    try:
                        response = await client.post(
                            "/graphql", json={"query": RECORD, "variables": {"t": batch}}
                        )
                        result = response.json()["data"]["recordTouchpoints"]
                        assert result["userErrors"] == []
                        acknowledged_created += result["created"]
                        took.append(loop.time() - sent_at)
                        break
                    except (httpx.TransportError, ValueError):
                        in_flight.clear()  # not while it sleeps: nothing is in flight
                        await asyncio.sleep(0.05)  # no answer: the batch may or may not be stored
                    finally:
                        in_flight.clear()
                        attempts += 1
                else:
                    raise AssertionError("a batch never got through in 60 s")
            chaos.cancel()
    finally:
        await server.kill()
    print(
        f"killed {kills} times in {attempts} requests; {acknowledged_created} acknowledged created"
    )
    assert kills == KILLS, f"killed {kills} times mid-request, not {KILLS}: the run ended first"
    async with backend.engine.connect() as connection:
        stored = (
            await connection.execute(
                sa.text(
                    "SELECT count(*), count(DISTINCT external_id) FROM touchpoint WHERE source = 'crash-test'"
                )
            )
        ).one()
    assert tuple(stored) == (EVENTS, EVENTS)
    assert acknowledged_created <= EVENTS
