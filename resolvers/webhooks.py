"""Webhooks: endpoints, the outbox of deliveries, signing, and draining it.

Writes never wait on a webhook. A write only logs its changes (resolvers/changes.py);
a worker task (api/webhook_worker.py) turns logged changes into delivery rows, one per
change per matching endpoint (`fan_out`), then sends due deliveries (`claim_due`,
`record_outcomes`), retrying with exponential backoff. Claims use FOR UPDATE SKIP LOCKED
on PostgreSQL, so any number of workers drain one outbox and each delivery is attempted
by one of them at a time; on SQLite writes are serial anyway.
"""

import asyncio
import hashlib
import hmac
import ipaddress
import random
import secrets
import socket
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import orjson
import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from models import (
    ChangeEvent,
    ChangeLogPosition,
    ChangeType,
    DeliveryStatus,
    Role,
    SurveyResponse,
    Ticket,
    Touchpoint,
    WebhookDelivery,
    WebhookEndpoint,
)
from models.types import utc_now
from resolvers import changes as change_log
from resolvers import surveys, tickets, touchpoints
from resolvers.changes import Change
from resolvers.filters import Filter, conditions
from resolvers.pagination import Page, PageRequest, Sessions, count_rows, fetch_page, newest_first
from resolvers.writes import Write, fail, insert_or_skip

WEBHOOKS = "webhooks"  # the change-log position fanned out so far
SECRET_PREFIX = "whsec_"  # noqa: S105  (a prefix, not a secret)
SIGNATURE_HEADER = "Cx360-Signature"
# Receivers refuse signatures older than this: a captured request cannot be replayed later.
SIGNATURE_TOLERANCE_SECONDS = 300
MAX_BACKOFF_SECONDS = 3600.0
FAN_OUT_BATCH = 500


@dataclass(frozen=True)
class RecordFilter:
    """How an endpoint's filter for one record type is stored and applied."""

    table: Any
    id_column: Any
    filters: tuple[Filter, ...]
    query: type

    def condition(self, stored: dict[str, Any]) -> list[ColumnElement[bool]]:
        return conditions(self.filters, TypeAdapter(self.query).validate_python(stored))

    def stored(self, query: Any) -> dict[str, Any]:
        dumped: dict[str, Any] = TypeAdapter(self.query).dump_python(
            query, mode="json", exclude_none=True
        )
        return dumped


RECORD_FILTERS: dict[str, RecordFilter] = {
    "Touchpoint": RecordFilter(
        Touchpoint, col(Touchpoint.id), touchpoints.FILTERS, touchpoints.TouchpointQuery
    ),
    "Ticket": RecordFilter(Ticket, col(Ticket.id), tickets.FILTERS, tickets.TicketQuery),
    "SurveyResponse": RecordFilter(
        SurveyResponse, col(SurveyResponse.id), surveys.RESPONSE_FILTERS, surveys.ResponseQuery
    ),
}


# ---------------------------------------------------------------- signing


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """`t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the time is signed too."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(
    secret: str,
    header: str,
    body: bytes,
    now: float,
    tolerance: float = SIGNATURE_TOLERANCE_SECONDS,
) -> bool:
    """What a receiver checks: the signature matches the body, and it is recent."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    recent = abs(now - timestamp) <= tolerance
    return recent and hmac.compare_digest(expected, parts.get("v1", ""))


# ---------------------------------------------------------------- endpoints


# The setting that lifts the private-network rule (api/settings.py), named in the refusal.
ALLOW_PRIVATE_NETWORKS_SETTING = "CX360_WEBHOOK_ALLOW_PRIVATE_NETWORKS"


@dataclass(frozen=True)
class UrlPolicy:
    """Where deliveries may go: public https hosts in production."""

    allow_private_networks: bool = False
    require_https: bool = False


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return not ip.is_global or ip.is_multicast


