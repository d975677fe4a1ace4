"""Scalars with one wire format on every backend and every read path.

DateTime is always UTC with `+00:00` and fractional seconds without trailing zeros:
exactly what PostgreSQL's JSON rendering of a timestamptz gives, so a response built
in SQL and one built here are byte-identical.
"""

import re
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, TypeVar

import strawberry
from strawberry.types.scalar import ScalarDefinition

from models.types import wire_datetime
from resolvers.errors import InputError

serialize_datetime = wire_datetime


BARE_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_datetime(value: object) -> datetime:
    """An ISO-8601 date-time with an offset, or a bare date (`2026-06-01`): midnight UTC."""
    if not isinstance(value, str):
        raise ValueError("DateTime must be an ISO-8601 string, e.g. 2026-11-22T10:00:00Z")
    if BARE_DATE.fullmatch(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise ValueError("not a calendar date; use e.g. 2026-06-01") from None
        return within_years(datetime(day.year, day.month, day.day, tzinfo=UTC))
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            "not an ISO-8601 date-time; use e.g. 2026-11-22T10:00:00Z, "
            "or a bare date YYYY-MM-DD such as 2026-06-01 (midnight UTC)"
        ) from None
    if parsed.tzinfo is None:
        raise ValueError(
            "no UTC offset; add Z or +HH:MM, e.g. 2026-11-22T10:00:00Z "
            "(a bare date such as 2026-11-22 means midnight UTC)"
        )
    try:
        in_utc = parsed.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+14:00 is in year 0 in UTC
        return within_years(parsed.replace(tzinfo=UTC))
    return within_years(in_utc)


# Every DateTime cx360 accepts: wide for customer history and plans, and far enough from
# Python's years 1 and 9999 that windows, series steps and look-backs never leave them.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)


def within_years(moment: datetime) -> datetime:
    if not EARLIEST <= moment <= LATEST:
        raise ValueError(
            f"year {moment.year} is outside the years cx360 accepts, {EARLIEST.year} to "
            f"{LATEST.year}; use e.g. 2026-11-22T10:00:00Z"
        )
    return moment


# A filter list longer than this is refused: the resolvers bind one parameter per value,
# and the databases take 32,766 at most (a longer list failed as if they were down).
MAX_FILTER_VALUES = 1000
T = TypeVar("T")


def any_of(field: str, values: Sequence[T] | None) -> tuple[T, ...] | None:
    """A filter's list (`filter.<field>`, its GraphQL name), as a tuple; too long: the
    user error naming it. None: not filtered."""
    if values is None:
        return None
    distinct = tuple(dict.fromkeys(values))  # a repeated value means nothing more
    if len(distinct) > MAX_FILTER_VALUES:
        raise InputError(
            f"filter.{field}",
            f"`filter.{field}` takes at most {MAX_FILTER_VALUES:,} different values (got "
            f"{len(distinct):,}); send fewer, or leave it out to match any.",
        )
    return distinct


def exact_text(value: str | None) -> str | None:
    """A filter's exact-match text (a segment, an assignee) as writes store it: trimmed
    (resolvers/customer_writes.py, ticket_writes.py), so a value copied with spaces
    around it matches the records it names. None: not filtered."""
    return value.strip() if value is not None else None


def ordered_window(
    start: datetime | None, end: datetime | None, names: tuple[str, str] = ("from", "to")
) -> None:
    """A filter's window [from, to): `from` before `to` when both are given (`names`: the
    two fields' GraphQL names, e.g. createdFrom and createdTo)."""
    if start is not None and end is not None and start >= end:
        first, last = names
        raise InputError("filter", f"`filter.{first}` must be before `filter.{last}`.")


def serialize_decimal(value: Decimal) -> str:
    return str(value)


def parse_decimal(value: object) -> Decimal:
    if not isinstance(value, str | int):
        raise ValueError('Decimal must be a string such as "129.90"')
    try:
        parsed = Decimal(str(value))
    except InvalidOperation:
        raise ValueError('not a decimal number; use e.g. "129.90"') from None
    if not parsed.is_finite():
        raise ValueError("Decimal must be a finite number")
    return parsed


DATETIME: ScalarDefinition = strawberry.scalar(
    name="DateTime",
    description="ISO-8601 date-time. Output: UTC, `+00:00`, no trailing zero fractions. "
    "Input: a date-time must carry an offset (`Z` or `+HH:MM`); a bare date "
    '(`2026-06-01`) means midnight UTC of that day, so `{from: "2026-06-01", '
    'to: "2026-07-01"}` is the month of June.',
    serialize=serialize_datetime,
    parse_value=parse_datetime,
)
DECIMAL: ScalarDefinition = strawberry.scalar(
    name="Decimal",
    description='Exact money amount, serialized as a string, e.g. "129.90".',
    serialize=serialize_decimal,
    parse_value=parse_decimal,
)

SCALAR_MAP: dict[object, ScalarDefinition] = {datetime: DATETIME, Decimal: DECIMAL}


def jsonable(value: Any) -> Any:
    """Plain JSON from rows, with this API's formats for times, money, ids and enums."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime):
        return serialize_datetime(value)
    if isinstance(value, Decimal):
        return serialize_decimal(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    return value
