"""Ticket: one support case and the timings derived from its lifecycle."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from api.context import Context
from models import Customer as CustomerModel
from models import FollowUp as FollowUpModel
from models import SurveyResponse as SurveyResponseModel
from models import Ticket as TicketModel
from models.enums import FINISHED_STATUSES
from resolvers import tickets
from resolvers.compiled.forms import (
    ConnectionOf,
    Embedded,
    Expression,
    ListOf,
    ToOne,
    sql,
    sql_table,
)
from resolvers.pagination import ListRequest, Ordering
from resolvers.tickets import (
    RESOLVED_ON_FIRST_CONTACT,
    SECONDS_TO_FIRST_RESPONSE,
    SECONDS_TO_RESOLUTION,
    whole_seconds_between,
)
from schema.convert import from_row
from schema.enums import Channel, SortDirection, TicketPriority, TicketStatus
from schema.node import Node, key_of_type, to_global_id
from schema.pagination import (
    FILTER_HELP,
    ORDER_HELP,
    PAGE_ARGUMENTS_HELP,
    After,
    Connection,
    First,
    list_connection,
    under,
)
from schema.permissions import Area, check_node_type, reads
from schema.scalars import any_of, exact_text, ordered_window
from schema.surveys import SurveyResponse

if TYPE_CHECKING:
    from schema.customers import Customer
    from schema.follow_ups import FollowUp
    from schema.sla import SlaState, TicketSla


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
    sla_state: list[Annotated["SlaState", strawberry.lazy("schema.sla")]] | None = strawberry.field(
        default=None, description="Any of these overall SLA states (`sla.state`), now."
    )

    def query(self, now: datetime | None = None) -> tickets.TicketQuery:
        ordered_window(self.from_, self.to)
        return tickets.TicketQuery(
            statuses=any_of("status", self.status),
            priorities=any_of("priority", self.priority),
            channels=any_of("channel", self.channel),
            assignee=exact_text(self.assignee),
            created_from=self.from_,
            created_to=self.to,
            sla_states=(
                tuple(s.name for s in states)
                if (states := any_of("slaState", self.sla_state)) is not None
                else None
            ),
            now=now,
        )


@strawberry.enum(description="PRIORITY sorts by severity; equal priorities oldest first.")
class TicketOrderField(Enum):
    CREATED_AT = "CREATED_AT"
    PRIORITY = "PRIORITY"
    FIRST_RESPONSE_DUE = strawberry.enum_value(
        "FIRST_RESPONSE_DUE", description="By sla.firstResponseDueAt, ties by id."
    )
    RESOLUTION_DUE = strawberry.enum_value(
        "RESOLUTION_DUE", description="By sla.resolutionDueAt, ties by id."
    )


@strawberry.input
class TicketOrder:
    field: TicketOrderField
    direction: SortDirection


def ticket_query(filter: TicketFilter | None, now: datetime | None = None) -> tickets.TicketQuery:
    return filter.query(now) if filter is not None else tickets.TicketQuery(now=now)


def ticket_ordering(order: TicketOrder | None) -> Ordering:
    if order is None:
        return tickets.DEFAULT_TICKET_ORDERING
    return tickets.TICKET_ORDERINGS[(order.field.value, order.direction == SortDirection.DESC)]


def ticket_request(
    first: int | None = None,
    after: str | None = None,
    filter: TicketFilter | None = None,
    order_by: TicketOrder | None = None,
    now: datetime | None = None,
) -> ListRequest:
    """A page of tickets, as both read paths take it (`now`: the SLA state filter's clock)."""
    return tickets.TICKETS.request(
        ticket_query(filter, now), ticket_ordering(order_by), first, after
    )


@sql_table(TicketModel)
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
        description="Whole seconds from createdAt to firstResponseAt; null before a response.",
        metadata=sql(Expression(SECONDS_TO_FIRST_RESPONSE)),
    )
    resolution_seconds: int | None = strawberry.field(
        description="Whole seconds from createdAt to resolvedAt; null while unresolved.",
        metadata=sql(Expression(SECONDS_TO_RESOLUTION)),
    )
    resolved_on_first_contact: bool | None = strawberry.field(
        description="For RESOLVED or CLOSED tickets: one contact and never reopened; "
        "null while the ticket is still open.",
        metadata=sql(Expression(RESOLVED_ON_FIRST_CONTACT)),
    )
    db_id: strawberry.Private[uuid.UUID]
    customer_id: strawberry.Private[uuid.UUID]
    first_response_due_at: strawberry.Private[datetime]
    resolution_due_at: strawberry.Private[datetime]
    first_response_at_risk_at: strawberry.Private[datetime]
    resolution_at_risk_at: strawberry.Private[datetime]

    @classmethod
    def from_model(cls, model: TicketModel) -> "Ticket":
        return from_row(
            cls,
            model,
            id=to_global_id("Ticket", model.id),
            db_id=model.id,
            first_response_seconds=whole_seconds_between(model.created_at, model.first_response_at),
            resolution_seconds=whole_seconds_between(model.created_at, model.resolved_at),
            resolved_on_first_contact=(
                model.contact_count == 1 and model.reopen_count == 0
                if model.status in FINISHED_STATUSES
                else None
            ),
        )

    @classmethod
    async def resolve_reference(
        cls, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> "Ticket | None":
        """A federation router's reference to a ticket (batched by the loader)."""
        check_node_type(info, "Ticket")
        key = key_of_type(id, "Ticket", "id")
        found = await info.context.loaders.ticket().load(key) if key is not None else None
        return cls.from_model(found) if found is not None else None

    @strawberry.field(metadata=sql(ToOne(CustomerModel, "customer_id", follow_merges=True)))
    async def customer(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated["Customer", strawberry.lazy("schema.customers")]:
        from schema.customers import Customer

        return await Customer.load(info, self.customer_id)

    @strawberry.field(
        description="Its SLA now: due times, each target's state and the overall state.",
        metadata=sql(Embedded()),
    )
    async def sla(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated["TicketSla", strawberry.lazy("schema.sla")]:
        from schema.sla import ticket_sla

        return await ticket_sla(info, self)

    @strawberry.field(
        description="Survey responses that follow up this ticket, oldest first.",
        extensions=reads(Area.SURVEYS),
        metadata=sql(ListOf(SurveyResponseModel, "ticket_id", ("responded_at", "id"))),
    )
    async def survey_responses(self, info: strawberry.Info[Context, None]) -> list[SurveyResponse]:
        responses = await info.context.loaders.ticket_responses().load(self.db_id)
        return [SurveyResponse.from_model(r) for r in responses]

    @strawberry.field(
        description="Its satisfaction check; null unless RESOLVED or CLOSED.",
        metadata=sql(ToOne(FollowUpModel, "id", target_key="ticket_id")),
    )
    async def follow_up(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated["FollowUp", strawberry.lazy("schema.follow_ups")] | None:
        from schema.follow_ups import ticket_follow_up

        return await ticket_follow_up(info, self.db_id)


def tickets_of(parent: str | None) -> Callable[..., Awaitable[Connection[Ticket]]]:
    """`tickets` (None) and `Customer.tickets` ("customer"): one body, read under the
    parent the field names."""

    async def resolve(
        root: object,
        info: strawberry.Info[Context, None],
        first: First = None,
        after: After = None,
        filter: Annotated[TicketFilter | None, strawberry.argument(description=FILTER_HELP)] = None,
        order_by: Annotated[TicketOrder | None, strawberry.argument(description=ORDER_HELP)] = None,
    ) -> Connection[Ticket]:
        request = ticket_request(first, after, filter, order_by, info.context.now)
        return await list_connection(
            info, tickets.TICKETS, request, Ticket.from_model, under(parent, root)
        )

    return resolve


@strawberry.type
class TicketQueries:
    tickets = strawberry.field(
        resolver=tickets_of(None),
        description="All tickets, newest first unless ordered. " + PAGE_ARGUMENTS_HELP,
        extensions=reads(Area.TICKETS),
        metadata=sql(ConnectionOf(tickets.TICKETS, lambda a, _: ticket_request(**a))),
    )
