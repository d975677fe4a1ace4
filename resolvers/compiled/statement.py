"""Running a compiled statement: one text value, the response's `data` as JSON.

`run_keyed_statement` is the fast path's form (api/fast_reads.py): the same statement,
answered only for an API key that works now, checked in the same round trip.
"""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine

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


async def run_statement(sessions: Sessions, sql: str, parameters: tuple[Any, ...]) -> str | None:
    """The statement's one text value: the response's `data`, as JSON, or None when the
    resolvers must answer instead (see `answered`)."""
    async with sessions() as session:
        connection = await session.connection()
        result = await connection.exec_driver_sql(sql, parameters)
        return answered(result.scalar_one())


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


async def run_keyed_statement(
    engine: AsyncEngine, sql: str, parameters: tuple[Any, ...], digest: str
) -> tuple[str, bool, Any] | None:
    """(role, trusted documents only, `data` or None) for the key whose hash is `digest`
    if it works now; None when no such key (the full pipeline then answers: 401)."""
    async with engine.connect() as connection:  # autocommit: no session needed
        result = await connection.exec_driver_sql(
            _keyed(sql, len(parameters)), (*parameters, digest)
        )
        row = result.first()
    if row is None:
        return None
    role, trusted_only, data = tuple(row)
    return role, trusted_only, answered(data)


async def check_key(engine: AsyncEngine, digest: str) -> tuple[str, bool, Any] | None:
    """The key check alone (no data): with a replica, the key is checked on the primary."""
    return await run_keyed_statement(engine, "SELECT NULL::text", (), digest)
