"""The SQL forms GraphQL fields declare, beside the field, for the compiled read path.

A schema field states how it reads in SQL with `strawberry.field(metadata=sql(...))`;
a plain field of a type registered with `sql_table(Model)` needs nothing: its column
comes from the model mapping. A field with neither has no SQL form, and a query
selecting it is answered by the resolvers.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

from models import Role
from resolvers.filters import column_sql, condition_sql
from resolvers.listing import Listing
from resolvers.pagination import ListRequest

SQL_FORM = "cx360.sql"
SQL_MODEL = "__sql_model__"
SQL_NODE_KEY = "__sql_node_key__"
ClassT = TypeVar("ClassT", bound=type)


@dataclass(frozen=True)
class CompileContext:
    """What a plan may depend on besides the document: the key's role and the moment;
    and what a request binds without changing the plan: the key's name (`FromRequest`)."""

    role: Role
    now: datetime
    key_name: str = ""


@dataclass(frozen=True)
class Column:
    """A column of the scope's table under another name than the field's."""

    attribute: str


# In SQL text of forms and filters: the request's clock (`CompileContext.now`), bound as
# a parameter of every request, as the resolvers read `Context.now`.
NOW = "{cx360_now}"
# In a compiled answer: a part only the resolvers can give (`ByGlobalId`). JSON text
# from data never holds a raw control character (they are escaped); the read audit's
# marks (resolvers.read_audit.MARK_START, MARK_END) use two others.
UNANSWERED = "\x03cx360:unanswered"


@dataclass(frozen=True)
class Expression:
    """A value computed in SQL from the scope's row (`table.column` references, `NOW`).

    `json`: the SQL gives the field's JSON text itself (lists), not a value to render.
    """

    sql: str
    json: bool = False


@dataclass(frozen=True)
class Embedded:
    """An object read from the scope's own row, or from `source`: SQL text of a one-row
    FROM item correlated to the scope, named `name` (its fields read `name.column`).

    `present`: SQL condition; where false the (nullable) field is null.
    """

    source: str | None = None
    name: str | None = None
    present: str | None = None


@dataclass(frozen=True)
class ToOne:
    """The row of `model` whose `target_key` column (its id by default) holds the value of
    the scope's `key` column: a ticket's customer, or with `key="id"` and `target_key`
    naming a unique column, the one row pointing back at the scope (a ticket's follow-up);
    null where no row meets `where`."""

    model: type
    key: str
    follow_merges: bool = False
    target_key: str = "id"
    # Constant SQL conditions the row must meet, or the field is null (an erased customer).
    where: tuple[str, ...] = ()


@dataclass(frozen=True)
class ListOf:
    """Every row of `model` pointing at the scope's row and matching `where` (constant
    SQL conditions, as `condition_sql` writes them), in `order_by` order."""

    model: type
    parent_key: str
    order_by: tuple[str, ...]
    where: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rows:
    """A list of objects, one per row of `source` (SQL text of a FROM item: a table, or a
    parenthesized SELECT), named `name`; its fields read `name.column` (their own columns
    when the type is `sql_table`'s, or an `Expression`), in `order` (SQL text over `name`)."""

    source: str
    name: str
    order: str


@dataclass(frozen=True)
class ConnectionOf:
    """A paginated list of `listing`'s records; under the listing's `parent` kind (e.g.
    "customer") when given. The model, the parent's column and the conditions that always
    apply come from the listing, the same ones the resolver path reads with."""

    listing: Listing[Any]
    request: Callable[[dict[str, Any], CompileContext], ListRequest]
    parent: str | None = None
    # The read audit's own list: this process's pending entries are written before the
    # statement runs, as its resolver does (the fast path leaves it to the full pipeline).
    writes_pending_read_audit: bool = False

    @property
    def model(self) -> type:
        return self.listing.entity

    @property
    def parent_column(self) -> str | None:
        """`table.column` of the parent's id, or None for a root list."""
        return None if self.parent is None else column_sql(self.listing.parents[self.parent])

    @property
    def where(self) -> tuple[str, ...]:
        return tuple(condition_sql(condition) for condition in self.listing.always)


@dataclass(frozen=True)
class Lookup:
    """One row of `model` by a key computed from the arguments.

    `key_sql` is SQL text where `{0}`, `{1}`... are the parameters `keys` returns, typed
    by `key_types`; merged customers give way to their survivor when `follow_merges`.
    """

    model: type
    keys: Callable[[dict[str, Any], CompileContext], tuple[Any, ...]]
    key_types: tuple[str, ...]
    key_sql: str = "{0}"
    follow_merges: bool = False


