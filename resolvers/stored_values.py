"""Storing values computed for many rows: one `UPDATE ... FROM (VALUES ...)` statement.

The kept state (health on customers, SLA states on tickets, the actions' next check) is
computed in Python for a chunk of rows and written back here in one statement, not one
per row: a row-per-statement executemany costs the database a statement each, and on
tickets it fired the per-state counts' trigger once per ticket
(migration 5a1c7e3b9d24). Objects of those rows already loaded in the session see the
new values without a reload.
"""

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key


async def store_values(
    session: AsyncSession, model: type, names: Sequence[str], rows: Sequence[dict[str, Any]]
) -> None:
    """Sets `names` of each row `{"id": ..., name: value, ...}` of `model`'s table.

    Every row gives every name. Runs nothing for no rows; rows whose values are already
    these are left as they are.
    """
    if not rows:
        return
    table: Any = model.__table__  # type: ignore[attr-defined]
    postgres = session.get_bind().dialect.name == "postgresql"
    # WITH stored(key, ...) AS (VALUES ...): SQLite has no column list on a VALUES alias.
    stored = (
        sa.values(
            sa.column("key", sa.Uuid()),
            *(sa.column(f"new_{name}", table.c[name].type) for name in names),
            name="stored",
        )
        .data([(row["id"], *(row[name] for name in names)) for row in rows])
        .cte("stored")
    )

    def value(name: str) -> Any:
        new = stored.c[f"new_{name}"]
        # A NULL in VALUES has no type of its own on PostgreSQL: cast to the column's.
        # SQLite keeps a stored text as it is (a CAST there could make a time a number).
        return sa.cast(new, table.c[name].type) if postgres else new

    def differs(name: str) -> Any:
        old, new = table.c[name], value(name)
        if isinstance(old.type, sa.JSON):  # json has no equality on PostgreSQL: its text
            old, new = sa.cast(old, sa.Text), sa.cast(new, sa.Text)
        return old.is_distinct_from(new)

    # A row already holding its values is not written again (no new row version).
    changed = sa.or_(*(differs(name) for name in names))
    await session.execute(
        table.update()
        .where(table.c.id == stored.c.key, changed)
        .values({name: value(name) for name in names})
    )
    for row in rows:
        key: uuid.UUID = row["id"]
        loaded = session.sync_session.identity_map.get(identity_key(model, key))
        if loaded is not None:
            for name in names:
                set_committed_value(loaded, name, row[name])
