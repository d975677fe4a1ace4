"""Engine and session factory; one per process, owned by the app's lifespan or a CLI command."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from models.types import fold_case, json_text

SessionFactory = async_sessionmaker[AsyncSession]
# The longest statement asyncpg keeps prepared per connection (its default: 15 KiB): every
# dashboard's compiled statement with room to grow. Not more: each kept statement holds its
# plan in the database backend (a review measured ~1 MB for 100-kB statements, up to
# asyncpg's 100 per connection), and a client can send many distinct large documents.
MAX_CACHEABLE_STATEMENT_BYTES = 64 * 1024


def _sql_lower(value: Any) -> Any:
    """SQLite's lower() as PostgreSQL's: every letter, not ASCII only."""
    return fold_case(value) if isinstance(value, str) else value


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def create_engine(
    url: str,
    pool_size: int = 10,
    writer: bool = False,
    statement_timeout_seconds: float = 0,
    single_statements: bool = False,
) -> AsyncEngine:
    """The engine for `url`; with `writer` on SQLite, transactions begin IMMEDIATE.

    SQLite allows one writer: a deferred transaction that reads and then writes fails
    when another writer got there first, where BEGIN IMMEDIATE waits its turn (up to
    the busy timeout) before reading anything.
    """
    if is_sqlite(url):
        # hide_parameters: values (personal data) never reach error messages or logs.
        engine = create_async_engine(
            url, connect_args={"timeout": 30}, hide_parameters=True, json_serializer=json_text
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Foreign keys are off by default in SQLite; WAL lets readers run beside a writer.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
            dbapi_connection.create_function("lower", 1, _sql_lower, deterministic=True)
            if writer:  # let the begin event below issue BEGIN IMMEDIATE itself
                dbapi_connection.isolation_level = None

        if writer:

            @event.listens_for(engine.sync_engine, "begin")
            def _sqlite_begin_immediate(connection: Any) -> None:
                connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # JIT off: the API's statements are short, and on the large ones (metrics over a
    # year of 1M responses) compiling cost more than it saved (512 -> 411 ms,
    # docs/performance.md). One setting for every connection, not one per statement.
    # extra_float_digits 1 (PostgreSQL's default, which a database or role may change):
    # the shortest text that reads back as the same float, which the compiled path's
    # Float text (cx360_float_json) lays out as the resolvers write it; at 0 it kept 15
    # digits and the two paths' answers differed.
    server_settings = {
        "timezone": "UTC",
        "application_name": "cx360",
        "jit": "off",
        "extra_float_digits": "1",
    }
    if statement_timeout_seconds:
        # The database stops work a cancelled request left behind.
        server_settings["statement_timeout"] = str(int(statement_timeout_seconds * 1000))
    pooling: dict[str, Any] = {"max_overflow": pool_size, "pool_pre_ping": True}
    if single_statements:
        # Reads of one statement each (the key lookup, compiled reads): autocommit spares
        # the BEGIN and ROLLBACK round trips, and no pre-ping spares a third; a connection
        # the server dropped fails once and is replaced (callers retry or fall back).
        # No overflow: a connection is held for one statement, so waiting for one is
        # cheaper than opening (and then closing) another under load.
        pooling = {"max_overflow": 0, "isolation_level": "AUTOCOMMIT"}
    return create_async_engine(
        url,
        pool_size=pool_size,
        hide_parameters=True,
        # JSON columns hold the text the API sends (models.types.json_text).
        json_serializer=json_text,
        # asyncpg prepares and keeps only statements up to 15 KiB by default; a longer
        # compiled read was parsed and planned again on every request (the marketing 360
        # page with its computed health, 15.5 kB: 682 -> 129 req/s).
        connect_args={
            "server_settings": server_settings,
            "max_cacheable_statement_size": MAX_CACHEABLE_STATEMENT_BYTES,
        },
        **pooling,
    )


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def database(
    url: str, pool_size: int = 10
) -> AsyncIterator[tuple[AsyncEngine, SessionFactory]]:
    engine = create_engine(url, pool_size)
    try:
        yield engine, create_session_factory(engine)
    finally:
        await engine.dispose()
