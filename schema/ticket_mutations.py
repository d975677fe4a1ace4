"""The ticket lifecycle as mutations; an illegal move names the moves allowed now."""

import uuid
from datetime import datetime

import strawberry

from api.context import Context
from models import Ticket as TicketModel
from resolvers import ticket_writes
from resolvers.writes import Write
from schema.convert import from_input
from schema.effects import MOVED, OPENED, RESOLVED, effects
from schema.enums import Channel, TicketPriority
from schema.mutations import CustomerRef, UserError, customer_ref, key_in_input, respond
from schema.permissions import Area
from schema.tickets import Ticket


@strawberry.input
class OpenTicketInput:
    customer: CustomerRef
    subject: str
    channel: Channel
    priority: TicketPriority | None = None
    assignee: str | None = None
    created_at: datetime | None = strawberry.field(
        default=None, description="Defaults to now; for importing history."
    )


@strawberry.input(description="Only the fields sent change; `assignee: null` unassigns.")
class UpdateTicketInput:
    priority: TicketPriority | None = strawberry.UNSET
    assignee: str | None = strawberry.UNSET
    subject: str | None = strawberry.UNSET


@strawberry.type
class TicketPayload:
    ticket: Ticket | None
    user_errors: list[UserError]


async def _move(
    info: strawberry.Info[Context, None], name: str, id: str, at: datetime | None = None
) -> TicketPayload:
    async def work(write: Write) -> TicketModel:
        key: uuid.UUID = key_in_input(id, "Ticket", ["id"])
        return await ticket_writes.move_ticket(write, name, key, at)

    return await respond(info, work, TicketPayload, ticket=Ticket.from_model)


@strawberry.type
class TicketMutations:
    @strawberry.mutation(extensions=effects(Area.TICKETS, logs=OPENED))
    async def open_ticket(
        self, info: strawberry.Info[Context, None], input: OpenTicketInput
    ) -> TicketPayload:
        async def work(write: Write) -> TicketModel:
            data = from_input(
                ticket_writes.NewTicket,
                input,
                customer=customer_ref(input.customer, ["input", "customer"]),
                priority=input.priority or TicketPriority.NORMAL,
            )
            return await ticket_writes.open_ticket(write, data)

        return await respond(info, work, TicketPayload, ticket=Ticket.from_model)

    @strawberry.mutation(
        description="Not on CLOSED tickets.",
        extensions=effects(Area.TICKETS, logs=MOVED),
    )
    async def update_ticket(
        self, info: strawberry.Info[Context, None], id: strawberry.ID, input: UpdateTicketInput
    ) -> TicketPayload:
        async def work(write: Write) -> TicketModel:
            changes = from_input(
                ticket_writes.TicketChanges, input, clear_assignee=input.assignee is None
            )
            return await ticket_writes.update_ticket(
                write, key_in_input(id, "Ticket", ["id"]), changes
            )

        return await respond(info, work, TicketPayload, ticket=Ticket.from_model)

    @strawberry.mutation(
        description="Sets firstResponseAt once; NEW -> OPEN.",
        extensions=effects(Area.TICKETS, logs=MOVED),
    )
    async def respond_to_ticket(
        self, info: strawberry.Info[Context, None], id: strawberry.ID, at: datetime | None = None
    ) -> TicketPayload:
        return await _move(info, "respondToTicket", id, at)

    @strawberry.mutation(
        description="contactCount + 1; a PENDING ticket goes back to OPEN.",
        extensions=effects(Area.TICKETS, logs=MOVED),
    )
    async def record_customer_contact(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> TicketPayload:
        return await _move(info, "recordCustomerContact", id)

    @strawberry.mutation(
        description="OPEN -> PENDING (waiting on the customer).",
        extensions=effects(Area.TICKETS, logs=MOVED),
    )
    async def set_ticket_pending(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> TicketPayload:
        return await _move(info, "setTicketPending", id)

    @strawberry.mutation(
        description="OPEN -> RESOLVED; `at` for imports, not before creation.",
        extensions=effects(Area.TICKETS, logs=RESOLVED),
    )
    async def resolve_ticket(
        self, info: strawberry.Info[Context, None], id: strawberry.ID, at: datetime | None = None
    ) -> TicketPayload:
        return await _move(info, "resolveTicket", id, at)

    @strawberry.mutation(
        description="RESOLVED -> OPEN; reopenCount + 1, resolvedAt cleared.",
        extensions=effects(Area.TICKETS, logs=MOVED),
    )
    async def reopen_ticket(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> TicketPayload:
        return await _move(info, "reopenTicket", id)

    @strawberry.mutation(
        description="RESOLVED -> CLOSED (final); `at` not before resolution.",
        extensions=effects(Area.TICKETS, logs=MOVED),
    )
    async def close_ticket(
        self, info: strawberry.Info[Context, None], id: strawberry.ID, at: datetime | None = None
    ) -> TicketPayload:
        return await _move(info, "closeTicket", id, at)
