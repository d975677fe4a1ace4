"""The insights page (/insights): served under GraphiQL's policy with vendored, integrity-
checked Chart.js, and in Chromium the numbers it draws are the API's for the same window
and segment; a wrong key is named, and nothing is drawn with it."""

import base64
import hashlib
import json
import re
from pathlib import Path
from typing import Any

from api.graphiql import CONTENT_SECURITY_POLICY
from api.insights import MEASURES, STATIC
from models import Role
from tests.conftest import Api
from tests.test_graphiql import Browser, Chromium, graphiql_in_chromium, headless  # noqa: F401 (fixture)

WINDOW = {"from": "2026-05-01", "to": "2026-11-01"}
PAIN_FIELDS = (
    "touchpoints",
    "customers",
    "sentiment",
    "negativeShare",
    "ticketRate",
    "stalled",
)
QUERY = f"""query($filter: MetricsFilter!, $interval: Interval!) {{
  journeyFunnel(filter: $filter) {{ stage reached conversion }}
  journeyPainPoints(filter: $filter) {{ stage channel {" ".join(PAIN_FIELDS)} }}
  metricsSeries(interval: $interval, filter: $filter) {{ start
    metrics {{ nps csat firstResponseSla resolutionSla }} }} }}"""

# What the page's charts hold (Chart.js objects), and its tables' values (data-value).
DRAWN = """() => {
  const chart = id => Chart.getChart(document.getElementById(id));
  const funnel = chart('cx360-funnel-chart'), pain = chart('cx360-pain-chart');
  const series = chart('cx360-series-chart');
  const rows = id => Array.from(document.querySelectorAll('#' + id + ' tbody tr')).map(tr => ({
    attributes: Object.assign({}, tr.dataset),
    values: Object.fromEntries(Array.from(tr.querySelectorAll('td[data-field]'))
      .map(td => [td.dataset.field, JSON.parse(td.dataset.value)]))}));
  return {
    funnel: {labels: funnel.data.labels, reached: funnel.data.datasets[0].data},
    pain: {measure: pain.data.datasets[0].measure, channels: pain.options.scales.x.labels,
           cells: pain.data.datasets[0].data.map(c => ({x: c.x, y: c.y, v: c.v}))},
    series: {labels: series.data.labels,
             lines: Object.fromEntries(series.data.datasets.map(d => [d.label, d.data]))},
    tables: {funnel: rows('cx360-funnel-table'), pain: rows('cx360-pain-table'),
             series: rows('cx360-series-table')}};
}"""


async def test_page_and_its_charting_library_come_from_the_api_under_the_policy(
    api: Api,
) -> None:
    page = await api.client.get("/insights")
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "https://" not in page.text and "http://" not in page.text  # no CDN
    scripts = re.findall(r"<script\b([^>]*)>", page.text)
    assert scripts and all('src="' in s and 'integrity="' in s for s in scripts)  # no inline
    manifest = json.loads((STATIC / "MANIFEST.json").read_text())
    served = dict(re.findall(r'(?:src|href)="([^"]+)" integrity="([^"]+)"', page.text))
    assert {Path(p).name for p in served} == {
        *manifest["files"],
        "cx360-insights.js",
        "cx360-insights.css",
    }
    for path, integrity in served.items():
        asset = await api.client.get(path)
        assert asset.status_code == 200, path
        digest = base64.b64encode(hashlib.sha384(asset.content).digest()).decode()
        assert integrity == f"sha384-{digest}", path
        entry = manifest["files"].get(Path(path).name)
        if entry is not None:  # vendored: the file the npm tarball holds, as recorded
            assert entry["sha384"] == integrity, path
            assert hashlib.sha256(asset.content).hexdigest() == entry["sha256"], path
            assert entry["npm_integrity"].startswith("sha512-")
    assert manifest["files"]["chart.umd.min.js"]["package"].startswith("chart.js@4.")
    assert {p.name for p in STATIC.glob("LICENSE.*")} == {
        "LICENSE.chartjs",
        "LICENSE.chartjs-chart-matrix",
    }


async def drawn(browser: Browser, **scope: str) -> dict[str, Any]:
    """Draws for `scope` (from, to, segment, interval) and reads what the page drew."""
    page = browser.page
    await page.fill("#cx360-from", scope["from"])
    await page.fill("#cx360-to", scope["to"])
    await page.select_option("#cx360-segment", scope["segment"])
    await page.select_option("#cx360-interval", scope["interval"])
    await page.click("#cx360-scope button")
    await page.locator("#cx360-insights[data-state=drawn]").wait_for(timeout=20000)
    asked = json.loads(await page.get_attribute("#cx360-insights", "data-drawn") or "{}")
    segment = {"segment": scope["segment"]} if scope["segment"] else {}
    assert asked == {
        "filter": {"from": scope["from"], "to": scope["to"], **segment},
        "interval": scope["interval"],
    }
    found: dict[str, Any] = await page.evaluate(DRAWN)
    return found


def hundredfold(share: float | None) -> float | None:
    return None if share is None else share * 100


