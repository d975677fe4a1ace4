"""Reading deliveries (list, count) and forgetting them on erasure."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from models import (
    DeliveryStatus,
    WebhookDelivery,
)
from resolvers.pagination import Page, PageRequest, Sessions, count_rows, fetch_page, newest_first

DELIVERIES_NEWEST_FIRST = newest_first(
    "webhookDelivery:createdAt:desc", col(WebhookDelivery.created_at), col(WebhookDelivery.id)
)


@dataclass(frozen=True)
class DeliveryQuery:
    endpoint_id: uuid.UUID | None = None
    statuses: tuple[DeliveryStatus, ...] | None = None
    change_id: int | None = None


def _delivery_conditions(query: DeliveryQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if query.endpoint_id is not None:
        where.append(col(WebhookDelivery.endpoint_id) == query.endpoint_id)
    if query.statuses is not None:
        where.append(col(WebhookDelivery.status).in_(query.statuses))
    if query.change_id is not None:
        where.append(col(WebhookDelivery.change_id) == query.change_id)
    return where


async def list_deliveries(
    sessions: Sessions, query: DeliveryQuery, page: PageRequest
) -> Page[WebhookDelivery]:
    where = _delivery_conditions(query)
    return await fetch_page(sessions, WebhookDelivery, where, DELIVERIES_NEWEST_FIRST, page)


async def count_deliveries(sessions: Sessions, query: DeliveryQuery) -> int:
    return await count_rows(sessions, WebhookDelivery, _delivery_conditions(query))


async def forget_customers(session: AsyncSession, customer_ids: Sequence[uuid.UUID]) -> None:
    """Erasure: deliveries hold a copy of the customer's records, so they go too."""
    await session.execute(
        sa.delete(WebhookDelivery).where(col(WebhookDelivery.customer_id).in_(customer_ids))
    )