@dataclass(frozen=True)
class TimelineOf:
    """The customer's timeline: a union over several tables (resolvers.timeline)."""

    request: Callable[[dict[str, Any], CompileContext], ListRequest]


class FromRequest(Enum):
    """A value a `Known` object takes from each request's key (a `CompileContext` field),
    bound as a text parameter: one plan serves every key of its role."""

    KEY_NAME = "key_name"


@dataclass(frozen=True)
class Known:
    """An object, or a list of objects, known without reading a table (the caller's key,
    constants): `values` gives each object's field values by Python name, the same for
    every request of a plan (the role, constants), or a `FromRequest` marker. Its fields
    are leaves, written into the statement as the JSON the resolvers send."""

    values: Callable[[CompileContext], dict[str, Any] | list[dict[str, Any]]]


@dataclass(frozen=True)
class ByGlobalId:
    """Objects of an interface by global id (`node`, `nodes`): `ids` gives the (type name,
    key) pair from the arguments, or a list of them. Each type of the interface with a
    table (`sql_table`) reads its row; in `follow_merges`, a merged id its survivor's. A
    type `readable(role, type)` refuses, one without a table, or one whose selection has
    no SQL form, is left to the resolvers for that request (an error, or a lookup of
    their own); a name of no type of the interface reads as null, as they do."""

    ids: Callable[
        [dict[str, Any], CompileContext], tuple[str, uuid.UUID] | list[tuple[str, uuid.UUID]]
    ]
    readable: Callable[[Role, str], bool]
    follow_merges: tuple[str, ...] = ()


def part_marker(name: str) -> str:
    """In SQL text of `Aggregates` sources: the scope's part `name`, which the compiler
    binds to each request's value (like `NOW`)."""
    return "{cx360_part_" + name + "}"


@dataclass(frozen=True)
class Aggregates:
    """An object of figures aggregated over records in a window and filters that the
    field's arguments give (metrics): of the scope's row when `of_parent` (its `id`), or
    of every record at the root.

    `scope` builds the arguments (an error declines: the resolvers answer it); `parts`
    gives the built scope's given parts, by name: (SQL type, bind value). Which parts are
    given shapes the SQL; their values are bind parameters. `sources(body, given,
    parent)` gives SQL text of the one-row FROM items the object's `body` reads (its
    fields read `item.figure`), the given parts written as `part_marker(name)`.

    `rows`: a list of objects read from the figures (the journey funnel's steps) or from
    rows of their own (the journey pain points): `rows(body, given)` is SQL text of the
    JSON array of `body` (one object) over the rows it names, for the `given` parts; or
    the one object's own SQL from `body` (a customer's health: stored or computed).
    """

    scope: Callable[[dict[str, Any], CompileContext], Any]
    parts: Callable[[Any], dict[str, tuple[str, Any]]]
    sources: Callable[[str, frozenset[str], str | None], list[str]]
    of_parent: bool = False
    rows: Callable[[str, frozenset[str]], str] | None = None


@dataclass(frozen=True)
class Series:
    """A list of objects, one per bucket of a window (the metrics series), each with an
    `Aggregates` object of its bucket's window in its field `figures`.

    `aggregates.scope` builds the scope and its buckets again for every request (they
    may depend on its clock); `aggregates.parts` binds both (the buckets as arrays);
    `rows(body)` is SQL text of the JSON array of `body` (one bucket's object) over the
    buckets, reading the parts' markers; `aggregates.sources` gives the FROM items of
    one bucket's figures.
    """

    aggregates: Aggregates
    rows: Callable[[str], str]
    figures: str


SqlForm = (
    Column
    | Expression
    | Embedded
    | ToOne
    | ListOf
    | Rows
    | ConnectionOf
    | Lookup
    | TimelineOf
    | Known
    | ByGlobalId
    | Aggregates
    | Series
)


def sql(form: SqlForm) -> dict[str, SqlForm]:
    """Field metadata declaring the field's SQL form."""
    return {SQL_FORM: form}


@dataclass(frozen=True)
class NodeKey:
    """How `node(id:)` finds a type's row: the uuid of its global id is in `column`, and
    only rows matching `where` (constant SQL conditions) are found."""

    column: str = "id"
    where: tuple[str, ...] = ()


def sql_table(model: type, node_key: NodeKey | None = None) -> Callable[[ClassT], ClassT]:
    """Registers the table a GraphQL type reads from; its plain fields map to columns.
    `node_key`: where its global id's uuid is, when not in the `id` column."""

    def register(cls: ClassT) -> ClassT:
        setattr(cls, SQL_MODEL, model)
        setattr(cls, SQL_NODE_KEY, node_key or NodeKey())
        return cls

    return register
