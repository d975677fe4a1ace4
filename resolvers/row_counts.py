"""`totalCount`s from the row counts the database keeps.

Triggers keep, per root list, how many records it holds with no filter
(`list_row_count`, migration 7c3e9a1d5b42), so `customers`, `touchpoints` and `tickets`
without a filter count from a few rows (one per shard) instead of reading every record;
and how many hold each value of one column (`list_value_count`, migrations 8b3f1c6d2e57
and 6e4a2c8f1d73), so `tickets` filtered by status, priority or channel alone,
`customers` by segment alone and `touchpoints` by channel, stage, team or kind alone
count the same way. Each count has its SQL text twin for the compiled read path beside it.
"""

from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from models import ListRowCount, ListValueCount
from resolvers.filters import ColumnFilter, Param, bind_value
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
    return await _run(sessions, kept_total(list_name))


async def _run(sessions: Sessions, total: ColumnElement[int]) -> int:
    async with sessions() as session:
        return int((await session.execute(sa.select(total))).scalar_one())


@dataclass(frozen=True)
class KeptValues:
    """A root list's filter on one column (`of`, the list's own) whose matches the
    database counts per value (`list_value_count` entries `name`, e.g. "ticket.status"):
    when it is the list's only filter, `totalCount` is the sum of the kept counts of the
    values asked for."""

    name: str
    of: ColumnFilter

    @property
    def field(self) -> str:
        return self.of.field

    def _filter(self) -> ColumnFilter:
        # The list's filter, over the kept values instead of the records.
        return replace(self.of, column=col(ListValueCount.value))

    def total(self, query: Any) -> ColumnElement[int]:
        """How many records the list's filter alone matches: the kept counts summed."""
        kept = self._filter()
        value = bind_value(kept.column, getattr(query, self.field))  # enums as their text
        return (
            sa.select(sa.func.coalesce(sa.func.sum(col(ListValueCount.records)), 0))
            .where(col(ListValueCount.list_name) == self.name, kept.condition(value, query))
            .scalar_subquery()
        )

    def total_sql(self, query: Any, param: Param) -> str:
        """`total` as SQL text (a bigint) for the compiled read path."""
        condition = self._filter().sql(getattr(query, self.field), query, param)
        return (
            "(SELECT coalesce(sum(list_value_count.records), 0)::bigint "  # noqa: S608
            f"FROM list_value_count WHERE list_value_count.list_name = '{self.name}' "
            f"AND {condition})"
        )

    async def count(self, sessions: Sessions, query: Any) -> int:
        """`total` run."""
        return await _run(sessions, self.total(query))
