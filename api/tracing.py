"""OpenTelemetry traces: HTTP request, GraphQL operation and SQL statement spans.

Off unless the standard variables ask for it: `OTEL_TRACES_EXPORTER` (`otlp` or
`console`) or an `OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT`. The OTLP exporter, service name
(`OTEL_SERVICE_NAME`) and resource attributes read their own `OTEL_*` variables.
"""

import os
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp


def configured_provider() -> TracerProvider | None:
    """A provider exporting where the OTEL_* variables say, or None when tracing is off."""
    exporter_name = os.environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    endpoint = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or os.environ.get(
        "OTEL_EXPORTER_OTLP_ENDPOINT"
    )
    if exporter_name in ("", "none") and not (endpoint and exporter_name != "none"):
        return None
    provider = TracerProvider()
    exporter: Any = ConsoleSpanExporter() if exporter_name == "console" else OTLPSpanExporter()
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def trace_engine(engine: AsyncEngine, provider: trace.TracerProvider) -> None:
    """SQL statement spans for this engine only (no global instrumentation state)."""
    tracer = trace.get_tracer("cx360.sql", tracer_provider=provider)
    # Connection-pool usage goes to Prometheus (api.observability); OTel gets a no-op meter.
    usage = metrics.get_meter("cx360.sql").create_up_down_counter("db.client.connections.usage")
    EngineTracer(tracer, engine.sync_engine, connections_usage=usage)  # type: ignore[no-untyped-call]


def traced(app: ASGIApp, provider: trace.TracerProvider) -> ASGIApp:
    return OpenTelemetryMiddleware(app, tracer_provider=provider)
