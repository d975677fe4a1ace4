"""Real subscription clients against a real `cx360 serve`: what partners and pages use.

A Python partner with `gql` (websockets transport) and a web page with `graphql-ws` (the
npm client, vendored and used by GraphiQL) in headless Chromium each subscribe to
`ticketChanged`; a ticket opened over HTTP must reach them. Both clients refuse what a
lenient test socket would accept (binary frames, protocol slips).
"""

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from gql import Client, gql
from gql.transport.websockets import WebsocketsTransport
from playwright.async_api import TimeoutError as PlaywrightTimeout

from models import Role
from tests.conftest import Backend, database
from tests.test_graphiql import Chromium, headless  # noqa: F401 (fixture)
from tests.test_ingestion_crash import Server, free_port
from tests.test_subscriptions import post

TICKETS = "subscription Live { ticketChanged(filter: {status: [NEW]}) { subject status } }"
OPEN = """mutation($e: String!, $s: String!) { openTicket(input: {customer: {email: $e},
  subject: $s, channel: CHAT}) { ticket { id } } }"""


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Backend, Server]]:
    async with database(request.param, tmp_path_factory.mktemp("clients"), 3) as backend:
        server = Server(backend.url, free_port())
        await server.start()
        try:
            yield backend, server
        finally:
            await server.kill()


async def open_ticket(backend: Backend, server: Server, subject: str) -> None:
    email = backend.data.customers[0]["email"]
    opened = await post(server, backend.keys[Role.SUPPORT], OPEN, {"e": email, "s": subject})
    assert opened["data"]["openTicket"]["ticket"]["id"], opened


async def test_a_partner_subscribes_with_gql(live: tuple[Backend, Server]) -> None:
    backend, server = live
    transport = WebsocketsTransport(
        url=f"ws://127.0.0.1:{server.port}/graphql",
        init_payload={"Authorization": f"Bearer {backend.keys[Role.SUPPORT]}"},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
    )
    async with Client(transport=transport, fetch_schema_from_transport=False) as session:
        events = session.subscribe(gql(TICKETS))
        first = asyncio.ensure_future(anext(events))
        await asyncio.sleep(0.5)  # subscribed before the write
        assert not first.done(), first.exception() if first.done() else None
        await open_ticket(backend, server, "From gql")
        event = await asyncio.wait_for(first, 5)
        await events.aclose()
    assert event == {"ticketChanged": {"subject": "From gql", "status": "NEW"}}


async def test_a_page_subscribes_through_graphiql_with_graphql_ws(
    headless: Chromium,  # noqa: F811 (the fixture)
    live: tuple[Backend, Server],
    tmp_path: Path,
) -> None:
    """GraphiQL served by cx360 runs a subscription over its vendored graphql-ws client."""
    backend, server = live
    base = f"http://127.0.0.1:{server.port}"
    page, context = await headless.new_page()
    problems: list[str] = []
    closes: list[Any] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    subscribed = asyncio.Event()

    def watch(ws: Any) -> None:
        ws.on("close", lambda *_: closes.append(ws.url))
        ws.on(
            "framesent",
            lambda frame: subscribed.set() if '"subscribe"' in str(frame) else None,
        )

    page.on("websocket", watch)
    # GraphiQL opens with the query it kept in localStorage: the subscription.
    await page.add_init_script(
        f"window.localStorage.setItem('graphiql:query', {json.dumps(TICKETS)});"
    )
    try:
        await page.goto(f"{base}/graphql")
        await page.fill("#cx360-key", backend.keys[Role.SUPPORT])
        await page.click("#cx360-key-form button")
        await page.wait_for_selector(".graphiql-execute-button", timeout=15000)
        # The page sends graphql-ws's `subscribe` message once the socket is open. A click
        # that lands before the editor has its query does nothing: click again until the
        # page has subscribed (a loaded machine may take seconds), for at most a minute.
        for _ in range(6):
            await page.click(".graphiql-execute-button")
            try:
                await asyncio.wait_for(subscribed.wait(), 10)
                break
            except TimeoutError:
                continue
        assert subscribed.is_set(), "the page never sent a subscribe message"
        result = page.locator(".result-window")
        # Subscribed does not yet mean the server has started listening: open a ticket
        # every few seconds until one arrives, for at most a minute.
        for _ in range(20):
            await open_ticket(backend, server, "From the page")
            try:
                await result.get_by_text("From the page").first.wait_for(timeout=3000)
                break
            except PlaywrightTimeout:
                continue
        await result.get_by_text("From the page").first.wait_for(timeout=1000)
        shown = await result.inner_text()
        assert '"subject": "From the page"' in shown and '"status": "NEW"' in shown
        assert closes == [], closes  # graphql-ws closes (4400) on a binary frame
        assert not [p for p in problems if "Content Security Policy" in p], problems
    except Exception:
        await page.screenshot(path=str(tmp_path / "subscription-failure.png"), full_page=True)
        print(f"screenshot: {tmp_path / 'subscription-failure.png'}; console: {problems}")
        raise
    finally:
        await context.close()
