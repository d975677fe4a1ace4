"""A customer's timeline: touchpoints, tickets and survey responses merged, newest first.

A query names the kinds its reader may see (`kinds`): the others are neither listed nor
counted, so a timeline never tells a role about records it may not read.

Each kind's top `first + 1` rows per customer come from one windowed statement
(three statements for any number of customers); the newest `first` of their union
is exactly the page, because no row beyond a kind's own top can be needed.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from models import SurveyResponse, Ticket, Touchpoint
from resolvers.filters import Filter, window
from resolvers.filters import conditions as apply_filters
from resolvers.opaque import encode_cursor
from resolvers.pagination import (
    Expr,
    ListRequest,
    Ordering,
    Page,
    Sessions,
    SortKey,
    count_rows_per_parent,
    fetch_rows_per_parent,
)

TimelineEntity = Touchpoint | Ticket | SurveyResponse
# The kinds a timeline merges, by the name of their record type (also their GraphQL type).
KINDS = ("Touchpoint", "Ticket", "SurveyResponse")


@dataclass(frozen=True)
class TimelineQuery:
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None
    kinds: tuple[str, ...] = KINDS


@dataclass(frozen=True)
class TimelineEntry:
    occurred_at: datetime
    entity: TimelineEntity
    # The entity's model name (a read's record is its row: resolvers.pagination.record_columns).
    kind: str


@dataclass(frozen=True)
class _Source:
    entity: type[TimelineEntity]
    customer: Expr
    occurred_at: Expr
    ordering: Ordering
    filters: tuple[Filter, ...]


def _source(entity: type[TimelineEntity], occurred_at: Expr, rank: int) -> _Source:
    # One cursor format for all three kinds: (time, kind rank, id), all descending.
    keys = (
        SortKey(occurred_at, True, "datetime"),
        SortKey(sa.literal(rank, sa.Integer), True, "int", sql=str(rank)),
        SortKey(col(entity.id), True, "uuid"),
    )
    filters = window("occurred_from", "occurred_to", occurred_at)
    return _Source(
        entity, col(entity.customer_id), occurred_at, Ordering("timeline", keys), filters
    )


SOURCES = (
    _source(Touchpoint, col(Touchpoint.occurred_at), 0),
    _source(Ticket, col(Ticket.created_at), 1),
    _source(SurveyResponse, col(SurveyResponse.responded_at), 2),
)
TIMELINE_ORDERING = SOURCES[0].ordering
assert tuple(s.entity.__name__ for s in SOURCES) == KINDS


def _conditions(source: _Source, query: TimelineQuery) -> list[ColumnElement[bool]]:
    return apply_filters(source.filters, query)


def visible_sources(query: TimelineQuery) -> list[tuple[int, _Source]]:
    """The kinds this query's reader may see, with their rank (their cursors keep it)."""
    return [(r, s) for r, s in enumerate(SOURCES) if s.entity.__name__ in query.kinds]


class TimelineListing:
    """`Customer.timeline`: a nested list (resolvers.listing.NestedListing) whose parent is
    always the customer; queries are TimelineQuery, in TIMELINE_ORDERING."""

    name = "timeline"

    async def pages_of(
        self,
        sessions: Sessions,
        parent: str,
        request: ListRequest,
        customer_ids: Sequence[uuid.UUID],
    ) -> list[Page[TimelineEntry]]:
        assert parent == "customer", "a timeline belongs to a customer"
        query, page = request.query, request.page
        merged: dict[Any, list[tuple[Any, ...]]] = {}
        for _, source in visible_sources(query):
            rows = await fetch_rows_per_parent(
                sessions,
                source.entity,
                source.customer,
                customer_ids,
                _conditions(source, query),
                source.ordering,
                page,
            )
            kind = source.entity.__name__
            for customer_id, customer_rows in rows.items():
                merged.setdefault(customer_id, []).extend((row, kind) for row in customer_rows)
        pages = []
        for customer_id in customer_ids:
            newest = sorted(merged.get(customer_id, []), key=lambda e: e[0][1:4], reverse=True)
            visible = newest[: page.first]
            pages.append(
                Page(
                    items=[TimelineEntry(row[1], row[0], kind) for row, kind in visible],
                    cursors=[encode_cursor(TIMELINE_ORDERING, row[1:4]) for row, _ in visible],
                    has_next_page=len(newest) > page.first,
                    has_previous_page=page.after is not None,
                )
            )
        return pages

    async def counts_of(
        self,
        sessions: Sessions,
        parent: str,
        query: TimelineQuery,
        customer_ids: Sequence[uuid.UUID],
    ) -> list[int]:
        """How many events of the visible kinds each customer's timeline holds (filters
        applied)."""
        assert parent == "customer", "a timeline belongs to a customer"
        totals = [0] * len(customer_ids)
        for _, source in visible_sources(query):
            counts = await count_rows_per_parent(
                sessions, source.customer, customer_ids, _conditions(source, query)
            )
            totals = [t + n for t, n in zip(totals, counts, strict=True)]
        return totals


TIMELINE = TimelineListing()
