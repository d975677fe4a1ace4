"""Live SLA: a ticket entering AT_RISK or BREACHED is logged as a change, once per entry.

Each ticket stores `sla_state` (its overall SLA state as of the last look, at
`sla_checked_at`) and `sla_next_check_at` (the next moment time alone changes that
state: a target's at-risk moment or just after its due time, for targets not yet
achieved; null when none is left).

`refresh` looks at tickets at one "now": it computes the state with the same rule as
`Ticket.sla` (resolvers/sla.py), stores it with the next check, and returns a change
`TICKET_SLA_AT_RISK` / `TICKET_SLA_BREACHED` when the state differs from the stored one
and is one of those two. Writes call it (resolvers/writes.py) for the tickets they change,
before their change log entries are recorded, in their transaction; the scheduler's
`SLA_DUE` calls it for tickets whose next check has come and records the changes in the
same transaction, so subscribers and webhooks get them through the change log. The row
lock taken first makes the comparison with the stored state race-free across processes.
"""

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import ChangeType, Ticket, TicketStatus
from models.types import utc_now
from resolvers import changes as change_log
from resolvers import sla
from resolvers.changes import ChangeFeed, PendingChange
from resolvers.pagination import Sessions
from resolvers.scheduler import Claim, DueWork, claim_rows, earliest, still_claimed
from resolvers.stored_values import store_values

BATCH = 500
# BREACHED holds once now is past the due time: first just after it.
JUST_AFTER = timedelta(microseconds=1)
TICKET_ID = col(Ticket.id)
NEXT_CHECK = col(Ticket.sla_next_check_at)
ANNOUNCED: dict[str, ChangeType] = {
    sla.AT_RISK: ChangeType.TICKET_SLA_AT_RISK,
    sla.BREACHED: ChangeType.TICKET_SLA_BREACHED,
}
COLUMNS = (
    TICKET_ID,
    col(Ticket.customer_id),
    col(Ticket.status),
    col(Ticket.first_response_at),
    col(Ticket.resolved_at),
    col(Ticket.first_response_due_at),
    col(Ticket.resolution_due_at),
    col(Ticket.first_response_at_risk_at),
    col(Ticket.resolution_at_risk_at),
    col(Ticket.sla_state),
)


def _target_next(
    achieved: datetime | None, at_risk_at: datetime, due: datetime, now: datetime
) -> datetime | None:
    if achieved is not None:
        return None
    if at_risk_at > now:
        return at_risk_at
    return due + JUST_AFTER if due >= now else None


def next_check(
    now: datetime,
    status: TicketStatus,
    first_response_at: datetime | None,
    resolved_at: datetime | None,
    first_response_due_at: datetime,
    resolution_due_at: datetime,
    first_response_at_risk_at: datetime,
    resolution_at_risk_at: datetime,
) -> datetime | None:
    """The next moment time alone changes the state (null: it never will)."""
    moments = (
        _target_next(first_response_at, first_response_at_risk_at, first_response_due_at, now),
        _target_next(
            sla.resolution_achieved(status, resolved_at),
            resolution_at_risk_at,
            resolution_due_at,
            now,
        ),
    )
    return min((m for m in moments if m is not None), default=None)


async def refresh(
    session: AsyncSession, ticket_ids: Iterable[uuid.UUID], announce: bool = True
) -> list[PendingChange]:
    """Stores these tickets' SLA state and next check at now, inside the session's
    transaction; returns the states entered that are announced (none if not `announce`:
    a bulk load stores the state it starts from)."""
    wanted = sorted(set(ticket_ids))
    now = utc_now()
    entered: list[PendingChange] = []
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        found = await session.execute(
            sa.select(*COLUMNS)
            .where(TICKET_ID.in_(chunk))
            .order_by(TICKET_ID)
            .with_for_update(key_share=True)
        )
        rows: list[dict[str, Any]] = []
        for key, customer_id, status, *times, stored in found.all():
            first_response_at, resolved_at, fr_due, res_due, fr_risk, res_risk = times
            facts = sla.sla_facts(
                status=status,
                first_response_at=first_response_at,
                resolved_at=resolved_at,
                first_response_due_at=fr_due,
                resolution_due_at=res_due,
                first_response_at_risk_at=fr_risk,
                resolution_at_risk_at=res_risk,
                now=now,
            )
            if announce and facts.state != stored and facts.state in ANNOUNCED:
                entered.append(PendingChange(ANNOUNCED[facts.state], key, customer_id))
            rows.append(
                {
                    "id": key,
                    "sla_state": facts.state,
                    "sla_next_check_at": next_check(now, status, *times),
                    "sla_checked_at": now,
                }
            )
        await _store(session, rows)
    return entered


STORED = ("sla_state", "sla_next_check_at", "sla_checked_at")


async def _store(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """One statement for all the rows, so the database's per-state counts (migration
    5a1c7e3b9d24) change once per chunk, not once per ticket."""
    await store_values(session, Ticket, STORED, rows)


async def _claim(write_sessions: Sessions, now: datetime, limit: int, lease: timedelta) -> Claim:
    return await claim_rows(write_sessions, SLA_KIND, TICKET_ID, NEXT_CHECK, now, limit, lease)


async def _apply(
    write_sessions: Sessions, claim: Claim, feed: ChangeFeed | None = None
) -> list[uuid.UUID]:
    async with write_sessions() as session:
        async with session.begin():
            ours = await still_claimed(session, claim, TICKET_ID, NEXT_CHECK)
            entered = await refresh(session, ours)
            committed = await change_log.record(session, entered)
        await change_log.announce(feed, committed)  # committed: never before
    return ours


async def _next_due(sessions: Sessions) -> datetime | None:
    return await earliest(sessions, NEXT_CHECK)


SLA_KIND = "ticket-sla"
SLA_DUE = DueWork(SLA_KIND, _claim, _apply, _next_due)
