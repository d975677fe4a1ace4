"""Live updates over graphql-transport-ws: a customer's timeline and ticket changes.

Events come from resolvers.changes once their write has committed. Each event is loaded
fresh and shaped by the same GraphQL types, so every field rule of the subscriber's role
applies to it; the key is checked again before each event and at least every
KEY_RECHECK_SECONDS, so a revoked key's subscriptions end.
"""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError

from api.context import Context
from resolvers import keys, surveys, tickets, touchpoints
from resolvers.changes import Change
from resolvers.errors import InputError
from resolvers.pagination import Sessions
from schema.node import key_of_type
from schema.pagination import FILTER_HELP
from schema.permissions import Area, reads
from schema.surveys import SurveyResponse
from schema.tickets import Ticket, TicketFilter, ticket_query
from schema.timeline import TimelineEvent, timeline_event
from schema.touchpoints import Touchpoint

KEY_RECHECK_SECONDS = 30


async def _changes(info: strawberry.Info[Context, None]) -> AsyncGenerator[Change, None]:
    """Committed changes as they come, while the subscriber's key stays valid."""
    context = info.context
    async with context.changes.listen() as queue:
        while True:
            change = None
            with contextlib.suppress(TimeoutError):
                change = await asyncio.wait_for(queue.get(), KEY_RECHECK_SECONDS)
            if not await keys.key_is_active(context.statement_sessions, context.viewer.key_id):
                raise GraphQLError(
                    "This key was revoked or has expired.", extensions={"code": "UNAUTHENTICATED"}
                )
            if change is not None:
                yield change


RECORDS_BY_IDS: dict[str, Callable[[Sessions, list[uuid.UUID]], Awaitable[list[Any]]]] = {
    "Touchpoint": touchpoints.touchpoints_by_ids,
    "Ticket": tickets.tickets_by_ids,
    "SurveyResponse": surveys.responses_by_ids,
}


async def _timeline_event(
    context: Context, change: Change
) -> Touchpoint | Ticket | SurveyResponse | None:
    # Just committed: read the primary, a replica may not have it yet.
    (record,) = await RECORDS_BY_IDS[change.type_name](context.primary_sessions, [change.id])
    return timeline_event(record) if record is not None else None


@strawberry.type(description="Live updates, over WebSocket (graphql-transport-ws).")
class Subscription:
    @strawberry.subscription(
        description="The customer's new touchpoints, ticket changes and survey responses, "
        "as they are committed.",
        extensions=reads(Area.TICKETS, Area.SURVEYS),
    )
    async def customer_timeline(
        self,
        info: strawberry.Info[Context, None],
        customer_id: Annotated[
            strawberry.ID, strawberry.argument(description="The customer to follow.")
        ],
    ) -> AsyncGenerator[TimelineEvent, None]:
        key = key_of_type(customer_id, "Customer", "customerId")
        customer = await info.context.loaders.customer().load(key) if key else None
        if customer is None:
            raise InputError("customerId", "`customerId` names no customer.", code="NOT_FOUND")
        async for change in _changes(info):
            event = await _timeline_event(info.context, change)
            if event is not None and event.customer_id == customer.id:
                yield event

    @strawberry.subscription(
        description="Tickets as they are opened or change, when they pass the filter.",
        extensions=reads(Area.TICKETS),
    )
    async def ticket_changed(
        self,
        info: strawberry.Info[Context, None],
        filter: Annotated[TicketFilter | None, strawberry.argument(description=FILTER_HELP)] = None,
    ) -> AsyncGenerator[Ticket, None]:
        query = ticket_query(filter)
        async for change in _changes(info):
            if change.type_name != "Ticket":
                continue
            ticket = await tickets.ticket_if_matching(
                info.context.primary_sessions, change.id, query
            )
            if ticket is not None:
                yield Ticket.from_model(ticket)