async def url_problem(url: str, policy: UrlPolicy) -> str | None:
    """Why deliveries may not go to `url`, or None; checked on registration and on send
    (a name may resolve elsewhere later), so partners cannot aim us at internal hosts."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "`url` is not a URL; give e.g. https://hooks.example.com/cx360."
    schemes = ("https",) if policy.require_https else ("https", "http")
    if parts.scheme not in schemes or not parts.hostname:
        return f"`url` must be an absolute {' or '.join(schemes)} URL with a host."
    if parts.username or parts.password:
        return "`url` must not carry credentials; verify deliveries by their signature."
    if policy.allow_private_networks:
        return None
    try:
        found = await asyncio.get_running_loop().getaddrinfo(
            parts.hostname, port or (443 if parts.scheme == "https" else 80)
        )
    except OSError:
        return f"`url`: the host {parts.hostname} does not resolve."
    if any(_private(str(info[4][0])) for info in found if info[0] in PUBLIC_FAMILIES):
        return (
            "`url` points into a private network; give a public address "
            f"(or, for development, set {ALLOW_PRIVATE_NETWORKS_SETTING}=true)."
        )
    return None


PUBLIC_FAMILIES = (socket.AF_INET, socket.AF_INET6)


@dataclass(frozen=True)
class NewEndpoint:
    url: str
    change_types: tuple[ChangeType, ...]
    role: Role
    description: str | None = None
    # Record type -> the list query's filter dataclass (e.g. tickets.TicketQuery).
    filters: dict[str, Any] = field(default_factory=dict)


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


async def create_endpoint(write: Write, data: NewEndpoint) -> WebhookEndpoint:
    """The endpoint receives changes committed after it was created."""
    latest = await write.session.execute(sa.select(sa.func.max(col(ChangeEvent.id))))
    endpoint = WebhookEndpoint(
        url=data.url,
        description=data.description,
        change_types=[t.value for t in data.change_types],
        role=data.role,
        filters={kind: RECORD_FILTERS[kind].stored(q) for kind, q in data.filters.items()},
        secret=new_secret(),
        starts_after=latest.scalar_one() or 0,
        created_by=write.actor.key_name,
    )
    write.session.add(endpoint)
    await write.session.flush()
    write.audit("createWebhookEndpoint", [f"WebhookEndpoint:{endpoint.id}"], url=data.url)
    return endpoint


async def _endpoint(write: Write, key: uuid.UUID) -> WebhookEndpoint:
    endpoint = await write.session.get(WebhookEndpoint, key, with_for_update=True)
    if endpoint is None:
        raise fail(["id"], "No webhook endpoint has this id.", "NOT_FOUND")
    return endpoint


async def set_endpoint_active(write: Write, key: uuid.UUID, active: bool) -> WebhookEndpoint:
    endpoint = await _endpoint(write, key)
    endpoint.active = active
    await write.session.flush()
    write.audit("setWebhookEndpointActive", [f"WebhookEndpoint:{key}"], active=active)
    return endpoint


async def rotate_secret(write: Write, key: uuid.UUID) -> WebhookEndpoint:
    endpoint = await _endpoint(write, key)
    endpoint.secret = new_secret()
    await write.session.flush()
    write.audit("rotateWebhookSecret", [f"WebhookEndpoint:{key}"])
    return endpoint


async def delete_endpoint(write: Write, key: uuid.UUID) -> uuid.UUID:
    """Deletes the endpoint and its delivery history."""
    endpoint = await _endpoint(write, key)
    await write.session.execute(
        sa.delete(WebhookDelivery).where(col(WebhookDelivery.endpoint_id) == key)
    )
    await write.session.delete(endpoint)
    write.audit("deleteWebhookEndpoint", [f"WebhookEndpoint:{key}"], url=endpoint.url)
    return key


async def replay_delivery(write: Write, key: uuid.UUID) -> WebhookDelivery:
    """Sends the recorded body again, with a fresh signature and a fresh round of retries."""
    delivery = await write.session.get(WebhookDelivery, key, with_for_update=True)
    if delivery is None:
        raise fail(["id"], "No webhook delivery has this id.", "NOT_FOUND")
    if delivery.status == DeliveryStatus.PENDING:
        raise fail(["id"], "This delivery is still pending; it is sent without a replay.")
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = utc_now()
    await write.session.flush()
    write.audit("replayWebhookDelivery", [f"WebhookDelivery:{key}"])
    return delivery


async def forget_customers(session: AsyncSession, customer_ids: Sequence[uuid.UUID]) -> None:
    """Erasure: deliveries hold a copy of the customer's records, so they go too."""
    await session.execute(
        sa.delete(WebhookDelivery).where(col(WebhookDelivery.customer_id).in_(customer_ids))
    )


# ---------------------------------------------------------------- reads

ENDPOINTS_NEWEST_FIRST = newest_first(
    "webhookEndpoint:createdAt:desc", col(WebhookEndpoint.created_at), col(WebhookEndpoint.id)
)
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


async def list_endpoints(sessions: Sessions, page: PageRequest) -> Page[WebhookEndpoint]:
    return await fetch_page(sessions, WebhookEndpoint, [], ENDPOINTS_NEWEST_FIRST, page)


async def count_endpoints(sessions: Sessions) -> int:
    return await count_rows(sessions, WebhookEndpoint, [])


async def list_deliveries(
    sessions: Sessions, query: DeliveryQuery, page: PageRequest
) -> Page[WebhookDelivery]:
    where = _delivery_conditions(query)
    return await fetch_page(sessions, WebhookDelivery, where, DELIVERIES_NEWEST_FIRST, page)


async def count_deliveries(sessions: Sessions, query: DeliveryQuery) -> int:
    return await count_rows(sessions, WebhookDelivery, _delivery_conditions(query))


# ---------------------------------------------------------------- draining the outbox

# (role, record type, record ids) -> each record's JSON as the role may read it.
Render = Callable[[Role, str, list[uuid.UUID]], Awaitable[dict[uuid.UUID, Any]]]


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
    """The changes this endpoint takes: its types, after its creation, passing its filters."""
    wanted = [
        c
        for c in changes
        if c.change_type.value in endpoint.change_types and c.position > endpoint.starts_after
    ]
    for record_type, stored in endpoint.filters.items():
        spec = RECORD_FILTERS[record_type]
        ids = [c.record_id for c in wanted if c.record_type == record_type]
        if not ids:
            continue
        statement = sa.select(spec.id_column).where(
            spec.id_column.in_(ids), *spec.condition(stored)
        )
        passing = set((await session.execute(statement)).scalars())
        wanted = [c for c in wanted if c.record_type != record_type or c.record_id in passing]
    return wanted


def delivery_body(change: Change, data: Any) -> str:
    envelope = {
        "id": change_log.encode_position(change.position),
        "type": change.change_type.value,
        "occurredAt": change.occurred_at.isoformat().replace("+00:00", "Z"),
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
        rows = [
            {
                "id": uuid.uuid4(),
                "endpoint_id": endpoint.id,
                "change_id": change.position,
                "change_type": change.change_type,
                "customer_id": change.customer_id,
                "body": delivery_body(
                    change,
                    rendered[(endpoint.role, change.record_type)].get(change.record_id),
                ),
                "status": DeliveryStatus.PENDING,
                "attempts": 0,
                "next_attempt_at": utc_now(),
                "created_at": utc_now(),
            }
            for endpoint, change in planned
        ]
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
