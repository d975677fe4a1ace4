"""Live updates over graphql-transport-ws: a customer's timeline, ticket changes, SLA states
entered and next-best-actions starting.

Events come from resolvers.changes once their write has committed. Each event is loaded
fresh and shaped by the same GraphQL types, so every field rule of the subscriber's role
applies to it; the key is checked again before each event and at least every
KEY_RECHECK_SECONDS, so a revoked key's subscriptions end.

The `...Changes` subscriptions carry each change's cursor: a subscriber whose socket
dropped subscribes again with `after: <last cursor>` and first receives, from the change
log, everything it missed, then live changes, with none twice.
"""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

import strawberry

from api.context import Context
from resolvers import actions, surveys, tickets, touchpoints
from resolvers import changes as change_log
from resolvers.changes import Change
from resolvers.errors import InputError
from resolvers.pagination import Sessions
from schema.actions import Action, ActionFilter
from schema.bulk import BulkSubscriptions
from schema.enums import ChangeType
from schema.errors import client_error
from schema.node import key_of_type
from schema.pagination import FILTER_HELP
from schema.permissions import Area, check_key_active, reads
from schema.tickets import Ticket, TicketFilter, ticket_query
from schema.timeline import TimelineEvent, timeline_event, visible_kinds

T = TypeVar("T")
KEY_RECHECK_SECONDS = 30
# Missed changes are read back from the change log this many at a time.
REPLAY_PAGE = 200
AFTER_HELP = (
    "The `cursor` of the last change you received: the changes since then come first "
    "(from the change log), then live ones. Omit it to start with live changes."
)


async def _changes(
    context: Context,
    after: str | None,
    customer_id: uuid.UUID | None = None,
    change_types: frozenset[ChangeType] | None = None,
) -> AsyncGenerator[list[Change], None]:
    """Committed changes in batches: the missed ones after `after`, then live ones as they
    come, in log order and none twice, while the subscriber's key stays valid."""

    def wanted(change: Change) -> bool:
        return (customer_id is None or change.customer_id == customer_id) and (
            change_types is None or change.change_type in change_types
        )

    # Listening starts before the replay, so nothing committed in between is lost.
    async with context.changes.listen() as queue:
        last = change_log.decode_position(after, "after") if after is not None else None
        if last is not None:
            if last < await change_log.pruned_through(context.primary_sessions):
                raise InputError(
                    "after",
                    "`after` is older than the change log keeps; read the current state "
                    "with a query, then subscribe without `after`.",
                )
            while True:
                missed = await change_log.changes_after(
                    context.primary_sessions, last, REPLAY_PAGE, customer_id, change_types
                )
                if missed:
                    await check_key_active(context)
                    last = missed[-1].position
                    context.renew()  # an event's fields are read as stored now
                    yield missed
                if len(missed) < REPLAY_PAGE:
                    break
        while True:
            change = None
            with contextlib.suppress(TimeoutError):
                change = await asyncio.wait_for(queue.get(), KEY_RECHECK_SECONDS)
            await check_key_active(context)
            if change is None or not wanted(change):
                continue
            if last is not None and change.position <= last:
                continue  # already replayed from the log
            last = change.position
            context.renew()
            yield [change]


async def _answered(events: AsyncIterator[T], request_id: str) -> AsyncGenerator[T, None]:
    """Errors raised between events read like any other error: clear, never a traceback,
    with the operation's request id (as in its log line)."""
    try:
        async for event in events:
            yield event
    except Exception as error:
        raise client_error(error, None, request_id) from None


RECORDS_BY_IDS: dict[str, Callable[[Sessions, list[uuid.UUID]], Awaitable[list[Any]]]] = {
    "Touchpoint": touchpoints.touchpoints_by_ids,
    "Ticket": tickets.tickets_by_ids,
    "SurveyResponse": surveys.responses_by_ids,
}


async def _records(context: Context, batch: list[Change]) -> dict[uuid.UUID, Any]:
    """The changed records, one statement per record type in the batch."""
    found: dict[uuid.UUID, Any] = {}
    for record_type, fetch in RECORDS_BY_IDS.items():
        ids = [c.record_id for c in batch if c.record_type == record_type]
        if ids:
            # Just committed: read the primary, a replica may not have it yet.
            found.update((r.id, r) for r in await fetch(context.primary_sessions, ids) if r)
    return found


async def _customer_key(context: Context, customer_id: strawberry.ID) -> uuid.UUID:
    key = key_of_type(customer_id, "Customer", "customerId")
    customer = await context.loaders.customer().load(key) if key else None
    if customer is None:
        raise InputError("customerId", "`customerId` names no customer.", code="NOT_FOUND")
    return customer.id


