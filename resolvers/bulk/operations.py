"""The bulk_operation and bulk_upload rows: one running job per key, leases, progress.

A job is claimed by one process at a time (`FOR UPDATE SKIP LOCKED` on PostgreSQL; on
SQLite writes are serial): the claim sets `lease_until`, and every progress commit renews
it, but only while the row is still RUNNING under that same lease. A process that died
leaves the lease to run out; the next claim resumes the job from its committed progress.
A canceled job fails the next progress commit, which stops the process running it.
"""

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import BulkKind, BulkOperation, BulkStatus, BulkUpload
from models.types import utc_now
from resolvers.filters import ColumnFilter
from resolvers.listing import Listing
from resolvers.pagination import Sessions, newest_first

OPERATIONS_NEWEST_FIRST = newest_first(
    "bulk_operations", col(BulkOperation.created_at), col(BulkOperation.id)
)
ACTIVE = (BulkStatus.CREATED, BulkStatus.RUNNING)
BULK_OPERATION: sa.Table = BulkOperation.__table__  # type: ignore[attr-defined]


class AlreadyRunning(Exception):
    """The key has a CREATED or RUNNING job already."""


def new_secret() -> str:
    return secrets.token_hex(32)


async def create_operation(
    write_sessions: Sessions,
    key_id: uuid.UUID,
    kind: BulkKind,
    document: str,
    upload_id: uuid.UUID | None = None,
    claimed_for: timedelta | None = None,
) -> BulkOperation:
    """A CREATED job for the runners; with `claimed_for`, one RUNNING already, claimed by
    the caller for that long (`cx360 export` runs it in its own process).

    Raises AlreadyRunning when the key has a CREATED or RUNNING job."""
    operation = BulkOperation(
        key_id=key_id,
        active_key_id=key_id,
        kind=kind,
        document=document,
        upload_id=upload_id,
        secret=new_secret(),
    )
    if claimed_for is not None:
        operation.status = BulkStatus.RUNNING
        operation.lease_until = utc_now() + claimed_for
    try:
        async with write_sessions() as session, session.begin():
            session.add(operation)
    except IntegrityError:  # the unique active_key_id: another job of this key is running
        raise AlreadyRunning from None
    return operation


async def get_operation(sessions: Sessions, key: uuid.UUID) -> BulkOperation | None:
    async with sessions() as session:
        return await session.get(BulkOperation, key)


@dataclass(frozen=True)
class OperationQuery:
    key_id: uuid.UUID


# `bulkOperations`: one key's operations (queries are OperationQuery), newest first.
OPERATIONS = Listing(
    "bulkOperation", BulkOperation, (ColumnFilter("key_id", col(BulkOperation.key_id), "equals"),)
)


def _finished(status: BulkStatus, now: datetime, retention: timedelta) -> dict[str, Any]:
    return {
        "status": status,
        "active_key_id": None,
        "lease_until": None,
        "completed_at": now,
        "files_expire_at": now + retention,
    }


async def cancel_operation(
    write_sessions: Sessions, key: uuid.UUID, key_id: uuid.UUID, retention: timedelta
) -> BulkOperation | None:
    """Cancels the key's job if it is still CREATED or RUNNING; returns it as it stands."""
    async with write_sessions() as session, session.begin():
        await session.execute(
            sa.update(BulkOperation)
            .where(
                col(BulkOperation.id) == key,
                col(BulkOperation.key_id) == key_id,
                col(BulkOperation.status).in_(ACTIVE),
            )
            .values(_finished(BulkStatus.CANCELED, utc_now(), retention))
        )
        found = await session.get(BulkOperation, key, populate_existing=True)
    return found if found is not None and found.key_id == key_id else None


