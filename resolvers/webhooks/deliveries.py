"""Reading deliveries (their listing) and forgetting them on erasure."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import (
    DeliveryStatus,
    WebhookDelivery,
)
from resolvers.filters import ColumnFilter
from resolvers.listing import Listing
from resolvers.pagination import newest_first

DELIVERIES_NEWEST_FIRST = newest_first(
    "webhookDelivery:createdAt:desc", col(WebhookDelivery.created_at), col(WebhookDelivery.id)
)


@dataclass(frozen=True)
class DeliveryQuery:
    endpoint_id: uuid.UUID | None = None
    statuses: tuple[DeliveryStatus, ...] | None = None
    change_id: int | None = None


# `webhookDeliveries`: queries are DeliveryQuery, newest first.
DELIVERIES = Listing(
    "webhookDelivery",
    WebhookDelivery,
    (
        ColumnFilter("endpoint_id", col(WebhookDelivery.endpoint_id), "equals"),
        ColumnFilter("statuses", col(WebhookDelivery.status), "any_of"),
        ColumnFilter("change_id", col(WebhookDelivery.change_id), "equals"),
    ),
)


async def forget_customers(session: AsyncSession, customer_ids: Sequence[uuid.UUID]) -> None:
    """Erasure: deliveries hold a copy of the customer's records, so they go too."""
    await session.execute(
        sa.delete(WebhookDelivery).where(col(WebhookDelivery.customer_id).in_(customer_ids))
    )
