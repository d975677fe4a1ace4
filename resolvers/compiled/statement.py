"""Running a compiled statement: one text value, the response's `data` as JSON.

`run_keyed_statement` is the fast path's form (api/fast_reads.py): the same statement,
answered only for an API key that works now, checked in the same round trip.
"""

from typing import Any

import asyncpg  # type: ignore[import-untyped]
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from resolvers.compiled.forms import UNANSWERED
from resolvers.keys import usable_at
from resolvers.pagination import Sessions


def answered(data: Any) -> str | None:
    """The statement's `data` JSON, or None when it is no answer to send: NULL text (a
    NULL part nulls the whole text) or a part only the resolvers can give (UNANSWERED,
    e.g. a customer whose health is not stored yet)."""
    if not isinstance(data, str) or UNANSWERED in data:
        return None
    return data


async def run_statement(
    sessions: Sessions, sql: str, parameters: tuple[Any, ...], parallel: bool = False
) -> str | None:
    """The statement's one text value: the response's `data`, as JSON, or None when the
    resolvers must answer instead (see `answered`). On asyncpg with nothing watching
    the statements, fetched on the driver connection as the fast path does, with the
    row limit `parallel` decides (`_first_row`): the first request of a document and
    every read from a replica come this way. Raises ConnectionDropped on a dead pooled
    connection."""
    async with sessions() as session:
        row = await _first_row(await session.connection(), sql, parameters, parallel)
        return answered(None if row is None else row[0])


# The one definition of a usable key (resolvers/keys.py), as SQL text, at the server's now.
KEY_USABLE_NOW = str(
    sa.and_(*usable_at(sa.func.now())).compile(dialect=postgresql.dialect())  # type: ignore[no-untyped-call]
)


def _keyed(sql: str, parameters: int) -> str:
    """The plan's statement, answered only for a key that works now."""
    # The plan's text is the compiler's; every value in it, and the digest, is bound.
    return (
        f"SELECT api_key.role, api_key.trusted_documents_only, ({sql}) FROM api_key "
        f"WHERE api_key.key_hash = ${parameters + 1}::text AND {KEY_USABLE_NOW}"
    )


def _watched(engine: AsyncEngine) -> bool:
    events = engine.sync_engine.dispatch
    return bool(events.before_cursor_execute or events.after_cursor_execute)


class ConnectionDropped(Exception):
    """The pooled connection the statement was sent on turned out unusable (the database
    dropped it: a restart, a failover, an idle-connection reaper). It is invalidated, so
    the pool replaces it; the statement did not run. The fast path hands the request to
    the full pipeline, which retries the key lookup on a fresh connection."""


# Errors of the server about a statement that leave its connection usable: any other
# (a dropped connection, a shutdown, a cancelled round trip, a confused driver) may not.
_CONNECTION_KEPT = asyncpg.PostgresError
_CONNECTION_ENDED = (asyncpg.PostgresConnectionError, asyncpg.OperatorInterventionError)


async def _fetch_row(
    connection: AsyncConnection, sql: str, values: tuple[Any, ...], parallel: bool
) -> Any:
    """The statement's first row, on the driver connection that `connection` holds.

    `parallel`: fetched with no row limit, so PostgreSQL may run the statement with its
    parallel workers; otherwise with a limit of one row (asyncpg's fetchrow), which runs
    it in one process. PostgreSQL never starts parallel workers for an Execute message
    with a non-zero fetch count ("When Can Parallel Query Be Used?" in its manual). One
    process is what pages want under concurrent load: allowing workers cut the marketing
    journeys from 290-338 to 214-245 req/s on 2 cores (bench/read.py), while the root
    figures, one heavy aggregation per request, gain from them (journeyPainPoints for a
    year at 1M touchpoints, p50 316-324 -> 206-236 ms; docs/performance.md, "Parallel
    workers for the root figures").

    A connection an error may have left unusable is invalidated, so the pool replaces
    it, as SQLAlchemy does on a disconnect, and the error becomes ConnectionDropped."""
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None  # a checked-out connection has its driver's
    try:
        if parallel:
            rows = await driver.fetch(sql, *values)
            return rows[0] if rows else None
        return await driver.fetchrow(sql, *values)
    except BaseException as error:
        kept = isinstance(error, _CONNECTION_KEPT) and not isinstance(error, _CONNECTION_ENDED)
        if kept and not driver.is_closed():
            raise
        await connection.invalidate()
        if isinstance(error, Exception):  # not a cancellation: that stays one
            raise ConnectionDropped(type(error).__name__) from error
        raise


async def _first_row(
    connection: AsyncConnection, sql: str, values: tuple[Any, ...], parallel: bool
) -> Any:
    """The statement's first row: on asyncpg, unless something watches the engine's
    statements, on the driver connection (`_fetch_row`), else through SQLAlchemy's
    cursors. Raises ConnectionDropped when the connection turned out dead, either way."""
    if connection.dialect.driver == "asyncpg" and not _watched(connection.engine):
        return await _fetch_row(connection, sql, values, parallel)
    try:
        return (await connection.exec_driver_sql(sql, values)).first()
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        raise ConnectionDropped(type(error.orig).__name__) from error


async def run_keyed_statement(
    engine: AsyncEngine, sql: str, parameters: tuple[Any, ...], digest: str, parallel: bool = False
) -> tuple[str, bool, Any] | None:
    """(role, trusted documents only, `data` or None) for the key whose hash is `digest`
    if it works now; None when no such key (the full pipeline then answers: 401).

    On asyncpg, unless something watches the engine's statements (SQLAlchemy's cursor
    events: tests counting statements, tracing), the statement goes to the driver
    connection the pool lends, with its own prepared-statement cache, not through
    SQLAlchemy's cursor layer: the text has `$n` parameters either way, and skipping that
    layer made the compiled pages 10-31 % faster (docs/performance.md, "Fast reads on the
    driver connection"). Raises ConnectionDropped when the pooled connection was dead
    (the pool keeps no pre-ping for these one-statement reads), on either way.
    `parallel`: the plan's (Plan.parallel), see `_fetch_row`."""
    keyed, values = _keyed(sql, len(parameters)), (*parameters, digest)
    async with engine.connect() as connection:  # autocommit: no session needed
        row = await _first_row(connection, keyed, values, parallel)
    if row is None:
        return None
    role, trusted_only, data = tuple(row)
    return role, trusted_only, answered(data)


async def check_key(engine: AsyncEngine, digest: str) -> tuple[str, bool, Any] | None:
    """The key check alone (no data): with a replica, the key is checked on the primary."""
    return await run_keyed_statement(engine, "SELECT NULL::text", (), digest)
