"""PostgreSQL going away: every failed request is the API's JSON 503, nothing acknowledged
is lost, and service comes back by itself.

A throwaway PostgreSQL cluster of the test's own (initdb and pg_ctl, as user `postgres`
when the tests run as root) is stopped (`-m immediate`) under reads and writes against a
two-worker `cx360 serve`, then started again. A server started while the database is
down serves /healthz, answers 503 on /readyz and /graphql, and works once it is back.
"""

import asyncio
import contextlib
import glob
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
import pytest
import sqlalchemy as sa

from api.db import create_engine, create_session_factory
from api.migrate import upgrade_engine
from models import Role
from resolvers import keys, seed
from tests.conftest import ANCHOR
from tests.test_ingestion_crash import free_port
from tests.test_log_safety import cx360_serve
from tests.test_redis_outage import until as within

BINARIES = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
READ = "query Read { customers(first: 3) { totalCount edges { node { id name } } } }"
WRITE = 'mutation Write($e: String!) { createCustomer(input: {name: "Outage", email: $e}) { customer { id } userErrors { message } } }'


@dataclass
class Cluster:
    directory: str
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    async def pg_ctl(self, *arguments: str) -> None:
        command = [os.path.join(BINARIES[-1], "pg_ctl"), "-D", f"{self.directory}/data"]
        await _run(*command, *arguments)

    async def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        await self.pg_ctl("-o", options, "-l", f"{self.directory}/log", "-w", "start")

    async def stop(self) -> None:
        await self.pg_ctl("-m", "immediate", "-w", "stop")


async def _run(*command: str) -> None:
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        command = ("runuser", "-u", "postgres", "--", *command)
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    _, err = await process.communicate()
    assert process.returncode == 0, err.decode()


@pytest.fixture
def scratch() -> Iterator[str]:
    directory = tempfile.mkdtemp(prefix="cx360-pg-")
    os.chmod(directory, 0o777)  # the postgres user writes its cluster here
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
async def cluster(scratch: str) -> AsyncIterator[tuple[Cluster, str]]:
    """A running throwaway cluster, migrated and seeded, with an ADMIN key."""
    if not BINARIES:
        pytest.skip("no PostgreSQL server binaries in /usr/lib/postgresql")
    found = Cluster(scratch, free_port())
    initdb = os.path.join(BINARIES[-1], "initdb")
    await _run(initdb, "-D", f"{scratch}/data", "-U", "postgres", "-A", "trust", "--no-sync")
    await found.start()
    try:
        engine = create_engine(found.url)
        try:
            await upgrade_engine(engine)
            await seed.write(engine, seed.generate(5, seed=7, anchor=ANCHOR), lambda _: None)
            issued = await keys.create_key(create_session_factory(engine), "outage", Role.ADMIN)
        finally:
            await engine.dispose()
        yield found, issued.token
    finally:
        with contextlib.suppress(AssertionError):  # stopped already by a failed test
            await found.stop()


@asynccontextmanager
async def _server(cluster: Cluster, workers: int) -> AsyncIterator[httpx.AsyncClient]:
    environment = {**os.environ, "CX360_DATABASE_URL": cluster.url, "CX360_LOG_LEVEL": "warning"}
    async with cx360_serve(environment, "--workers", str(workers)) as (_, client):
        yield client


def _assert_unavailable(response: httpx.Response) -> None:
    """The API's JSON answer for a database that is away."""
    assert response.status_code == 503, (response.status_code, response.text)
    assert response.headers["content-type"] == "application/json", response.text
    assert int(response.headers["Retry-After"]) > 0
    error = response.json()["errors"][0]
    assert error["message"] == "The service is temporarily unavailable; retry shortly."
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert error["extensions"]["requestId"]


@dataclass
class Load:
    acknowledged: list[str] = field(default_factory=list)
    failed: list[httpx.Response] = field(default_factory=list)
    ok: int = 0
    last_ok: float = 0.0


async def _drive(client: httpx.AsyncClient, token: str, load: Load, until: asyncio.Event) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    while not until.is_set():
        email = f"outage-{uuid.uuid4().hex[:12]}@example.com"
        for body in ({"query": READ}, {"query": WRITE, "variables": {"e": email}}):
            response = await client.post("/graphql", json=body, headers=headers)
            if response.status_code == 200 and "errors" not in response.json():
                load.ok += 1
                load.last_ok = time.monotonic()
                if body["query"] == WRITE:
                    assert response.json()["data"]["createCustomer"]["customer"]["id"]
                    load.acknowledged.append(email)
            else:
                load.failed.append(response)
        await asyncio.sleep(0.01)


async def test_requests_answer_503_while_postgres_is_down_and_nothing_acknowledged_is_lost(
    cluster: tuple[Cluster, str],
) -> None:
    found, token = cluster
    load, until = Load(), asyncio.Event()
    async with _server(found, workers=2) as client:
        drivers = [asyncio.create_task(_drive(client, token, load, until)) for _ in range(4)]
        # Each phase lasts until it has shown itself in a few dozen answers (not a fixed
        # sleep): answered, refused while down, answered again after the restart.
        await within(lambda: load.ok >= 20, 60, "20 answers before the outage")
        before = load.ok
        await found.stop()
        await within(lambda: len(load.failed) >= 40, 60, "40 refusals during the outage")
        during = len(load.failed)
        await found.start()
        restarted = time.monotonic()
        after = load.ok
        await within(lambda: load.ok >= after + 20, 60, "20 answers after the restart")
        until.set()
        await asyncio.gather(*drivers)
    assert before > 0 and during > 0  # it ran, and the outage was felt
    for response in load.failed:
        _assert_unavailable(response)
    assert load.last_ok > restarted  # recovered without a restart
    engine = create_engine(found.url)
    try:
        async with engine.connect() as connection:
            stored = set(
                (await connection.execute(sa.text("SELECT email FROM customer"))).scalars()
            )
    finally:
        await engine.dispose()
    assert set(load.acknowledged) <= stored


async def test_a_server_started_without_its_database_answers_503_then_recovers(
    cluster: tuple[Cluster, str],
) -> None:
    found, token = cluster
    await found.stop()
    headers = {"Authorization": f"Bearer {token}"}
    async with _server(found, workers=1) as client:
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/readyz")).status_code == 503
        _assert_unavailable(await client.post("/graphql", json={"query": READ}, headers=headers))
        await found.start()
        for _ in range(100):
            if (await client.get("/readyz")).status_code == 200:
                break
            await asyncio.sleep(0.1)
        response = await client.post("/graphql", json={"query": READ}, headers=headers)
        assert response.status_code == 200 and "errors" not in response.json(), response.text
