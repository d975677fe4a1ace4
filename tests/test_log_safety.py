"""What reaches logs and answers: no personal data in any log line, no infrastructure in
any answer.

A corpus of bad requests carries marker values (an email, a phone, a comment) in the
document and in the variables; every logger (strawberry, graphql, uvicorn, sqlalchemy,
httpx, asyncio, ours) at DEBUG must print none of them, whether the app runs in process
(caplog) or as a real `cx360 serve` (its stdout and stderr). Client mistakes are logged
at INFO; unexpected failures at ERROR with a stack trace of types and frames only.
"""

import asyncio
import json
import logging
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from starlette.types import ASGIApp

from api.app import create_app
from api.observability import JsonFormatter
from api.ratelimit import Allowance
from api.settings import Settings
from models import Role
from tests.conftest import Api, Backend
from tests.test_ingestion_crash import CX360, free_port

EMAIL = "leak.marker@pii.example"
PHONE = "+15550001234"
PHONE_NUMBER = 15550001234
COMMENT = "MARKER-COMMENT-xyz"
MARKERS = (EMAIL, PHONE, str(PHONE_NUMBER), COMMENT, "pii.example")
INFRASTRUCTURE = ("127.0.0.1", "6399", "Error 111", "Connection refused", "Traceback")

CREATE = "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { customer { id } userErrors { message } } }"
RECORD = "mutation($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) { created userErrors { message } } }"
SURVEY = "mutation($i: SurveyResponseInput!) { submitSurveyResponse(input: $i) { userErrors { message } } }"
TOUCHPOINT = {
    "customer": {"email": EMAIL},
    "occurredAt": "2026-10-01T00:00:00Z",
    "channel": "APP",
    "stage": "RETENTION",
    "team": "PRODUCT",
    "kind": "app_login",
    "summary": COMMENT,
}

# (query, variables): each a client mistake carrying the markers.
BAD_REQUESTS: list[tuple[str, dict[str, Any]]] = [
    (f'{{ customerByEmail(email: "{EMAIL}") {{ name ', {}),  # syntax error
    (f'{{ customerByEmail(email: "{EMAIL}") {{ nmae phnoe }} }} # {COMMENT} {PHONE}', {}),
    ("query($e: String!) { customerByEmail(email: $e) { name } }", {"e": {"x": EMAIL}}),
    ("query($e: Int!) { customers(first: $e) { totalCount } }", {"e": COMMENT}),
    (CREATE, {"i": {"name": COMMENT, "email": EMAIL, "phone": PHONE_NUMBER}}),
    (CREATE, {"i": {"name": COMMENT, "email": f"{EMAIL} {COMMENT}", "phone": PHONE}}),
    (CREATE, {"i": {"name": COMMENT, "email": EMAIL, "phone": f"{PHONE} {COMMENT}"}}),
    (CREATE, {"i": {"name": "", "email": EMAIL, "phone": PHONE, "company": COMMENT}}),
    (RECORD, {"t": [{**TOUCHPOINT, "channel": COMMENT}]}),  # bad enum value
    (RECORD, {"t": [{**TOUCHPOINT, "occurredAt": f"{COMMENT} {EMAIL}"}]}),  # bad DateTime
    (RECORD, {"t": [{**TOUCHPOINT, "value": f"{PHONE}{COMMENT}"}]}),  # bad Decimal
    (
        SURVEY,
        {"i": {"surveyId": COMMENT, "customer": {"email": EMAIL}, "score": 99, "comment": COMMENT}},
    ),
    (f'{{ node(id: "{COMMENT}") {{ id }} }}', {}),
    ("query($id: ID!) { node(id: $id) { id } }", {"id": EMAIL}),
    (f'{{ customers(first: 2, after: "{COMMENT}") {{ totalCount }} }}', {}),
    ("query($a: String) { customers(first: 2, after: $a) { totalCount } }", {"a": EMAIL}),
    ("{ customers(first: 1000) { totalCount } }", {"x": EMAIL}),
    ("{ auditLog { totalCount } }", {"e": EMAIL}),  # forbidden for PARTNER below
    (f"# {EMAIL} {COMMENT}\n" + "{ viewer { role } }" + " " * 60_000, {}),  # oversize
]


