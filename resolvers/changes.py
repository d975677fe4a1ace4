"""Changes to touchpoints, tickets and survey responses: logged, then announced.

A write records its changes in the change log (models/changes.py) inside its own
transaction, so a rolled-back write leaves no change behind, and announces them once it
has committed. Within one process the announcements go through memory. With CX360_REDIS_URL they go
through Redis pub/sub (api/redis_link.py), so a subscriber connected to any worker hears
writes made through any other. A rolled-back write announces nothing.
"""

import asyncio
import base64
import logging
import uuid
from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import ChangeEvent, ChangeLogPosition, ChangeType
from models.types import utc_now
from resolvers.errors import InputError
from resolvers.opaque import base64url
from resolvers.pagination import Sessions

log = logging.getLogger("cx360.changes")
# pg_advisory_xact_lock key ("cx36") held from a write's change-log insert to its commit.
CHANGE_LOG_LOCK = 0x63783336
PRUNED = "pruned"


class CustomerRecord(Protocol):
    @property
    def id(self) -> uuid.UUID: ...

    @property
    def customer_id(self) -> uuid.UUID: ...


@dataclass(frozen=True)
class PendingChange:
    """A change made inside an open write; it has no place in the log until it commits."""

    change_type: ChangeType
    record_id: uuid.UUID
    customer_id: uuid.UUID


@dataclass(frozen=True)
class Change:
    """A committed change and its position in the change log (the resume cursor)."""

    position: int
    change_type: ChangeType
    record_id: uuid.UUID
    customer_id: uuid.UUID
    occurred_at: datetime

    @property
    def record_type(self) -> str:
        return self.change_type.record_type

    def to_json(self) -> list[str | int]:
        return [
            self.position,
            self.change_type.value,
            str(self.record_id),
            str(self.customer_id),
            self.occurred_at.isoformat(),
        ]

    @classmethod
    def of(cls, event: ChangeEvent) -> "Change":
        assert event.id is not None
        return cls(
            event.id, event.change_type, event.record_id, event.customer_id, event.occurred_at
        )


CURSOR_PREFIX = "change:"
MAX_POSITION = 2**63 - 1  # the change log's position is a bigint


def encode_position(position: int) -> str:
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{position}".encode()).decode().rstrip("=")


def position_json(position: str) -> str:
    """encode_position in SQL, of SQL text `position` (a bigint), as a JSON string."""
    return f"""('"' || {base64url(f"'{CURSOR_PREFIX}' || ({position})::text")} || '"')"""


def decode_position(
    cursor: str, argument: str, fix: str = "pass the `cursor` of the last change received"
) -> int:
    """The change-log position a change cursor (a subscription's `after`, a delivery's
    `eventId`) holds; an input error naming `argument`, with `fix`, for anything else."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        digits = text[len(CURSOR_PREFIX) :]
        # As encode_position writes it: ASCII digits only, within the log's bigint.
        if text.startswith(CURSOR_PREFIX) and digits.isascii() and digits.isdigit():
            position = int(digits)
            if position <= MAX_POSITION:
                return position
    except ValueError:
        pass
    raise InputError(
        argument,
        f"`{argument}` is not a change cursor; {fix}.",
        code="INVALID_CURSOR",
    )


def pending(change_type: ChangeType, records: Sequence[CustomerRecord]) -> list[PendingChange]:
    return [PendingChange(change_type, r.id, r.customer_id) for r in records]


async def record(session: AsyncSession, changes: Sequence[PendingChange]) -> list[Change]:
    """Logs a write's changes as its last statements, with positions in commit order.

    On PostgreSQL a transaction-level advisory lock is held from taking the positions to
    the commit, so a change with a lower position can never commit after one with a
    higher: a reader that has seen position N has seen everything before it. SQLite has
    one writer at a time, which gives the same order.
    """
    if not changes:
        return []
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(sa.select(sa.func.pg_advisory_xact_lock(CHANGE_LOG_LOCK)))
    now = utc_now()
    rows = [
        {
            "occurred_at": now,
            "change_type": c.change_type,
            "record_id": c.record_id,
            "customer_id": c.customer_id,
        }
        for c in changes
    ]
    inserted = await session.execute(
        sa.insert(ChangeEvent).returning(col(ChangeEvent.id), sort_by_parameter_order=True), rows
    )
    positions = cast(list[int], inserted.scalars().all())  # a primary key is never null
    return [
        Change(position, c.change_type, c.record_id, c.customer_id, now)
        for position, c in zip(positions, changes, strict=True)
    ]


async def log_position(session: AsyncSession, name: str) -> int:
    found = await session.get(ChangeLogPosition, name)
    return found.position if found is not None else 0


async def changes_after(
    sessions: Sessions,
    position: int,
    limit: int,
    customer_id: uuid.UUID | None = None,
    change_types: Collection[ChangeType] | None = None,
) -> list[Change]:
    """Logged changes after `position`, oldest first: what a resuming subscriber missed."""
    statement = sa.select(ChangeEvent).where(col(ChangeEvent.id) > position)
    if customer_id is not None:
        statement = statement.where(col(ChangeEvent.customer_id) == customer_id)
    if change_types is not None:
        statement = statement.where(col(ChangeEvent.change_type).in_(sorted(change_types)))
    async with sessions() as session:
        found = await session.execute(statement.order_by(col(ChangeEvent.id)).limit(limit))
        return [Change.of(event) for event in found.scalars()]


async def latest_position(sessions: Sessions) -> int:
    """The position of the newest logged change (0 for none): where live delivery starts."""
    async with sessions() as session:
        found = await session.execute(sa.select(sa.func.max(col(ChangeEvent.id))))
        return found.scalar() or 0


async def pruned_through(sessions: Sessions) -> int:
    async with sessions() as session:
        return await log_position(session, PRUNED)


class ChangeFeed:
    """In-process announcements: every listener gets every change."""

    def __init__(self) -> None:
        self.listeners: set[asyncio.Queue[Change]] = set()

    async def start(self, sessions: Sessions) -> None:
        return None

    async def close(self) -> None:
        return None

    async def publish(self, changes: Sequence[Change]) -> None:
        self.deliver(changes)

    def deliver(self, changes: Sequence[Change]) -> None:
        for queue in self.listeners:
            for change in changes:
                queue.put_nowait(change)

    @asynccontextmanager
    async def listen(self) -> AsyncIterator[asyncio.Queue[Change]]:
        queue: asyncio.Queue[Change] = asyncio.Queue()
        self.listeners.add(queue)
        try:
            yield queue
        finally:
            self.listeners.discard(queue)


async def announce(feed: ChangeFeed | None, changes: Sequence[Change]) -> None:
    """After a commit: a lost announcement must not turn a stored write into an error."""
    if feed is None or not changes:
        return
    try:
        await feed.publish(changes)
    except Exception:
        log.exception("a committed write's changes could not be announced")
