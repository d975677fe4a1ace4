"""Work that falls due with time alone: claimed by one process at a time, with a lease.

The scheduler (api/scheduler.py) runs in every server process and knows *kinds* of due
work, each a `DueWork`: how to claim a batch of due rows, how to apply a claim, and when
the next row falls due. A kind stores, per row, when that row next needs a look (an
indexed column, e.g. `customer.health_next_check_at`), so a round touches only what is due.

Adding a kind (e.g. ticket SLA states) takes three functions, most of them from here:

- `claim`: `claim_rows(write_sessions, kind, id_column, due_column, now, limit, lease)`
  takes due rows with `FOR UPDATE SKIP LOCKED` on PostgreSQL (so processes never take
  the same row) and moves their due time to `now + lease` in the same short transaction.
  A process that dies after claiming leaves the rows due again when the lease runs out,
  and another process takes them over.
- `apply`: opens a write transaction, keeps only the rows `still_claimed` (locked, their
  due time still this claim's lease: not taken over since, nor recomputed by a write),
  does the work and stores each row's next due time (null: never by time alone). A row
  applied once is therefore never applied again for the same claim; apply must still
  change state only on a real transition (emit an event only when a state is entered).
  A kind that logs changes records them in that transaction and, once committed,
  announces them on the feed it is given (as a write does).
- `next_due`: `earliest(sessions, due_column)`, so the scheduler sleeps until then.

Then list the kind in `api.scheduler.DUE_WORK`. On SQLite writes are serial (one process).
"""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.changes import ChangeFeed
from resolvers.pagination import Sessions


@dataclass(frozen=True)
class Claim:
    """Rows of one kind this process took, theirs until `lease_until`."""

    kind: str
    ids: list[uuid.UUID]
    lease_until: datetime


class Apply(Protocol):
    """(write sessions, claim, where to announce logged changes) -> the rows applied
    (those still claimed)."""

    def __call__(
        self, write_sessions: Sessions, claim: Claim, feed: ChangeFeed | None = None
    ) -> Awaitable[list[uuid.UUID]]: ...


@dataclass(frozen=True)
class DueWork:
    name: str
    # (write sessions, now, at most this many rows, lease) -> the rows taken
    claim: Callable[[Sessions, datetime, int, timedelta], Awaitable[Claim]]
    apply: Apply
    # (sessions) -> when the next row falls due, if any does
    next_due: Callable[[Sessions], Awaitable[datetime | None]]


async def claim_rows(
    write_sessions: Sessions,
    kind: str,
    id_column: Any,
    due_column: Any,
    now: datetime,
    limit: int,
    lease: timedelta,
    *conditions: Any,
) -> Claim:
    lease_until = now + lease
    statement = (
        sa.select(id_column)
        .where(due_column <= now, *conditions)
        .order_by(due_column)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    async with write_sessions() as session, session.begin():
        ids = list((await session.execute(statement)).scalars())
        if ids:
            await session.execute(
                sa.update(id_column.table)
                .where(id_column.in_(ids))
                .values({due_column.key: lease_until})
            )
    return Claim(kind, ids, lease_until)


async def still_claimed(
    session: AsyncSession, claim: Claim, id_column: Any, due_column: Any
) -> list[uuid.UUID]:
    """The claim's rows that are still this claim's, locked until the transaction ends."""
    if not claim.ids:
        return []
    statement = (
        sa.select(id_column)
        .where(id_column.in_(claim.ids), due_column == claim.lease_until)
        .order_by(id_column)
        .with_for_update(key_share=True)
    )
    return list((await session.execute(statement)).scalars())


async def earliest(sessions: Sessions, due_column: Any) -> datetime | None:
    async with sessions() as session:
        found: datetime | None = await session.scalar(sa.select(sa.func.min(due_column)))
    return found
