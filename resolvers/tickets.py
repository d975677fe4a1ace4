"""Ticket reads: lists for support queues and per customer, by creation time or priority."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from models import Channel, Ticket, TicketPriority, TicketStatus
from models.enums import PRIORITY_ORDER
from resolvers.pagination import (
    Ordering,
    Page,
    PageRequest,
    Sessions,
    SortKey,
    count_rows,
    count_rows_per_parent,
    fetch_by_ids,
    fetch_page,
    fetch_pages_per_parent,
    within,
)


@dataclass(frozen=True)
class TicketQuery:
    statuses: tuple[TicketStatus, ...] | None = None
    priorities: tuple[TicketPriority, ...] | None = None
    channels: tuple[Channel, ...] | None = None
    assignee: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None


PRIORITY_RANK = sa.case(
    {priority: rank for rank, priority in enumerate(PRIORITY_ORDER)}, value=col(Ticket.priority)
)


def _ordering(field: str, descending: bool) -> Ordering:
    direction = "desc" if descending else "asc"
    keys: tuple[SortKey, ...]
    if field == "PRIORITY":
        # Within one priority the ticket waiting longest comes first, in either direction.
        keys = (
            SortKey(PRIORITY_RANK, descending, "int"),
            SortKey(col(Ticket.created_at), False, "datetime"),
            SortKey(col(Ticket.id), False, "uuid"),
        )
    else:
        keys = (
            SortKey(col(Ticket.created_at), descending, "datetime"),
            SortKey(col(Ticket.id), descending, "uuid"),
        )
    return Ordering(f"tickets:{field}:{direction}", keys)


TICKET_ORDERINGS: dict[tuple[str, bool], Ordering] = {
    (field, descending): _ordering(field, descending)
    for field in ("CREATED_AT", "PRIORITY")
    for descending in (False, True)
}
DEFAULT_TICKET_ORDERING = TICKET_ORDERINGS[("CREATED_AT", True)]


def conditions(query: TicketQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if query.statuses is not None:
        where.append(col(Ticket.status).in_(query.statuses))
    if query.priorities is not None:
        where.append(col(Ticket.priority).in_(query.priorities))
    if query.channels is not None:
        where.append(col(Ticket.channel).in_(query.channels))
    if query.assignee is not None:
        where.append(col(Ticket.assignee) == query.assignee)
    where += within(col(Ticket.created_at), query.created_from, query.created_to)
    return where


async def list_tickets(
    sessions: Sessions, query: TicketQuery, ordering: Ordering, page: PageRequest
) -> Page[Ticket]:
    return await fetch_page(sessions, Ticket, conditions(query), ordering, page)


async def count_tickets(sessions: Sessions, query: TicketQuery) -> int:
    return await count_rows(sessions, Ticket, conditions(query))


async def ticket_pages_by_customer(
    sessions: Sessions,
    query: TicketQuery,
    ordering: Ordering,
    page: PageRequest,
    customer_ids: Sequence[uuid.UUID],
) -> list[Page[Ticket]]:
    return await fetch_pages_per_parent(
        sessions, Ticket, col(Ticket.customer_id), customer_ids, conditions(query), ordering, page
    )


async def ticket_counts_by_customer(
    sessions: Sessions, query: TicketQuery, customer_ids: Sequence[uuid.UUID]
) -> list[int]:
    return await count_rows_per_parent(
        sessions, col(Ticket.customer_id), customer_ids, conditions(query)
    )


async def tickets_by_ids(sessions: Sessions, ids: Sequence[uuid.UUID]) -> list[Ticket | None]:
    return await fetch_by_ids(sessions, Ticket, col(Ticket.id), ids)
