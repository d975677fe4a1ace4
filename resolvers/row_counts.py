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
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import ScalarSelect
from sqlmodel import col

from models import ListRowCount, ListValueCount
from resolvers.filters import ColumnFilter, Param, bind_value, column_sql, column_type_sql
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


def kept_sum_sql(name: str, condition: str) -> str:
    """The sum of the kept counts of entries `name` whose values pass `condition`."""
    return (
        "(SELECT coalesce(sum(list_value_count.records), 0) FROM list_value_count "  # noqa: S608
        f"WHERE list_value_count.list_name = '{name}' AND {condition})"
    )


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

    def answers(self, given: frozenset[str]) -> bool:
        """Whether it counts a list whose filters set are `given` (query field names)."""
        return given == {self.field}

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
        return f"{kept_sum_sql(self.name, condition)}::bigint"

    async def count(self, sessions: Sessions, query: Any) -> int:
        """`total` run."""
        return await _run(sessions, self.total(query))


@dataclass(frozen=True)
class DayBounds:
    """A window [start, end) cut at UTC midnights: the whole days [first_day, end_day)
    ('YYYY-MM-DD') from the kept counts, the rest, [head_from, head_to) and [tail_from,
    tail_to), from the records (each empty when its two ends are equal)."""

    first_day: str
    end_day: str
    head_from: datetime
    head_to: datetime
    tail_from: datetime
    tail_to: datetime


NO_DAY_BEFORE = "0000-01-01"
NO_DAY_AFTER = "9999-12-31"


def _midnight(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def day_bounds(start: datetime | None, end: datetime | None) -> DayBounds:
    """`start <= t < end` (either end open, not both) as whole UTC days and the two
    partial ones: the head from `start` to the first whole day (or `end`, if sooner), the
    tail from the last whole day's end (or the first's start, if later) to `end`."""
    if start is None:
        assert end is not None  # a window with neither end is no filter
        last = _midnight(end)
        return DayBounds(NO_DAY_BEFORE, last.date().isoformat(), end, end, last, end)
    first = _midnight(start)
    if first != start:
        first += timedelta(days=1)  # the first whole day starts after `start`
    if end is None:
        return DayBounds(first.date().isoformat(), NO_DAY_AFTER, start, first, start, start)
    last = _midnight(end)
    return DayBounds(
        first.date().isoformat(),
        last.date().isoformat(),
        start,
        min(first, end),
        max(last, first),
        end,
    )


@dataclass(frozen=True)
class KeptDays:
    """A root list's time window (`start`: at least, `end`: before; the list's own
    filters over one column) whose records the database counts per UTC day
    (`list_value_count` entries `name`, e.g. "touchpoint.occurred_at", values 'YYYY-MM-DD'):
    when the window is the list's only filter, `totalCount` is the kept counts of its
    whole days plus the records of its partial first and last days, which the column's
    index counts (a day's worth at most each)."""

    name: str
    start: ColumnFilter
    end: ColumnFilter

    def answers(self, given: frozenset[str]) -> bool:
        return bool(given) and given <= {self.start.field, self.end.field}

    def _bounds(self, query: Any) -> DayBounds:
        return day_bounds(getattr(query, self.start.field), getattr(query, self.end.field))

    def total(self, query: Any) -> ColumnElement[int]:
        bounds, column = self._bounds(query), self.start.column
        kept = (
            sa.select(sa.func.coalesce(sa.func.sum(col(ListValueCount.records)), 0))
            .where(
                col(ListValueCount.list_name) == self.name,
                col(ListValueCount.value) >= bounds.first_day,
                col(ListValueCount.value) < bounds.end_day,
            )
            .scalar_subquery()
        )

        def rows_between(start: datetime, end: datetime) -> ScalarSelect[int]:
            return sa.select(sa.func.count()).where(column >= start, column < end).scalar_subquery()

        head = rows_between(bounds.head_from, bounds.head_to)
        return kept + head + rows_between(bounds.tail_from, bounds.tail_to)

    def total_sql(self, query: Any, param: Param) -> str:
        """`total` as SQL text (a bigint) for the compiled read path."""
        time = column_sql(self.start.column)
        table, cast = time.split(".")[0], column_type_sql(self.start.column)

        def bound(name: str) -> str:
            return param(cast, lambda q: getattr(self._bounds(q), name))

        def rows_between(start: str, end: str) -> str:
            low, high = bound(start), bound(end)
            return f"(SELECT count(*) FROM {table} WHERE {time} >= {low} AND {time} < {high})"  # noqa: S608

        first = param("text", lambda q: self._bounds(q).first_day)
        end = param("text", lambda q: self._bounds(q).end_day)
        days = f"list_value_count.value >= {first} AND list_value_count.value < {end}"
        head, tail = rows_between("head_from", "head_to"), rows_between("tail_from", "tail_to")
        return f"({kept_sum_sql(self.name, days)} + {head} + {tail})::bigint"

    async def count(self, sessions: Sessions, query: Any) -> int:
        """`total` run."""
        return await _run(sessions, self.total(query))


class KeptCount(Protocol):
    """A count the database keeps that answers a root list's `totalCount` for some sets
    of filters: KeptValues, KeptDays."""

    def answers(self, given: frozenset[str]) -> bool: ...

    def total_sql(self, query: Any, param: Param) -> str: ...

    async def count(self, sessions: Sessions, query: Any) -> int: ...
