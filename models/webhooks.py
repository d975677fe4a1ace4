"""Webhook endpoints partners register, and each delivery of a change to one of them.

A delivery is the outbox row: created from the change log after the write committed,
sent by a worker task, retried with backoff, and kept with its outcome.
"""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import metadata as _metadata  # noqa: F401  (naming convention first)
from models.changes import SEQUENCE
from models.enums import ChangeType, DeliveryStatus, Role
from models.types import UTCDateTime, enum_column, utc_now


class WebhookEndpoint(SQLModel, table=True):
    __tablename__ = "webhook_endpoint"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    url: str = Field(sa_type=sa.String(2000))
    description: str | None = Field(default=None, sa_type=sa.String(500))
    # ChangeType values this endpoint receives.
    change_types: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    # Whose field rules shape the payloads (masking, denied fields).
    role: Role = Field(sa_type=enum_column(Role, "role"))
    # Per record type ("Ticket", ...), the list query's filter as stored JSON.
    filters: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    # Signs deliveries (HMAC-SHA256); kept as is because signing needs it.
    secret: str = Field(sa_type=sa.String(100))
    active: bool = Field(default=True)
    # Changes up to this change-log id predate the endpoint and are not sent to it.
    starts_after: int = Field(default=0, sa_type=sa.BigInteger)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    created_by: str = Field(sa_type=sa.String(100))


class WebhookDelivery(SQLModel, table=True):
    __tablename__ = "webhook_delivery"
    __table_args__ = (
        # One delivery per change per endpoint: a change reaches an endpoint once.
        sa.UniqueConstraint("endpoint_id", "change_id"),
        sa.Index("ix_webhook_delivery_status_next_attempt_at", "status", "next_attempt_at"),
        sa.Index("ix_webhook_delivery_endpoint_id_created_at", "endpoint_id", "created_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    endpoint_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid(),
            sa.ForeignKey("webhook_endpoint.id", ondelete="CASCADE"),
            nullable=False,
        )
    )
    change_id: int = Field(sa_type=SEQUENCE)
    change_type: ChangeType = Field(sa_type=enum_column(ChangeType, "change_type"))
    # Whose record the body describes: erasing the customer deletes the delivery.
    customer_id: uuid.UUID = Field(index=True)
    # The exact JSON sent, so retries and replays send the same bytes.
    body: str = Field(sa_type=sa.Text)
    # The personal fields the body shows unmasked (the read audit's), by customer id:
    # {"<uuid>": ["email", "phone"]}. Reading `payload` shows them again, and records it.
    shown: dict[str, list[str]] = Field(
        default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False, server_default="{}")
    )
    status: DeliveryStatus = Field(
        default=DeliveryStatus.PENDING, sa_type=enum_column(DeliveryStatus, "delivery_status")
    )
    attempts: int = Field(default=0)
    # When the next attempt is due; while an attempt runs, when its lease ends.
    next_attempt_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status_code: int | None = Field(default=None)
    last_error: str | None = Field(default=None, sa_type=sa.String(500))
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
