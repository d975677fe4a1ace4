"""Follow-ups kept current (docs/domain.md "Follow-ups"): one row per RESOLVED or CLOSED ticket.

A ticket's resolution starts its follow-up DUE (from `resolvedAt`, for `window()`: 7 days
unless configured); an invitation sent for the ticket makes it SENT, a response linked to
the ticket ANSWERED; a reopen deletes it (the next resolution starts a new one). Each of
these runs in the write's own transaction. Time alone turns DUE into MISSED: the row's
`next_check_at` is its `expires_at` while DUE, and the scheduler's `FOLLOW_UP_DUE` applies
it (logging a FOLLOW_UP_MISSED change for webhooks). The queue (`QUEUE`) reads
the stored state, oldest due first, by the indexes on (state, due_since, ticket_id).
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import (
    ChangeType,
    Channel,
    FollowUp,
    FollowUpState,
    SurveyResponse,
    Ticket,
    TicketPriority,
)
from models.enums import FINISHED_STATUSES
from models.types import utc_now
from resolvers import changes as change_log
from resolvers.changes import Change, ChangeFeed, PendingChange
from resolvers.filters import ColumnFilter, Filter
from resolvers.listing import Listing, SplitByValue
from resolvers.locks import FOR_NO_KEY_UPDATE
from resolvers.pagination import (
    Ordering,
    Sessions,
    SortKey,
)
from resolvers.scheduler import Claim, DueWork, claim_rows, earliest, still_claimed

if TYPE_CHECKING:
    from resolvers.writes import Write

DEFAULT_WINDOW = timedelta(days=7)
_window = DEFAULT_WINDOW
TICKET_ID = col(FollowUp.ticket_id)
NEXT_CHECK = col(FollowUp.next_check_at)


def set_window(window: timedelta) -> None:
    """How long a follow-up stays DUE before it is MISSED (setting `follow_up_days`)."""
    global _window
    _window = window


def window() -> timedelta:
    return _window


def _due_state(expires_at: datetime, now: datetime) -> FollowUpState:
    return FollowUpState.DUE if now < expires_at else FollowUpState.MISSED


async def start(session: AsyncSession, ticket: Ticket) -> FollowUp:
    """The ticket was resolved: a new follow-up, DUE (or MISSED if resolved long ago)."""
    assert ticket.resolved_at is not None
    expires = ticket.resolved_at + window()
    state = _due_state(expires, utc_now())
    follow_up = await _locked(session, ticket.id)
    if follow_up is None:
        follow_up = FollowUp(
            ticket_id=ticket.id, state=state, due_since=ticket.resolved_at, expires_at=expires
        )
        session.add(follow_up)
    follow_up.state, follow_up.due_since, follow_up.expires_at = state, ticket.resolved_at, expires
    follow_up.invitation_id = None
    follow_up.next_check_at = expires if state == FollowUpState.DUE else None
    await session.flush()
    return follow_up


async def cancel(session: AsyncSession, ticket_id: uuid.UUID) -> None:
    """The ticket reopened: its follow-up is gone."""
    await session.execute(sa.delete(FollowUp).where(col(FollowUp.ticket_id) == ticket_id))


async def after_move(write: "Write", name: str, ticket: Ticket) -> None:
    """Keeps the ticket's follow-up current after a lifecycle move (same transaction)."""
    if name == "resolveTicket":
        follow_up = await start(write.session, ticket)
        if follow_up.state == FollowUpState.MISSED:  # resolved more than the window ago
            write.changed(ChangeType.FOLLOW_UP_MISSED, ticket)
    elif name == "reopenTicket":
        await cancel(write.session, ticket.id)


async def _locked(session: AsyncSession, ticket_id: uuid.UUID) -> FollowUp | None:
    return await session.get(
        FollowUp, ticket_id, with_for_update=FOR_NO_KEY_UPDATE, populate_existing=True
    )


async def invitation_sent(
    session: AsyncSession, ticket_id: uuid.UUID, invitation_id: uuid.UUID
) -> None:
    """DUE (or MISSED) -> SENT; an ANSWERED follow-up stays answered."""
    follow_up = await _locked(session, ticket_id)
    if follow_up is not None and follow_up.state != FollowUpState.ANSWERED:
        follow_up.state, follow_up.invitation_id = FollowUpState.SENT, invitation_id
        follow_up.next_check_at = None
        await session.flush()


async def response_linked(
    session: AsyncSession, ticket_id: uuid.UUID, invitation_id: uuid.UUID | None
) -> None:
    """-> ANSWERED. A follow-up answered through an invitation names that one, also when
    a later invitation for the ticket was sent meanwhile (and stays unanswered)."""
    follow_up = await _locked(session, ticket_id)
    if follow_up is not None and follow_up.state != FollowUpState.ANSWERED:
        follow_up.state, follow_up.next_check_at = FollowUpState.ANSWERED, None
        if invitation_id is not None:
            follow_up.invitation_id = invitation_id
        await session.flush()


