"""Old bulk files deleted by the scheduler (resolvers/scheduler.py `DueWork`).

Each finished operation (its export lines or import error report) and each staged
upload stores `files_expire_at`: the retention (`CX360_BULK_FILE_RETENTION_HOURS`) after
the operation finished, or after the upload URL expired. When that moment comes the
scheduler deletes the file, stores `files_deleted_at` and clears `files_expire_at`; the
download then answers 410 GONE. An upload whose import is still CREATED or RUNNING is
kept one retention longer (an import reads it to its end).
"""

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from models import BulkOperation, BulkUpload
from models.types import utc_now
from resolvers.bulk.files import OPERATIONS, UPLOADS, file_of
from resolvers.bulk.operations import ACTIVE
from resolvers.changes import ChangeFeed
from resolvers.pagination import Sessions
from resolvers.scheduler import Claim, DueWork, claim_rows, earliest, still_claimed


def _files_due(name: str, model: Any, kind: str, root: Path, retention: timedelta) -> DueWork:
    id_column, due_column = model.id, model.files_expire_at

    async def take(write_sessions: Sessions, now: Any, limit: int, lease: timedelta) -> Claim:
        return await claim_rows(write_sessions, name, id_column, due_column, now, limit, lease)

    async def apply(
        write_sessions: Sessions, claim: Claim, feed: ChangeFeed | None = None
    ) -> list[uuid.UUID]:
        async with write_sessions() as session, session.begin():
            ids = await still_claimed(session, claim, id_column, due_column)
            in_use: set[uuid.UUID] = set()
            if model is BulkUpload and ids:
                in_use = {
                    key
                    for key in (
                        await session.execute(
                            sa.select(col(BulkOperation.upload_id)).where(
                                col(BulkOperation.upload_id).in_(ids),
                                col(BulkOperation.status).in_(ACTIVE),
                            )
                        )
                    ).scalars()
                    if key is not None
                }
            now = utc_now()
            gone = [key for key in ids if key not in in_use]
            for key in gone:  # before the commit: a failed commit leaves them due again
                file_of(root, kind, key).unlink(missing_ok=True)
            if gone:
                await session.execute(
                    sa.update(model)
                    .where(id_column.in_(gone))
                    .values(files_expire_at=None, files_deleted_at=now)
                )
            if in_use:
                await session.execute(
                    sa.update(model)
                    .where(id_column.in_(in_use))
                    .values(files_expire_at=now + retention)
                )
        return gone

    async def next_due(sessions: Sessions) -> Any:
        return await earliest(sessions, due_column)

    return DueWork(name, take, apply, next_due)


def bulk_files_due(root: Path, retention: timedelta) -> tuple[DueWork, DueWork]:
    """The two kinds: operations' files (lines, reports) and uploaded files."""
    return (
        _files_due("bulk_operation_files", BulkOperation, OPERATIONS, root, retention),
        _files_due("bulk_upload_files", BulkUpload, UPLOADS, root, retention),
    )
