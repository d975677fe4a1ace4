"""The outbox: fanning logged changes out into deliveries, claiming due ones, outcomes.

Writes never wait on a webhook. A write only logs its changes (resolvers/changes.py);
a worker task (api/webhook_worker.py) turns logged changes into delivery rows, one per
change per matching endpoint (`fan_out`), then sends due deliveries (`claim_due`,
`record_outcomes`), retrying with exponential backoff. Claims use FOR UPDATE SKIP LOCKED
on PostgreSQL, so any number of workers drain one outbox and each delivery is attempted
by one of them at a time; on SQLite writes are serial anyway.
"""

import random
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import (
    ChangeEvent,
    ChangeLogPosition,
    ChangeType,
    DeliveryStatus,
    Role,
    WebhookDelivery,
    WebhookEndpoint,
)
from models.types import utc_now, wire_datetime
from resolvers import changes as change_log
from resolvers.changes import Change
from resolvers.pagination import Sessions
from resolvers.webhooks.filters import RECORD_FILTERS
from resolvers.writes import insert_or_skip

WEBHOOKS = "webhooks"  # the change-log position fanned out so far
MAX_BACKOFF_SECONDS = 3600.0
FAN_OUT_BATCH = 500


@dataclass(frozen=True)
class Rendered:
    """A record as an endpoint's role reads it: its JSON (`data` in the body), and the
    personal fields that JSON shows unmasked, by customer id (WebhookDelivery.shown)."""

    data: Any
    shown: dict[str, list[str]]


NOT_FOUND = Rendered(None, {})
# (role, record type, record ids) -> each record as the role may read it.
Render = Callable[[Role, str, list[uuid.UUID]], Awaitable[dict[uuid.UUID, Rendered]]]


async def _claim_position(session: AsyncSession, name: str) -> ChangeLogPosition | None:
    """The position row, locked; None while another worker holds it."""
    statement = (
        sa.select(ChangeLogPosition)
        .where(col(ChangeLogPosition.name) == name)
        .with_for_update(skip_locked=True)
    )
    found = (await session.execute(statement)).scalar_one_or_none()
    if found is None:
        insert = insert_or_skip(session, ChangeLogPosition).values(name=name, position=0)
        await session.execute(insert)
        found = (await session.execute(statement)).scalar_one_or_none()
    return found


async def _matching(
    session: AsyncSession, endpoint: WebhookEndpoint, changes: list[Change]
) -> list[Change]:
    """The changes this endpoint takes: its types, after its creation, passing its filters
    (and a record type's `always` conditions)."""
    wanted = [
        c
        for c in changes
        if c.change_type.value in endpoint.change_types and c.position > endpoint.starts_after
    ]
    for record_type, spec in RECORD_FILTERS.items():
        stored = endpoint.filters.get(record_type)
        ids = [c.record_id for c in wanted if c.record_type == record_type]
        if not ids or (stored is None and not spec.always):
            continue
        chosen = spec.condition(stored) if stored is not None else []
        statement = sa.select(spec.id_column).where(spec.id_column.in_(ids), *spec.always, *chosen)
        passing = set((await session.execute(statement)).scalars())
        wanted = [c for c in wanted if c.record_type != record_type or c.record_id in passing]
    return wanted


def delivery_body(change: Change, data: Any) -> str:
    envelope = {
        "id": change_log.encode_position(change.position),
        "type": change.change_type.value,
        "occurredAt": wire_datetime(change.occurred_at),  # as in HTTP answers
        "data": data,
    }
    return orjson.dumps(envelope).decode()


async def fan_out(write_sessions: Sessions, render: Render, batch: int = FAN_OUT_BATCH) -> int:
    """Turns the next logged changes into deliveries; returns how many changes it read.

    The position moves in the same transaction as the deliveries are inserted, and a
    change reaches an endpoint once (unique per endpoint and change), whoever runs this.
    """
    async with write_sessions() as session, session.begin():
        position = await _claim_position(session, WEBHOOKS)
        if position is None:
            return 0  # another worker is at it
        endpoints = list(
            (
                await session.execute(
                    sa.select(WebhookEndpoint).where(col(WebhookEndpoint.active).is_(True))
                )
            ).scalars()
        )
        events = await session.execute(
            sa.select(ChangeEvent)
            .where(col(ChangeEvent.id) > position.position)
            .order_by(col(ChangeEvent.id))
            .limit(batch)
        )
        logged = [Change.of(e) for e in events.scalars()]
        if not logged:
            return 0
        planned: list[tuple[WebhookEndpoint, Change]] = []
        for endpoint in endpoints:
            planned += [(endpoint, c) for c in await _matching(session, endpoint, logged)]
        wanted: dict[tuple[Role, str], set[uuid.UUID]] = {}
        for endpoint, change in planned:
            wanted.setdefault((endpoint.role, change.record_type), set()).add(change.record_id)
        rendered = {
            (role, record_type): await render(role, record_type, sorted(ids))
            for (role, record_type), ids in wanted.items()
        }
        rows = []
        for endpoint, change in planned:
            record = rendered[(endpoint.role, change.record_type)].get(change.record_id, NOT_FOUND)
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "endpoint_id": endpoint.id,
                    "change_id": change.position,
                    "change_type": change.change_type,
                    "customer_id": change.customer_id,
                    "body": delivery_body(change, record.data),
                    "shown": record.shown,
                    "status": DeliveryStatus.PENDING,
                    "attempts": 0,
                    "next_attempt_at": utc_now(),
                    "created_at": utc_now(),
                }
            )
        if rows:
            insert = insert_or_skip(session, WebhookDelivery, ["endpoint_id", "change_id"])
            await session.execute(insert, rows)
        position.position = logged[-1].position
        return len(logged)