async def backfill(session: AsyncSession) -> None:
    """Follow-ups for RESOLVED or CLOSED tickets that have none (bulk loads: the seed)."""
    now = utc_now()
    answered = (
        sa.select(col(SurveyResponse.ticket_id))
        .where(col(SurveyResponse.ticket_id).is_not(None))
        .distinct()
    )
    rows = (
        await session.execute(
            sa.select(col(Ticket.id), col(Ticket.resolved_at), col(Ticket.id).in_(answered))
            .outerjoin(FollowUp, col(Ticket.id) == TICKET_ID)
            .where(
                col(Ticket.status).in_(FINISHED_STATUSES),
                col(Ticket.resolved_at).is_not(None),
                TICKET_ID.is_(None),
            )
        )
    ).all()
    values = []
    for key, resolved_at, has_response in rows:
        assert resolved_at is not None  # selected so
        expires = resolved_at + window()
        state = FollowUpState.ANSWERED if has_response else _due_state(expires, now)
        values.append(
            {
                "ticket_id": key,
                "state": state,
                "due_since": resolved_at,
                "expires_at": expires,
                "next_check_at": expires if state == FollowUpState.DUE else None,
            }
        )
    if values:
        await session.execute(sa.insert(FollowUp), values)


# ---------------------------------------------------------------- the scheduler's part


async def _claim(write_sessions: Sessions, now: datetime, limit: int, lease: timedelta) -> Claim:
    return await claim_rows(
        write_sessions, FOLLOW_UP_KIND, TICKET_ID, NEXT_CHECK, now, limit, lease
    )


async def _apply(
    write_sessions: Sessions, claim: Claim, feed: ChangeFeed | None = None
) -> list[uuid.UUID]:
    """DUE past its expiry -> MISSED, announced as FOLLOW_UP_MISSED after the commit."""
    async with write_sessions() as session:
        async with session.begin():
            ours, committed = await _expire(session, claim)
        await change_log.announce(feed, committed)  # committed: never before
    return ours


async def _expire(session: AsyncSession, claim: Claim) -> tuple[list[uuid.UUID], list[Change]]:
    """The claim's follow-ups, DUE past their expiry, made MISSED; the changes recorded."""
    committed: list[Change] = []
    ours = await still_claimed(session, claim, TICKET_ID, NEXT_CHECK)
    if not ours:
        return [], []
    now = utc_now()
    rows = (
        await session.execute(
            sa.select(
                TICKET_ID,
                col(FollowUp.state),
                col(FollowUp.expires_at),
                col(Ticket.customer_id),
            )
            .join(Ticket, col(Ticket.id) == TICKET_ID)
            .where(TICKET_ID.in_(ours))
        )
    ).all()
    missed = [
        (key, customer)
        for key, state, expires, customer in rows
        if state == FollowUpState.DUE and expires <= now
    ]
    waiting = [
        key for key, state, expires, _ in rows if state == FollowUpState.DUE and expires > now
    ]
    if missed:
        await session.execute(
            sa.update(FollowUp)
            .where(TICKET_ID.in_([key for key, _ in missed]))
            .values(state=FollowUpState.MISSED, next_check_at=None)
        )
        committed = await change_log.record(
            session,
            [PendingChange(ChangeType.FOLLOW_UP_MISSED, key, customer) for key, customer in missed],
        )
    if waiting:  # not yet (a later resolution): look again at its expiry
        await session.execute(
            sa.update(FollowUp)
            .where(TICKET_ID.in_(waiting))
            .values(next_check_at=col(FollowUp.expires_at))
        )
    done = {key for key, _ in missed} | set(waiting)
    leftover = [key for key in ours if key not in done]
    if leftover:  # no longer DUE: nothing to look at by time
        await session.execute(
            sa.update(FollowUp).where(TICKET_ID.in_(leftover)).values(next_check_at=None)
        )
    return ours, committed


async def _next_due(sessions: Sessions) -> datetime | None:
    return await earliest(sessions, NEXT_CHECK)


FOLLOW_UP_KIND = "follow-up"
FOLLOW_UP_DUE = DueWork(FOLLOW_UP_KIND, _claim, _apply, _next_due)


# ---------------------------------------------------------------- reads


@dataclass(frozen=True)
class FollowUpQuery:
    states: tuple[FollowUpState, ...] | None = None
    priorities: tuple[TicketPriority, ...] | None = None
    channels: tuple[Channel, ...] | None = None
    assignee: str | None = None


# Oldest due first; ties by ticket id.
QUEUE_ORDER = Ordering(
    "follow-ups",
    (
        SortKey(col(FollowUp.due_since), False, "datetime"),
        SortKey(TICKET_ID, False, "uuid"),
    ),
)


# The state is the follow-up's own; the rest are its ticket's, kept on the follow-up by
# triggers (models.FollowUp), each leading an index in the queue's order.
STATES = ColumnFilter("states", col(FollowUp.state), "any_of")
FILTERS: tuple[Filter, ...] = (
    STATES,
    ColumnFilter("priorities", col(FollowUp.priority), "any_of"),
    ColumnFilter("channels", col(FollowUp.channel), "any_of"),
    ColumnFilter("assignee", col(FollowUp.assignee), "equals"),
)


# By state: one state at a time from the (state, due_since, ticket_id) index, merged
# (compiled path): through the due_since index, a page of the newest state stepped over
# every older follow-up of the others (100,000 customers: 99,822 rows for 51).
QUEUE = Listing(
    "followUp",
    FollowUp,
    FILTERS,
    split_by=SplitByValue(
        STATES, tuple(s.value for s in FollowUpState), frozenset({QUEUE_ORDER.name})
    ),
)


async def follow_ups_by_tickets(
    sessions: Sessions, ticket_ids: Sequence[uuid.UUID]
) -> list[FollowUp | None]:
    async with sessions() as session:
        rows = (
            await session.execute(sa.select(FollowUp).where(TICKET_ID.in_(list(set(ticket_ids)))))
        ).scalars()
        found = {f.ticket_id: f for f in rows}
    return [found.get(key) for key in ticket_ids]
