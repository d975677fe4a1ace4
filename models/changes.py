"""The change log: every committed touchpoint, ticket and survey-response change, in order.

Its id is the cursor subscribers resume from and the position webhook delivery drains
from. Ids are taken in commit order (resolvers/changes.py), so "everything after N" never
skips a change that committed late. Rows carry ids only, never personal data.
"""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import metadata as _metadata  # noqa: F401  (naming convention first)
from models.enums import ChangeType
from models.types import UTCDateTime, enum_column, utc_now

# BIGINT on PostgreSQL; SQLite only autoincrements an INTEGER PRIMARY KEY.
SEQUENCE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class ChangeEvent(SQLModel, table=True):
    __tablename__ = "change_event"
    __table_args__ = (sa.Index("ix_change_event_customer_id_id", "customer_id", "id"),)

    id: int | None = Field(
        default=None, sa_column=sa.Column(SEQUENCE, primary_key=True, autoincrement=True)
    )
    occurred_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, index=True)
    change_type: ChangeType = Field(sa_type=enum_column(ChangeType, "change_type"))
    record_id: uuid.UUID
    customer_id: uuid.UUID


class ChangeLogPosition(SQLModel, table=True):
    """How far a reader of the change log got: 'webhooks' (fanned out), 'pruned'."""

    __tablename__ = "change_log_position"

    name: str = Field(sa_type=sa.String(32), primary_key=True)
    position: int = Field(default=0, sa_type=sa.BigInteger)
