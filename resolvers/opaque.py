"""Opaque values a client holds and hands back: connection cursors and global ids.

Each Python encoding (what the resolver path writes) sits beside its SQL twin (what the
compiled read path's statement writes), so both paths give the same bytes.
"""

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from resolvers.compiled.sql_values import concat, datetime_isoformat, literal, money_json
from resolvers.errors import InputError

if TYPE_CHECKING:
    from resolvers.pagination import Ordering, ValueKind


# ------------------------------------------------------------------ cursors
def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    return value


# The widest values a sort key can hold: int keys are SQL `integer` (ranks, scores);
# money is kept in cents as `bigint`. A cursor beyond them was not made by a list.
MAX_INT = 2**31 - 1
MAX_MONEY = Decimal(2**63 - 1) / 100


def _decode_value(value: Any, kind: "ValueKind") -> Any:
    # Every kind but int is written as a JSON string; no stored text holds a NUL.
    if kind != "int" and (not isinstance(value, str) or "\x00" in value):
        raise ValueError("not a string a list wrote")
    if kind == "datetime":
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("naive datetime")
        return parsed.astimezone(UTC)  # OverflowError for an instant before year 1
    if kind == "uuid":
        return uuid.UUID(value)
    if kind == "decimal":
        amount = Decimal(value)
        if not amount.is_finite() or abs(amount) > MAX_MONEY:
            raise ValueError("no money value a list holds")
        return amount
    if kind == "int":
        # bool is an int to Python, not to a cursor; int keys are 4-byte SQL integers.
        if not isinstance(value, int) or isinstance(value, bool) or abs(value) > MAX_INT:
            raise ValueError("not an int")
        return value
    return value


def encode_cursor(ordering: "Ordering", values: Sequence[Any]) -> str:
    # Non-ASCII stays as is, as PostgreSQL's to_json writes it on the compiled path.
    payload = json.dumps(
        [ordering.name, [_encode_value(v) for v in values]],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, ordering: "Ordering") -> tuple[Any, ...]:
    refusal = InputError(
        "after",
        "`after` must be an `endCursor` or edge `cursor` returned by this same connection "
        "with the same order; this one is not.",
        code="INVALID_CURSOR",
    )
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        name, raw = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if name != ordering.name or len(raw) != len(ordering.keys):
            raise refusal
        return tuple(_decode_value(v, k.kind) for v, k in zip(raw, ordering.keys, strict=True))
    except (ValueError, TypeError, ArithmeticError, binascii.Error, UnicodeDecodeError) as error:
        raise refusal from error


CURSOR_VALUE: dict[str, Callable[[str], str]] = {
    "datetime": lambda v: f"""('"' || {datetime_isoformat(v)} || '"')""",
    "uuid": lambda v: f"""('"' || {v}::text || '"')""",
    "int": lambda v: f"({v})::text",
    "str": lambda v: f"to_json({v})::text",
    "decimal": money_json,
}


def _base64_sql(text_sql: str) -> str:
    """PostgreSQL's base64 of SQL text's UTF-8 bytes, a line break every 76 characters."""
    return f"encode(convert_to({text_sql}, 'UTF8'), 'base64')"


def base64url(text_sql: str) -> str:
    """Python's urlsafe_b64encode(...).rstrip("="): replace() chains cost half of translate()."""
    encoded = _base64_sql(text_sql)
    return f"rtrim(replace(replace(replace({encoded}, E'\\n', ''), '+', '-'), '/', '_'), '=')"


def cursor_json(ordering: "Ordering", scope: str) -> str:
    """encode_cursor in SQL, from the scope's `_s<i>` sort columns."""
    values: list[str | tuple[str]] = [("[" + json.dumps(ordering.name) + ",[",)]
    for index, key in enumerate(ordering.keys):
        if index:
            values.append((",",))
        values.append(CURSOR_VALUE[key.kind](f"{scope}._s{index}"))
    values.append(("]]",))
    return concat([('"',), base64url(concat(values)), ('"',)])


# ------------------------------------------------------------------ global ids
def raw_global_id(raw: str) -> str:
    """The opaque form of a "Type:uuid" string (as the audit log stores them)."""
    return base64.b64encode(raw.encode()).decode()


def raw_global_id_sql(raw: str) -> str:
    """raw_global_id in SQL, of SQL text `raw` (base64 in one line: PostgreSQL's `encode`
    breaks lines every 76 characters)."""
    return f"replace({_base64_sql(raw)}, E'\\n', '')"


def global_id(type_name: str, key: uuid.UUID) -> str:
    return raw_global_id(f"{type_name}:{key}")


def from_global_id(value: str, argument: str) -> tuple[str, uuid.UUID]:
    """Splits a global id; raises a clear input error naming `argument` when malformed."""
    try:
        type_name, _, key = base64.b64decode(value, validate=True).decode().partition(":")
        return type_name, uuid.UUID(key)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InputError(
            argument,
            f"`{argument}` is not a cx360 id; pass an `id` value read from this API "
            '(base64 of "Type:uuid").',
            code="INVALID_ID",
        ) from None


def global_id_json(type_name: str, scope: str, column: str = "id") -> str:
    """global_id in SQL (base64 of `Type:uuid`, the uuid in the scope's `column`), as a
    JSON string."""
    prefix = literal(f"{type_name}:")
    # Type names are short: "Type:uuid" stays under 57 bytes, one line of base64.
    return f"""('"' || {_base64_sql(f"{prefix} || {scope}.{column}::text")} || '"')"""
