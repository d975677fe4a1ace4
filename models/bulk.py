"""Bulk operations: exports and imports run as background jobs over JSONL files.

A job's progress is committed as it goes (the export's cursor, the import's line, the
file's size at that point), so a process that dies mid-job leaves a row another process
resumes from once its lease runs out.
"""

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import metadata as _metadata  # noqa: F401  (naming convention first)
from models.types import UTCDateTime, enum_column, utc_now


class BulkKind(StrEnum):
    EXPORT = "EXPORT"
    IMPORT = "IMPORT"


class BulkStatus(StrEnum):
    CREATED = "CREATED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELED = "CANCELED"


class BulkOperation(SQLModel, table=True):
    __tablename__ = "bulk_operation"
    __table_args__ = (sa.Index("ix_bulk_operation_key_id_created_at", "key_id", "created_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    key_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid(), sa.ForeignKey("api_key.id", ondelete="CASCADE"), nullable=False
        )
    )
    # The key while the job is CREATED or RUNNING, null after: one running job per key.
    active_key_id: uuid.UUID | None = Field(default=None, unique=True)
    kind: BulkKind = Field(sa_type=enum_column(BulkKind, "bulk_kind"))
    status: BulkStatus = Field(
        default=BulkStatus.CREATED, sa_type=enum_column(BulkStatus, "bulk_status")
    )
    # The read query (export) or the mutation (import), as the key sent it.
    document: str = Field(sa_type=sa.Text)
    # An import's staged file.
    upload_id: uuid.UUID | None = Field(default=None)
    # Committed progress: the export's last page cursor, lines read, the file's size.
    cursor: str | None = Field(default=None, sa_type=sa.Text)
    lines_done: int = Field(default=0, sa_type=sa.BigInteger)
    object_count: int = Field(default=0, sa_type=sa.BigInteger)
    error_count: int = Field(default=0, sa_type=sa.BigInteger)
    file_size: int = Field(default=0, sa_type=sa.BigInteger)
    error_code: str | None = Field(default=None, sa_type=sa.String(64))
    error_message: str | None = Field(default=None, sa_type=sa.String(500))
    # Signs the download URL (HMAC-SHA256).
    secret: str = Field(sa_type=sa.String(64))
    # While RUNNING: when the running process's claim ends unless it renews it.
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Once finished: when the scheduler deletes its file (the retention); then null again,
    # and `files_deleted_at` says when it did (its URL answers 410 GONE).
    files_expire_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    files_deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class BulkUpload(SQLModel, table=True):
    """Where a key may PUT one JSONL file for an import, until `expires_at`."""

    __tablename__ = "bulk_upload"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    key_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid(), sa.ForeignKey("api_key.id", ondelete="CASCADE"), nullable=False
        )
    )
    secret: str = Field(sa_type=sa.String(64))
    # Bytes received; null until the file is uploaded.
    size: int | None = Field(default=None, sa_type=sa.BigInteger)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    # When the scheduler deletes the uploaded file (the retention after `expires_at`;
    # later while an import of it runs); null once deleted, at `files_deleted_at`.
    files_expire_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    files_deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