@strawberry.interface(name="Change", description="A committed change, with its cursor.")
class CommittedChange:
    cursor: str = strawberry.field(
        description="Resubscribe with `after: cursor` to receive what came after this change."
    )
    type: ChangeType = strawberry.field(description="What the write did.")
    occurred_at: datetime = strawberry.field(description="When the write committed.")


@strawberry.type(description="A committed change to a customer's timeline.")
class TimelineChange(CommittedChange):
    event: TimelineEvent = strawberry.field(description="The record as it is now.")


@strawberry.type(description="A committed change to a ticket.")
class TicketChange(CommittedChange):
    ticket: Ticket = strawberry.field(description="The ticket as it is now.")


@strawberry.type(description="A next-best-action that started to hold.")
class ActionChange(CommittedChange):
    action: Action = strawberry.field(description="The action as it is now.")


# What writes did to records (the timeline), to tickets (`ticketChanged`), the SLA
# states tickets entered (`ticketSlaChanged`, logged by resolvers/sla_live.py) and the
# next-best-actions that started (`actionsChanged`, logged by resolvers/actions.py).
# Other change types (invitations sent, follow-ups missed) are for webhooks only.
ACTION_STARTS = frozenset({ChangeType.ACTION_STARTED})
TICKET_WRITES = frozenset({ChangeType.TICKET_OPENED, ChangeType.TICKET_UPDATED})
SLA_ENTERED = frozenset({ChangeType.TICKET_SLA_AT_RISK, ChangeType.TICKET_SLA_BREACHED})
RECORD_WRITES = TICKET_WRITES | {
    ChangeType.TOUCHPOINT_RECORDED,
    ChangeType.SURVEY_RESPONSE_RECORDED,
}


async def _timeline_changes(
    info: strawberry.Info[Context, None], customer_id: strawberry.ID, after: str | None
) -> AsyncGenerator[TimelineChange, None]:
    context = info.context
    customer = await _customer_key(context, customer_id)
    # Only the kinds the role may read: the others are not even fetched.
    kinds = visible_kinds(context.viewer.role)
    async for batch in _changes(context, after, customer, RECORD_WRITES):
        batch = [c for c in batch if c.record_type in kinds]
        records = await _records(context, batch)
        for change in batch:
            if (record := records.get(change.record_id)) is not None:
                yield TimelineChange(
                    cursor=change_log.encode_position(change.position),
                    type=change.change_type,
                    occurred_at=change.occurred_at,
                    event=timeline_event(record, change.record_type),
                )


async def _ticket_changes(
    info: strawberry.Info[Context, None],
    filter: TicketFilter | None,
    after: str | None,
    change_types: frozenset[ChangeType] = TICKET_WRITES,
) -> AsyncGenerator[TicketChange, None]:
    context = info.context
    query = ticket_query(filter)
    async for batch in _changes(context, after, change_types=change_types):
        ids = [c.record_id for c in batch]
        found = {
            t.id: t for t in await tickets.tickets_matching(context.primary_sessions, ids, query)
        }
        for change in batch:
            if (ticket := found.get(change.record_id)) is not None:
                yield TicketChange(
                    cursor=change_log.encode_position(change.position),
                    type=change.change_type,
                    occurred_at=change.occurred_at,
                    ticket=Ticket.from_model(ticket),
                )


async def _action_changes(
    info: strawberry.Info[Context, None], filter: ActionFilter | None, after: str | None
) -> AsyncGenerator[ActionChange, None]:
    """Each start, while it still holds and is shown (never a dismissed action), when the
    action passes the filter, as the queue's `nextBestActions(filter)` would list it."""
    context = info.context
    query = filter.query() if filter is not None else actions.ActionQuery()
    async for batch in _changes(context, after, change_types=ACTION_STARTS):
        starts = [c.record_id for c in batch]
        found = await actions.actions_matching(context.primary_sessions, starts, query)
        by_start = {action.start_id: action for action in found}
        for change in batch:
            if (action := by_start.get(change.record_id)) is not None:
                yield ActionChange(
                    cursor=change_log.encode_position(change.position),
                    type=change.change_type,
                    occurred_at=change.occurred_at,
                    action=Action.from_model(action),
                )


CustomerId = Annotated[strawberry.ID, strawberry.argument(description="The customer to follow.")]
After = Annotated[str | None, strawberry.argument(description=AFTER_HELP)]
Filter = Annotated[TicketFilter | None, strawberry.argument(description=FILTER_HELP)]
ActionsFilter = Annotated[ActionFilter | None, strawberry.argument(description=FILTER_HELP)]


