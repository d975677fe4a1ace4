"""All SQL text of the compiled read path: values, relations, connections, the timeline.

The compiler (schema/compiled/compiler.py) walks the query and builds its statement only
from these. Each piece is the SQL twin of what the resolver path does in Python
(Ordering.after, the JSON of a Decimal or a float), so both paths give the same bytes;
cursors and global ids have theirs in resolvers/opaque.py, the value text both use is
resolvers/compiled/sql_values.py. Every value is a bind parameter (`placeholder`);
identifiers come from the models and the schema, never from a request.
"""

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from resolvers.compiled.forms import NOW, UNANSWERED
from resolvers.compiled.sql_values import literal, money_json
from resolvers.filters import column_sql
from resolvers.pagination import SortKey


def column_ref(scope: str, column: str) -> str:
    """`scope.column`: a column of the row a scope (named after its table) stands for."""
    return f"{scope}.{column}"


def placeholder(number: int, sql_type: str) -> str:
    """The statement's `number`-th bind parameter (from 1), cast to `sql_type`."""
    return f"${number}::{sql_type}"


AFTER_TYPES = {
    "datetime": "timestamptz",
    "uuid": "uuid",
    "int": "int",
    "str": "text",
    "decimal": "bigint",
}


def after_value(kind: str, value: Any) -> Any:
    return int(value * 100) if kind == "decimal" else value


def sort_sql(key: SortKey) -> str:
    return key.sql or column_sql(key.expression)


def order_sql(keys: Iterable[tuple[str, bool]]) -> str:
    return ", ".join(f"{expr} {'DESC' if descending else 'ASC'}" for expr, descending in keys)


def columns_read(table: str, body: str, key: Sequence[str] = ("id",)) -> list[str]:
    """The columns of `table` that SQL text reads, its primary `key` always (children
    correlate on it).

    Scopes are named after their tables, so `table.column` finds them; a nested scope of
    the same table can only add columns, which is harmless.
    """
    found = set(re.findall(rf"\b{table}\.([a-z][a-z0-9_]*)", body))
    return sorted(found | set(key))


# ------------------------------------------------------------------ values
def data_statement(body: str) -> str:
    """The statement whose one text value is the response's `data` JSON."""
    return "SELECT " + body


def uses_clock(sql: str) -> bool:
    """Whether SQL text reads the request's clock (`forms.NOW`)."""
    return NOW in sql


def at_clock(sql: str, clock: str) -> str:
    """SQL text with the request's clock (`forms.NOW`) read from the `clock` parameter."""
    return sql.replace(NOW, clock)


def or_null(value: str) -> str:
    """JSON `null` where the SQL value is NULL."""
    return f"coalesce({value}, 'null')"


def read_marked(mark: str, rendered: str) -> str:
    """A value's JSON text after the read audit's mark (resolvers.read_audit.mark_sql),
    which resolvers.read_audit.unmark takes out before the text is sent."""
    return f"({mark} || {rendered})"


def _float_json(value: str) -> str:
    """A float8 as the resolver path writes it (orjson), by the database function of
    migration 8e5b3d7a2c16 (its docstring says how): built once per session, where the
    same expression in the statement was built at every execution."""
    return f"cx360_float_json(({value})::float8)"


def _to_json(value: str) -> str:
    return f"to_json({value})::text"


def _stored_json(value: str) -> str:
    # A `json` column's text as stored: JSON columns are written as the responses write
    # JSON (models.types.json_text), and PostgreSQL's `json` keeps the text as given.
    return f"({value})::text"


# By GraphQL scalar name ("enum" for any enum), exactly as the resolver path serializes it.
SCALAR_JSON: dict[str, Callable[[str], str]] = {
    "JSON": _stored_json,
    "enum": _to_json,
    "String": _to_json,
    "ID": _to_json,
    "DateTime": _to_json,
    "Int": lambda value: f"({value})::bigint::text",
    "Boolean": lambda value: f"({value})::text",
    "Decimal": money_json,
    "Float": _float_json,
}


# ------------------------------------------------------------------ relations
def survivor(key: str) -> str:
    """The customer a (possibly merged) customer id stands for now."""
    return f"(SELECT coalesce(m.merged_into_id, m.id) FROM customer AS m WHERE m.id = {key})"


# The scope of each id of `nodes(ids:)`: its type name, key and place in the list.
NODE_REF = "node_ref"


def by_type(type_name: str, branches: dict[str, str | None]) -> str:
    """The branch of the type `type_name` (SQL text) names; a None branch the marker
    that leaves the answer to the resolvers; a name of no branch JSON `null`."""
    whens = " ".join(
        f"WHEN {literal(name)} THEN {literal(UNANSWERED) if sql is None else sql}"
        for name, sql in branches.items()
    )
    return f"(CASE {type_name} {whens} ELSE 'null' END)"


