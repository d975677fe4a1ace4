"""SQL text for the compiled read path: literals, JSON text of values, cursors, orderings.

The compiler (schema/compiled/compiler.py) builds its statement from these; each is the
SQL twin of what the resolver path does in Python (resolvers.pagination.encode_cursor,
Python's `datetime.isoformat()`, the JSON of a Decimal), so both paths give the same bytes.
"""

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from resolvers.filters import column_sql
from resolvers.pagination import Ordering, SortKey


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def concat(parts: Iterable[str | tuple[str]]) -> str:
    """SQL concatenation of parts; literal text comes as 1-tuples and is merged."""
    pieces: list[str] = []
    pending = ""
    for part in parts:
        if isinstance(part, tuple):
            pending += part[0]
            continue
        if pending:
            pieces.append(literal(pending))
            pending = ""
        pieces.append(part)
    if pending:
        pieces.append(literal(pending))
    return "(" + " || ".join(pieces) + ")"


def money_json(cents: str) -> str:
    return f"""('"' || (({cents})::numeric / 100)::numeric(20, 2)::text || '"')"""


def datetime_isoformat(value: str) -> str:
    """Python's `datetime.isoformat()` of a UTC timestamptz (cursor values use it)."""
    return (
        f"(to_char({value} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
        f"CASE WHEN date_trunc('second', {value}) = {value} THEN '' "
        f"ELSE to_char({value} AT TIME ZONE 'UTC', '.US') END || '+00:00')"
    )


CURSOR_VALUE: dict[str, Callable[[str], str]] = {
    "datetime": lambda v: f"""('"' || {datetime_isoformat(v)} || '"')""",
    "uuid": lambda v: f"""('"' || {v}::text || '"')""",
    "int": lambda v: f"({v})::text",
    "str": lambda v: f"to_json({v})::text",
    "decimal": money_json,
}
AFTER_TYPES = {
    "datetime": "timestamptz",
    "uuid": "uuid",
    "int": "int",
    "str": "text",
    "decimal": "bigint",
}


def after_value(kind: str, value: Any) -> Any:
    return int(value * 100) if kind == "decimal" else value


def base64url(text_sql: str) -> str:
    """Python's urlsafe_b64encode(...).rstrip("="): replace() chains cost half of translate()."""
    encoded = f"encode(convert_to({text_sql}, 'UTF8'), 'base64')"
    return f"rtrim(replace(replace(replace({encoded}, E'\\n', ''), '+', '-'), '/', '_'), '=')"


def cursor_json(ordering: Ordering, scope: str) -> str:
    """resolvers.pagination.encode_cursor in SQL, from the scope's `_s<i>` sort columns."""
    values: list[str | tuple[str]] = [("[" + json.dumps(ordering.name) + ",[",)]
    for index, key in enumerate(ordering.keys):
        if index:
            values.append((",",))
        values.append(CURSOR_VALUE[key.kind](f"{scope}._s{index}"))
    values.append(("]]",))
    return concat([('"',), base64url(concat(values)), ('"',)])


def sort_sql(key: SortKey) -> str:
    return key.sql or column_sql(key.expression)


def order_sql(keys: Iterable[tuple[str, bool]]) -> str:
    return ", ".join(f"{expr} {'DESC' if descending else 'ASC'}" for expr, descending in keys)


def columns_read(table: str, body: str) -> list[str]:
    """The columns of `table` that SQL text reads, the id always (children correlate on it).

    Scopes are named after their tables, so `table.column` finds them; a nested scope of
    the same table can only add columns, which is harmless.
    """
    found = set(re.findall(rf"\b{table}\.([a-z][a-z0-9_]*)", body))
    return sorted(found | {"id"})
