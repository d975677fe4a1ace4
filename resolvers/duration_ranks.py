"""Exact percentiles of a wide window's ticket durations, read off an index in order.

`firstResponseTime` and `resolutionTime` give a median and a p90 (docs/domain.md:
PostgreSQL's `percentile_cont`, linear interpolation between the closest ranks). Sorting
a year's durations for them was most of the analyst dashboard's ticket figures at 1M rows
(two sorts of about 250,000 floats). On PostgreSQL each duration also has an index
holding every ticket's duration in order (models.tickets.DURATION_INDEXES), so the value
at rank k of a window is found by walking that index from the nearer end, skipping the
tickets outside the window, until k of the window's have passed: an index-only scan of
about share x N entries (N: the tickets that have the duration, in the window or not)
instead of a sort of the window's n.

That pays when the window holds a good part of the index: the walk is taken when
n x WALK_SHARE >= N (N from the index's `reltuples`, PostgreSQL's estimate), else the
window's durations are sorted as before. Either way the answer is percentile_cont's to
the bit: the ranks are floor and ceil of share x (n - 1), and the value is
lo + (share x (n - 1) - floor) x (hi - lo) in float8, as PostgreSQL computes it
(`percentile_cont_final_common`, `float8_lerp`); the sort's value is percentile_cont's
own. Only for one total over the window (no customer, bucket, segment or channel):
resolvers/metrics.py `_ticket_statement` decides.
"""

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.elements import ColumnElement

from models import Ticket
from models.tickets import DURATION_INDEXES

# Walk when the window holds at least 1/WALK_SHARE of the index. A walk reads about
# 0.6 N entries for a median and a p90 (0.5 from one end, 0.1 from the other); a sort
# scans the window's n again and sorts them, each row about five times an entry's cost
# (bench/metrics.py at 1M: 212,841 of 427,684 took 48 ms walked against 150-280 sorted).
WALK_SHARE = 8

Seconds = Callable[[Any, Any], ColumnElement[float]]
FLOATS = postgresql.ARRAY(sa.Float)


def _position(share: float, count: Any) -> ColumnElement[float]:
    """share x (n - 1) in float8, as percentile_cont computes it."""
    return sa.cast(sa.literal(share), sa.Float) * sa.cast(count - 1, sa.Float)


def _window(created_at: Any, start: Any, end: Any) -> list[ColumnElement[bool]]:
    return [
        *([created_at >= start] if start is not None else []),
        *([created_at < end] if end is not None else []),
    ]


def _wide(name: str, count: Any) -> ColumnElement[bool]:
    """Whether the window's `count` durations are at least 1/WALK_SHARE of the index
    (false where the index is missing)."""
    index, _ = DURATION_INDEXES[name]
    pg_class = sa.table("pg_class", sa.column("oid"), sa.column("reltuples"))
    indexed = (
        sa.select(pg_class.c.reltuples)
        .where(pg_class.c.oid == sa.func.to_regclass(index))
        .scalar_subquery()
    )
    return sa.func.coalesce(count * WALK_SHARE >= indexed, sa.false())


def _walked(name: str, share: float, count: Any, start: Any, end: Any, seconds: Seconds) -> Any:
    """The window's one or two durations at the ranks of `share` (floor and ceil of
    share x (n - 1)), as an array, walked from the nearer end of the index."""
    _, column = DURATION_INDEXES[name]
    ticket = sa.inspect(Ticket).local_table.alias(f"{name}_walked")
    descending = share > 0.5
    key = seconds(ticket.c.created_at, ticket.c[column])
    in_order = (
        sa.select(key.label("seconds"), ticket.c.created_at.label("created_at"))
        .where(ticket.c[column].is_not(None))
        .order_by(key.desc() if descending else key)
        # A fence: the window's filter stays outside the ordered walk. Inside, a plan
        # that cannot see the window's size (a generic plan) sorts the window instead.
        .offset(0)
        .subquery(f"{name}_in_order")
    )
    position = _position(share, count)
    low, high = sa.func.floor(position), sa.func.ceil(position)
    first = sa.cast(count - 1, sa.Float) - high if descending else low
    seconds_in_order = in_order.c.seconds.desc() if descending else in_order.c.seconds
    picked = (
        sa.select(in_order.c.seconds)
        .where(*_window(in_order.c.created_at, start, end))
        .order_by(seconds_in_order)
        .offset(sa.cast(first, sa.BigInteger))
        .limit(sa.cast(high - low + 1, sa.BigInteger))
    )
    return sa.func.array(picked.scalar_subquery(), type_=FLOATS)


def _sorted(name: str, shares: Sequence[float], start: Any, end: Any, seconds: Seconds) -> Any:
    """percentile_cont of every share over the window's durations, sorted."""
    _, column = DURATION_INDEXES[name]
    ticket = sa.inspect(Ticket).local_table.alias(f"{name}_sorted")
    value = seconds(ticket.c.created_at, ticket.c[column])
    fractions = postgresql.array(list(shares), type_=sa.Float)
    return (
        sa.select(sa.func.percentile_cont(fractions).within_group(value))
        .where(ticket.c[column].is_not(None), *_window(ticket.c.created_at, start, end))
        .scalar_subquery()
    )


def rank_columns(
    name: str,
    count: Any,
    shares: Sequence[float],
    start: Any,
    end: Any,
    seconds: Seconds,
) -> list[Any]:
    """Columns of the statement that aggregates the window's tickets, whose `count` is
    the number of them that have duration `name`: `{name}_sorted`, percentile_cont's
    values of `shares` (a narrow window), and `{name}_walked_{i}` per share, its one or
    two durations at the share's ranks (a wide window). `percentile` reads them."""
    wide = _wide(name, count)
    given = count > 0
    columns = [
        sa.case((given & ~wide, _sorted(name, shares, start, end, seconds)), else_=sa.null()).label(
            f"{name}_sorted"
        )
    ]
    for i, share in enumerate(shares):
        walked = _walked(name, share, count, start, end, seconds)
        columns.append(sa.case((given & wide, walked), else_=sa.null()).label(f"{name}_walked_{i}"))
    return columns


def percentile(figures: Any, name: str, shares: Sequence[float], i: int) -> ColumnElement[float]:
    """The value of `shares[i]` from the `rank_columns` of `figures` (a subquery of the
    aggregate, whose `{name}_count` is the count): percentile_cont's interpolation over
    the walked durations, or the sorted value."""
    walked = sa.type_coerce(figures.c[f"{name}_walked_{i}"], FLOATS)
    lo = sa.func.least(walked[1], walked[2], type_=sa.Float)  # LEAST skips a NULL
    hi = sa.func.greatest(walked[1], walked[2], type_=sa.Float)
    position = _position(shares[i], figures.c[f"{name}_count"])
    interpolated = lo + (position - sa.func.floor(position)) * (hi - lo)
    sorted_value = sa.type_coerce(figures.c[f"{name}_sorted"], FLOATS)[i + 1]
    return sa.case((walked.is_(None), sorted_value), else_=interpolated)
