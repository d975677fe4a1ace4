"""The insights page (GET /insights): where the journey hurts, drawn for analysts.

For a window [from, to) and a segment it draws the journey funnel, the pain-point grid
(stage x channel, each cell coloured by the chosen measure) and the NPS, CSAT and SLA
series as lines, with the numbers also in tables. Everything comes from the GraphQL API
(`journeyFunnel`, `journeyPainPoints`, `metricsSeries`, `dimensions`) with the key the
analyst enters on the page, as in GraphiQL: kept in sessionStorage, sent as a header,
never in the URL.

The charts are Chart.js and its matrix chart type (chartjs-chart-matrix), vendored under
api/static/insights from their npm tarballs; MANIFEST.json records each file's package,
the tarball's npm integrity, and the file's SHA-256 and SHA-384 (the page loads them
with Subresource Integrity). Our own script and style are static files beside them; the
page runs under GraphiQL's Content-Security-Policy (this origin only, no inline script).
"""

from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse

from api.graphiql import WINDOW_DAYS, asset_tags, secured
from models.enums import STAGE_ORDER, Channel

STATIC = Path(__file__).resolve().parent / "static" / "insights"
ASSETS_PATH = "/insights-assets"
PATH = "/insights"
SCRIPTS = ("chart.umd.min.js", "chartjs-chart-matrix.min.js", "cx360-insights.js")
STYLES = ("cx360-insights.css",)
# What a pain-point cell can be coloured by: PainPoint field, label, and which end hurts.
MEASURES = (
    ("ticketRate", "Ticket rate (within 7 days)", "high"),
    ("negativeShare", "Negative sentiment share", "high"),
    ("stalled", "Stalled (no later stage)", "high"),
    ("sentiment", "Mean sentiment", "low"),
    ("touchpoints", "Touchpoints", "high"),
    ("customers", "Customers", "high"),
)
INTERVALS = ("DAY", "WEEK", "MONTH")


@cache
def _template() -> str:
    measures = "\n".join(
        f'<option value="{field}" data-worse="{worse}">{label}</option>'
        for field, label, worse in MEASURES
    )
    intervals = "\n".join(
        f'<option value="{i}"{" selected" if i == "WEEK" else ""}>{i.lower()}</option>'
        for i in INTERVALS
    )
    stages = " ".join(s.value for s in STAGE_ORDER)
    channels = " ".join(c.value for c in Channel)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>cx360 insights: where the journey hurts</title>
<link rel="icon" href="data:,">
{asset_tags(ASSETS_PATH, STATIC, STYLES)}
</head>
<body>
<header>
<form id="cx360-key-form" autocomplete="off">
  <strong>cx360 insights</strong>
  <label for="cx360-key">API key</label>
  <input id="cx360-key" type="password" placeholder="cx360_..." spellcheck="false">
  <button type="submit">Use key</button>
  <span id="cx360-key-status" role="status" aria-live="polite"></span>
</form>
<form id="cx360-scope" autocomplete="off">
  <label>From <input id="cx360-from" type="date" value="__FROM__" required></label>
  <label>Before <input id="cx360-to" type="date" value="__TO__" required></label>
  <label>Segment <select id="cx360-segment"><option value="">All segments</option></select>
  </label>
  <label>Series by <select id="cx360-interval">{intervals}</select></label>
  <button type="submit">Draw</button>
  <span id="cx360-message" role="status" aria-live="polite"></span>
</form>
</header>
<main id="cx360-insights" data-state="empty" data-stages="{stages}" data-channels="{channels}">
<section class="cx360-panel">
  <h2>Journey funnel</h2>
  <p class="cx360-note">Customers with a touchpoint in the window at each stage or later.</p>
  <div class="cx360-chart"><canvas id="cx360-funnel-chart" role="img"
    aria-label="Journey funnel: customers reached per stage (numbers in the table below)">
  </canvas></div>
  <details><summary>Numbers</summary>
  <table id="cx360-funnel-table"><thead><tr><th scope="col">Stage</th>
    <th scope="col">Customers reached</th><th scope="col">Conversion</th></tr></thead>
    <tbody></tbody></table></details>
</section>
<section class="cx360-panel">
  <h2>Pain points: stage &times; channel</h2>
  <label>Colour by <select id="cx360-measure">{measures}</select></label>
  <span id="cx360-legend" class="cx360-note"></span>
  <div class="cx360-chart cx360-grid"><canvas id="cx360-pain-chart" role="img"
    aria-label="Pain points per stage and channel (numbers in the table below)"></canvas></div>
  <details><summary>Numbers</summary>
  <table id="cx360-pain-table"><thead><tr><th scope="col">Stage</th>
    <th scope="col">Channel</th><th scope="col">Touchpoints</th><th scope="col">Customers</th>
    <th scope="col">Mean sentiment</th><th scope="col">Negative share</th>
    <th scope="col">Ticket rate</th><th scope="col">Stalled</th></tr></thead>
    <tbody></tbody></table></details>
</section>
<section class="cx360-panel cx360-wide">
  <h2>NPS, CSAT and SLA</h2>
  <div class="cx360-chart"><canvas id="cx360-series-chart" role="img"
    aria-label="NPS, CSAT and SLA per bucket (numbers in the table below)"></canvas></div>
  <details><summary>Numbers</summary>
  <table id="cx360-series-table"><thead><tr><th scope="col">Bucket start</th>
    <th scope="col">NPS</th><th scope="col">CSAT %</th>
    <th scope="col">First response SLA %</th><th scope="col">Resolution SLA %</th></tr>
    </thead><tbody></tbody></table></details>
</section>
</main>
{asset_tags(ASSETS_PATH, STATIC, SCRIPTS)}
</body>
</html>
"""


def page(now: datetime | None = None) -> str:
    """The page; its window starts as the last WINDOW_DAYS days (bare dates, UTC)."""
    today = (now or datetime.now(UTC)).date()
    start, end = today - timedelta(days=WINDOW_DAYS), today + timedelta(days=1)
    return _template().replace("__FROM__", start.isoformat()).replace("__TO__", end.isoformat())


async def insights(_: Request) -> HTMLResponse:
    return secured(page())
