"""Whether the database answers and holds cx360's tables: the readiness probe's question."""

from typing import Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

# Migrated at all: alembic's table exists (a database without it has no cx360 tables).
MIGRATED: sa.Select[tuple[str]] = (
    sa.select(sa.column("version_num")).select_from(sa.table("alembic_version")).limit(1)
)


async def database_state(engine: AsyncEngine) -> Literal["ok", "not migrated"]:
    """ "ok", or "not migrated" when it answers without cx360's tables; raises when the
    database cannot be reached (a lost connection is never taken for "not migrated")."""
    async with engine.connect() as connection:
        await connection.execute(sa.select(1))
        try:
            await connection.execute(MIGRATED)
        except sa.exc.DBAPIError as error:
            if error.connection_invalidated:
                raise
            return "not migrated"
    return "ok"