def by_type_array(each: str, type_names: str, keys: str) -> str:
    """A JSON array of `each` (reading `node_ref.type_name` and `node_ref.key`) for the
    pairs of the two array parameters, in their order."""
    return (
        f"coalesce((SELECT '[' || string_agg({each}, ',' ORDER BY {NODE_REF}.ord) || ']' "
        f"FROM unnest({type_names}, {keys}) WITH ORDINALITY AS {NODE_REF}(type_name, key, ord)"
        "), '[]')"
    )


def row_by_id(
    body: str, table: str, key: str, column: str = "id", where: Sequence[str] = ()
) -> str:
    """`body` built from the row of `table` whose `column` (unique: its id by default) is
    `key` and that matches `where` (NULL when there is none)."""
    conditions = " AND ".join([f"{table}.{column} = {key}", *where])
    return f"(SELECT {body} FROM {table} WHERE {conditions})"


def child_of(column: str, scope: str) -> str:
    """Rows whose `column` (`table.parent_key`) points at the scope's row."""
    return f"{column} = {scope}.id"


def embedded_object(
    body: str,
    source: str | None,
    name: str,
    present: str | None,
    nullable: bool,
) -> str:
    """An object (`body`) read from the scope's row or from `source`, a one-row FROM item
    named `name`; null where `present` is false."""
    if source is not None:
        body = f"(SELECT {body} FROM {source} AS {name})"
    if present is not None:
        body = f"CASE WHEN {present} THEN {body} END"
    if nullable:
        body = or_null(body)
    return body


def from_items(body: str, sources: Sequence[str]) -> str:
    """`body` read from one-row FROM items (`(SELECT ...) AS name`); none: `body` alone."""
    return f"(SELECT {body} FROM {', '.join(sources)})" if sources else body


def json_array(body: str, rows: str, order: str) -> str:
    """A JSON array of `body` over the rows of FROM text `rows`, in `order`."""
    return (
        f"coalesce((SELECT '[' || string_agg({body}, ',' ORDER BY {order}) || ']' "
        f"FROM {rows}), '[]')"
    )


def named_rows_array(body: str, source: str, name: str, order: str) -> str:
    """A JSON array of `body` over the rows of FROM item `source` named `name`."""
    return json_array(body, f"{source} AS {name}", order)


def rows_array(body: str, table: str, order_by: Iterable[str], where: str, beside: str = "") -> str:
    """A JSON array of `body` over the rows of `table` matching `where`, in column order;
    `beside`: FROM text of one more item (`parent_of`)."""
    rows = f"{table}{beside} WHERE {where}"
    return json_array(body, rows, ", ".join(f"{table}.{c}" for c in order_by))


# The name of the scope's id taken before a table of the same name hides the scope.
PARENT = "cx360_parent"


def parent_of(scope: str) -> str:
    """FROM text of the scope row's id as `PARENT.id`, for a list of rows of the scope's own
    table (the customers merged into a customer): inside `FROM customer`, `customer.id`
    names the inner row, but a subquery in FROM without LATERAL cannot see its siblings,
    so its `scope.id` is still the outer row's."""
    return f", (SELECT {scope}.id AS id) AS {PARENT}"


# ------------------------------------------------------------------ connections
def page_edges(body: str, table: str, first: str) -> str:
    """A page's `edges` array, aggregated over the ranked rows (`_n`) of `table`."""
    return (
        f"coalesce('[' || string_agg({body}, ',' ORDER BY {table}._n) "
        f"FILTER (WHERE {table}._n <= {first}) || ']', '[]')"
    )


def page_info_fields(table: str, cursor: str, first: str, has_previous: bool) -> dict[str, str]:
    """`pageInfo`'s fields over the ranked rows of `table` (resolvers.pagination.Page)."""
    return {
        "hasNextPage": f"(count(*) > {first})::text",
        "hasPreviousPage": literal("true" if has_previous else "false"),
        # The cursor of one row only (CASE is lazy): the first, and the last shown
        # (`_total` counts the rows before the page's LIMIT).
        "startCursor": f"coalesce(max(CASE WHEN {table}._n = 1 THEN {cursor} END), 'null')",
        "endCursor": (
            f"coalesce(max(CASE WHEN {table}._n = least({table}._total, {first}) "
            f"THEN {cursor} END), 'null')"
        ),
    }


def total_text(total: str) -> str:
    return f"({total})::text"


