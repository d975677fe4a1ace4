"""GraphiQL works offline: served by the API, integrity-checked, tested in a real browser."""

import asyncio
import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from api.graphiql import CONTENT_SECURITY_POLICY, STATIC, page
from models import Role
from tests.conftest import Api
from tests.test_examples import EXAMPLES
from tests.test_ingestion_crash import Server, free_port


async def test_page_and_assets_come_from_the_api_under_a_strict_policy(api: Api) -> None:
    page = await api.client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "https://" not in page.text and "http://" not in page.text  # no CDN
    # An icon of its own (empty, inline: the policy allows data: images), so the browser
    # does not ask for /favicon.ico and get a 404.
    assert '<link rel="icon" href="data:,">' in page.text and "img-src 'self' data:" in (
        CONTENT_SECURITY_POLICY
    )
    for path, integrity in re.findall(r'(?:src|href)="([^"]+)" integrity="([^"]+)"', page.text):
        asset = await api.client.get(path)
        assert asset.status_code == 200, path
        digest = base64.b64encode(hashlib.sha384(asset.content).digest()).decode()
        assert integrity == f"sha384-{digest}", path


def test_vendored_files_match_their_manifest() -> None:
    manifest = json.loads((STATIC / "MANIFEST.json").read_text())
    for name, entry in manifest["files"].items():
        assert hashlib.sha256((STATIC / name).read_bytes()).hexdigest() == entry["sha256"], name
        assert entry["npm_integrity"].startswith("sha512-")
    assert {p.name for p in STATIC.glob("LICENSE.*")} == {
        "LICENSE.graphiql",
        "LICENSE.react",
        "LICENSE.react-dom",
        "LICENSE.graphql-ws",
    }


def chromium() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "chromium"],
            capture_output=True,
            timeout=900,
            check=False,
        )
        found = shutil.which("chromium")
    return found


@dataclass
class Browser:
    page: Any
    base: str
    outside: list[str]  # requests that tried to leave the server
    problems: list[str]  # console errors

    async def use_key(self, key: str) -> str:
        await self.page.fill("#cx360-key", key)
        await self.page.click("#cx360-key-form button")
        status = self.page.locator("#cx360-key-status:not([data-state=checking])")
        await status.wait_for(timeout=15000)
        text: str = await status.inner_text()
        return text

    async def run(self) -> str:
        """Press play; the response as the result pane shows it."""
        await self.page.click(".graphiql-execute-button")
        result = self.page.locator(".result-window")
        for _ in range(300):  # polled here: the page's CSP forbids evaluated predicates
            text: str = await result.inner_text()
            if '"data"' in text or '"errors"' in text:
                return text
            await asyncio.sleep(0.05)
        raise AssertionError(f"no result shown: {text!r}")


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class Chromium:
    """One headless Chromium for a test module, and one `cx360 serve` per database its
    tests open pages on: started on first use, stopped when the module ends. Each test has
    a browser context of its own (no cookies, storage or cache shared with another test's)."""

    def __init__(self, driver: Any, browser: Any) -> None:
        self.driver = driver
        self.browser = browser
        self.servers: dict[str, Server] = {}

    async def server(self, url: str) -> str:
        """The base URL of a `cx360 serve` on the database at `url`."""
        if url not in self.servers:
            self.servers[url] = Server(url, free_port())
            await self.servers[url].start()
        return f"http://127.0.0.1:{self.servers[url].port}"

    async def new_page(self) -> tuple[Any, Any]:
        """A page in a new browser context, and that context (close it after)."""
        context = await self.browser.new_context()
        return await context.new_page(), context

    async def stop(self) -> None:
        await asyncio.gather(*(server.kill() for server in self.servers.values()))


@pytest.fixture(scope="module")
async def headless() -> AsyncIterator[Chromium]:
    """The module's Chromium (see `Chromium`); skips when Chromium cannot be had."""
    browser_path = await asyncio.to_thread(chromium)
    if browser_path is None:
        pytest.skip("Chromium is not installed and cannot be installed here (needs root and apt)")
    playwright_api = pytest.importorskip("playwright.async_api", reason="playwright not installed")
    async with playwright_api.async_playwright() as driver:
        launched = await driver.chromium.launch(executable_path=browser_path, args=CHROMIUM_ARGS)
        found = Chromium(driver, launched)
        try:
            yield found
        finally:
            await found.stop()
            await launched.close()


@asynccontextmanager
async def graphiql_in_chromium(
    headless: Chromium, api: Api, tmp_path: Path, path: str = "/graphql"
) -> AsyncIterator[Browser]:
    """A Chromium page, in a context of its own, on the GraphiQL (or another page of ours at
    `path`) of a `cx360 serve` on the test database, that may reach nothing but that
    server; a screenshot is kept when the test fails."""
    base = await headless.server(api.backend.url)
    page, context = await headless.new_page()
    try:
        found = Browser(page, base, [], [])

        async def only_local(route: Any) -> None:
            if route.request.url.startswith(base):
                await route.continue_()
            else:
                found.outside.append(route.request.url)
                await route.abort()

        await page.route("**/*", only_local)
        page.on("console", lambda m: found.problems.append(m.text) if m.type == "error" else None)
        try:
            await page.goto(f"{base}{path}")
            yield found
            assert found.outside == [], found.outside
            assert not [p for p in found.problems if "Content Security Policy" in p]
            assert not [p for p in found.problems if "404" in p]
        except Exception:
            await page.screenshot(path=str(tmp_path / "graphiql-failure.png"), full_page=True)
            print(f"screenshot: {tmp_path / 'graphiql-failure.png'}")
            raise
    finally:
        await context.close()


async def test_an_analyst_enters_a_key_and_runs_a_query_in_chromium(
    headless: Chromium, api: Api, tmp_path: Path
) -> None:
    key = api.backend.keys[Role.ANALYST]
    async with graphiql_in_chromium(headless, api, tmp_path) as browser:
        page = browser.page
        status = await browser.use_key(key)
        assert "Role ANALYST" in status and "test-analyst" in status  # checked by the server
        shown = await browser.run()  # the first tab asks who is calling
        assert '"role": "ANALYST"' in shown and '"keyName": "test-analyst"' in shown
        assert key not in page.url
        stored = await page.evaluate("window.sessionStorage.getItem('cx360-api-key')")
        assert stored == key
        # The Docs pane has the schema, fetched again with the key: no manual re-fetch.
        await page.click('button[aria-label="Show Documentation Explorer"]')
        docs = page.locator(".graphiql-doc-explorer")
        await docs.get_by_text("Query", exact=True).first.wait_for(timeout=15000)
        assert "Error fetching schema" not in await page.inner_text("body")
        # One way to give a key: no headers editor beside it.
        assert await page.locator("text=Headers").count() == 0


async def test_examples_open_as_tabs_and_run_in_chromium(
    headless: Chromium, api: Api, tmp_path: Path
) -> None:
    async with graphiql_in_chromium(headless, api, tmp_path) as browser:
        page = browser.page
        tab = page.locator(".graphiql-tab", has_text="CxDashboard")
        await tab.wait_for(timeout=15000)
        for operation in ("FindCustomer", "Customer360", "TicketQueue", "JourneyFunnel"):
            assert await page.locator(".graphiql-tab", has_text=operation).count() == 1
        await browser.use_key(api.backend.keys[Role.ANALYST])
        await tab.click()
        variables = await page.evaluate(
            "JSON.parse(document.getElementById('cx360-examples').textContent)"
            ".find(e => e.file.endsWith('cx_dashboard.graphql')).variables"
        )
        assert set(json.loads(variables)) == {"from", "to"}  # bare dates: a working window
        shown = await browser.run()
        assert '"metrics"' in shown and '"npsResponses"' in shown and '"errors"' not in shown


async def test_an_invalid_key_is_named_invalid_in_chromium(
    headless: Chromium, api: Api, tmp_path: Path
) -> None:
    async with graphiql_in_chromium(headless, api, tmp_path) as browser:
        status = await browser.use_key("cx360_not-a-key")
        assert "Invalid API key" in status and "revoked or expired" in status
        assert await browser.page.get_attribute("#cx360-key-status", "data-state") == "invalid"
        stored = await browser.page.evaluate("window.sessionStorage.getItem('cx360-api-key')")
        assert stored is None


def test_examples_are_embedded_as_data_under_the_policy() -> None:
    """Each example file becomes a tab, in a JSON block the CSP allows (data, not script)."""
    html = page(datetime(2026, 11, 30, 15, 0, tzinfo=UTC))
    (block,) = re.findall(
        r'<script type="application/json" id="cx360-examples">(.*?)</script>', html, re.S
    )
    tabs = json.loads(block)
    files = sorted(p.relative_to(EXAMPLES.parent).as_posix() for p in EXAMPLES.glob("*/*.graphql"))
    assert [t["file"] for t in tabs] == files
    dashboard = next(t for t in tabs if t["file"].endswith("cx_dashboard.graphql"))
    assert json.loads(dashboard["variables"]) == {"from": "2026-09-01", "to": "2026-12-01"}
    assert "</" not in block  # cannot close the block early
    assert "<script>" not in html  # no inline script


async def test_every_example_tab_runs_as_opened_in_chromium(
    headless: Chromium, writable: Api, tmp_path: Path
) -> None:
    """Required variables come filled with working values read with the key (a customer's
    id and external id, a new touchpoint event): every example runs as opened."""
    async with graphiql_in_chromium(headless, writable, tmp_path) as browser:
        page = browser.page
        await browser.use_key(writable.backend.keys[Role.ADMIN])
        examples = json.loads(
            await page.evaluate("document.getElementById('cx360-examples').textContent")
        )
        operations = [
            re.findall(r"^(?:query|mutation) (\w+)", e["query"], re.M)[0] for e in examples
        ]
        assert len(operations) == 13
        found = {
            "Customer360": "customer",
            "CustomerPage": "customer",
            "MarketingView360": "customer",
        }
        found["FindCustomer"] = "customerByExternalId"
        for operation in operations:
            await page.locator(".graphiql-tab", has_text=operation).click()
            shown = await browser.run()
            assert '"errors"' not in shown, (operation, shown[:500])
            if operation in found:  # a real customer, not null
                assert f'"{found[operation]}": {{' in shown, (operation, shown[:500])
            if operation == "RecordTouchpoints":
                assert '"created": 1' in shown and '"userErrors": []' in shown, shown


async def test_an_invalid_key_leaves_the_working_key_in_use_in_chromium(
    headless: Chromium, api: Api, tmp_path: Path
) -> None:
    async with graphiql_in_chromium(headless, api, tmp_path) as browser:
        shown = await browser.run()  # no key yet: the page says where to put one
        assert "API key field" in shown and "Authorization" not in shown
        assert "Role ANALYST" in await browser.use_key(api.backend.keys[Role.ANALYST])
        status = await browser.use_key("cx360_not-a-key")
        assert "Invalid API key" in status and "still using the key of role ANALYST" in status
        shown = await browser.run()
        assert '"role": "ANALYST"' in shown and "Missing API key" not in shown