@strawberry.type(description="Live updates, over WebSocket (graphql-transport-ws).")
class Subscription(BulkSubscriptions):
    @strawberry.subscription(
        description="The customer's new touchpoints, ticket changes and survey responses "
        "(the kinds this key's role may read), as they are committed. "
        "`customerTimelineChanges` adds cursors to resume from.",
    )
    async def customer_timeline(
        self, info: strawberry.Info[Context, None], customer_id: CustomerId
    ) -> AsyncGenerator[TimelineEvent, None]:
        async for change in _answered(
            _timeline_changes(info, customer_id, None), info.context.request_id
        ):
            yield change.event

    @strawberry.subscription(
        description="Tickets as they are opened or change, when they pass the filter. "
        "`ticketChanges` adds cursors to resume from.",
        extensions=reads(Area.TICKETS),
    )
    async def ticket_changed(
        self, info: strawberry.Info[Context, None], filter: Filter = None
    ) -> AsyncGenerator[Ticket, None]:
        async for change in _answered(_ticket_changes(info, filter, None), info.context.request_id):
            yield change.ticket

    @strawberry.subscription(
        description="Like `customerTimeline`, with each change's cursor; after a dropped "
        "socket, subscribe with `after` to receive what was missed first.",
    )
    async def customer_timeline_changes(
        self, info: strawberry.Info[Context, None], customer_id: CustomerId, after: After = None
    ) -> AsyncGenerator[TimelineChange, None]:
        async for change in _answered(
            _timeline_changes(info, customer_id, after), info.context.request_id
        ):
            yield change

    @strawberry.subscription(
        description="Like `ticketChanged`, with each change's cursor; after a dropped "
        "socket, subscribe with `after` to receive what was missed first.",
        extensions=reads(Area.TICKETS),
    )
    async def ticket_changes(
        self, info: strawberry.Info[Context, None], filter: Filter = None, after: After = None
    ) -> AsyncGenerator[TicketChange, None]:
        async for change in _answered(
            _ticket_changes(info, filter, after), info.context.request_id
        ):
            yield change

    @strawberry.subscription(
        description="Tickets entering SLA state AT_RISK or BREACHED (`sla.state`), when they "
        "pass the filter: once each time a ticket enters one of them, by time alone (within "
        "60 seconds of the moment, whichever server process applies it) or by a write (a "
        "priority change, a reopen). `ticketSlaChanges` adds cursors to resume from.",
        extensions=reads(Area.TICKETS),
    )
    async def ticket_sla_changed(
        self, info: strawberry.Info[Context, None], filter: Filter = None
    ) -> AsyncGenerator[Ticket, None]:
        async for change in _answered(
            _ticket_changes(info, filter, None, SLA_ENTERED), info.context.request_id
        ):
            yield change.ticket

    @strawberry.subscription(
        description="Like `ticketSlaChanged`, with each change's cursor and its type "
        "(`TICKET_SLA_AT_RISK`, `TICKET_SLA_BREACHED`); after a dropped socket, subscribe "
        "with `after` to receive what was missed first.",
        extensions=reads(Area.TICKETS),
    )
    async def ticket_sla_changes(
        self, info: strawberry.Info[Context, None], filter: Filter = None, after: After = None
    ) -> AsyncGenerator[TicketChange, None]:
        async for change in _answered(
            _ticket_changes(info, filter, after, SLA_ENTERED), info.context.request_id
        ):
            yield change

    @strawberry.subscription(
        description="Next-best-actions as they start to hold, when they pass the filter (as "
        "in `nextBestActions`): once per start, whether a write starts it (in its "
        "transaction) or time alone (within 60 seconds of the moment, whichever server "
        "process applies it); never for a dismissed action, nor for one that no longer "
        "holds when it is delivered. Not for PARTNER. `actionChanges` adds cursors to "
        "resume from.",
        extensions=reads(Area.METRICS),
    )
    async def actions_changed(
        self, info: strawberry.Info[Context, None], filter: ActionsFilter = None
    ) -> AsyncGenerator[Action, None]:
        async for change in _answered(_action_changes(info, filter, None), info.context.request_id):
            yield change.action

    @strawberry.subscription(
        description="Like `actionsChanged`, with each change's cursor and its type "
        "(`ACTION_STARTED`); after a dropped socket, subscribe with `after` to receive what "
        "was missed first (starts that still hold and are shown).",
        extensions=reads(Area.METRICS),
    )
    async def action_changes(
        self,
        info: strawberry.Info[Context, None],
        filter: ActionsFilter = None,
        after: After = None,
    ) -> AsyncGenerator[ActionChange, None]:
        async for change in _answered(
            _action_changes(info, filter, after), info.context.request_id
        ):
            yield change
