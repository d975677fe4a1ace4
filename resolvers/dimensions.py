"""The values each filter dimension takes in the data, with counts: what there is to filter by.

A misspelt segment (`SMB` for `smb`) matches nothing and every metric reads zero; these
lists show the values that exist. Each is one GROUP BY statement over the table that
carries the dimension, counted the way the list queries count (merged customers are
not customers any more).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from models import Customer, Ticket, Touchpoint
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


DIMENSIONS: dict[str, Dimension] = {
    "segments": Dimension(col(Customer.segment), (col(Customer.merged_into_id).is_(None),)),
    "channels": Dimension(col(Touchpoint.channel)),
    "ticket_channels": Dimension(col(Ticket.channel)),
    "teams": Dimension(col(Touchpoint.team)),
    "kinds": Dimension(col(Touchpoint.kind)),
    "sources": Dimension(col(Touchpoint.source)),
}


def _text(value: Any) -> str:
    return str(value.value) if isinstance(value, Enum) else str(value)


async def value_counts(sessions: Sessions, name: str) -> list[ValueCount]:
    """Each value of the dimension with its number of rows, most used first."""
    dimension = DIMENSIONS[name]
    count = sa.func.count().label("n")
    statement = (
        sa.select(dimension.column, count)
        .where(dimension.column.is_not(None), *dimension.where)
        .group_by(dimension.column)
        .order_by(count.desc(), dimension.column)
    )
    async with sessions() as session:
        rows = (await session.execute(statement)).all()
    return [ValueCount(_text(value), int(n)) for value, n in rows]


async def value_exists(sessions: Sessions, name: str, value: str) -> bool:
    """Whether any counted row of the dimension carries exactly `value` (one indexed probe)."""
    dimension = DIMENSIONS[name]
    statement = sa.select(sa.literal(1)).where(dimension.column == value, *dimension.where)
    async with sessions() as session:
        return (await session.execute(statement.limit(1))).first() is not None
