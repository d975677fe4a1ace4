"""Unfiltered `totalCount`s from the row counts the database keeps (`list_row_count`).

Triggers keep, per root list, how many records it holds with no filter (migration
7c3e9a1d5b42), so `customers`, `touchpoints` and `tickets` without a filter count from
a few rows (one per shard) instead of reading every record. Each count has its SQL text
twin for the compiled read path beside it.
"""

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from models import ListRowCount
from resolvers.pagination import Sessions

# The lists whose unfiltered count is kept (the migration's LISTS).
KEPT_LISTS = ("customer", "touchpoint", "ticket")


def kept_total(list_name: str) -> ColumnElement[int]:
    """How many records `list_name` holds with no filter: the sum of its shards."""
    return (
        sa.select(sa.func.coalesce(sa.func.sum(col(ListRowCount.records)), 0))
        .where(col(ListRowCount.list_name) == list_name)
        .scalar_subquery()
    )


def kept_total_sql(list_name: str) -> str:
    """`kept_total` as SQL text (a bigint) for the compiled read path."""
    assert list_name in KEPT_LISTS  # a constant name, never a request's value
    return (
        "(SELECT coalesce(sum(list_row_count.records), 0)::bigint FROM list_row_count "  # noqa: S608
        f"WHERE list_row_count.list_name = '{list_name}')"
    )


async def kept_count(sessions: Sessions, list_name: str) -> int:
    """`kept_total` run."""
    async with sessions() as session:
        return int((await session.execute(sa.select(kept_total(list_name)))).scalar_one())
