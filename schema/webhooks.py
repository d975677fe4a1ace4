"""Webhooks for partners (ADMIN only), read: endpoints and their deliveries, with filters.

The mutations (register, pause, rotate, delete, replay a delivery by id) are in
schema/webhook_mutations.py."""

import uuid
from datetime import datetime
from typing import Annotated

import orjson
import strawberry
from strawberry.scalars import JSON

from api.context import Context
from models import DeliveryStatus as DeliveryStatusModel
from models import WebhookDelivery as DeliveryModel
from models import WebhookEndpoint as EndpointModel
from resolvers import read_audit
from resolvers.changes import decode_position, encode_position
from resolvers.compiled.forms import Column, ConnectionOf, Expression, sql, sql_table
from resolvers.pagination import ListRequest
from resolvers.webhooks import deliveries, endpoints
from schema.convert import from_row
from schema.enums import ChangeType, DeliveryStatus, Role
from schema.node import key_of_type, to_global_id
from schema.pagination import (
    FILTER_HELP,
    PAGE_ARGUMENTS_HELP,
    After,
    Connection,
    First,
    list_connection,
)
from schema.permissions import Area, reads
from schema.scalars import any_of


@sql_table(EndpointModel)
@strawberry.type(description="Where cx360 sends changes, signed with the endpoint's secret.")
class WebhookEndpoint:
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    url: str = strawberry.field(description="Where deliveries are POSTed.")
    description: str | None = strawberry.field(description="What it is for, as registered.")
    event_types: list[ChangeType] = strawberry.field(
        description="The changes it receives.",
        metadata=sql(Expression(endpoints.EVENT_TYPES_JSON_SQL, json=True)),
    )
    role: Role = strawberry.field(
        description="Payloads hold what a key of this role reads (masking included)."
    )
    filters: JSON = strawberry.field(
        description="Per record type, the list filter a change's record must pass."
    )
    active: bool = strawberry.field(description="Inactive endpoints receive nothing.")
    created_at: datetime = strawberry.field(description="When it was registered.")
    created_by: str = strawberry.field(description="The name of the key that created it.")

    @classmethod
    def from_model(cls, model: EndpointModel) -> "WebhookEndpoint":
        return from_row(
            cls,
            model,
            id=to_global_id("WebhookEndpoint", model.id),
            event_types=[ChangeType(t) for t in model.change_types],
        )


@sql_table(DeliveryModel)
@strawberry.type(description="One change sent (or being sent) to one endpoint.")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(
        description="Opaque global id; the Cx360-Delivery-Id header; replay by it."
    )
    endpoint_id: strawberry.ID = strawberry.field(
        description="The endpoint it goes to.",
        metadata=sql(Expression(deliveries.ENDPOINT_ID_JSON_SQL, json=True)),
    )
    event_id: str = strawberry.field(
        description="The `id` in the body and the Cx360-Event-Id header; receivers "
        "deduplicate by it. Also a subscription cursor.",
        metadata=sql(Expression(deliveries.EVENT_ID_JSON_SQL, json=True)),
    )
    event_type: ChangeType = strawberry.field(
        description="What the change was.", metadata=sql(Column("change_type"))
    )
    status: DeliveryStatus = strawberry.field(description="Where it stands.")
    attempts: int = strawberry.field(description="Attempts since created or replayed.")
    next_attempt_at: datetime | None = strawberry.field(
        description="While PENDING.", metadata=sql(Expression(deliveries.NEXT_ATTEMPT_SQL))
    )
    last_attempt_at: datetime | None = strawberry.field(description="When it was last tried.")
    last_status_code: int | None = strawberry.field(description="The endpoint's HTTP status.")
    last_error: str | None = strawberry.field(description="Why the last attempt failed.")
    delivered_at: datetime | None = strawberry.field(description="When the endpoint took it.")
    created_at: datetime = strawberry.field(description="When the change was fanned out.")
    sent: strawberry.Private[JSON]
    # The personal fields the body shows unmasked, by customer id (the row's `shown`).
    shown: strawberry.Private[dict[str, list[str]]]

    @strawberry.field(
        description="The body sent, as JSON. It holds what the endpoint's role reads, so "
        "for a role shown personal data, reading it shows a customer's email, phone or "
        "survey comment again: the read audit records each such read, as for any field.",
        metadata=sql(Expression(deliveries.PAYLOAD_JSON_SQL, json=True)),
    )
    def payload(self, info: strawberry.Info[Context, None]) -> JSON:
        read_audit.note_stored(self.shown, info.context.read_notes)
        return self.sent

    @classmethod
    def from_model(cls, model: DeliveryModel) -> "WebhookDelivery":
        pending = model.status == DeliveryStatusModel.PENDING
        return from_row(
            cls,
            model,
            id=to_global_id("WebhookDelivery", model.id),
            endpoint_id=to_global_id("WebhookEndpoint", model.endpoint_id),
            event_id=encode_position(model.change_id),
            event_type=model.change_type,
            next_attempt_at=model.next_attempt_at if pending else None,
            sent=orjson.loads(model.body),
        )