async def check_drawn_equals_api(browser: Browser, api: Api, segment: str) -> dict[str, Any]:
    scope = {**WINDOW, "segment": segment, "interval": "MONTH"}
    shown = await drawn(browser, **scope)
    filter_ = {**WINDOW, **({"segment": segment} if segment else {})}
    expected = await api.query(QUERY, {"filter": filter_, "interval": "MONTH"}, Role.ANALYST)

    funnel = expected["journeyFunnel"]
    assert shown["funnel"] == {
        "labels": [s["stage"] for s in funnel],
        "reached": [s["reached"] for s in funnel],
    }
    assert shown["tables"]["funnel"] == [
        {
            "attributes": {"stage": s["stage"]},
            "values": {"reached": s["reached"], "conversion": s["conversion"]},
        }
        for s in funnel
    ]

    pains = expected["journeyPainPoints"]
    assert shown["tables"]["pain"] == [
        {
            "attributes": {"stage": p["stage"], "channel": p["channel"]},
            "values": {f: p[f] for f in PAIN_FIELDS},
        }
        for p in pains
    ]
    channels = {p["channel"] for p in pains}
    assert set(shown["pain"]["channels"]) == channels
    assert shown["pain"]["measure"] == MEASURES[0][0]  # the grid opens on the first measure
    for field, _label, _worse in MEASURES:  # each measure the analyst may pick
        await browser.page.select_option("#cx360-measure", field)
        grid = (await browser.page.evaluate(DRAWN))["pain"]
        assert grid["measure"] == field
        assert grid["cells"] == [{"x": p["channel"], "y": p["stage"], "v": p[field]} for p in pains]
    await browser.page.select_option("#cx360-measure", MEASURES[0][0])

    series = expected["metricsSeries"]
    metrics = [b["metrics"] for b in series]
    assert shown["series"]["labels"] == [b["start"][:10] for b in series]
    assert shown["series"]["lines"] == {
        "NPS": [m["nps"] for m in metrics],
        "CSAT %": [m["csat"] for m in metrics],
        "First response SLA %": [hundredfold(m["firstResponseSla"]) for m in metrics],
        "Resolution SLA %": [hundredfold(m["resolutionSla"]) for m in metrics],
    }
    assert [r["values"] for r in shown["tables"]["series"]] == metrics
    return expected


async def test_the_numbers_drawn_are_the_apis_in_chromium(
    headless: Chromium,  # noqa: F811 (the fixture)
    api: Api,
    tmp_path: Path,
) -> None:
    segments = (await api.query("{ dimensions { segments { value count } } }", role=Role.ANALYST))[
        "dimensions"
    ]["segments"]
    async with graphiql_in_chromium(headless, api, tmp_path, "/insights") as browser:
        status = await browser.use_key(api.backend.keys[Role.ANALYST])
        assert "Role ANALYST" in status and "test-analyst" in status
        assert api.backend.keys[Role.ANALYST] not in browser.page.url
        await browser.page.locator("#cx360-insights[data-state=drawn]").wait_for(timeout=20000)
        options = await browser.page.eval_on_selector_all(
            "#cx360-segment option", "options => options.map(o => o.value)"
        )
        assert options == ["", *(s["value"] for s in segments)]  # as dimensions lists them
        everyone = await check_drawn_equals_api(browser, api, "")
        some = await check_drawn_equals_api(browser, api, segments[0]["value"])
    # The comparison had something to compare: data in every part, and the segment differs.
    for expected in (everyone, some):
        assert any(s["reached"] for s in expected["journeyFunnel"])
        assert any(p["ticketRate"] for p in expected["journeyPainPoints"])
        assert any(b["metrics"]["nps"] is not None for b in expected["metricsSeries"])
    assert everyone["journeyFunnel"] != some["journeyFunnel"]


async def test_a_wrong_key_is_named_and_nothing_is_drawn_in_chromium(
    headless: Chromium,  # noqa: F811 (the fixture)
    api: Api,
    tmp_path: Path,
) -> None:
    async with graphiql_in_chromium(headless, api, tmp_path, "/insights") as browser:
        page = browser.page
        status = await browser.use_key("cx360_not-a-key")
        assert "Invalid API key" in status and "revoked or expired" in status
        assert await page.get_attribute("#cx360-key-status", "data-state") == "invalid"
        assert await page.get_attribute("#cx360-insights", "data-state") == "empty"
        assert "Enter a working API key" in await page.inner_text("#cx360-message")
        assert await page.evaluate("window.sessionStorage.getItem('cx360-api-key')") is None
        assert "cx360_not-a-key" not in page.url
        # A key whose role may not read pain points: the server's reason, nothing drawn.
        assert "Role PARTNER" in await browser.use_key(api.backend.keys[Role.PARTNER])
        message = page.locator("#cx360-message[data-state=error]")
        await message.wait_for(timeout=20000)
        text = await message.inner_text()
        assert text.startswith("Not drawn: ") and "may not read" in text, text
        assert await page.get_attribute("#cx360-insights", "data-state") == "empty"
