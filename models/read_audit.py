"""The read audit: who was shown which customer's unmasked personal data, and when.

One row per customer per response (docs/domain.md, "Who may see and do what"). Never a
value: the names of the fields shown (email, phone, comment) and the customer's id, which
erasure sets to null (the entry stays, the person's link goes).
"""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import metadata as _metadata  # noqa: F401  (naming convention first)
from models.enums import Role
from models.types import UTCDateTime, enum_column, utc_now


class ReadAuditEntry(SQLModel, table=True):
    __tablename__ = "read_audit_entry"
    __table_args__ = (
        # The list, newest first; `from`/`to` windows; pruning of expired rows.
        sa.Index("ix_read_audit_entry_read_at_id", "read_at", "id"),
        # `filter: {customerId}` and erasure (which nulls the link).
        sa.Index("ix_read_audit_entry_customer_id_read_at_id", "customer_id", "read_at", "id"),
        # `filter: {keyName}`.
        sa.Index("ix_read_audit_entry_key_name_read_at_id", "key_name", "read_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    read_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    key_id: uuid.UUID | None = Field(default=None)
    key_name: str = Field(sa_type=sa.String(100))
    role: Role = Field(sa_type=enum_column(Role, "role"))
    operation_name: str | None = Field(default=None, sa_type=sa.String(200))
    # Null once the customer was erased; no foreign key (an entry outlives everything).
    customer_id: uuid.UUID | None = Field(default=None)
    # The personal fields shown, in the order email, phone, comment.
    fields: list[str] = Field(default_factory=list, sa_type=sa.JSON)
