"""OpenTelemetry: spans for the HTTP request, the GraphQL operation and each SQL statement."""

import httpx
import pytest
from asgi_lifespan import LifespanManager
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from api.app import create_app
from api.settings import Settings
from api.tracing import configured_provider
from models import Role
from tests.conftest import Api


async def test_a_request_is_traced_from_http_to_sql(api: Api) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    # No background task (webhooks, scheduler, bulk jobs): their rounds are traces of
    # their own, not this request's.
    settings = Settings(
        database_url=api.backend.url, webhooks=False, scheduler=False, bulk_operations=False
    )
    app = create_app(settings, tracer_provider=provider)
    async with LifespanManager(app) as manager:  # type: ignore[arg-type]
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cx360.test") as client:
            response = await client.post(
                "/graphql",
                json={"query": "query Top { customers(first: 2) { edges { node { name } } } }"},
                headers={"Authorization": f"Bearer {api.backend.keys[Role.ADMIN]}"},
            )
    assert response.status_code == 200
    spans = exporter.get_finished_spans()
    kinds = {span.name for span in spans}
    assert any(name.startswith("POST /graphql") for name in kinds), kinds
    assert any("GraphQL" in name for name in kinds), kinds
    sql = [
        s for s in spans if s.instrumentation_scope and s.instrumentation_scope.name == "cx360.sql"
    ]
    assert any("SELECT" in s.name or "customer" in str(s.attributes) for s in sql), kinds
    http = next(s for s in spans if s.name.startswith("POST /graphql") and s.parent is None)
    assert all(s.context.trace_id == http.context.trace_id for s in sql)  # one trace


def test_tracing_is_off_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "OTEL_TRACES_EXPORTER",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    ):
        monkeypatch.delenv(name, raising=False)
    assert configured_provider() is None
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "console")
    assert configured_provider() is not None
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    assert configured_provider() is None
