"""One list, one definition: a listing declares what a list of records is, once.

A `Listing` names its entity, its filters, the conditions that always apply and the
parents it nests under (the child's column holding the parent's id). The root list
(`tickets`) and every nested list of the same records (`Customer.tickets`) read through
the same four methods, with the same `ListRequest` (resolvers/pagination.py):

- `page` / `count`: the root list, one statement each.
- `pages_of` / `counts_of`: the nested list of many parents, one statement each for all
  of them (`row_number() OVER (PARTITION BY parent ...)`, `GROUP BY parent`); the
  per-request loaders (resolvers/loaders.py `pages`, `counts`) batch the parents.

A filter on another table's row (the action queue's segment is its customer's, the
follow-up queue's priority its ticket's) reads a copy of that column the database keeps
on the list's own rows (migration 9c4e2a7b5d18): no list joins.

A nested list that is no plain listing (the timeline merges three) offers the same two
nested methods (`NestedListing`).
"""

import uuid
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.sql.elements import ColumnElement

from resolvers.compiled.sql_values import literal
from resolvers.filters import ColumnFilter, Filter, Param, bind_value, column_sql
from resolvers.filters import conditions as apply_filters
from resolvers.pagination import (
    Expr,
    ListRequest,
    Ordering,
    Page,
    Sessions,
    count_rows_per_parent,
    count_source,
    fetch_pages_per_parent,
    fetch_source_page,
    page_request,
)
from resolvers.row_counts import KeptCount, kept_count

T = TypeVar("T")
Ids = Sequence[uuid.UUID]
Pages = Coroutine[Any, Any, list[Page[T]]]


class NestedListing(Protocol[T]):
    """A list under parents, read for many parents at once: `pages_of(sessions, parent,
    request, parent_ids)` gives each parent's page, `counts_of(sessions, parent, query,
    parent_ids)` each parent's count of records matching `query`, both in `parent_ids` order
    (`parent`: which kind of parent, e.g. "customer"); `name` names their loaders
    (`<name>_pages`, `<name>_counts`) and the loaders' batch metrics."""

    @property
    def name(self) -> str: ...

    @property
    def pages_of(self) -> Callable[[Sessions, str, ListRequest, Ids], Pages[T]]: ...

    @property
    def counts_of(self) -> Callable[[Sessions, str, Any, Ids], Coroutine[Any, Any, list[int]]]: ...


class Split(Protocol):
    """How the compiled root page reads a filtered list in parts, merged in order:
    `branches(request, param)` gives disjoint conditions whose rows together are the
    filter's (each read as its own page, from its own index), or none to read it whole."""

    def branches(self, request: ListRequest, param: Param) -> list[str]: ...


@dataclass(frozen=True)
class SplitByValue:
    """An any-of filter the compiled page reads one value at a time, merged in order.

    With the filter's values as parameters, PostgreSQL keeps one plan for every set of
    values, and that plan reads the order's index and steps over every row of another
    value first (the open support queue in priority order stepped over all finished
    tickets of a higher priority, a number that grows with the data). Read as a UNION
    ALL of one page per value the column may hold, each from an index on (column, the
    order's keys) and skipped unless its value was asked for, then cut to one page,
    it reads at most a page per value.

    `of`: the list's own any-of filter; `values`: every value its column may hold;
    `orderings`: the names of the orderings (resolvers.pagination.Ordering) such an
    index serves.
    """

    of: ColumnFilter
    values: tuple[str, ...]
    orderings: frozenset[str]

    def branches(self, request: ListRequest, param: Param) -> list[str]:
        """For a request with values for the filter, in an order such an index serves:
        one condition per value the column may hold, the value's rows if it was asked
        for, else none (a condition on parameters alone, which PostgreSQL checks once);
        otherwise none. `param` makes the parameter of the values asked for
        (resolvers.filters.Param), only when there are branches."""
        if getattr(request.query, self.of.field) is None:
            return []
        if request.ordering.name not in self.orderings:
            return []
        column = self.of.column
        asked = param("text[]", lambda query: bind_value(column, getattr(query, self.of.field)))
        return [
            f"{column_sql(column)} = {literal(value)} AND {literal(value)} = ANY({asked})"
            for value in self.values
        ]


@dataclass(frozen=True)
class Listing(Generic[T]):
    """A list of `entity` rows: filtered by `filters` from the request's query (resolvers
    .filters), always restricted by `always`, nested under the parents of `parents`;
    counted unfiltered from `kept` when the database keeps that count."""

    name: str
    entity: type[T]
    filters: Sequence[Filter]
    parents: Mapping[str, Expr] = field(default_factory=dict)
    always: tuple[ColumnElement[bool], ...] = ()
    # The `list_row_count` entry counting this list unfiltered (resolvers/row_counts.py),
    # if the database keeps one: the root list without a filter counts from it.
    kept: str | None = None
    # Filters whose matches the database counts per value: the root list with one of
    # them as its only filter counts from those counts (resolvers/row_counts.py).
    kept_values: tuple[KeptCount, ...] = ()
    # How the compiled root page reads a filter in parts (`Split`): an any-of filter
    # value by value (`SplitByValue`), a customer and the records merged into it apart.
    split_by: Split | None = None

    def request(
        self, query: Any, ordering: Ordering, first: int | None, after: str | None
    ) -> ListRequest:
        """A page of this list as both read paths take it; raises InputError (`first`,
        `after`) for a page size out of range or a cursor of another list or order."""
        return ListRequest(query, self.filters, ordering, page_request(first, after, ordering))

    def conditions(self, query: Any) -> list[ColumnElement[bool]]:
        return [*self.always, *apply_filters(self.filters, query)]

    def statement(self, query: Any) -> Callable[[Any], Any]:
        """What the root list adds to a select: its conditions."""
        found = self.conditions(query)
        return lambda statement: statement.where(*found)

    async def page(self, sessions: Sessions, request: ListRequest) -> Page[T]:
        return await fetch_source_page(
            sessions, self.entity, self.statement(request.query), request.ordering, request.page
        )

    def kept_value(self, query: Any) -> KeptCount | None:
        """The kept count that answers this root list's count, if any: the filters set
        are ones the database counts (one column per value, or a window per day)."""
        given = frozenset(f.field for f in self.filters if getattr(query, f.field) is not None)
        if not given:
            return None
        return next((k for k in self.kept_values if k.answers(given)), None)

    async def count(self, sessions: Sessions, query: Any) -> int:
        # Kept counts count the table with no filter.
        if self.kept is not None and not apply_filters(self.filters, query):
            return await kept_count(sessions, self.kept)
        kept_value = self.kept_value(query)
        if kept_value is not None:
            return await kept_value.count(sessions, query)
        return await count_source(sessions, self.entity, self.statement(query))

    async def pages_of(
        self,
        sessions: Sessions,
        parent: str,
        request: ListRequest,
        parent_ids: Sequence[uuid.UUID],
    ) -> list[Page[T]]:
        return await fetch_pages_per_parent(
            sessions,
            self.entity,
            self.parents[parent],
            parent_ids,
            self.conditions(request.query),
            request.ordering,
            request.page,
        )

    async def counts_of(
        self, sessions: Sessions, parent: str, query: Any, parent_ids: Sequence[uuid.UUID]
    ) -> list[int]:
        return await count_rows_per_parent(
            sessions, self.parents[parent], parent_ids, self.conditions(query)
        )
