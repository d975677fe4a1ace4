"""The values each filter dimension takes in the data, with counts: what there is to filter by.

A misspelt segment (`SMB` for `smb`) matches nothing and every metric reads zero; these
lists show the values that exist, counted the way the list queries count (merged
customers are not customers any more). A dimension whose counts the database keeps per
value (`list_value_count`, resolvers/row_counts.py: segment, touchpoint channel, team
and kind, ticket channel) reads those few rows; the touchpoint source, which is not
kept, is one GROUP BY over the touchpoints.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from models import Customer, ListValueCount, Ticket, Touchpoint
from resolvers.filters import literal_sql
from resolvers.pagination import Sessions


@dataclass(frozen=True)
class ValueCount:
    value: str
    count: int


@dataclass(frozen=True)
class Dimension:
    """A column to count by, and which of its table's rows count."""

    column: Any
    where: Sequence[ColumnElement[bool]] = ()
    # The `list_value_count` entry counting the same rows per value, if the database
    # keeps one (the triggers count the rows `where` admits, non-null values only).
    kept: str | None = None


DIMENSIONS: dict[str, Dimension] = {
    "segments": Dimension(
        col(Customer.segment), (col(Customer.merged_into_id).is_(None),), "customer.segment"
    ),
    "channels": Dimension(col(Touchpoint.channel), kept="touchpoint.channel"),
    "ticket_channels": Dimension(col(Ticket.channel), kept="ticket.channel"),
    "teams": Dimension(col(Touchpoint.team), kept="touchpoint.team"),
    "kinds": Dimension(col(Touchpoint.kind), kept="touchpoint.kind"),
    "sources": Dimension(col(Touchpoint.source)),
}


def _counted(dimension: Dimension) -> Any:
    """(value, n) of each value the dimension's rows carry, unordered."""
    if dimension.kept is not None:  # the kept counts, summed over their shards
        value, count = col(ListValueCount.value), sa.func.sum(col(ListValueCount.records))
        return (
            sa.select(value.label("value"), count.label("n"))
            .where(col(ListValueCount.list_name) == dimension.kept)
            .group_by(value)
            .having(count > 0)
        )
    return (
        sa.select(dimension.column.label("value"), sa.func.count().label("n"))
        .where(dimension.column.is_not(None), *dimension.where)
        .group_by(dimension.column)
    )


# Most used first, then by value: both read paths.
VALUE_ORDER = ("n DESC", "value")
# The compiled path's twin: one value's row is named DIMENSION_VALUE, and the fields of
# `DimensionValue` read these columns of it.
DIMENSION_VALUE = "dimension_value"
DIMENSION_VALUE_SQL = {"value": f"{DIMENSION_VALUE}.value", "count": f"{DIMENSION_VALUE}.n"}
VALUE_ORDER_SQL = ", ".join(f"{DIMENSION_VALUE}.{key}" for key in VALUE_ORDER)


def values_sql(name: str) -> str:
    """`value_counts`' statement as SQL text (a parenthesized SELECT, unordered) for the
    compiled path, which names its rows DIMENSION_VALUE and orders them by VALUE_ORDER_SQL."""
    return f"({literal_sql(_counted(DIMENSIONS[name]))})"


def _text(value: Any) -> str:
    return str(value.value) if isinstance(value, Enum) else str(value)


async def value_counts(sessions: Sessions, name: str) -> list[ValueCount]:
    """Each value of the dimension with its number of rows, most used first."""
    async with sessions() as session:
        statement = _counted(DIMENSIONS[name]).order_by(*map(sa.text, VALUE_ORDER))
        rows = (await session.execute(statement)).all()
    return [ValueCount(_text(value), int(n)) for value, n in rows]


async def value_exists(sessions: Sessions, name: str, value: str) -> bool:
    """Whether any counted row of the dimension carries exactly `value` (one indexed probe)."""
    dimension = DIMENSIONS[name]
    statement = sa.select(sa.literal(1)).where(dimension.column == value, *dimension.where)
    async with sessions() as session:
        return (await session.execute(statement.limit(1))).first() is not None