async def claim_next(
    write_sessions: Sessions, now: datetime, lease: timedelta
) -> BulkOperation | None:
    """The oldest job waiting to start or whose process stopped renewing its lease."""
    waiting = sa.or_(
        col(BulkOperation.status) == BulkStatus.CREATED,
        sa.and_(
            col(BulkOperation.status) == BulkStatus.RUNNING,
            col(BulkOperation.lease_until) <= now,
        ),
    )
    statement = (
        sa.select(BulkOperation)
        .where(waiting)
        .order_by(col(BulkOperation.created_at))
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    async with write_sessions() as session, session.begin():
        found = (await session.execute(statement)).scalars().first()
        if found is None:
            return None
        found.status = BulkStatus.RUNNING
        found.lease_until = now + lease
    return found


async def next_lease_end(sessions: Sessions) -> datetime | None:
    """When the earliest running job's lease ends (its process may have died)."""
    async with sessions() as session:
        found: datetime | None = await session.scalar(
            sa.select(sa.func.min(col(BulkOperation.lease_until))).where(
                col(BulkOperation.status) == BulkStatus.RUNNING
            )
        )
    return found


async def renew(
    write_sessions: Sessions,
    operation: BulkOperation,
    lease: timedelta,
    retention: timedelta,
    finish: BulkStatus | None = None,
    **progress: Any,
) -> bool:
    """Commits progress (and a new lease, or the end) if the job is still this claim's.

    False: it was canceled or taken over; the caller must stop, writing nothing more."""
    now = utc_now()
    values: dict[str, Any] = dict(progress)
    if finish is not None:
        values.update(_finished(finish, now, retention))
    else:
        values["lease_until"] = now + lease
    async with write_sessions() as session, session.begin():
        result = await session.execute(
            sa.update(BulkOperation)
            .where(
                col(BulkOperation.id) == operation.id,
                col(BulkOperation.status) == BulkStatus.RUNNING,
                col(BulkOperation.lease_until) == operation.lease_until,
            )
            .values(values)
        )
    if getattr(result, "rowcount", 0) != 1:
        return False
    for name, value in values.items():
        setattr(operation, name, value)
    return True


async def hold(session: AsyncSession, operation_id: uuid.UUID, lines: int, failed: int) -> bool:
    """In a write transaction of a running import: sets its `object_count` to `lines`
    (the lines done once this transaction commits) and its `error_count` to `failed`
    (those of them with errors) if the job is still RUNNING, and keeps its row locked
    until that transaction ends, so a cancel waits for the write or the write sees the
    cancel. False: canceled or ended; the caller must roll its write back."""
    result = await session.execute(
        sa.update(BULK_OPERATION)
        .where(
            BULK_OPERATION.c.id == operation_id,
            BULK_OPERATION.c.status == BulkStatus.RUNNING,
        )
        .values(object_count=lines, error_count=failed)
    )
    return getattr(result, "rowcount", 0) == 1


# ---------------------------------------------------------------- staged uploads


async def create_upload(
    write_sessions: Sessions, key_id: uuid.UUID, ttl: timedelta, retention: timedelta
) -> BulkUpload:
    expires_at = utc_now() + ttl
    upload = BulkUpload(
        key_id=key_id,
        secret=new_secret(),
        expires_at=expires_at,
        files_expire_at=expires_at + retention,
    )
    async with write_sessions() as session, session.begin():
        session.add(upload)
    return upload


async def get_upload(sessions: Sessions, key: uuid.UUID) -> BulkUpload | None:
    async with sessions() as session:
        return await session.get(BulkUpload, key)


async def set_upload_size(write_sessions: Sessions, key: uuid.UUID, size: int) -> None:
    async with write_sessions() as session, session.begin():
        await session.execute(
            sa.update(BulkUpload).where(col(BulkUpload.id) == key).values(size=size)
        )


async def finished_since(
    sessions: Sessions, key_id: uuid.UUID, since: datetime
) -> list[BulkOperation]:
    """The key's operations that finished at or after `since`, in that order."""
    statement = (
        sa.select(BulkOperation)
        .where(col(BulkOperation.key_id) == key_id, col(BulkOperation.completed_at) >= since)
        .order_by(col(BulkOperation.completed_at), col(BulkOperation.id))
    )
    async with sessions() as session:
        return list((await session.execute(statement)).scalars())
