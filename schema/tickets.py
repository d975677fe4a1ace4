"""Ticket: one support case and the timings derived from its lifecycle."""

import uuid
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from api.context import Context
from models import Ticket as TicketModel
from models import TicketStatus as TicketStatusModel
from resolvers import tickets
from resolvers.pagination import Ordering, page_request
from schema.convert import from_row
from schema.enums import Channel, SortDirection, TicketPriority, TicketStatus
from schema.node import Node, to_global_id
from schema.pagination import PAGE_ARGUMENTS_HELP, Connection, connection
from schema.permissions import Area, reads
from schema.surveys import SurveyResponse

if TYPE_CHECKING:
    from schema.customers import Customer

CLOSED_STATES = (TicketStatusModel.RESOLVED, TicketStatusModel.CLOSED)


@strawberry.input(description="Tickets matching every given condition; lists mean any of.")
class TicketFilter:
    status: list[TicketStatus] | None = None
    priority: list[TicketPriority] | None = None
    channel: list[Channel] | None = None
    assignee: str | None = None
    from_: datetime | None = strawberry.field(
        default=None, name="from", description="createdAt >= from."
    )
    to: datetime | None = strawberry.field(default=None, description="createdAt < to.")

    def query(self) -> tickets.TicketQuery:
        return tickets.TicketQuery(
            statuses=tuple(self.status) if self.status is not None else None,
            priorities=tuple(self.priority) if self.priority is not None else None,
            channels=tuple(self.channel) if self.channel is not None else None,
            assignee=self.assignee,
            created_from=self.from_,
            created_to=self.to,
        )


@strawberry.enum(description="PRIORITY sorts by severity; equal priorities oldest first.")
class TicketOrderField(Enum):
    CREATED_AT = "CREATED_AT"
    PRIORITY = "PRIORITY"


@strawberry.input
class TicketOrder:
    field: TicketOrderField
    direction: SortDirection


def ticket_query(filter: TicketFilter | None) -> tickets.TicketQuery:
    return filter.query() if filter is not None else tickets.TicketQuery()


def ticket_ordering(order: TicketOrder | None) -> Ordering:
    if order is None:
        return tickets.DEFAULT_TICKET_ORDERING
    return tickets.TICKET_ORDERINGS[(order.field.value, order.direction == SortDirection.DESC)]


def _seconds_between(start: datetime, end: datetime | None) -> int | None:
    return None if end is None else int((end - start).total_seconds())


@strawberry.type(description="One support case.")
class Ticket(Node):
    id: strawberry.ID
    subject: str
    channel: Channel
    status: TicketStatus
    priority: TicketPriority
    assignee: str | None
    created_at: datetime
    first_response_at: datetime | None = strawberry.field(description="First agent reply.")
    resolved_at: datetime | None
    closed_at: datetime | None
    contact_count: int = strawberry.field(description="Customer contacts on this case (>= 1).")
    reopen_count: int
    first_response_seconds: int | None = strawberry.field(
        description="Whole seconds from createdAt to firstResponseAt; null before a response."
    )
    resolution_seconds: int | None = strawberry.field(
        description="Whole seconds from createdAt to resolvedAt; null while unresolved."
    )
    resolved_on_first_contact: bool | None = strawberry.field(
        description="For RESOLVED or CLOSED tickets: one contact and never reopened; "
        "null while the ticket is still open."
    )
    db_id: strawberry.Private[uuid.UUID]
    customer_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, model: TicketModel) -> "Ticket":
        return from_row(
            cls,
            model,
            id=to_global_id("Ticket", model.id),
            db_id=model.id,
            first_response_seconds=_seconds_between(model.created_at, model.first_response_at),
            resolution_seconds=_seconds_between(model.created_at, model.resolved_at),
            resolved_on_first_contact=(
                model.contact_count == 1 and model.reopen_count == 0
                if model.status in CLOSED_STATES
                else None
            ),
        )

    @strawberry.field
    async def customer(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated["Customer", strawberry.lazy("schema.customers")]:
        from schema.customers import Customer

        return await Customer.load(info, self.customer_id)

    @strawberry.field(
        description="Survey responses that follow up this ticket, oldest first.",
        extensions=reads(Area.SURVEYS),
    )
    async def survey_responses(self, info: strawberry.Info[Context, None]) -> list[SurveyResponse]:
        responses = await info.context.loaders.ticket_responses().load(self.db_id)
        return [SurveyResponse.from_model(r) for r in responses]


@strawberry.type
class TicketQueries:
    @strawberry.field(
        description="All tickets, newest first unless ordered. " + PAGE_ARGUMENTS_HELP,
        extensions=reads(Area.TICKETS),
    )
    async def tickets(
        self,
        info: strawberry.Info[Context, None],
        first: int | None = None,
        after: str | None = None,
        filter: TicketFilter | None = None,
        order_by: TicketOrder | None = None,
    ) -> Connection[Ticket]:
        query = ticket_query(filter)
        ordering = ticket_ordering(order_by)
        page = page_request(first, after, ordering)
        sessions = info.context.sessions
        found = await tickets.list_tickets(sessions, query, ordering, page)
        return connection(found, Ticket.from_model, lambda: tickets.count_tickets(sessions, query))
