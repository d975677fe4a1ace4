"""Structured request logs and Prometheus metrics.

One JSON line per GraphQL request: request id, operation name, duration, key name and
outcome; never personal data, keys or variables' values. Every log record of every
logger (strawberry, graphql, uvicorn, sqlalchemy, httpx, asyncio, ours) is made safe
when it is created (`install_log_guard`) and again when formatted: a message is the
logger's own template, with arguments only for cx360's and uvicorn's loggers and only
when they are plain numbers or short plain tokens; an exception is its type and stack
frames, never its message (driver and GraphQL messages quote documents and values).
Prometheus metrics work with
several worker processes when `PROMETHEUS_MULTIPROC_DIR` points to a shared directory
(prometheus_client's multiprocess mode).
"""

import functools
import json
import logging
import os
import re
import time
import traceback
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("cx360.requests")

REQUESTS = Counter(
    "cx360_requests", "GraphQL requests by operation and outcome.", ["operation", "outcome"]
)
LATENCY = Histogram(
    "cx360_request_seconds",
    "GraphQL request latency.",
    ["operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
REFUSED = Counter(
    "cx360_refused", "Requests or fields refused, by reason (error code).", ["reason"]
)


# Gauges are made on first use, in the worker processes only: with PROMETHEUS_MULTIPROC_DIR,
# making one writes 0 into the process's file, and a `cx360 serve --workers N` supervisor
# (alive, importing this module, never serving) would pin `livemin` at 0.
@functools.cache
def pool_in_use() -> Gauge:
    return Gauge(
        "cx360_db_connections_in_use",
        "Database connections checked out.",
        multiprocess_mode="livesum",
    )


@functools.cache
def redis_available() -> Gauge:
    return Gauge(
        "cx360_redis_available",
        "1 while this worker reaches Redis, 0 while it runs degraded (lowest of the workers).",
        multiprocess_mode="livemin",
    )


REDIS_OUTAGES = Counter("cx360_redis_outages", "Times a worker lost Redis and ran degraded.")
READ_PATH = Counter("cx360_read_path", "Operations by the path that served them.", ["path"])
FALLBACKS = Counter(
    "cx360_compiled_fallbacks",
    "Queries the resolvers answered instead of the compiled path, by reason (what the "
    "debug readPath extension says, cut at its first ': ', so field names but no values).",
    ["reason"],
)
BATCH_SIZE = Histogram(
    "cx360_dataloader_batch_size",
    "Keys per dataloader batch.",
    ["loader"],
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
)

# Operation names come from clients: only plain names, and a bounded number of them.
OPERATION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
MAX_OPERATION_NAMES = 200
_seen_operations: set[str] = set()


def operation_label(name: object) -> str:
    if not isinstance(name, str) or not OPERATION_NAME.match(name):
        return "anonymous"
    if name not in _seen_operations and len(_seen_operations) >= MAX_OPERATION_NAMES:
        return "other"
    _seen_operations.add(name)
    return name


def observe_batch(loader: str, size: int) -> None:
    BATCH_SIZE.labels(loader).observe(size)


# Loggers whose message templates are fixed text written by cx360 or uvicorn.
TEMPLATES_TRUSTED = ("cx360", "uvicorn")
# An argument printed as is: a short token without spaces, quotes, `@` or `+`.
PLAIN_TOKEN = re.compile(r"[\w.:/\[\]-]{0,100}")
# Of another logger's message, only the plain prose before any quote, bracket or `=`.
PLAIN_PROSE = re.compile(r"[A-Za-z0-9 _.,;:!?%/`…-]*")
# A %-style placeholder of a logging template (and `%%`, a literal percent sign).
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[a-zA-Z%]")
# What stands where an argument was left out.
DROPPED = "…"


def _without_arguments(template: str) -> str:
    """The template's fixed text, with a neutral marker where each argument would go."""
    return PLACEHOLDER.sub(lambda found: "%" if found.group(0) == "%%" else DROPPED, template)


def _safe_argument(value: object) -> object:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        path = value.split("?", 1)[0]  # an access line's query string may hold variables
        if PLAIN_TOKEN.fullmatch(path):
            return path
    return f"<{type(value).__name__}>"


def safe_message(record: logging.LogRecord) -> str:
    template = record.msg
    if not isinstance(template, str):  # e.g. strawberry logs the GraphQLError itself
        return f"<{type(template).__name__}>"
    first_line = template.split("\n", 1)[0]
    if record.name.split(".", 1)[0] not in TEMPLATES_TRUSTED:
        # With arguments the message is the library's fixed template: the values are in
        # the arguments, which are left out. Without, it may be a value itself.
        text = _without_arguments(first_line) if record.args else first_line
        found = PLAIN_PROSE.match(text)
        return found.group(0).rstrip() if found else ""
    if not record.args:
        return first_line
    arguments: Any = (
        {key: _safe_argument(value) for key, value in record.args.items()}
        if isinstance(record.args, dict)
        else tuple(_safe_argument(value) for value in record.args)
    )
    try:
        return str(first_line % arguments)
    except (TypeError, ValueError, KeyError):
        return _without_arguments(first_line)


def safe_trace(error: BaseException) -> str:
    """Exception types and stack frames of the whole chain; no messages, no locals."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    lines: list[str] = []
    for found in reversed(chain):
        for frame in traceback.extract_tb(found.__traceback__):
            lines.append(f"  {frame.filename}:{frame.lineno} in {frame.name}")
        kind = type(found)
        lines.append(f"{kind.__module__}.{kind.__qualname__}")
    return "\n".join(lines)


def make_safe(record: logging.LogRecord) -> logging.LogRecord:
    """Replaces what could carry document text or values; every handler prints the rest."""
    if getattr(record, "cx360_safe", False):
        return record
    record.msg, record.args = safe_message(record), ()
    error = record.exc_info[1] if record.exc_info else None
    record.exc_text = safe_trace(error) if error is not None else None
    record.exc_info, record.stack_info = None, None
    record.cx360_safe = True
    return record


def install_log_guard() -> None:
    """Makes every log record of this process safe as it is created (idempotent)."""
    current = logging.getLogRecordFactory()
    if getattr(current, "cx360_guard", False):
        return

    def guarded(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return make_safe(current(*args, **kwargs))

    guard: Callable[..., logging.LogRecord] = guarded
    guard.cx360_guard = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(guard)


def log_time(created: float) -> str:
    """UTC with milliseconds and Z: 2026-11-30T11:23:28.123Z."""
    return datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        make_safe(record)  # records made without the factory (makeLogRecord) too
        line: dict[str, Any] = {
            "time": log_time(record.created),
            "level": record.levelname.lower(),
            "pid": record.process,
            "logger": record.name,
            "message": record.msg,
        }
        line.update(getattr(record, "fields", {}))
        if record.exc_text:
            line["stack"] = record.exc_text
        return json.dumps(line, default=str)


def json_log_config(level: str) -> dict[str, Any]:
    """A logging dictConfig for uvicorn: every worker process logs JSON lines."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "api.observability.JsonFormatter"}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            }
        },
        "root": {"level": level.upper(), "handlers": ["stdout"]},
        "loggers": {
            name: {"handlers": [], "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }


class RequestObserver:
    """Times each /graphql request, then logs one line and updates the metrics."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/graphql":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"x-request-id", b"").decode()
        state["request_id"] = given if re.fullmatch(r"[\w-]{8,64}", given) else uuid.uuid4().hex
        state["error_codes"] = []
        state["log_fields"] = {}
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append(
                    (b"x-request-id", state["request_id"].encode())
                )
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self._record(scope, state, status, time.perf_counter() - started)

    def _record(self, scope: Scope, state: dict[str, Any], status: int, seconds: float) -> None:
        codes: list[str] = state.get("error_codes", [])
        outcome = "ok" if status < 400 and not codes else (codes[0] if codes else f"http_{status}")
        engine = getattr(scope["app"].state, "engine", None)
        pool = getattr(getattr(engine, "sync_engine", None), "pool", None)
        if pool is not None and hasattr(pool, "checkedout"):
            pool_in_use().set(pool.checkedout())
        record_operation(
            state["request_id"],
            state.get("operation"),
            seconds,
            state.get("viewer"),
            outcome,
            codes,
            {"status": status, **state.get("log_fields", {})},
        )


def record_operation(
    request_id: str,
    operation_name: object,
    seconds: float,
    viewer: Any,
    outcome: str,
    codes: list[str],
    fields: dict[str, Any],
    timed: bool = True,
) -> None:
    """One operation's log line and metrics, whatever carried it (HTTP or the WebSocket).
    `timed`: its duration goes into the latency histogram (not a subscription's lifetime)."""
    operation = operation_label(operation_name)
    REQUESTS.labels(operation, outcome).inc()
    if timed:
        LATENCY.labels(operation).observe(seconds)
    for code in dict.fromkeys(codes):
        REFUSED.labels(code).inc()
    log.info(
        "graphql request",
        extra={
            "fields": {
                "request_id": request_id,
                "operation": operation,
                "duration_ms": round(seconds * 1000, 1),
                "key_name": getattr(viewer, "key_name", None),
                "role": getattr(getattr(viewer, "role", None), "value", None),
                "outcome": outcome,
                **fields,
            }
        },
    )


LIVE_GAUGE_FILE = re.compile(r"gauge_live\w*?_(\d+)\.db")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def forget_dead_processes(directory: str) -> None:
    """Drops the live gauges of processes that are gone (a killed worker's last value,
    e.g. a 0 of cx360_redis_available, would otherwise count forever)."""
    with os.scandir(directory) as entries:
        pids = {int(m.group(1)) for e in entries if (m := LIVE_GAUGE_FILE.fullmatch(e.name))}
    for pid in pids:
        if not _alive(pid):
            multiprocess.mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]


def process_stopped() -> None:
    """A worker's last word: its live gauges no longer count."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        multiprocess.mark_process_dead(os.getpid(), directory)  # type: ignore[no-untyped-call]


async def metrics_endpoint(_: Request) -> Response:
    if directory := os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        forget_dead_processes(directory)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest()
    return Response(body, media_type=CONTENT_TYPE_LATEST)