async def _send_corpus(client: httpx.AsyncClient, backend: Backend) -> list[httpx.Response]:
    answers = []
    admin = {"Authorization": f"Bearer {backend.keys[Role.ADMIN]}"}
    partner = {"Authorization": f"Bearer {backend.keys[Role.PARTNER]}"}
    for query, variables in BAD_REQUESTS:
        headers = partner if "auditLog" in query else admin
        answers.append(
            await client.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
        )
        answers.append(
            await client.get(
                "/graphql",
                params={"query": query[:2000], "variables": json.dumps(variables)},
                headers=headers,
            )
        )
    answers.append(await client.post("/graphql", json={"query": "{ viewer { role } }"}))
    answers.append(
        await client.post(
            "/graphql",
            content=f'{{"query": "{EMAIL}", broken',
            headers={**admin, "Content-Type": "application/json"},
        )
    )
    answers.append(  # wrong key: the key itself must not be logged either
        await client.post(
            "/graphql",
            json={"query": CREATE, "variables": {"i": {"name": COMMENT, "email": EMAIL}}},
            headers={"Authorization": f"Bearer cx360_{COMMENT}"},
        )
    )
    for answer in answers:
        assert answer.status_code < 500, answer.text
        refused = answer.json().get("errors") or '"userErrors":[{' in answer.text
        assert answer.request.method == "GET" or refused, answer.text
    return answers


def _everything(caplog: pytest.LogCaptureFixture) -> str:
    formatter = JsonFormatter()
    return "\n".join(
        [caplog.text]
        + [formatter.format(record) for record in caplog.records]
        + [repr((record.msg, record.args, record.exc_text)) for record in caplog.records]
    )


def _assert_no_markers(text: str) -> None:
    for marker in MARKERS:
        assert marker not in text, text[max(0, text.find(marker) - 600) : text.find(marker) + 200]


@asynccontextmanager
async def _own_app(
    backend: Backend, **settings: Any
) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    """The app itself too, so a test can break a part of its state."""
    app: ASGIApp = create_app(Settings(database_url=backend.url, webhooks=False, **settings))
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://cx360.test") as client:
            yield app, client


