"""Keyset pagination: ordering specs, page requests and per-parent top-N windows (the
cursors themselves are written and read in resolvers/opaque.py).

Every connection pages by a total order ending in the primary key, so cursors stay
stable while rows are added. Child connections of many parents are fetched in one
statement with `row_number() OVER (PARTITION BY parent ...)`.
"""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, QueryableAttribute
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Select

from resolvers.errors import InputError
from resolvers.opaque import decode_cursor, encode_cursor

if TYPE_CHECKING:
    from resolvers.filters import Filter

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

T = TypeVar("T")


class HasId(Protocol):
    id: uuid.UUID


IdT = TypeVar("IdT", bound=HasId)
Sessions = async_sessionmaker[AsyncSession]
ValueKind = Literal["datetime", "uuid", "str", "int", "decimal"]
# A column or an ORM attribute (sqlmodel's `col(Model.field)`): anything SQL can order by.
Expr = ColumnElement[Any] | QueryableAttribute[Any] | Mapped[Any]


def _sql_type(expression: Expr) -> Any:
    """The SQL type of a column or ORM attribute, so cursor values bind like column values."""
    return sa.select(expression).selected_columns[0].type


@dataclass(frozen=True)
class SortKey:
    expression: Expr
    descending: bool
    kind: ValueKind
    # The expression as SQL text for the compiled read path; plain columns need none.
    sql: str | None = None


@dataclass(frozen=True)
class Ordering:
    """A total order; `name` is written into cursors so one order's cursor is refused by another."""

    name: str
    keys: tuple[SortKey, ...]

    def order_by(self) -> list[ColumnElement[Any]]:
        return [k.expression.desc() if k.descending else k.expression.asc() for k in self.keys]

    def labelled(self) -> list[ColumnElement[Any]]:
        return [k.expression.label(f"sort_{i}") for i, k in enumerate(self.keys)]

    def after(self, values: Sequence[Any]) -> ColumnElement[bool]:
        """Rows strictly after the row whose sort values are `values`."""
        if len({k.descending for k in self.keys}) == 1:
            left = sa.tuple_(*(k.expression for k in self.keys))
            right = sa.tuple_(
                *(
                    sa.literal(v, _sql_type(k.expression))
                    for k, v in zip(self.keys, values, strict=True)
                )
            )
            return left < right if self.keys[0].descending else left > right
        clauses = []
        for i, key in enumerate(self.keys):
            equal = [self.keys[j].expression == values[j] for j in range(i)]
            beyond = key.expression < values[i] if key.descending else key.expression > values[i]
            clauses.append(sa.and_(*equal, beyond))
        return sa.or_(*clauses)


def newest_first(name: str, moment: Expr, key: Expr) -> Ordering:
    """The usual order of a record list: most recent first, ties by id."""
    return Ordering(name, (SortKey(moment, True, "datetime"), SortKey(key, True, "uuid")))


def within(moment: Expr, start: datetime | None, end: datetime | None) -> list[ColumnElement[bool]]:
    """`start <= moment < end`, either end open: the half-open windows used everywhere."""
    conditions: list[ColumnElement[bool]] = []
    if start is not None:
        conditions.append(moment >= start)
    if end is not None:
        conditions.append(moment < end)
    return conditions


@dataclass(frozen=True)
class PageRequest:
    first: int
    after: tuple[Any, ...] | None = None


@dataclass
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool


def page_request(first: int | None, after: str | None, ordering: Ordering) -> PageRequest:
    size = DEFAULT_PAGE_SIZE if first is None else first
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InputError(
            "first",
            f"`first` must be between 1 and {MAX_PAGE_SIZE} (got {first}); default is "
            f"{DEFAULT_PAGE_SIZE}. Page on with `after: <endCursor>`.",
        )
    return PageRequest(
        first=size, after=decode_cursor(after, ordering) if after is not None else None
    )


@dataclass(frozen=True)
class ListRequest:
    """One page of a list, as both read paths take it from the field's arguments."""

    query: Any
    filters: "Sequence[Filter]"
    ordering: Ordering
    page: PageRequest