@strawberry.input(description="Deliveries matching every given condition.")
class WebhookDeliveryFilter:
    endpoint_id: strawberry.ID | None = strawberry.field(
        default=None, description="Deliveries to this endpoint."
    )
    status: list[DeliveryStatus] | None = strawberry.field(
        default=None, description="Deliveries in any of these states."
    )
    event_id: str | None = strawberry.field(
        default=None, description="Deliveries of this event (its Cx360-Event-Id)."
    )


# The fix a malformed `filter.eventId` is answered with.
EVENT_ID_FIX = "pass a delivery's `eventId` (its Cx360-Event-Id header, the body's `id`)"


def endpoint_request(first: int | None = None, after: str | None = None) -> ListRequest:
    """A page of endpoints, as both read paths take it."""
    return endpoints.ENDPOINTS.request(None, endpoints.ENDPOINTS_NEWEST_FIRST, first, after)


def delivery_request(
    first: int | None = None,
    after: str | None = None,
    filter: "WebhookDeliveryFilter | None" = None,
) -> ListRequest:
    """A page of deliveries, as both read paths take it; a malformed endpoint id or event
    id raises the input error naming it."""
    query = _delivery_query(filter)
    return deliveries.DELIVERIES.request(query, deliveries.DELIVERIES_NEWEST_FIRST, first, after)


def _delivery_query(filter: WebhookDeliveryFilter | None) -> deliveries.DeliveryQuery:
    if filter is None:
        return deliveries.DeliveryQuery()
    endpoint = None
    if filter.endpoint_id is not None:
        # Another type's id matches nothing, like a missing endpoint's.
        found = key_of_type(filter.endpoint_id, "WebhookEndpoint", "filter.endpointId")
        endpoint = found or uuid.UUID(int=0)
    change = (
        decode_position(filter.event_id, "filter.eventId", EVENT_ID_FIX)
        if filter.event_id is not None
        else None
    )
    return deliveries.DeliveryQuery(
        endpoint_id=endpoint,
        statuses=any_of("status", filter.status),
        change_id=change,
    )


@strawberry.type
class WebhookQueries:
    @strawberry.field(
        description="Webhook endpoints, newest first (ADMIN only). " + PAGE_ARGUMENTS_HELP,
        extensions=reads(Area.WEBHOOKS),
        metadata=sql(ConnectionOf(endpoints.ENDPOINTS, lambda a, _: endpoint_request(**a))),
    )
    async def webhook_endpoints(
        self, info: strawberry.Info[Context, None], first: First = None, after: After = None
    ) -> Connection[WebhookEndpoint] | None:
        request = endpoint_request(first, after)
        return await list_connection(info, endpoints.ENDPOINTS, request, WebhookEndpoint.from_model)

    @strawberry.field(
        description="Webhook deliveries with their outcome, newest first (ADMIN only). "
        + PAGE_ARGUMENTS_HELP,
        extensions=reads(Area.WEBHOOKS),
        metadata=sql(ConnectionOf(deliveries.DELIVERIES, lambda a, _: delivery_request(**a))),
    )
    async def webhook_deliveries(
        self,
        info: strawberry.Info[Context, None],
        first: First = None,
        after: After = None,
        filter: Annotated[
            WebhookDeliveryFilter | None, strawberry.argument(description=FILTER_HELP)
        ] = None,
    ) -> Connection[WebhookDelivery] | None:
        request = delivery_request(first, after, filter)
        return await list_connection(
            info, deliveries.DELIVERIES, request, WebhookDelivery.from_model
        )
