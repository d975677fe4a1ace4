"""Delivery latency across workers: write through one process, hear it on another.

    .venv/bin/python bench/live.py [--events 100]

A scratch PostgreSQL database (20 customers), Redis at CX360_TEST_REDIS_URL (default
redis://127.0.0.1:6379/0), two `cx360 serve` processes on 127.0.0.1. A SUPPORT client
subscribes to one customer's timeline on the first; an ADMIN client records one
touchpoint at a time through the second. A webhook endpoint (a receiver on 127.0.0.1)
takes the same touchpoints from whichever worker's outbox task sends them first. Reports,
per event: from sending the write to receiving the event, and from the write's
acknowledgement to the subscription event and to the webhook delivery.
"""

import argparse
import asyncio
import json
import os
import statistics
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import uvicorn
from common import DEFAULT_ADMIN_URL, free_port, scratch_database, server
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from websockets.asyncio.client import connect

from api.db import create_engine, create_session_factory
from api.migrate import upgrade_engine
from models import Role
from resolvers import keys, seed
from schema.node import to_global_id

REDIS_URL = os.environ.get("CX360_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RECORD = "mutation($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) { created } }"
TIMELINE = "subscription($c: ID!) { customerTimeline(customerId: $c) { __typename } }"
ENDPOINT = """mutation($url: String!) { createWebhookEndpoint(input: {url: $url,
  eventTypes: [TOUCHPOINT_RECORDED], role: PARTNER}) { userErrors { message } } }"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def prepare(url: str) -> tuple[str, str, str]:
    engine = create_engine(url)
    try:
        await upgrade_engine(engine)
        data = seed.generate(20, seed=7, anchor=datetime(2026, 11, 1, tzinfo=UTC))
        await seed.write(engine, data, lambda _: None)
        sessions = create_session_factory(engine)
        admin = (await keys.create_key(sessions, "live-admin", Role.ADMIN)).token
        support = (await keys.create_key(sessions, "live-support", Role.SUPPORT)).token
        return admin, support, to_global_id("Customer", data.customers[0]["id"])
    finally:
        await engine.dispose()


def event(customer: str, n: int) -> dict[str, Any]:
    return {
        "customer": {"id": customer},
        "occurredAt": "2026-10-30T12:00:00Z",
        "channel": "APP",
        "stage": "RETENTION",
        "team": "PRODUCT",
        "kind": "app_login",
        "source": "live-bench",
        "externalId": f"live-{n}",
    }


async def receiver(arrivals: asyncio.Queue[float]) -> tuple[uvicorn.Server, int]:
    """A webhook endpoint on 127.0.0.1 that notes when each delivery arrives."""

    async def hook(request: Request) -> Response:
        await request.body()
        arrivals.put_nowait(time.perf_counter())
        return Response(status_code=204)

    port = free_port()
    app = Starlette(routes=[Route("/hook", hook, methods=["POST"])])
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    return uvicorn.Server(config), port


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100)
    args = parser.parse_args()
    async with scratch_database(DEFAULT_ADMIN_URL, "cx360_live") as url:
        admin, support, customer = await prepare(url)
        arrivals: asyncio.Queue[float] = asyncio.Queue()
        hooks, hook_port = await receiver(arrivals)
        hooks_task = asyncio.create_task(hooks.serve())
        local = {"redis_url": REDIS_URL, "webhook_allow_private_networks": "true"}
        async with (
            server(url, **local) as listening,
            server(url, **local) as writing,
            connect(
                f"ws://127.0.0.1:{listening}/graphql", subprotocols=["graphql-transport-ws"]
            ) as ws,
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{writing}") as client,
        ):
            init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {support}"}}
            await ws.send(json.dumps(init))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            subscribe = {"query": TIMELINE, "variables": {"c": customer}}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
            registered = await client.post(
                "/graphql",
                json={
                    "query": ENDPOINT,
                    "variables": {"url": f"http://127.0.0.1:{hook_port}/hook"},
                },
                headers={"Authorization": f"Bearer {admin}"},
            )
            assert registered.json()["data"]["createWebhookEndpoint"]["userErrors"] == []
            await asyncio.sleep(0.5)
            from_send, from_ack, webhook_from_ack = [], [], []
            for n in range(args.events):
                sent = time.perf_counter()
                response = await client.post(
                    "/graphql",
                    json={"query": RECORD, "variables": {"t": [event(customer, n)]}},
                    headers={"Authorization": f"Bearer {admin}"},
                )
                acknowledged = time.perf_counter()
                assert response.json()["data"]["recordTouchpoints"]["created"] == 1
                message = json.loads(await asyncio.wait_for(ws.recv(), 5))
                received = time.perf_counter()
                assert message["type"] == "next", message
                delivered = await asyncio.wait_for(arrivals.get(), 10)
                from_send.append((received - sent) * 1000)
                from_ack.append((received - acknowledged) * 1000)
                webhook_from_ack.append((delivered - acknowledged) * 1000)
        hooks.should_exit = True
        await hooks_task
    print(f"{args.events} events, two workers, PostgreSQL and Redis on 127.0.0.1")
    for label, values in (
        ("write sent -> event", from_send),
        ("write acked -> event", from_ack),
        ("write acked -> webhook", webhook_from_ack),
    ):
        print(
            f"{label:24} p50 {statistics.median(values):6.1f} ms  "
            f"p95 {percentile(values, 0.95):6.1f} ms  max {max(values):6.1f} ms"
        )


if __name__ == "__main__":
    asyncio.run(main())