def page_from_rows(rows: Sequence[Any], page: PageRequest, ordering: Ordering) -> Page[Any]:
    """Rows are (entity, *sort values), `first + 1` of them at most: the extra one means more."""
    visible = rows[: page.first]
    return Page(
        items=[row[0] for row in visible],
        cursors=[encode_cursor(ordering, row[1 : 1 + len(ordering.keys)]) for row in visible],
        has_next_page=len(rows) > page.first,
        has_previous_page=page.after is not None,
    )


async def fetch_source_page(
    sessions: Sessions,
    entity: type[T],
    source: Callable[[Any], Any],
    ordering: Ordering,
    page: PageRequest,
) -> Page[T]:
    """The requested page of `entity` rows that `source` keeps: `source` takes a select of
    (entity, *sort values) and adds its joins and conditions; the keyset `after`, the order and
    the `first + 1` limit are added here."""
    record = record_columns(entity)
    statement = source(sa.select(*record, *ordering.labelled()))
    if page.after is not None:
        statement = statement.where(ordering.after(page.after))
    statement = statement.order_by(*ordering.order_by()).limit(page.first + 1)
    async with sessions() as session:
        rows = (await session.execute(statement)).all()
    return page_from_rows([(row, *row[len(record) :]) for row in rows], page, ordering)


async def count_source(sessions: Sessions, entity: type[Any], source: Callable[[Any], Any]) -> int:
    """How many `entity` rows `source` keeps (`source` as for `fetch_source_page`)."""
    statement = source(sa.select(sa.func.count()).select_from(entity))
    async with sessions() as session:
        return int((await session.execute(statement)).scalar_one())


def record_columns(entity: type[Any], source: Any = None) -> list[ColumnElement[Any]]:
    """The columns of `entity`'s table (or of `source`, a subquery of them), each labelled
    with its attribute's name: a read selects them instead of the entity, and serves the
    Core row as the record (`row.created_at`...). Building ORM instances (identity,
    instrumentation, SQLModel's own set-up) was about 15 % of a resolver-path request,
    and nothing a read does needs them: each read is one statement in its own session.
    Such rows are typed as the entity where they are returned (`Page[T]`, `fetch_by_ids`):
    a row has its attributes, read-only, which is all a read does with a record, and
    nothing isinstance-checks one (the timeline carries its records' kind beside them)."""
    mapper = sa.inspect(entity)
    columns = (mapper.local_table if source is None else source).c
    return [
        columns[attribute.columns[0].key].label(attribute.key) for attribute in mapper.column_attrs
    ]


def _rows_per_parent_statement(
    entity: type[Any],
    parent: Expr,
    conditions: Sequence[ColumnElement[bool]],
    ordering: Ordering,
    after: Sequence[Any] | None,
) -> Select[Any]:
    """`fetch_rows_per_parent`'s statement, its parent ids and row limit left as the bound
    parameters `parent_ids` (expanding) and `row_limit`."""
    where = [parent.in_(sa.bindparam("parent_ids", expanding=True)), *conditions]
    if after is not None:
        where.append(ordering.after(after))
    ranked = (
        sa.select(
            entity,
            parent.label("parent_key"),
            *ordering.labelled(),
            sa.func.row_number()
            .over(partition_by=parent, order_by=ordering.order_by())
            .label("position"),
        )
        .where(*where)
        .subquery()
    )
    return (
        sa.select(
            *record_columns(entity, ranked),
            *(ranked.c[f"sort_{i}"] for i in range(len(ordering.keys))),
            ranked.c.parent_key,
        )
        .where(ranked.c.position <= sa.bindparam("row_limit"))
        .order_by(ranked.c.parent_key, ranked.c.position)
    )


# The statements of unfiltered first pages, by (entity, parent, ordering): building one
# (its subquery's column proxies, the aliased entity) took ~20 % of a resolver-path
# customer page's CPU. Each entry keeps the parent and ordering it was made for, so their
# ids stay theirs while it is kept; orderings are module constants, a few dozen in all.
_FIRST_PAGES: dict[tuple[type[Any], int, int], tuple[Expr, Ordering, Select[Any]]] = {}
_FIRST_PAGES_KEPT = 512


