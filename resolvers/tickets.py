"""Ticket reads: lists for support queues and per customer, by creation time or priority."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col

from models import Channel, Ticket, TicketPriority, TicketStatus
from models.enums import FINISHED_STATUSES, PRIORITY_ORDER
from resolvers.filters import ColumnFilter, Filter, window
from resolvers.listing import Listing, SplitByValue
from resolvers.pagination import Ordering, Sessions, SortKey, count_rows_apart, fetch_by_ids
from resolvers.row_counts import KeptDays, KeptValues
from resolvers.sla import SlaStateFilter


@dataclass(frozen=True)
class TicketQuery:
    statuses: tuple[TicketStatus, ...] | None = None
    priorities: tuple[TicketPriority, ...] | None = None
    channels: tuple[Channel, ...] | None = None
    assignee: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    sla_states: tuple[str, ...] | None = None
    # The request's clock: what "now" the SLA state filter compares stored due times with.
    now: datetime | None = None


# Literals, not bound parameters: the expression is then the one the two PRIORITY indexes
# hold (models/tickets.py PRIORITY_RANK_INDEXED), and the database reads a page from them.
PRIORITY_RANK = sa.case(
    {
        sa.literal_column(f"'{priority.value}'"): sa.literal_column(str(rank), sa.Integer)
        for rank, priority in enumerate(PRIORITY_ORDER)
    },
    value=col(Ticket.priority),
)

PRIORITY_RANK_SQL = (
    "CASE ticket.priority "
    + " ".join(f"WHEN '{p.value}' THEN {rank}" for rank, p in enumerate(PRIORITY_ORDER))
    + " END"
)


# How long a ticket took, in Python and in SQL (the compiled read path).
SECONDS_TO_FIRST_RESPONSE = (
    "trunc(extract(epoch FROM ticket.first_response_at - ticket.created_at))"
)
SECONDS_TO_RESOLUTION = "trunc(extract(epoch FROM ticket.resolved_at - ticket.created_at))"
RESOLVED_ON_FIRST_CONTACT = (
    "CASE WHEN ticket.status IN ("
    + ", ".join(f"'{s.value}'" for s in FINISHED_STATUSES)
    + ") THEN ticket.contact_count = 1 AND ticket.reopen_count = 0 END"
)


def whole_seconds_between(start: datetime, end: datetime | None) -> int | None:
    return None if end is None else int((end - start).total_seconds())


DUE_COLUMNS = {
    "FIRST_RESPONSE_DUE": col(Ticket.first_response_due_at),
    "RESOLUTION_DUE": col(Ticket.resolution_due_at),
}


def _ordering(field: str, descending: bool) -> Ordering:
    direction = "desc" if descending else "asc"
    keys: tuple[SortKey, ...]
    if field == "PRIORITY":
        # Within one priority the ticket waiting longest comes first, in either direction.
        keys = (
            SortKey(PRIORITY_RANK, descending, "int", sql=PRIORITY_RANK_SQL),
            SortKey(col(Ticket.created_at), False, "datetime"),
            SortKey(col(Ticket.id), False, "uuid"),
        )
    elif field in DUE_COLUMNS:
        keys = (
            SortKey(DUE_COLUMNS[field], descending, "datetime"),
            SortKey(col(Ticket.id), descending, "uuid"),
        )
    else:
        keys = (
            SortKey(col(Ticket.created_at), descending, "datetime"),
            SortKey(col(Ticket.id), descending, "uuid"),
        )
    return Ordering(f"tickets:{field}:{direction}", keys)


TICKET_ORDERINGS: dict[tuple[str, bool], Ordering] = {
    (field, descending): _ordering(field, descending)
    for field in ("CREATED_AT", "PRIORITY", *DUE_COLUMNS)
    for descending in (False, True)
}
DEFAULT_TICKET_ORDERING = TICKET_ORDERINGS[("CREATED_AT", True)]


SLA_STATES = SlaStateFilter("sla_states")
# Each filter's first argument is the TicketQuery field it reads, by name (`conditions`
# and the compiled path getattr it from the query); the assert below holds the names to
# TicketQuery's fields.
STATUSES = ColumnFilter("statuses", col(Ticket.status), "any_of")
PRIORITIES = ColumnFilter("priorities", col(Ticket.priority), "any_of")
CHANNELS = ColumnFilter("channels", col(Ticket.channel), "any_of")
FILTERS: tuple[Filter, ...] = (
    STATUSES,
    PRIORITIES,
    CHANNELS,
    ColumnFilter("assignee", col(Ticket.assignee), "equals"),
    *(CREATED := window("created_from", "created_to", col(Ticket.created_at))),
    SLA_STATES,
)
assert {f.field for f in FILTERS} <= {f.name for f in fields(TicketQuery)}


class TicketListing(Listing[Ticket]):
    async def count(self, sessions: Sessions, query: TicketQuery) -> int:
        if query.sla_states is None:
            return await super().count(sessions, query)
        # Stored-state and rule halves of the SLA filter, counted apart: the first by an
        # index-only scan, the second over the few tickets not settled (resolvers/sla.py).
        rest = self.conditions(replace(query, sla_states=None))
        if not rest:  # the filter alone: from the counts kept per stored state
            return await SLA_STATES.count_alone(sessions, query.sla_states, query)
        arms = SLA_STATES.arms(query.sla_states, query)
        return await count_rows_apart(sessions, Ticket, rest, arms)


# `tickets` and `Customer.tickets`: queries are TicketQuery, in a TICKET_ORDERINGS order.
TICKETS = TicketListing(
    "ticket",
    Ticket,
    FILTERS,
    parents={"customer": col(Ticket.customer_id)},
    kept="ticket",
    # One of these alone counts from the kept counts per value (migrations 8b3f1c6d2e57,
    # 6e4a2c8f1d73).
    kept_values=(
        KeptValues("ticket.status", STATUSES),
        KeptValues("ticket.priority", PRIORITIES),
        KeptValues("ticket.channel", CHANNELS),
        KeptDays("ticket.created_at", *CREATED),
    ),
    # The support queue: open statuses in priority order, from the (status, rank, ...)
    # indexes (migration 5b8d2f6a9c31), whatever the share of finished tickets.
    split_by=SplitByValue(
        STATUSES,
        tuple(s.value for s in TicketStatus),
        frozenset(TICKET_ORDERINGS[("PRIORITY", d)].name for d in (False, True)),
    ),
)


async def tickets_matching(
    sessions: Sessions, keys: Sequence[uuid.UUID], query: TicketQuery
) -> list[Ticket]:
    """Those of the tickets that pass the filter: the same conditions the ticket lists use."""
    if not keys:
        return []
    statement = sa.select(Ticket).where(col(Ticket.id).in_(keys), *TICKETS.conditions(query))
    async with sessions() as session:
        return list((await session.execute(statement)).scalars())


async def tickets_by_ids(sessions: Sessions, ids: Sequence[uuid.UUID]) -> list[Ticket | None]:
    return await fetch_by_ids(sessions, Ticket, col(Ticket.id), ids)
