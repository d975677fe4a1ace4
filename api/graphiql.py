"""GraphiQL served by the API itself: pinned, vendored files under a strict CSP.

The files in api/static/graphiql come from npm tarballs whose integrity is recorded in
MANIFEST.json together with each file's SHA-256 (a test re-checks them); the page loads
them with Subresource Integrity hashes and the Content-Security-Policy allows nothing
but this origin, so the IDE works air-gapped and nothing third-party can run in it.
"""

import base64
import hashlib
from functools import cache
from pathlib import Path

from starlette.responses import HTMLResponse

STATIC = Path(__file__).resolve().parent / "static" / "graphiql"
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


def _integrity(name: str) -> str:
    digest = hashlib.sha384((STATIC / name).read_bytes()).digest()
    return "sha384-" + base64.b64encode(digest).decode()


@cache
def page() -> str:
    styles = "\n".join(
        f'<link rel="stylesheet" href="{ASSETS_PATH}/{n}" integrity="{_integrity(n)}">'
        for n in STYLES
    )
    scripts = "\n".join(
        f'<script src="{ASSETS_PATH}/{n}" integrity="{_integrity(n)}"></script>' for n in SCRIPTS
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>cx360 GraphiQL</title>
{styles}
</head>
<body>
<form id="cx360-key-form" autocomplete="off">
  <strong>cx360</strong>
  <label for="cx360-key">API key</label>
  <input id="cx360-key" type="password" placeholder="cx360_..." spellcheck="false">
  <button type="submit">Use key</button>
  <span id="cx360-key-status"></span>
</form>
<div id="graphiql"></div>
{scripts}
</body>
</html>
"""


def graphiql_response() -> HTMLResponse:
    return HTMLResponse(
        page(),
        headers={
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )
