"""The audit log: who changed what, when, on which ids. Never PII values."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import metadata as _metadata  # noqa: F401  (naming convention first)
from models.enums import Role
from models.types import UTCDateTime, enum_column, utc_now


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"
    __table_args__ = (sa.Index("ix_audit_entry_occurred_at_id", "occurred_at", "id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    occurred_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    key_id: uuid.UUID | None = Field(default=None)
    key_name: str = Field(sa_type=sa.String(100), index=True)
    role: Role = Field(sa_type=enum_column(Role, "role"))
    action: str = Field(sa_type=sa.String(64), index=True)
    # Global ids of the objects written, e.g. ["Customer:..."] encoded as the API shows them.
    target_ids: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    # Counts and the names of changed fields; never the values of PII fields.
    details: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
