"""Column types that behave the same on SQLite and PostgreSQL.

SQLite has neither time zones nor exact decimals, so timestamps are stored as
naive UTC there (timestamptz on PostgreSQL) and money as integer cents on both.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Dialect

MONEY_QUANTUM = Decimal("0.01")


def wire_datetime(value: datetime) -> str:
    """The API's one DateTime wire format (HTTP answers, subscriptions, webhook payloads):
    UTC with `+00:00`, fractional seconds without trailing zeros, as PostgreSQL's JSON
    rendering of a timestamptz gives it."""
    text = value.astimezone(UTC).replace(tzinfo=None).isoformat()
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + "+00:00"


def json_text(value: Any) -> str:
    """How JSON columns are written (every engine's `json_serializer`): exactly as the
    API's responses write JSON (orjson: compact, keys in the given order, UTF-8 as is, its
    float forms). PostgreSQL's `json` keeps this text as is, so the compiled read path
    sends a stored value's text unchanged (resolvers.compiled.sql_text, "JSON") and it is
    byte-identical to the resolvers' answer, which parses it and writes it again.

    Raises TypeError for what JSON cannot carry here (integers beyond 64 bits): writes
    check values first with `json_problem`."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def json_problem(value: Any) -> str | None:
    """Why a value cannot be stored as JSON (and read back alike), or None."""
    try:
        json_text(value)
    except TypeError as error:
        return f"it cannot be stored as JSON ({error})"
    return None


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: give a UTC offset")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Money(sa.types.TypeDecorator[Decimal]):
    """Exact two-decimal money, stored as integer cents so sums stay exact on SQLite."""

    impl = sa.BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        cents = Decimal(value) * 100
        if cents != cents.to_integral_value():
            raise ValueError("money has at most two decimal places")
        return int(cents)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / 100).quantize(MONEY_QUANTUM)


def enum_column(enum: type[Enum], name: str) -> sa.Enum:
    """A VARCHAR with a CHECK constraint: no native PostgreSQL enum to migrate."""
    return sa.Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
        # 16 unless a value is longer: the columns that existed before keep their width.
        length=max(16, *(len(member.value) for member in enum)),
    )


def fold_case(text: str) -> str:
    """Lower case exactly as PostgreSQL's lower() (libc, UTF-8) does: letter by letter.

    Python's str.lower() differs in two places only, both fixed here: `İ` becomes `i`
    (not `i` + combining dot) and capital sigma always becomes small sigma U+03C3
    (never the final sigma U+03C2). `ß` stays `ß`. SQLite's lower() is this function
    too (api/db.py), so a search or a lookup folds case the same way on both databases.
    Checked against PostgreSQL 15's lower() (C.UTF-8) on every printable code point.
    """
    return text.replace("\u0130", "i").replace("\u03a3", "\u03c3").lower()


# The moment a customer's stored health was never computed: due for the scheduler at once.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_clock: Callable[[], datetime] | None = None


def utc_now() -> datetime:
    """The server's "now"; a test may set another clock with `set_clock`."""
    return _clock() if _clock is not None else datetime.now(UTC)


def set_clock(clock: Callable[[], datetime] | None) -> None:
    """Test hook: every "now" of this process (writes, reads, the scheduler) comes from
    `clock` until it is set back to None (the system clock)."""
    global _clock
    _clock = clock
