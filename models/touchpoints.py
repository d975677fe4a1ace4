"""Touchpoints: every interaction along the customer journey."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import metadata as _metadata  # noqa: F401  (naming convention first)
from models.enums import Channel, JourneyStage, Team
from models.types import Money, UTCDateTime, enum_column, utc_now

PURCHASE_KIND = "purchase"


class Touchpoint(SQLModel, table=True):
    __tablename__ = "touchpoint"
    __table_args__ = (
        # (source, external_id) is the idempotency key; NULL external ids never collide.
        sa.UniqueConstraint("source", "external_id"),
        sa.Index("ix_touchpoint_customer_id_occurred_at_id", "customer_id", "occurred_at", "id"),
        sa.Index("ix_touchpoint_occurred_at_id", "occurred_at", "id"),
        sa.Index("ix_touchpoint_kind_customer_id", "kind", "customer_id"),
        # Revenue and lifetime value read purchases by time: index-only on PostgreSQL.
        sa.Index(
            "ix_touchpoint_kind_occurred_at_metrics",
            "kind",
            "occurred_at",
            postgresql_include=["value_cents", "customer_id", "channel", "team"],
        ),
        # A customer's touchpoints at one stage, in order: the journey facts' triggers read
        # the first at a stage and walk a (stage, channel) cell (migration 4d7f1b9e3a62).
        sa.Index(
            "ix_touchpoint_customer_id_stage_occurred_at_id",
            "customer_id",
            "stage",
            "occurred_at",
            "id",
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    customer_id: uuid.UUID = Field(foreign_key="customer.id")
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    channel: Channel = Field(sa_type=enum_column(Channel, "channel"))
    stage: JourneyStage = Field(sa_type=enum_column(JourneyStage, "stage"))
    team: Team = Field(sa_type=enum_column(Team, "team"))
    kind: str = Field(sa_type=sa.String(64))
    summary: str | None = Field(default=None, sa_type=sa.Text)
    value: Decimal | None = Field(
        default=None, sa_column_kwargs={"name": "value_cents"}, sa_type=Money
    )
    currency: str | None = Field(default=None, sa_type=sa.String(3))
    sentiment: float | None = Field(default=None)
    source: str = Field(sa_type=sa.String(64))
    external_id: str | None = Field(default=None, sa_type=sa.String(255))
    attributes: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    recorded_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    # Journey facts, kept by database triggers from the customer's touchpoints and tickets
    # (migration 4d7f1b9e3a62; whatever a write gives is replaced): what journeyPainPoints
    # adds up (resolvers/pain_points.py). A cell is the customer's touchpoints at this
    # stage and channel, ordered by (occurred_at, id).
    # When the previous touchpoint in the cell occurred (None for the first).
    previous_in_cell_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The customer opened a ticket 0 < createdAt - occurredAt <= 7 days after this one.
    ticket_within_7_days: bool = Field(
        default=False, sa_column_kwargs={"server_default": sa.false()}
    )
    # With ticket_within_7_days: when the previous such touchpoint in the cell occurred.
    previous_ticketed_in_cell_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The customer's first touchpoint at any later stage (None if none, or the last stage).
    later_stage_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TouchpointJourneyPending(SQLModel, table=True):
    """PostgreSQL: a customer whose touchpoints' journey facts wait to be recomputed,
    marked by the triggers of any write to their touchpoints or tickets (migration
    4d7f1b9e3a62), caught up by the scheduler from `due_at` on (resolvers/journey_facts.py);
    meanwhile journeyPainPoints measures the customer from their rows. SQLite keeps the
    facts in the writing transaction and marks nothing."""

    __tablename__ = "touchpoint_journey_pending"

    customer_id: uuid.UUID = Field(primary_key=True)
    due_at: datetime = Field(sa_type=UTCDateTime, index=True)
    # The earliest time whose facts the writes since the last catch-up may have changed
    # (None: every touchpoint of the customer, after a delete or a move).
    since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Raised by every write that marks the customer again (a catch-up that read an older
    # version leaves the mark for the next one).
    version: int = Field(default=0, sa_type=sa.BigInteger, sa_column_kwargs={"server_default": "0"})
