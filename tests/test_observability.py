"""Operators' view: one JSON log line per request without personal data, and metrics."""

import asyncio
import json
import logging
import os
import re
import shutil
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from api.observability import JsonFormatter
from models import Role
from tests.conftest import Api
from tests.test_ingestion_crash import CX360, free_port


async def test_one_log_line_per_request_without_personal_data(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    email = api.backend.data.customers[0]["email"]
    with caplog.at_level(logging.INFO):
        response = await api.client.post(
            "/graphql",
            json={
                "query": "query Lookup($e: String!) { customerByEmail(email: $e) { name email } }",
                "variables": {"e": email},
                "operationName": "Lookup",
            },
            headers={
                "Authorization": f"Bearer {api.backend.keys[Role.SUPPORT]}",
                "X-Request-ID": "trace-1234abcd",
            },
        )
    assert response.headers["x-request-id"] == "trace-1234abcd"
    lines = [r for r in caplog.records if r.name == "cx360.requests"]
    assert len(lines) == 1
    fields = json.loads(JsonFormatter().format(lines[0]))
    assert fields["request_id"] == "trace-1234abcd" and fields["operation"] == "Lookup"
    assert fields["key_name"] == "test-support" and fields["outcome"] == "ok"
    assert fields["duration_ms"] > 0
    everything = "\n".join(JsonFormatter().format(r) for r in caplog.records)
    assert email not in everything and api.backend.keys[Role.SUPPORT] not in everything


async def test_refusals_are_logged_with_their_reason(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        await api.post("{ auditLog { totalCount } }", role=Role.PARTNER)
        await api.client.post("/graphql", json={"query": "{ viewer { role } }"})
    outcomes = [
        json.loads(JsonFormatter().format(r))["outcome"]
        for r in caplog.records
        if r.name == "cx360.requests"
    ]
    assert outcomes == ["FORBIDDEN", "UNAUTHENTICATED"]


async def test_prometheus_metrics(api: Api) -> None:
    await api.post("query Dash { customers(first: 3) { edges { node { externalIds { id } } } } }")
    await api.post("{ auditLog { totalCount } }", role=Role.ANALYST)
    text = (await api.client.get("/metrics")).text
    assert re.search(r'cx360_requests_total\{operation="Dash",outcome="ok"\} [1-9]', text)
    assert re.search(r'cx360_refused_total\{reason="FORBIDDEN"\} [1-9]', text)
    assert 'cx360_dataloader_batch_size_bucket{le="5.0",loader="external_ids"}' in text
    assert "cx360_request_seconds_bucket" in text and "cx360_db_connections_in_use" in text


def on_sqlite_only(api: Api) -> None:
    """How worker processes share metrics files does not depend on the database: the tests
    that start three processes (`--workers 2`) run once, on SQLite."""
    if api.backend.name != "sqlite":
        pytest.skip("metrics across worker processes do not depend on the database: on SQLite")


@asynccontextmanager
async def two_workers(api: Api, metrics: Path, **env: str) -> AsyncIterator[httpx.AsyncClient]:
    """`cx360 serve --workers 2` with PROMETHEUS_MULTIPROC_DIR, and a client for it."""
    port = free_port()
    environment = {
        **os.environ,
        "CX360_DATABASE_URL": api.backend.url,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics),
        **env,
    }
    server = await asyncio.create_subprocess_exec(
        CX360,
        "serve",
        "--port",
        str(port),
        "--workers",
        "2",
        env=environment,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            yield client
    finally:
        server.terminate()
        await server.wait()


async def test_metrics_add_up_across_worker_processes(api: Api, tmp_path: Path) -> None:
    on_sqlite_only(api)
    async with two_workers(api, tmp_path) as client:
        for _ in range(200):
            try:
                if (await client.get("/healthz")).status_code == 200:
                    break
            except httpx.TransportError:
                await asyncio.sleep(0.1)
        headers = {"Authorization": f"Bearer {api.backend.keys[Role.ADMIN]}"}
        for _ in range(30):  # new connections: the kernel spreads them over both workers
            async with httpx.AsyncClient(base_url=client.base_url) as fresh:
                await fresh.post(
                    "/graphql",
                    json={"query": "query Ping { viewer { role } }"},
                    headers=headers,
                )
        # A request is counted as it completes, just after its answer has gone out: the
        # last one may land a moment after its client has read the answer.
        for _ in range(50):
            text = (await client.get("/metrics")).text
            found = re.search(r'cx360_requests_total\{operation="Ping",outcome="ok"\} (\d+)', text)
            if found and float(found.group(1)) >= 30:
                break
            await asyncio.sleep(0.1)
    assert found and float(found.group(1)) == 30, text[:2000]
    written = await asyncio.to_thread(lambda: list(tmp_path.glob("counter_*.db")))
    assert len(written) >= 2  # both workers wrote their own files


def redis_available(text: str) -> float | None:
    found = re.search(r"^cx360_redis_available (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else None


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")
async def test_redis_available_reads_what_the_live_workers_see(api: Api, tmp_path: Path) -> None:
    """With two workers and PROMETHEUS_MULTIPROC_DIR (compose.yaml's setup), the gauge is 1
    while the workers reach Redis and 0 while it is down: neither the supervisor process nor
    a dead process's file keeps it at 0."""
    from tests.test_redis_outage import throwaway_redis, until

    on_sqlite_only(api)
    # A process that died while it read 0 left its file behind.
    dead = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from api.observability import redis_available; redis_available().set(0)",
        env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)},
    )
    assert await dead.wait() == 0
    async with throwaway_redis() as redis_server:
        env = {"CX360_REDIS_URL": redis_server.url, "CX360_WEBHOOKS": "false"}
        async with two_workers(api, tmp_path, **env) as client:

            async def reads(value: float) -> bool:
                try:
                    return redis_available((await client.get("/metrics")).text) == value
                except httpx.TransportError:
                    return False

            await until(lambda: reads(1.0), 60, "cx360_redis_available 1")
            await asyncio.sleep(1)  # both workers have started by now
            assert await reads(1.0)
            await redis_server.kill()
            await until(lambda: reads(0.0), 30, "cx360_redis_available 0 while Redis is down")
