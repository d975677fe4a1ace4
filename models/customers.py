"""Customers and the identifiers other systems know them by."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import metadata as _metadata  # noqa: F401  (naming convention first)
from models.enums import JourneyStage
from models.types import EPOCH, Money, UTCDateTime, enum_column, utc_now

UNMERGED = "merged_into_id IS NULL"
UNMERGED_INDEXES = {
    "ix_customer_unmerged_created_at_id": UNMERGED,
    "ix_customer_churned_created_at_id": f"{UNMERGED} AND churned_at IS NOT NULL",
    "ix_customer_not_churned_created_at_id": f"{UNMERGED} AND churned_at IS NULL",
}


class Customer(SQLModel, table=True):
    __tablename__ = "customer"
    __table_args__ = (
        sa.Index("ix_customer_created_at_id", "created_at", "id"),
        sa.Index("ix_customer_name_id", "name", "id"),
        sa.Index("ix_customer_health_level_created_at_id", "health_level", "created_at", "id"),
        sa.Index("ix_customer_health_score_id", "health_score", "id"),
        sa.Index("ix_customer_lifetime_value_cents_id", "lifetime_value_cents", "id"),
        # Lists read unmerged customers only: their counts (createdTo, churned) and the
        # default order from the index alone (migration 3a9d7c5e1f24).
        *(
            sa.Index(
                name,
                "created_at",
                "id",
                postgresql_where=sa.text(where),
                sqlite_where=sa.text(where),
            )
            for name, where in UNMERGED_INDEXES.items()
        ),
        # `search` (resolvers/customers.py Search) on PostgreSQL with pg_trgm; its
        # migration skips it where the extension cannot be created.
        sa.Index(
            "ix_customer_search_trigram",
            *(sa.text(f"lower({c}) gin_trgm_ops") for c in ("name", "company", "email")),
            postgresql_using="gin",
            info={"expression": True},  # not compared by alembic check (migrations/env.py)
        ).ddl_if(dialect="postgresql"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(sa_type=sa.String(200))
    # Trimmed and lower-cased before storing; unique among customers that have one.
    email: str | None = Field(default=None, sa_type=sa.String(320), unique=True)
    phone: str | None = Field(default=None, sa_type=sa.String(32))
    # The phone as roles without personal data read it (resolvers.masks.stored_phone_mask),
    # kept by every write of `phone`: the mask needs the numbering plan, which SQL lacks.
    phone_masked: str | None = Field(default=None, sa_type=sa.String(32))
    company: str | None = Field(default=None, sa_type=sa.String(200))
    segment: str | None = Field(default=None, sa_type=sa.String(64), index=True)
    stage: JourneyStage = Field(
        default=JourneyStage.AWARENESS, sa_type=enum_column(JourneyStage, "stage"), index=True
    )
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    churned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attributes: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    # A merged customer stays as a pointer to its survivor (always the final survivor).
    merged_into_id: uuid.UUID | None = Field(default=None, foreign_key="customer.id", index=True)
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Health kept current (resolvers/health_state.py): as of `health_updated_at`, and
    # `health_next_check_at` is when time alone may change it (null: never by time).
    health_score: int = Field(default=100, sa_column_kwargs={"server_default": "100"})
    health_level: str = Field(
        default="HEALTHY", sa_type=sa.String(8), sa_column_kwargs={"server_default": "HEALTHY"}
    )
    health_reasons: list[str] | None = Field(default=None, sa_type=sa.JSON)
    health_updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    health_next_check_at: datetime | None = Field(default=EPOCH, sa_type=UTCDateTime, index=True)
    # When time alone may next start or end one of its next-best-actions (resolvers/actions.py).
    actions_next_check_at: datetime | None = Field(default=EPOCH, sa_type=UTCDateTime, index=True)
    # The sum of the customer's purchase touchpoints' values, kept by database triggers on
    # `touchpoint` (insert, update, delete; migration 6b2d8f4c0e35), so ordering by
    # lifetime value reads an index instead of summing every customer's purchases.
    lifetime_value: Decimal = Field(
        default=Decimal(0),
        sa_type=Money,
        sa_column_kwargs={"name": "lifetime_value_cents", "server_default": "0"},
    )


class CustomerExternalId(SQLModel, table=True):
    __tablename__ = "customer_external_id"
    __table_args__ = (sa.UniqueConstraint("source", "external_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    customer_id: uuid.UUID = Field(foreign_key="customer.id", index=True)
    source: str = Field(sa_type=sa.String(64))
    external_id: str = Field(sa_type=sa.String(255))
