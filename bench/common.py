"""What the benchmarks share: a scratch PostgreSQL database and a server on 127.0.0.1."""

import asyncio
import os
import signal
import socket
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from api.db import create_engine, create_session_factory
from api.migrate import upgrade_engine
from models import Role
from resolvers import keys, seed

CX360 = str(Path(sys.executable).parent / "cx360")
READY_SECONDS = 120
DEFAULT_ADMIN_URL = os.environ.get(
    "CX360_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


def plain_dsn(url: str) -> str:
    """The asyncpg DSN of a SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(False)


@asynccontextmanager
async def scratch_database(admin_url: str, prefix: str, keep: bool = False) -> AsyncIterator[str]:
    """A new database's SQLAlchemy URL; dropped afterwards unless `keep`."""
    name = f"{prefix}_{uuid.uuid4().hex[:6]}"
    admin = await asyncpg.connect(plain_dsn(admin_url))
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin_url).set(database=name).render_as_string(False)
    finally:
        if keep:
            print(f"kept {make_url(admin_url).set(database=name).render_as_string(False)}")
        else:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def seeded(admin_url: str, prefix: str, customers: int) -> AsyncIterator[tuple[str, str]]:
    """A scratch database, migrated, with `customers` demo customers (seed 1, anchored
    2026-01-01) and an ADMIN key: (its SQLAlchemy URL, the key); dropped afterwards."""
    async with scratch_database(admin_url, prefix) as url:
        engine = create_engine(url)
        await upgrade_engine(engine)
        data = seed.generate(customers, seed=1, anchor=datetime(2026, 1, 1, tzinfo=UTC))
        await seed.write(engine, data, lambda _: None)
        key = (await keys.create_key(create_session_factory(engine), "bench", Role.ADMIN)).token
        await engine.dispose()
        yield url, key


@asynccontextmanager
async def server(url: str, **settings: str) -> AsyncIterator[int]:
    """`cx360 serve` (1 worker) on a free port of 127.0.0.1, ready; killed afterwards.

    `settings` are extra CX360_* variables, e.g. compiled_reads="0".
    """
    async with serving_process(url, **settings) as (port, _):
        yield port


@asynccontextmanager
async def serving_process(
    url: str, **settings: str
) -> AsyncIterator[tuple[int, asyncio.subprocess.Process]]:
    """`server`, and its process (to read its memory from /proc)."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        CX360,
        "serve",
        "--port",
        str(port),
        env={
            **os.environ,
            "CX360_DATABASE_URL": url,
            "CX360_LOG_LEVEL": "warning",
            **{f"CX360_{name.upper()}": value for name, value in settings.items()},
        },
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        # Its own process group: with --workers N its worker processes go with it.
        start_new_session=True,
    )
    try:
        async with httpx.AsyncClient() as probe:
            # A busy machine can take many seconds to import and start the server.
            for _ in range(READY_SECONDS * 20):
                try:
                    await probe.get(f"http://127.0.0.1:{port}/healthz")
                    break
                except httpx.TransportError:
                    if process.returncode is not None:
                        raise RuntimeError("cx360 serve exited before it was ready") from None
                    await asyncio.sleep(0.05)
            else:
                raise RuntimeError(f"cx360 serve was not ready after {READY_SECONDS}s")
        yield port, process
    finally:
        if process.returncode is None:
            # The whole group: killing the serving process alone left 2-worker runs'
            # workers behind, each holding its connections to the database.
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()


# A process as /proc tells it: (its name, its session id, its CPU seconds so far).
ProcessTimes = dict[int, tuple[str, int, float]]


def process_times() -> ProcessTimes:
    """Every live process's name, session id and CPU time (user + system) so far, from
    /proc (Linux): two snapshots around a load give what each process spent on it."""
    tick = os.sysconf("SC_CLK_TCK")
    found: ProcessTimes = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                text = stat.read()
        except OSError:  # it exited meanwhile
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        # After the name: state, ppid, pgrp, session, ..., utime (12th), stime (13th).
        fields = text[text.rindex(")") + 2 :].split()
        found[int(entry.name)] = (name, int(fields[3]), (int(fields[11]) + int(fields[12])) / tick)
    return found


def cpu_spent(
    before: ProcessTimes, after: ProcessTimes, is_server: Callable[[str, int], bool]
) -> tuple[float, float]:
    """CPU seconds spent between two snapshots by the server's processes (`is_server` of
    a process's name and session id) and by PostgreSQL's (every `postgres` process: its
    backends, and the writers that flush what the load wrote). A process that ended in
    between is not counted."""
    server = database = 0.0
    for pid, (name, session, seconds) in after.items():
        spent = seconds - before[pid][2] if pid in before else seconds
        if is_server(name, session):
            server += spent
        elif name.startswith("postgres"):
            database += spent
    return server, database
