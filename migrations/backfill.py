"""Data migrations' one loop: a column recomputed from another, row by row, in batches."""

# ruff: noqa: S608  (SQL built from the migrations' own table and column names only)
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

BATCH = 2000


def recompute(
    table: str, source: str, target: str, compute: Callable[[Any], Any], json: bool = False
) -> None:
    """Sets `target` to `compute(source)` on each row of `table` whose `source` is not
    null and whose `target` differs, in batches by id (memory stays flat on big tables).
    `json`: both are JSON columns, read and written as their text."""
    connection = op.get_bind()
    postgres = connection.dialect.name == "postgresql"
    read = f"CAST({source} AS TEXT)" if json else source
    current = f"CAST({target} AS TEXT)" if json else target
    value = "CAST(:value AS json)" if json and postgres else ":value"
    select = sa.text(
        f"SELECT id, {read}, {current} FROM {table} WHERE {source} IS NOT NULL "
        "AND (:last IS NULL OR id > :last) ORDER BY id LIMIT :batch"
    )
    if postgres:  # a typed NULL for the first batch
        select = select.bindparams(sa.bindparam("last", type_=sa.Uuid()))
    update = sa.text(f"UPDATE {table} SET {target} = {value} WHERE id = :id")
    last = None
    while rows := connection.execute(select, {"last": last, "batch": BATCH}).all():
        changed = [
            {"id": key, "value": new}
            for key, old_source, old_target in rows
            if (new := compute(old_source)) != old_target
        ]
        if changed:
            connection.execute(update, changed)
        last = rows[-1][0]
