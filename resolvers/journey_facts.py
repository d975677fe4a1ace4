"""Catching up the touchpoints' journey facts on PostgreSQL (models/touchpoints.py).

A write to a customer's touchpoints or tickets does not recompute the four facts there:
its triggers mark the customer in `touchpoint_journey_pending` (migration 4d7f1b9e3a62).
The scheduler (`JOURNEY_FACTS_DUE`) catches marked customers up from a few seconds later
on (within its interval: it does not wake for a new mark), in batches, with the database
function `touchpoint_journey_recompute(customers)`: every fact of their touchpoints from
the earliest time their writes may have changed, in `UPDATE`s that write only the rows
whose facts change. Until then `journeyPainPoints` measures the marked customers from their
touchpoints and tickets, in the same statement (resolvers/pain_points.py), so it is exact
whenever it reads.

Why a catch-up never misses a write, and never makes a writer wait: it reads the marks
(each with a version), recomputes those customers in a new statement, so from a snapshot
taken after the reading, and deletes each mark only if it still has the version read,
in the same transaction. A write committed before the marks were read is in that
snapshot; one under way or committed since gives its customer's mark a new version, so
the mark stays for the next round. A mark a writer holds at the delete is skipped. The
catch-up takes no customer lock, and gives up (to try again next round) rather than wait
more than `LOCK_TIMEOUT` for a row a write holds (a merge moving the same customer's
touchpoints): the write goes first.

SQLite keeps the facts in the writing transaction (row-level triggers): nothing is ever
marked there, and these functions find nothing to do.
"""

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col

from models import TouchpointJourneyPending
from resolvers.changes import ChangeFeed
from resolvers.pagination import Sessions
from resolvers.scheduler import Claim, DueWork, claim_rows, earliest
from resolvers.writes import sqlstate

CUSTOMER_ID = col(TouchpointJourneyPending.customer_id)
DUE_AT = col(TouchpointJourneyPending.due_at)
VERSION = col(TouchpointJourneyPending.version)
KIND = "touchpoint-journey-facts"


# A catch-up waits at most this long for a row lock a write holds, then leaves the
# customers to the next round.
LOCK_TIMEOUT = sa.text("SET LOCAL lock_timeout = '100ms'")
LOCK_NOT_AVAILABLE = "55P03"
BATCH = 100


async def catch_up(write_sessions: Sessions, customers: list[uuid.UUID] | None = None) -> int:
    """Catches up marked customers (these only, if given), `BATCH` at a time; how many
    marks were cleared. PostgreSQL only: nothing is marked on SQLite."""
    marked = sa.select(CUSTOMER_ID, VERSION).order_by(CUSTOMER_ID)
    if customers is not None:
        marked = marked.where(CUSTOMER_ID.in_(customers))
    async with write_sessions() as session:
        if session.get_bind().dialect.name != "postgresql":
            return 0
        read = [(row[0], row[1]) for row in await session.execute(marked)]
    cleared = 0
    for start in range(0, len(read), BATCH):
        cleared += await _recompute(write_sessions, read[start : start + BATCH])
    return cleared


async def _recompute(write_sessions: Sessions, read: list[tuple[uuid.UUID, int]]) -> int:
    ids = [customer for customer, _ in read]
    given = sa.cast(sa.literal(ids, sa.ARRAY(sa.Uuid())), sa.ARRAY(sa.Uuid()))
    free = (
        sa.select(CUSTOMER_ID)
        .where(CUSTOMER_ID.in_(ids))
        .order_by(CUSTOMER_ID)
        .with_for_update(skip_locked=True)
    )
    unchanged = sa.tuple_(CUSTOMER_ID, VERSION).in_(read)
    try:
        async with write_sessions() as session, session.begin():
            await session.execute(LOCK_TIMEOUT)
            await session.execute(sa.select(sa.func.touchpoint_journey_recompute(given)))
            cleared = await session.execute(
                sa.delete(TouchpointJourneyPending).where(CUSTOMER_ID.in_(free), unchanged)
            )
    except sa.exc.DBAPIError as error:
        if sqlstate(error) != LOCK_NOT_AVAILABLE:
            raise
        return 0
    return int(cleared.rowcount)  # type: ignore[attr-defined]


async def _claim(write_sessions: Sessions, now: datetime, limit: int, lease: timedelta) -> Claim:
    return await claim_rows(write_sessions, KIND, CUSTOMER_ID, DUE_AT, now, limit, lease)


async def _apply(
    write_sessions: Sessions, claim: Claim, feed: ChangeFeed | None = None
) -> list[uuid.UUID]:
    """The claimed customers; a mark written again since stays for a later round, and
    one a read or another round caught up meanwhile is gone."""
    await catch_up(write_sessions, claim.ids)
    return claim.ids


async def _next_due(sessions: Sessions) -> datetime | None:
    return await earliest(sessions, DUE_AT)


JOURNEY_FACTS_DUE = DueWork(KIND, _claim, _apply, _next_due)