async def fetch_rows_per_parent(
    sessions: Sessions,
    entity: type[Any],
    parent: Expr,
    parent_ids: Sequence[Any],
    conditions: Sequence[ColumnElement[bool]],
    ordering: Ordering,
    page: PageRequest,
) -> dict[Any, list[Any]]:
    """Up to `first + 1` rows (entity, *sort values) per parent, in one windowed statement."""
    if not conditions and page.after is None:
        key = (entity, id(parent), id(ordering))
        kept = _FIRST_PAGES.get(key)
        if kept is not None and kept[0] is parent and kept[1] is ordering:
            statement = kept[2]
        else:
            statement = _rows_per_parent_statement(entity, parent, (), ordering, None)
            if len(_FIRST_PAGES) >= _FIRST_PAGES_KEPT:
                _FIRST_PAGES.clear()
            _FIRST_PAGES[key] = (parent, ordering, statement)
    else:
        statement = _rows_per_parent_statement(entity, parent, conditions, ordering, page.after)
    values = {"parent_ids": list(set(parent_ids)), "row_limit": page.first + 1}
    async with sessions() as session:
        rows = (await session.execute(statement, values)).all()
    width = len(sa.inspect(entity).column_attrs)
    by_parent: dict[Any, list[Any]] = {}
    for row in rows:
        by_parent.setdefault(row[-1], []).append((row, *row[width:-1]))
    return by_parent


async def fetch_pages_per_parent(
    sessions: Sessions,
    entity: type[T],
    parent: Expr,
    parent_ids: Sequence[Any],
    conditions: Sequence[ColumnElement[bool]],
    ordering: Ordering,
    page: PageRequest,
) -> list[Page[T]]:
    """The requested page of each parent's children, all parents in one statement."""
    by_parent = await fetch_rows_per_parent(
        sessions, entity, parent, parent_ids, conditions, ordering, page
    )
    return [page_from_rows(by_parent.get(key, []), page, ordering) for key in parent_ids]


async def count_rows_apart(
    sessions: Sessions,
    entity: type[Any],
    conditions: Sequence[ColumnElement[bool]],
    disjoint: Sequence[ColumnElement[bool]],
) -> int:
    """Rows matching `conditions` and any of `disjoint` (no row matches two): one count
    per alternative, summed in one statement, so each can use its own index."""
    counts = [
        sa.select(sa.func.count()).select_from(entity).where(*conditions, alternative)
        for alternative in disjoint
    ]
    if not counts:
        return 0
    total = sum((c.scalar_subquery() for c in counts[1:]), counts[0].scalar_subquery())
    async with sessions() as session:
        return int((await session.execute(sa.select(total))).scalar_one())


async def count_rows_per_parent(
    sessions: Sessions,
    parent: Expr,
    parent_ids: Sequence[Any],
    conditions: Sequence[ColumnElement[bool]],
) -> list[int]:
    statement = (
        sa.select(parent, sa.func.count())
        .where(parent.in_(list(set(parent_ids))), *conditions)
        .group_by(parent)
    )
    async with sessions() as session:
        counts = {key: int(n) for key, n in (await session.execute(statement)).all()}
    return [counts.get(key, 0) for key in parent_ids]


async def fetch_by_ids(
    sessions: Sessions, entity: type[IdT], id_column: Expr, ids: Sequence[Any]
) -> list[IdT | None]:
    statement = sa.select(*record_columns(entity)).where(id_column.in_(list(set(ids))))
    async with sessions() as session:
        rows = (await session.execute(statement)).all()
    found = {row.id: row for row in rows}
    return [cast(IdT | None, found.get(key)) for key in ids]  # rows as records: record_columns


async def fetch_grouped(
    sessions: Sessions, statement: Any, keys: Sequence[Any], key_of: Callable[[Any], Any]
) -> list[list[Any]]:
    """The statement's rows (single entities) grouped per key, in statement order."""
    grouped: dict[Any, list[Any]] = {}
    async with sessions() as session:
        for item in (await session.execute(statement)).scalars():
            grouped.setdefault(key_of(item), []).append(item)
    return [grouped.get(key, []) for key in keys]
