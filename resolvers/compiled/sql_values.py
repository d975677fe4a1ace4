"""SQL text of JSON values that other SQL text is built from: literals, concatenation, money
and timestamps, written as the resolver path's Python writes them."""

from collections.abc import Iterable


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


def string_list_json(column: str) -> str:
    """The JSON array of strings in a `json` column, written as the responses write it
    (compact, in stored order), however the stored text was spaced."""
    return (
        "array_to_json(ARRAY(SELECT v.item FROM json_array_elements_text("
        f"{column}) WITH ORDINALITY AS v(item, n) ORDER BY v.n))::text"
    )
