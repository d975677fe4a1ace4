"""What the benchmarks share: a scratch PostgreSQL database and a server on 127.0.0.1."""

import asyncio
import os
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url

CX360 = str(Path(sys.executable).parent / "cx360")
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
async def server(url: str, **settings: str) -> AsyncIterator[int]:
    """`cx360 serve` (1 worker) on a free port of 127.0.0.1, ready; killed afterwards.

    `settings` are extra CX360_* variables, e.g. compiled_reads="0".
    """
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
    )
    try:
        async with httpx.AsyncClient() as probe:
            for _ in range(1200):  # up to 60 s: a loaded machine starts slowly
                try:
                    await probe.get(f"http://127.0.0.1:{port}/healthz")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
        yield port
    finally:
        process.kill()
        await process.wait()