@dataclass(frozen=True)
class Claimed:
    """A delivery one worker is attempting now; others skip it until its lease ends."""

    id: uuid.UUID
    change_id: int
    change_type: ChangeType
    body: str
    attempts: int
    url: str
    secret: str


@dataclass(frozen=True)
class Outcome:
    id: uuid.UUID
    attempts: int
    delivered: bool
    status_code: int | None
    error: str | None


async def claim_due(write_sessions: Sessions, limit: int, lease: timedelta) -> list[Claimed]:
    now = utc_now()
    statement = (
        sa.select(WebhookDelivery, col(WebhookEndpoint.url), col(WebhookEndpoint.secret))
        .join(WebhookEndpoint, col(WebhookEndpoint.id) == col(WebhookDelivery.endpoint_id))
        .where(
            col(WebhookDelivery.status) == DeliveryStatus.PENDING,
            col(WebhookDelivery.next_attempt_at) <= now,
            col(WebhookEndpoint.active).is_(True),
        )
        .order_by(col(WebhookDelivery.next_attempt_at))
        .limit(limit)
        .with_for_update(of=WebhookDelivery, skip_locked=True)
    )
    async with write_sessions() as session, session.begin():
        found = (await session.execute(statement)).all()
        if not found:
            return []
        ids = [delivery.id for delivery, _, _ in found]
        await session.execute(
            sa.update(WebhookDelivery)
            .where(col(WebhookDelivery.id).in_(ids))
            .values(next_attempt_at=now + lease)
        )
    return [
        Claimed(d.id, d.change_id, d.change_type, d.body, d.attempts, url, secret)
        for d, url, secret in found
    ]


def backoff(attempts: int, base_seconds: float) -> timedelta:
    """Exponential, capped at an hour, with jitter so failed deliveries do not retry in step."""
    delay = min(base_seconds * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS)
    return timedelta(seconds=delay * random.uniform(0.8, 1.2))  # noqa: S311  (not crypto)


async def record_outcomes(
    write_sessions: Sessions,
    outcomes: Sequence[Outcome],
    max_attempts: int,
    retry_base_seconds: float,
) -> None:
    now = utc_now()
    rows: list[dict[str, Any]] = []
    for outcome in outcomes:
        row: dict[str, Any] = {
            "id": outcome.id,
            "attempts": outcome.attempts,
            "last_attempt_at": now,
            "last_status_code": outcome.status_code,
            "last_error": outcome.error[:500] if outcome.error else None,
        }
        if outcome.delivered:
            row |= {"status": DeliveryStatus.DELIVERED, "delivered_at": now}
        elif outcome.attempts >= max_attempts:
            row |= {"status": DeliveryStatus.FAILED}
        else:
            row |= {"next_attempt_at": now + backoff(outcome.attempts, retry_base_seconds)}
        rows.append(row)
    async with write_sessions() as session, session.begin():
        for row in rows:  # one UPDATE per attempt: attempts are few and slow anyway
            await session.execute(
                sa.update(WebhookDelivery)
                .where(col(WebhookDelivery.id) == row.pop("id"))
                .values(**row)
            )


async def next_due(sessions: Sessions) -> datetime | None:
    statement = sa.select(sa.func.min(col(WebhookDelivery.next_attempt_at))).where(
        col(WebhookDelivery.status) == DeliveryStatus.PENDING
    )
    async with sessions() as session:
        found: datetime | None = (await session.execute(statement)).scalar_one()
    return found


async def prune(
    write_sessions: Sessions, change_log_days: float, delivery_days: float
) -> tuple[int, int]:
    """Drops changes older than the log keeps (once fanned out) and old finished
    deliveries; resuming from a dropped change's cursor is then refused."""
    now = utc_now()
    async with write_sessions() as session, session.begin():
        fanned_out = await change_log.log_position(session, WEBHOOKS)
        old = sa.select(sa.func.max(col(ChangeEvent.id))).where(
            col(ChangeEvent.occurred_at) < now - timedelta(days=change_log_days),
            col(ChangeEvent.id) <= fanned_out,
        )
        through = (await session.execute(old)).scalar_one()
        dropped_changes = 0
        if through is not None:
            result: Any = await session.execute(
                sa.delete(ChangeEvent).where(col(ChangeEvent.id) <= through)
            )
            dropped_changes = result.rowcount
            pruned = await _claim_position(session, change_log.PRUNED)
            if pruned is not None:
                pruned.position = max(pruned.position, through)
        finished = await session.execute(
            sa.delete(WebhookDelivery).where(
                col(WebhookDelivery.status).in_([DeliveryStatus.DELIVERED, DeliveryStatus.FAILED]),
                col(WebhookDelivery.created_at) < now - timedelta(days=delivery_days),
            )
        )
        return dropped_changes, int(getattr(finished, "rowcount", 0))
