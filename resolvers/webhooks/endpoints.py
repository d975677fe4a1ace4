"""Endpoints: register, pause, rotate the secret, delete, list; replay a delivery."""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from models import (
    ChangeEvent,
    ChangeType,
    DeliveryStatus,
    Role,
    WebhookDelivery,
    WebhookEndpoint,
)
from models.types import utc_now
from resolvers.compiled.sql_values import string_list_json
from resolvers.listing import Listing
from resolvers.locks import FOR_NO_KEY_UPDATE
from resolvers.pagination import newest_first
from resolvers.webhooks.filters import RECORD_FILTERS
from resolvers.webhooks.signing import new_secret
from resolvers.webhooks.url_policy import UrlPolicy, url_problem
from resolvers.writes import Write, check_length, fail


@dataclass(frozen=True)
class CheckedEndpoint:
    """A new endpoint that passed `endpoint_rules`, as `create_endpoint` stores it."""

    url: str
    change_types: tuple[ChangeType, ...]
    role: Role
    description: str | None = None
    # Record type -> the list query's filter dataclass (e.g. tickets.TicketQuery).
    filters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NewEndpoint:
    """An endpoint as the caller gave it, before `endpoint_rules`."""

    url: str
    change_types: Sequence[ChangeType]
    role: Role
    description: str | None
    # (input field, record type, how to build that type's list query), for each filter.
    filters: Sequence[tuple[str, str, Callable[[], Any] | None]]


# The name of what `role` may not read of a record type's records, or None if it may.
Unreadable = Callable[[Role, str], str | None]


async def endpoint_rules(
    given: NewEndpoint, policy: UrlPolicy, unreadable: Unreadable
) -> CheckedEndpoint:
    """The input rules for a new endpoint, each refusal naming its input field."""
    check_length(given.url, 2000, ["input", "url"], required=True)
    check_length(given.description, 500, ["input", "description"])
    problem = await url_problem(given.url.strip(), policy)
    if problem is not None:
        raise fail(["input", "url"], problem)
    if not given.change_types:
        raise fail(["input", "eventTypes"], "Name at least one event type.")
    for event_type in given.change_types:
        area = unreadable(given.role, event_type.record_type)
        if area is not None:
            raise fail(
                ["input", "eventTypes"],
                f"A {given.role.value} key may not read {area}, so {event_type.value} "
                "cannot be sent with its field rules; choose a role that may, or drop it.",
            )
    record_types = {t.record_type for t in given.change_types}
    filters: dict[str, Any] = {}
    for name, record_type, chosen in given.filters:
        if chosen is None:
            continue
        if record_type not in record_types:
            raise fail(["input", name], f"`{name}` applies to no chosen event type; drop it.")
        filters[record_type] = chosen()
    return CheckedEndpoint(
        url=given.url.strip(),
        change_types=tuple(dict.fromkeys(given.change_types)),
        role=given.role,
        description=given.description,
        filters=filters,
    )


async def create_endpoint(write: Write, data: CheckedEndpoint) -> WebhookEndpoint:
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
    endpoint = await write.session.get(WebhookEndpoint, key, with_for_update=FOR_NO_KEY_UPDATE)
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
    delivery = await write.session.get(WebhookDelivery, key, with_for_update=FOR_NO_KEY_UPDATE)
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


ENDPOINTS_NEWEST_FIRST = newest_first(
    "webhookEndpoint:createdAt:desc", col(WebhookEndpoint.created_at), col(WebhookEndpoint.id)
)


# `WebhookEndpoint.eventTypes` in SQL: the stored JSON list of change type names.
EVENT_TYPES_JSON_SQL = string_list_json("webhook_endpoint.change_types")

# `webhookEndpoints`: no filters (query None), newest first.
ENDPOINTS = Listing("webhookEndpoint", WebhookEndpoint, ())
