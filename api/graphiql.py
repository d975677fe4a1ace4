"""GraphiQL served by the API itself: pinned, vendored files under a strict CSP.

The files in api/static/graphiql come from npm tarballs whose integrity is recorded in
MANIFEST.json together with each file's SHA-256 (a test re-checks them); the page loads
them with Subresource Integrity hashes and the Content-Security-Policy allows nothing
but this origin, so the IDE works air-gapped and nothing third-party can run in it.

The page opens with each team's example operations (examples/<team>/*.graphql) as tabs,
their variables filled in; they travel in a JSON data block, which the policy allows
because it is data, not script.
"""

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLError,
    ListTypeNode,
    NamedTypeNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    TypeNode,
    parse,
)
from starlette.responses import HTMLResponse

STATIC = Path(__file__).resolve().parent / "static" / "graphiql"
# A source checkout has examples/ beside api/; the image copies them into the package.
EXAMPLE_DIRS = (
    Path(__file__).resolve().parent / "static" / "examples",
    Path(__file__).resolve().parent.parent / "examples",
)
WINDOW_DAYS = 90  # the window the examples' `from`/`to` variables start with
ASSETS_PATH = "/graphiql-assets"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
SCRIPTS = (
    "react.production.min.js",
    "react-dom.production.min.js",
    "graphiql.min.js",
    "plugin-explorer.umd.js",
    "graphql-ws.min.js",
    "cx360-graphiql.js",
)
STYLES = ("graphiql.min.css", "plugin-explorer.css", "cx360-graphiql.css")


def integrity(path: Path) -> str:
    """The Subresource Integrity value of a served file: `sha384-<base64>`."""
    digest = hashlib.sha384(path.read_bytes()).digest()
    return "sha384-" + base64.b64encode(digest).decode()


def asset_tags(assets_path: str, directory: Path, names: tuple[str, ...]) -> str:
    """<link> (.css) or <script> (.js) tags of a page's own files, each with its integrity."""
    tags = []
    for name in names:
        found = f'"{assets_path}/{name}" integrity="{integrity(directory / name)}"'
        if name.endswith(".css"):
            tags.append(f'<link rel="stylesheet" href={found}>')
        else:
            tags.append(f"<script src={found}></script>")
    return "\n".join(tags)


def secured(html: str) -> HTMLResponse:
    """A page of ours under the policy: only this origin, no inline script."""
    return HTMLResponse(
        html,
        headers={
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


def _example_value(name: str, kind: TypeNode, today: datetime) -> Any:
    """A value to start from for a required variable: a window of dates, or a blank."""
    if isinstance(kind, NonNullTypeNode):
        kind = kind.type
    if isinstance(kind, ListTypeNode):
        return []
    assert isinstance(kind, NamedTypeNode)
    if kind.name.value == "DateTime":  # bare dates: midnight UTC
        day = today + timedelta(days=1) if name == "to" else today - timedelta(days=WINDOW_DAYS)
        return day.date().isoformat()
    return ""


@cache
def example_documents() -> tuple[tuple[str, str, str], ...]:
    """(team, file name, document) of every example operation, teams in order."""
    for directory in EXAMPLE_DIRS:
        if directory.is_dir():
            return tuple(
                (path.parent.name, path.name, path.read_text())
                for path in sorted(directory.glob("*/*.graphql"))
            )
    return ()


def example_tabs(today: datetime) -> list[dict[str, str]]:
    """GraphiQL tabs (query and variables) for the example operations."""
    tabs = []
    for team, name, document in example_documents():
        try:
            parsed = parse(document)
        except GraphQLError:
            continue
        variables = {
            v.variable.name.value: _example_value(v.variable.name.value, v.type, today)
            for d in parsed.definitions
            if isinstance(d, OperationDefinitionNode)
            for v in d.variable_definitions or ()
            if isinstance(v.type, NonNullTypeNode)
        }
        tabs.append(
            {
                "team": team,
                "file": f"examples/{team}/{name}",
                "query": document,
                "variables": json.dumps(variables, indent=2) if variables else "",
            }
        )
    return tabs


def _data_block(element_id: str, value: object) -> str:
    text = json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e")
    return f'<script type="application/json" id="{element_id}">{text}</script>'


@cache
def _page_template() -> str:
    styles, scripts = (
        asset_tags(ASSETS_PATH, STATIC, STYLES),
        asset_tags(ASSETS_PATH, STATIC, SCRIPTS),
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>cx360 GraphiQL</title>
<link rel="icon" href="data:,">
{styles}
</head>
<body>
<form id="cx360-key-form" autocomplete="off">
  <strong>cx360</strong>
  <label for="cx360-key">API key</label>
  <input id="cx360-key" type="password" placeholder="cx360_..." spellcheck="false">
  <button type="submit">Use key</button>
  <span id="cx360-key-status" role="status" aria-live="polite"></span>
</form>
<div id="graphiql"></div>
__EXAMPLES__
{scripts}
</body>
</html>
"""


def page(now: datetime | None = None) -> str:
    today = (now or datetime.now(UTC)).replace(hour=0, minute=0, second=0, microsecond=0)
    return _page_template().replace(
        "__EXAMPLES__", _data_block("cx360-examples", example_tabs(today))
    )


def graphiql_response() -> HTMLResponse:
    return secured(page())
