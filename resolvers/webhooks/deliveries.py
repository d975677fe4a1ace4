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
from resolvers.changes import position_json
from resolvers.filters import ColumnFilter
from resolvers.listing import Listing
from resolvers.opaque import global_id_json
from resolvers.pagination import newest_first
from resolvers.read_audit import stored_marks_sql

DELIVERIES_NEWEST_FIRST = newest_first(
    "webhookDelivery:createdAt:desc", col(WebhookDelivery.created_at), col(WebhookDelivery.id)
)


@dataclass(frozen=True)
class DeliveryQuery:
    endpoint_id: uuid.UUID | None = None
    statuses: tuple[DeliveryStatus, ...] | None = None
    change_id: int | None = None


# A delivery's fields in SQL, as the resolvers read them off its row (schema/webhooks.py):
# the endpoint's global id, the event's change cursor, the next attempt while PENDING only,
# and the body as sent (JSON text, written by orjson as the responses are) after the read
# audit's marks of the personal data it shows (`shown`), which the resolvers note.
ENDPOINT_ID_JSON_SQL = global_id_json("WebhookEndpoint", "webhook_delivery", "endpoint_id")
EVENT_ID_JSON_SQL = position_json("webhook_delivery.change_id")
NEXT_ATTEMPT_SQL = (
    f"CASE WHEN webhook_delivery.status = '{DeliveryStatus.PENDING.value}' "
    "THEN webhook_delivery.next_attempt_at END"
)
PAYLOAD_JSON_SQL = f"{stored_marks_sql('webhook_delivery.shown')} || webhook_delivery.body"

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
