"""Structured request logs and Prometheus metrics.

One JSON line per GraphQL request: request id, operation name, duration, key name and
outcome; never personal data, keys or variables' values. Prometheus metrics work with
several worker processes when `PROMETHEUS_MULTIPROC_DIR` points to a shared directory
(prometheus_client's multiprocess mode).
"""

import json
import logging
import os
import re
import time
import uuid
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
POOL_IN_USE = Gauge(
    "cx360_db_connections_in_use", "Database connections checked out.", multiprocess_mode="livesum"
)
REDIS_AVAILABLE = Gauge(
    "cx360_redis_available",
    "1 while this worker reaches Redis, 0 while it runs degraded (lowest of the workers).",
    multiprocess_mode="livemin",
)
REDIS_OUTAGES = Counter("cx360_redis_outages", "Times a worker lost Redis and ran degraded.")
READ_PATH = Counter("cx360_read_path", "Operations by the path that served them.", ["path"])
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


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["stack"] = self.formatException(record.exc_info)
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
        operation = operation_label(state.get("operation"))
        codes: list[str] = state.get("error_codes", [])
        outcome = "ok" if status < 400 and not codes else (codes[0] if codes else f"http_{status}")
        REQUESTS.labels(operation, outcome).inc()
        LATENCY.labels(operation).observe(seconds)
        for code in dict.fromkeys(codes):
            REFUSED.labels(code).inc()
        engine = getattr(scope["app"].state, "engine", None)
        pool = getattr(getattr(engine, "sync_engine", None), "pool", None)
        if pool is not None and hasattr(pool, "checkedout"):
            POOL_IN_USE.set(pool.checkedout())
        viewer = state.get("viewer")
        log.info(
            "graphql request",
            extra={
                "fields": {
                    "request_id": state["request_id"],
                    "operation": operation,
                    "duration_ms": round(seconds * 1000, 1),
                    "key_name": getattr(viewer, "key_name", None),
                    "role": getattr(getattr(viewer, "role", None), "value", None),
                    "status": status,
                    "outcome": outcome,
                    **state.get("log_fields", {}),
                }
            },
        )


async def metrics_endpoint(_: Request) -> Response:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest()
    return Response(body, media_type=CONTENT_TYPE_LATEST)