def after_condition(keys: Sequence[str], values: Sequence[str], descending: Sequence[bool]) -> str:
    """Rows strictly after the cursor's row (resolvers.pagination.Ordering.after)."""
    if len(set(descending)) == 1:
        operator = "<" if descending[0] else ">"
        return f"({', '.join(keys)}) {operator} ({', '.join(values)})"
    clauses = []
    for i, down in enumerate(descending):
        equal = [f"{keys[j]} = {values[j]}" for j in range(i)]
        beyond = f"{keys[i]} {'<' if down else '>'} {values[i]}"
        clauses.append("(" + " AND ".join([*equal, beyond]) + ")")
    return "(" + " OR ".join(clauses) + ")"


def count_where(table: str, where: Sequence[str]) -> str:
    return f"SELECT count(*) FROM {table} WHERE {' AND '.join(where) or 'true'}"


def any_of(alternatives: Sequence[str]) -> str:
    """Rows matching any of the alternatives (none: no row)."""
    return "(" + " OR ".join(alternatives or ["false"]) + ")"


def sum_of_counts(counts: Sequence[tuple[str, Sequence[str]]]) -> str:
    """The rows of every (table, where), counted apart and summed (no row is in two):
    each count can use its own index (resolvers.pagination.count_rows_apart)."""
    return " + ".join(f"({count_where(t, w)})" for t, w in counts) or "0"


def connection_sql(
    body: str,
    table: str,
    keys: Sequence[str],
    descending: Sequence[bool],
    where: Sequence[str],
    first: str,
    branches: Sequence[str] = (),
    primary_key: Sequence[str] = ("id",),
) -> str:
    """A connection of `table`'s rows (`primary_key`: its columns): `body` aggregated over
    the page, ranked by `keys`; with `branches` (conditions, resolvers.listing
    .SplitByValue), the page of each branch, then the page of those."""
    order = order_sql(zip(keys, descending, strict=True))
    page_keys = [f"page._s{i}" for i in range(len(keys))]
    page_order = order_sql(zip(page_keys, descending, strict=True))
    sorts = ", ".join(f"{k} AS _s{i}" for i, k in enumerate(keys))
    # Only the columns the selection reads (narrow rows sort fast); the page is cut
    # by LIMIT first, so the ranks are computed over at most first + 1 rows.
    columns = ", ".join(f"{table}.{c}" for c in columns_read(table, body, primary_key))
    conditions = " AND ".join(where) or "true"
    limited = (
        f"SELECT {columns}, {sorts} FROM {table} WHERE {conditions} "
        f"ORDER BY {order} LIMIT {first} + 1"
    )
    if branches:
        pages = " UNION ALL ".join(
            f"(SELECT {columns}, {sorts} FROM {table} WHERE {conditions} AND {branch} "
            f"ORDER BY {order} LIMIT {first} + 1)"
            for branch in branches
        )
        limited = f"SELECT * FROM ({pages}) AS page ORDER BY {page_order} LIMIT {first} + 1"
    rows = (
        f"SELECT page.*, row_number() OVER (ORDER BY {page_order}) AS _n, "
        f"count(*) OVER () AS _total FROM ({limited}) AS page"
    )
    # GROUP BY (): one row even when only non-aggregates (totalCount) are selected.
    return f"(SELECT {body} FROM ({rows}) AS {table} GROUP BY ())"


# ------------------------------------------------------------------ the timeline
TIMELINE_SCOPE = "timeline_event"
TIMELINE_OCCURRED_AT = "to_json(timeline_event._s0)::text"


def timeline_node(index: int) -> str:
    """The `index`-th selection of a timeline edge's node, built by every branch."""
    return f"timeline_event._node{index}"


def timeline_total(counts: Sequence[tuple[str, Sequence[str]]]) -> str:
    """The events of every (table, where) branch, counted apart and summed."""
    return sum_of_counts(counts)


def timeline_branch(
    occurred: str, rank: int, table: str, nodes: Sequence[str], where: Sequence[str], first: str
) -> str:
    """One kind's newest `first + 1` events: time, kind rank and id (the cursor) and nodes."""
    built = "".join(f", {c} AS _node{i}" for i, c in enumerate(nodes))
    return (
        f"(SELECT {occurred} AS _s0, {rank} AS _s1, {table}.id AS _s2{built} FROM {table} "
        f"WHERE {' AND '.join(where)} ORDER BY {occurred} DESC, {table}.id DESC "
        f"LIMIT {first} + 1)"
    )


def timeline_sql(body: str, branches: Sequence[str], first: str) -> str:
    """The timeline connection: `body` aggregated over the newest page of all branches."""
    order = "_s0 DESC, _s1 DESC, _s2 DESC"
    rows = (
        f"SELECT u.*, row_number() OVER (ORDER BY {order}) AS _n, count(*) OVER () AS _total "
        f"FROM ({' UNION ALL '.join(branches)}) AS u ORDER BY {order} LIMIT {first} + 1"
    )
    return f"(SELECT {body} FROM ({rows}) AS {TIMELINE_SCOPE} GROUP BY ())"
