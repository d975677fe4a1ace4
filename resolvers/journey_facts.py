"""Catching up the touchpoints' journey facts on PostgreSQL (models/touchpoints.py).

A write to a customer's touchpoints or tickets does not recompute the four facts there:
its triggers mark the customer in `touchpoint_journey_pending` (migration 4d7f1b9e3a62).
The scheduler (`JOURNEY_FACTS_DUE`) catches marked customers up from a few seconds later
on, in batches, with the database function `touchpoint_journey_recompute(customers)`:
every fact of every touchpoint of theirs, in one `UPDATE` that writes only the rows whose
facts change. Until then `journeyPainPoints` measures the marked customers from their
touchpoints and tickets, in the same statement (resolvers/pain_points.py), so it is exact
whenever it reads.

Why a catch-up never misses a write: a writer's trigger updates the customer's mark if
one is there (never leaves it as is), so it holds that row's lock until it commits. A
catch-up locks the customers, then their marks, both with `SKIP LOCKED`: a writer under
way keeps its customer and its mark, and is caught up in a later round; a mark the
catch-up holds makes a later writer wait, and mark the customer again once it is gone.
The customers are locked first, as the API's writes lock them before they write rows.

SQLite keeps the facts in the writing transaction (row-level triggers): nothing is ever
marked there, and these functions find nothing to do.
"""

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Customer, TouchpointJourneyPending
from resolvers.changes import ChangeFeed
from resolvers.pagination import Sessions
from resolvers.scheduler import Claim, DueWork, claim_rows, earliest

CUSTOMER_ID = col(TouchpointJourneyPending.customer_id)
DUE_AT = col(TouchpointJourneyPending.due_at)
KIND = "touchpoint-journey-facts"


async def recompute(session: AsyncSession, customers: list[uuid.UUID]) -> None:
    """Recomputes these customers' facts and removes their marks, in `session`'s
    transaction (the marks are locked by the caller)."""
    if not customers:
        return
    given = sa.cast(sa.literal(customers, sa.ARRAY(sa.Uuid())), sa.ARRAY(sa.Uuid()))
    await session.execute(sa.select(sa.func.touchpoint_journey_recompute(given)))
    await session.execute(sa.delete(TouchpointJourneyPending).where(CUSTOMER_ID.in_(customers)))


async def catch_up(session: AsyncSession, customers: list[uuid.UUID] | None = None) -> int:
    """Catches up the marked customers (these only, if given) that no writer holds, in
    `session`'s transaction; how many. PostgreSQL only (nothing is marked on SQLite)."""
    if session.get_bind().dialect.name != "postgresql":
        return 0
    marked = sa.select(CUSTOMER_ID)
    if customers is not None:
        marked = marked.where(CUSTOMER_ID.in_(customers))
    free = (
        sa.select(col(Customer.id))
        .where(col(Customer.id).in_(marked))
        .order_by(col(Customer.id))
        .with_for_update(key_share=True, skip_locked=True)
    )
    locked = list((await session.execute(free)).scalars())
    if not locked:
        return 0
    held = (
        sa.select(CUSTOMER_ID)
        .where(CUSTOMER_ID.in_(locked))
        .order_by(CUSTOMER_ID)
        .with_for_update(skip_locked=True)
    )
    ours = list((await session.execute(held)).scalars())
    await recompute(session, ours)
    return len(ours)


async def _claim(write_sessions: Sessions, now: datetime, limit: int, lease: timedelta) -> Claim:
    return await claim_rows(write_sessions, KIND, CUSTOMER_ID, DUE_AT, now, limit, lease)


async def _apply(
    write_sessions: Sessions, claim: Claim, feed: ChangeFeed | None = None
) -> list[uuid.UUID]:
    """The claimed customers a writer does not hold (the rest stay marked, for a later
    round); a mark caught up meanwhile is gone and skipped."""
    async with write_sessions() as session, session.begin():
        await catch_up(session, claim.ids)
    return claim.ids


async def _next_due(sessions: Sessions) -> datetime | None:
    return await earliest(sessions, DUE_AT)


JOURNEY_FACTS_DUE = DueWork(KIND, _claim, _apply, _next_due)