async def test_client_mistakes_log_no_personal_data_and_only_at_info(
    writable: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("strawberry", "graphql", "sqlalchemy", "httpx", "asyncio", "uvicorn", "cx360"):
        caplog.set_level(logging.DEBUG, logger=name)
    answers = await _send_corpus(writable.client, writable.backend)
    # The answers name the fault, never the caller's values (they reach error trackers) ...
    leaked = [a.text for a in answers if EMAIL in a.text or COMMENT in a.text or PHONE in a.text]
    assert leaked == [], leaked
    # ... but no log line holds a marker, and no client mistake is logged as an error.
    _assert_no_markers(_everything(caplog))
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert errors == [], [JsonFormatter().format(r) for r in errors]
    mistakes = [r for r in caplog.records if r.name == "cx360.errors"]
    assert mistakes and {r.levelno for r in mistakes} == {logging.INFO}
    assert all(not r.exc_text for r in mistakes)


class _Exploding:
    """A budget whose store fails with the given exception (the rate limiter's Redis)."""

    capacity = 100_000

    def __init__(self, error: Exception) -> None:
        self.error = error

    async def take(self, key: str, cost: int) -> Allowance:
        raise self.error

    async def close(self) -> None:
        return None


async def test_unexpected_failures_answer_masked_and_log_types_not_values(
    writable: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    headers = {"Authorization": f"Bearer {writable.backend.keys[Role.ADMIN]}"}
    lookup = {"query": "query($e: String!) { customerByEmail(email: $e) { name } }"}
    lookup["variables"] = {"e": EMAIL}  # type: ignore[assignment]
    async with _own_app(writable.backend) as (app, client):
        # Redis refusing (today: its message went to every caller).
        app.state.budget = _Exploding(
            ConnectionError(f"Error 111 connecting to 127.0.0.1:6399. Connection refused. {EMAIL}")
        )
        unavailable = await client.post("/graphql", json=lookup, headers=headers)
        # A bug somewhere (its message quoting a value).
        app.state.budget = _Exploding(RuntimeError(f"bug while handling {EMAIL} {PHONE}"))
        bug = await client.post("/graphql", json=lookup, headers=headers)
        # A failure before strawberry runs (the key lookup), outside its masking.
        app.state.statement_sessions = None
        outside = await client.post("/graphql", json=lookup, headers=headers)
    for answer in (unavailable, bug, outside):
        assert answer.headers["content-type"] == "application/json", answer.text
        for detail in (*INFRASTRUCTURE, *MARKERS):
            assert detail not in answer.text
        assert answer.json()["errors"][0]["extensions"]["requestId"]
    assert unavailable.status_code == 503 and unavailable.headers["Retry-After"]
    assert unavailable.json()["errors"][0] == {
        "message": "The service is temporarily unavailable; retry shortly.",
        "extensions": {
            "code": "SERVICE_UNAVAILABLE",
            "requestId": unavailable.headers["x-request-id"],
        },
    }
    assert bug.status_code == 200  # GraphQL's answer to a failed field
    assert bug.json()["errors"][0]["message"] == "Unexpected error."
    assert bug.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert outside.status_code == 500
    assert outside.json()["errors"][0]["message"] == "Unexpected error."
    _assert_no_markers(_everything(caplog))
    text = _everything(caplog)
    for detail in INFRASTRUCTURE[:3]:
        assert detail not in text
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures and all(r.exc_text for r in failures)  # a stack trace: types, frames
    assert "builtins.RuntimeError" in text and "builtins.TypeError" in text


async def test_rate_limited_requests_are_counted_as_refused(writable: Api) -> None:
    query = "{ customers(first: 5) { edges { node { externalIds { id } } } } }"
    async with _own_app(writable.backend, rate_limit_capacity=60, rate_limit_per_second=0.01) as (
        _,
        client,
    ):
        headers = {"Authorization": f"Bearer {writable.backend.keys[Role.SALES]}"}

        def refused(text: str) -> float:
            found = re.search(r'cx360_refused_total\{reason="RATE_LIMITED"\} (\S+)', text)
            return float(found.group(1)) if found else 0.0

        before = refused((await client.get("/metrics")).text)
        statuses = [
            (await client.post("/graphql", json={"query": query}, headers=headers)).status_code
            for _ in range(3)
        ]
        after = refused((await client.get("/metrics")).text)
    assert statuses[0] == 200 and statuses[1:] == [429, 429]
    assert after - before == 2


LINE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@asynccontextmanager
async def cx360_serve(
    environment: dict[str, str],
    *options: str,
    stdout: Any = asyncio.subprocess.DEVNULL,
    stderr: Any = asyncio.subprocess.DEVNULL,
) -> AsyncIterator[tuple[asyncio.subprocess.Process, httpx.AsyncClient]]:
    """A real `cx360 serve` once /healthz answers (output to files: a pipe could fill)."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        CX360, "serve", "--port", str(port), *options, env=environment, stdout=stdout, stderr=stderr
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for _ in range(300):
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
            yield process, client
    finally:
        process.terminate()
        await process.wait()


async def test_a_real_server_logs_no_personal_data_with_ms_times_and_pids(
    writable: Api, tmp_path: Path
) -> None:
    environment = {
        **os.environ,
        "CX360_DATABASE_URL": writable.backend.url,
        "CX360_LOG_LEVEL": "debug",
        "CX360_WEBHOOKS": "false",
    }
    with (tmp_path / "out").open("wb") as out, (tmp_path / "err").open("wb") as err:
        async with cx360_serve(environment, stdout=out, stderr=err) as (server, client):
            await _send_corpus(client, writable.backend)
    stdout, stderr = (tmp_path / "out").read_text(), (tmp_path / "err").read_text()
    _assert_no_markers(stdout + stderr)
    lines = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    assert len(lines) > len(BAD_REQUESTS)
    for line in lines:
        assert LINE_TIME.match(line["time"]), line
        assert line["pid"] == server.pid, line
    requests = [line for line in lines if line["logger"] == "cx360.requests"]
    assert len(requests) >= 2 * len(BAD_REQUESTS)
    assert not [line for line in lines if line["level"] in ("error", "critical")], [
        line for line in lines if line["level"] == "error"
    ][:3]


@pytest.mark.parametrize(
    ("logger", "template", "arguments", "expected"),
    [
        (
            "strawberry.http.async_base_view",
            "Rejected WebSocket connection from origin %r to host %r. If pages on this origin "
            "should be able to connect, add it to `allowed_origins`.",
            (f"https://{EMAIL}", "h"),
            "Rejected WebSocket connection from origin … to host …. If pages on this origin "
            "should be able to connect, add it to `allowed_origins`.",
        ),
        ("graphql.x", "%(who)s sent %(share)d%% of it", ({"who": EMAIL},), "… sent …% of it"),
        # A trusted template whose arguments do not fit it: its text, no placeholders.
        ("cx360.x", "lost %s after %d s", (EMAIL,), "lost … after … s"),
        # Without arguments another logger's message may be a value: prose up to a quote.
        ("httpx", f'No route to "{EMAIL}" %s', (), "No route to"),
    ],
    ids=["library-hint", "named-and-percent", "trusted-mismatch", "no-arguments"],
)
def test_dropped_arguments_leave_a_marker_not_a_placeholder(
    logger: str, template: str, arguments: Any, expected: str
) -> None:
    """The guard keeps a library's fixed template text whole, with `…` where each value
    was; the values themselves never reach the line."""
    record = logging.LogRecord(logger, logging.WARNING, __file__, 1, template, arguments, None)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == expected, line
    _assert_no_markers(json.dumps(line))
