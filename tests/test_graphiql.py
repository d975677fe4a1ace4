"""GraphiQL works offline: served by the API, integrity-checked, tested in a real browser."""

import asyncio
import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from api.graphiql import CONTENT_SECURITY_POLICY, STATIC
from models import Role
from tests.conftest import Api
from tests.test_ingestion_crash import CX360, free_port


async def test_page_and_assets_come_from_the_api_under_a_strict_policy(api: Api) -> None:
    page = await api.client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "https://" not in page.text and "http://" not in page.text  # no CDN
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


async def test_an_analyst_enters_a_key_and_runs_a_query_in_chromium(
    api: Api, tmp_path: Path
) -> None:
    browser_path = await asyncio.to_thread(chromium)
    if browser_path is None:
        pytest.skip("Chromium is not installed and cannot be installed here (needs root and apt)")
    playwright_api = pytest.importorskip("playwright.async_api", reason="playwright not installed")
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        CX360,
        "serve",
        "--port",
        str(port),
        env={**os.environ, "CX360_DATABASE_URL": api.backend.url},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    key = api.backend.keys[Role.ANALYST]
    try:
        async with httpx.AsyncClient() as probe:
            for _ in range(200):
                try:
                    await probe.get(f"{base}/healthz")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
        async with playwright_api.async_playwright() as driver:
            browser = await driver.chromium.launch(
                executable_path=browser_path,
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                ],
            )
            page = await browser.new_page()
            outside: list[str] = []
            problems: list[str] = []

            async def only_local(route: object) -> None:
                url = route.request.url  # type: ignore[attr-defined]
                if url.startswith(base):
                    await route.continue_()  # type: ignore[attr-defined]
                else:
                    outside.append(url)
                    await route.abort()  # type: ignore[attr-defined]

            await page.route("**/*", only_local)
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            try:
                await page.goto(f"{base}/graphql")
                await page.fill("#cx360-key", key)
                await page.click("#cx360-key-form button")
                await page.wait_for_selector(".graphiql-execute-button", timeout=15000)
                await page.click(".graphiql-execute-button")
                result = page.locator(".result-window")
                await result.get_by_text('"ANALYST"').wait_for(timeout=15000)
                shown = await result.inner_text()
                assert '"role": "ANALYST"' in shown and '"keyName": "test-analyst"' in shown
                assert key not in page.url
                stored = await page.evaluate("window.sessionStorage.getItem('cx360-api-key')")
                assert stored == key
                assert outside == [], outside
                assert not [p for p in problems if "Content Security Policy" in p], problems
            except Exception:
                await page.screenshot(path=str(tmp_path / "graphiql-failure.png"), full_page=True)
                print(f"screenshot: {tmp_path / 'graphiql-failure.png'}")
                raise
            finally:
                await browser.close()
    finally:
        server.terminate()
        await server.wait()
