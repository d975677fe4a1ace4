"""The ASGI application: Starlette owns the engine's lifetime and mounts /graphql."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from api.bulk_files import download, upload
from api.bulk_worker import BulkWorker
from api.db import create_engine, create_session_factory, is_sqlite
from api.failures import FailureAnswers
from api.fast_reads import FastReads
from api.fast_writes import FastWrites
from api.graphiql import ASSETS_PATH, STATIC
from api.graphql import GraphQLEndpoint
from api.insights import ASSETS_PATH as INSIGHTS_ASSETS
from api.insights import PATH as INSIGHTS_PATH
from api.insights import STATIC as INSIGHTS_STATIC
from api.insights import insights
from api.observability import (
    RequestObserver,
    install_log_guard,
    metrics_endpoint,
    process_stopped,
)
from api.ratelimit import cost_buckets
from api.read_audit import ReadAuditWriter
from api.redis_link import RedisLink, change_feed
from api.scheduler import Scheduler
from api.settings import Settings, get_settings
from api.tracing import configured_provider, trace_engine, traced
from api.webhook_worker import WebhookWorker, webhook_url_policy
from resolvers import follow_ups
from resolvers.read_audit import ReadAuditLog
from resolvers.readiness import database_state
from schema.compiled.extension import CompiledPlans
from schema.schema import build_schema, compiled_reads_on


async def healthz(_: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    try:
        state = await database_state(request.app.state.engine)
    except Exception:  # any failure means "not ready", never a stack trace
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    if state != "ok":
        return JSONResponse({"status": "unavailable", "database": state}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


def create_app(
    settings: Settings | None = None, tracer_provider: TracerProvider | None = None
) -> ASGIApp:
    """The app; traced when a tracer provider is given or the OTEL_* variables ask for it."""
    install_log_guard()
    settings = settings or get_settings()
    tracer_provider = tracer_provider or configured_provider()
    plans = CompiledPlans()
    schema = build_schema(settings, tracer_provider, plans)
    # Known compiled reads skip strawberry; not while tracing, which wants every span.
    fast_reads = compiled_reads_on(settings) and tracer_provider is None

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        def postgres(url: str, single_statements: bool = False) -> AsyncEngine:
            return create_engine(
                url,
                settings.database_pool_size,
                statement_timeout_seconds=settings.request_timeout_seconds,
                single_statements=single_statements,
            )

        engine = postgres(settings.database_url)  # on SQLite: the SQLite engine
        write_engine = statement_engine = engine
        if is_sqlite(settings.database_url):
            write_engine = create_engine(settings.database_url, writer=True)
        else:
            statement_engine = postgres(settings.database_url, single_statements=True)
        # With a replica, reads go there; writes, the reads of a mutation, key lookups and
        # subscription events stay on the primary (a revocation or a write counts at once).
        read_engine, read_statement_engine = engine, statement_engine
        replica = settings.database_replica_url
        if replica and not is_sqlite(settings.database_url):
            read_engine = postgres(replica)
            read_statement_engine = postgres(replica, single_statements=True)
        engines = {engine, write_engine, statement_engine, read_engine, read_statement_engine}
        app.state.engine = engine
        app.state.write_engine = write_engine
        app.state.statement_engine = statement_engine
        app.state.engines = engines
        # Which factory serves what: api/context.py.
        app.state.primary_sessions = create_session_factory(engine)
        # A request's reads are one statement per session (each loader batch, list page
        # and count opens its own), and READ COMMITTED gives each statement its own
        # snapshot either way: on PostgreSQL they skip BEGIN and ROLLBACK, two of each
        # session's four round trips (SQLite keeps its transaction: one snapshot per read).
        app.state.sessions = create_session_factory(
            read_engine
            if is_sqlite(settings.database_url)
            else read_engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        app.state.statement_sessions = create_session_factory(statement_engine)
        app.state.read_statement_sessions = create_session_factory(read_statement_engine)
        app.state.read_statement_engine = read_statement_engine
        app.state.write_sessions = create_session_factory(write_engine)
        # Where webhook deliveries may go: one policy for requests and background tasks.
        app.state.webhook_urls = webhook_url_policy(settings)
        app.state.upkeep = settings.proactive_upkeep  # requests and background tasks alike
        if tracer_provider is not None:
            for traced_engine in engines:
                trace_engine(traced_engine, tracer_provider)
        redis_link = RedisLink()
        app.state.budget = cost_buckets(
            settings.redis_url,
            settings.rate_limit_capacity,
            settings.rate_limit_per_second,
            settings.redis_prefix,
            redis_link,
        )
        app.state.plans = plans  # the compiled path's plan cache (tests look into it)
        # The read audit writes through an engine of its own (one connection, IMMEDIATE on
        # SQLite): its batches take no request's connection and are no request's statements.
        audit_engine = create_engine(settings.database_url, 1, writer=True)
        app.state.read_audit = ReadAuditLog(
            create_session_factory(audit_engine), settings.read_audit
        )
        app.state.changes = change_feed(settings.redis_url, settings.redis_prefix, redis_link)
        await app.state.changes.start(app.state.primary_sessions)
        worker = WebhookWorker(settings, schema, app.state) if settings.webhooks else None
        if worker is not None:
            await worker.start()
        follow_ups.set_window(timedelta(days=settings.follow_up_days))
        scheduler = Scheduler(settings, app.state) if settings.scheduler else None
        if scheduler is not None:
            await scheduler.start()
        app.state.scheduler = scheduler
        app.state.bulk = graphql.bulk
        bulk = BulkWorker(settings, schema, app.state, graphql.bulk)
        if settings.bulk_operations:
            await bulk.start()
        app.state.bulk_worker = bulk
        audit_writer = ReadAuditWriter(settings, app.state, app.state.read_audit)
        await audit_writer.start()
        app.state.read_audit_writer = audit_writer  # tests stop its timer to write by hand
        # What starting made (modules, schema, plans, engines) lives as long as the
        # process: frozen, the collector's full passes skip it (about 0.25 M objects; a
        # write of 1,000 events spent 60 ms a batch in the collector before, 34 after).
        gc.collect()
        gc.freeze()
        # A request builds thousands of short-lived objects (a resolver-path page ~4,000
        # field results); at Python's default of a young collection every 700 allocations,
        # 16 requests in flight spent ~30 % of their time in the collector.
        thresholds = gc.get_threshold()
        if settings.gc_threshold:
            gc.set_threshold(settings.gc_threshold, *thresholds[1:])
        try:
            yield
        finally:
            gc.set_threshold(*thresholds)
            gc.unfreeze()  # a process serving apps one after another (tests) frees them
            await bulk.close()
            if scheduler is not None:
                await scheduler.close()
            if worker is not None:
                await worker.close()
            await audit_writer.close()  # after every task that records reads
            await app.state.changes.close()
            await app.state.budget.close()
            for used in (*engines, audit_engine):
                await used.dispose()
            process_stopped()

    graphql = GraphQLEndpoint(
        schema,
        settings,
        FastReads(schema, settings, plans) if fast_reads else None,
        FastWrites(schema, settings) if settings.fast_writes and tracer_provider is None else None,
    )
    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),  # subscriptions (graphql-transport-ws)
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint),
            Route("/bulk/operations/{key}", download, methods=["GET"]),
            Route("/bulk/uploads/{key}", upload, methods=["PUT"]),
            Mount(ASSETS_PATH, StaticFiles(directory=STATIC), name="graphiql-assets"),
            # The analysts' charts page: static, the data comes over /graphql with a key.
            Route(INSIGHTS_PATH, insights, methods=["GET"]),
            Mount(INSIGHTS_ASSETS, StaticFiles(directory=INSIGHTS_STATIC), name="insights-assets"),
        ],
        middleware=[Middleware(RequestObserver), Middleware(FailureAnswers)],
        lifespan=lifespan,
    )
    return traced(app, tracer_provider) if tracer_provider is not None else app
