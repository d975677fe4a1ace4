"""Row locks of writes.

A write that changes a row's non-key columns locks it FOR NO KEY UPDATE on PostgreSQL
(SQLite has one writer and ignores it). Unlike FOR UPDATE it does not conflict with the
KEY SHARE lock that inserting a referencing row takes (a ticket for its customer, a
response for its ticket), so two writes that each add a row and then update the parent
(its stored health, SLA state, actions) queue instead of deadlocking.
"""

import uuid
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Customer

# For `session.get(..., with_for_update=FOR_NO_KEY_UPDATE)`; statements use
# `.with_for_update(key_share=True)`, which SQLAlchemy renders the same.
FOR_NO_KEY_UPDATE: dict[str, Any] = {"key_share": True}


async def lock_customers(session: AsyncSession, customer_ids: Iterable[uuid.UUID]) -> None:
    """Locks these customers' rows FOR NO KEY UPDATE, in id order, before a write that
    touches many of them. Its later statements lock them again in whatever order they
    reach them (the touchpoint triggers, the stage and upkeep updates); taken first and in
    one order, two such writes over the same customers queue instead of deadlocking."""
    wanted = sorted(set(customer_ids))
    if wanted:
        await session.execute(
            sa.select(col(Customer.id))
            .where(col(Customer.id).in_(wanted))
            .order_by(col(Customer.id))
            .with_for_update(key_share=True)
        )
