"""Operators tell "too many clients" from an outage: the failure log line names the
backend, the innermost driver exception's class and the SQLSTATE, never a message.

On the PostgreSQL test server, a role of the test's own with `CONNECTION LIMIT 0` (a
non-superuser: superusers are exempt from limits) is refused with 53300; a port nobody
listens on is refused by the operating system. Both answer 503 SERVICE_UNAVAILABLE.
"""

import dataclasses
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from api.failures import failure_kind
from tests.conftest import NO_POSTGRES, POSTGRES_URL, Backend, database, serving
from tests.test_ingestion_crash import free_port

READ = "{ customers(first: 1) { totalCount } }"


@pytest.fixture(scope="module")
async def postgres(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Backend]:
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    async with database("postgres", tmp_path_factory.mktemp("causes"), 2) as found:
        yield found


async def _admin(statement: str) -> None:
    assert POSTGRES_URL
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(sa.text(statement))
    finally:
        await admin.dispose()


async def _failure_logged(
    backend: Backend, url: str, caplog: pytest.LogCaptureFixture
) -> dict[str, Any]:
    """The app on `url` answers 503; the fields of its failure log line."""
    caplog.set_level(logging.WARNING, logger="cx360.failures")
    async with serving(dataclasses.replace(backend, url=url)) as api:
        response = await api.post(READ)
    assert response.status_code == 503, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    records = [r for r in caplog.records if r.name == "cx360.failures"]
    assert records, "no failure was logged"
    fields: dict[str, Any] = records[-1].fields  # type: ignore[attr-defined]
    assert records[-1].getMessage() == "database or redis unavailable"
    return fields


async def test_too_many_connections_is_logged_as_such(
    postgres: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    role = f"cx360_limited_{uuid.uuid4().hex[:8]}"
    await _admin(f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT 0')
    try:
        url = make_url(postgres.url).set(username=role, password=None)
        fields = await _failure_logged(postgres, url.render_as_string(hide_password=False), caplog)
    finally:
        await _admin(f'DROP ROLE IF EXISTS "{role}"')
    assert fields["backend"] == "database"
    assert fields["cause"] == "TooManyConnectionsError"
    assert fields["sqlstate"] == "53300"
    assert role not in str(fields)  # the driver's message names the role: not logged


async def test_a_refused_port_is_logged_as_refused(
    postgres: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    url = make_url(postgres.url).set(host="127.0.0.1", port=free_port())
    fields = await _failure_logged(postgres, url.render_as_string(hide_password=False), caplog)
    assert fields["backend"] == "database"
    assert fields["cause"] in ("ConnectionRefusedError", "ECONNREFUSED")
    assert "sqlstate" not in fields


async def test_redis_refusing_is_told_apart_from_the_database() -> None:
    client = redis.asyncio.Redis(port=free_port(), socket_connect_timeout=2)
    try:
        with pytest.raises(redis.exceptions.ConnectionError) as raised:
            await client.ping()
    finally:
        await client.aclose()
    kind = failure_kind(raised.value)
    assert kind["backend"] == "redis"
    assert kind["cause"] in ("ConnectionRefusedError", "ECONNREFUSED")
