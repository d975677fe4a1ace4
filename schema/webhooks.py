"""Webhooks for partners (ADMIN only): endpoints, their deliveries, replay by id."""

import uuid
from datetime import datetime
from typing import Annotated, Any

import orjson
import strawberry
from strawberry.scalars import JSON

from api.context import Context
from models import DeliveryStatus as DeliveryStatusModel
from models import WebhookDelivery as DeliveryModel
from models import WebhookEndpoint as EndpointModel
from resolvers.changes import decode_position, encode_position
from resolvers.pagination import page_request
from resolvers.webhooks import deliveries, endpoints
from resolvers.writes import Write
from schema.convert import from_row
from schema.descriptions import PAYLOAD_ERRORS
from schema.enums import ChangeType, DeliveryStatus, Role
from schema.mutations import UserError, key_in_input, perform
from schema.node import key_of_type, to_global_id
from schema.pagination import FILTER_HELP, PAGE_ARGUMENTS_HELP, After, Connection, First, connection
from schema.permissions import NODE_AREAS, READS, Area, reads, writes
from schema.surveys import SurveyResponseFilter
from schema.tickets import TicketFilter
from schema.touchpoints import TouchpointFilter


@strawberry.type(description="Where cx360 sends changes, signed with the endpoint's secret.")
class WebhookEndpoint:
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    url: str = strawberry.field(description="Where deliveries are POSTed.")
    description: str | None = strawberry.field(description="What it is for, as registered.")
    event_types: list[ChangeType] = strawberry.field(description="The changes it receives.")
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


@strawberry.type(description="One change sent (or being sent) to one endpoint.")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(
        description="Opaque global id; the Cx360-Delivery-Id header; replay by it."
    )
    endpoint_id: strawberry.ID = strawberry.field(description="The endpoint it goes to.")
    event_id: str = strawberry.field(
        description="The `id` in the body and the Cx360-Event-Id header; receivers "
        "deduplicate by it. Also a subscription cursor."
    )
    event_type: ChangeType = strawberry.field(description="What the change was.")
    status: DeliveryStatus = strawberry.field(description="Where it stands.")
    attempts: int = strawberry.field(description="Attempts since created or replayed.")
    next_attempt_at: datetime | None = strawberry.field(description="While PENDING.")
    last_attempt_at: datetime | None = strawberry.field(description="When it was last tried.")
    last_status_code: int | None = strawberry.field(description="The endpoint's HTTP status.")
    last_error: str | None = strawberry.field(description="Why the last attempt failed.")
    delivered_at: datetime | None = strawberry.field(description="When the endpoint took it.")
    created_at: datetime = strawberry.field(description="When the change was fanned out.")
    payload: JSON = strawberry.field(description="The body sent, as JSON.")

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
            payload=orjson.loads(model.body),
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


@strawberry.input(description="An endpoint to register.")
class CreateWebhookEndpointInput:
    url: str = strawberry.field(description="Public https URL (http allowed outside production).")
    event_types: list[ChangeType] = strawberry.field(description="At least one.")
    role: Role = strawberry.field(
        default=Role.PARTNER,
        description="Whose field rules shape payloads; it must be allowed to read them.",
    )
    description: str | None = strawberry.field(
        default=None, description="What it is for (up to 500 characters)."
    )
    touchpoint_filter: TouchpointFilter | None = strawberry.field(
        default=None, description="TOUCHPOINT_RECORDED only for touchpoints passing it."
    )
    ticket_filter: TicketFilter | None = strawberry.field(
        default=None, description="TICKET_* only for tickets passing it."
    )
    survey_response_filter: SurveyResponseFilter | None = strawberry.field(
        default=None, description="SURVEY_RESPONSE_RECORDED only for responses passing it."
    )


@strawberry.type(description="The endpoint as written, or what was wrong.")
class WebhookEndpointPayload:
    endpoint: WebhookEndpoint | None = strawberry.field(description="Null on a user error.")
    secret: str | None = strawberry.field(
        description="Signs every delivery; shown only when created or rotated, store it now."
    )
    user_errors: list[UserError] = strawberry.field(description=PAYLOAD_ERRORS)


@strawberry.type(description="Which endpoint was deleted, or what was wrong.")
class DeleteWebhookEndpointPayload:
    deleted_id: strawberry.ID | None = strawberry.field(description="Null on a user error.")
    user_errors: list[UserError] = strawberry.field(description=PAYLOAD_ERRORS)


@strawberry.type(description="The delivery as replayed, or what was wrong.")
class WebhookDeliveryPayload:
    delivery: WebhookDelivery | None = strawberry.field(description="Null on a user error.")
    user_errors: list[UserError] = strawberry.field(description=PAYLOAD_ERRORS)


async def _endpoint_input(
    info: strawberry.Info[Context, None], given: CreateWebhookEndpointInput
) -> endpoints.NewEndpoint:
    def unreadable(role: Role, record_type: str) -> str | None:
        area = NODE_AREAS[record_type]
        return None if area in READS[role] else area.value

    chosen_filters = (
        ("touchpointFilter", "Touchpoint", given.touchpoint_filter),
        ("ticketFilter", "Ticket", given.ticket_filter),
        ("surveyResponseFilter", "SurveyResponse", given.survey_response_filter),
    )
    endpoint = endpoints.EndpointInput(
        url=given.url,
        change_types=given.event_types,
        role=given.role,
        description=given.description,
        filters=[(n, t, f.query if f is not None else None) for n, t, f in chosen_filters],
    )
    return await endpoints.endpoint_rules(endpoint, info.context.webhook_urls, unreadable)


async def _endpoint_payload(
    info: strawberry.Info[Context, None], action: Any, show_secret: bool = False
) -> WebhookEndpointPayload:
    result, errors = await perform(info, action)
    if not isinstance(result, EndpointModel):
        return WebhookEndpointPayload(endpoint=None, secret=None, user_errors=errors)
    secret = result.secret if show_secret else None
    return WebhookEndpointPayload(
        endpoint=WebhookEndpoint.from_model(result), secret=secret, user_errors=errors
    )


EndpointId = Annotated[strawberry.ID, strawberry.argument(description="The endpoint's id.")]


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(
        description="Registers an endpoint; it receives changes committed from now on.",
        extensions=writes(Area.WEBHOOKS),
    )
    async def create_webhook_endpoint(
        self,
        info: strawberry.Info[Context, None],
        input: Annotated[
            CreateWebhookEndpointInput, strawberry.argument(description="The endpoint.")
        ],
    ) -> WebhookEndpointPayload:
        async def work(write: Write) -> EndpointModel:
            return await endpoints.create_endpoint(write, await _endpoint_input(info, input))

        return await _endpoint_payload(info, work, show_secret=True)

    @strawberry.mutation(
        description="Pauses (false) or resumes (true) an endpoint; changes committed while "
        "it is paused are not sent to it.",
        extensions=writes(Area.WEBHOOKS),
    )
    async def set_webhook_endpoint_active(
        self,
        info: strawberry.Info[Context, None],
        id: EndpointId,
        active: Annotated[bool, strawberry.argument(description="false pauses, true resumes.")],
    ) -> WebhookEndpointPayload:
        async def work(write: Write) -> EndpointModel:
            key = key_in_input(id, "WebhookEndpoint", ["id"])
            return await endpoints.set_endpoint_active(write, key, active)

        return await _endpoint_payload(info, work)

    @strawberry.mutation(
        description="A new signing secret, effective for the next attempt; the old one "
        "stops working at once.",
        extensions=writes(Area.WEBHOOKS),
    )
    async def rotate_webhook_secret(
        self, info: strawberry.Info[Context, None], id: EndpointId
    ) -> WebhookEndpointPayload:
        async def work(write: Write) -> EndpointModel:
            key = key_in_input(id, "WebhookEndpoint", ["id"])
            return await endpoints.rotate_secret(write, key)

        return await _endpoint_payload(info, work, show_secret=True)

    @strawberry.mutation(
        description="Deletes an endpoint and its delivery history.",
        extensions=writes(Area.WEBHOOKS),
    )
    async def delete_webhook_endpoint(
        self, info: strawberry.Info[Context, None], id: EndpointId
    ) -> DeleteWebhookEndpointPayload:
        async def work(write: Write) -> uuid.UUID:
            key = key_in_input(id, "WebhookEndpoint", ["id"])
            return await endpoints.delete_endpoint(write, key)

        result, errors = await perform(info, work)
        deleted = to_global_id("WebhookEndpoint", result) if result is not None else None
        return DeleteWebhookEndpointPayload(deleted_id=deleted, user_errors=errors)

    @strawberry.mutation(
        description="Sends a DELIVERED or FAILED delivery again (same body and event id, "
        "fresh signature and retries).",
        extensions=writes(Area.WEBHOOKS),
    )
    async def replay_webhook_delivery(
        self,
        info: strawberry.Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The delivery's id.")],
    ) -> WebhookDeliveryPayload:
        async def work(write: Write) -> DeliveryModel:
            key = key_in_input(id, "WebhookDelivery", ["id"])
            return await endpoints.replay_delivery(write, key)

        result, errors = await perform(info, work)
        delivery = WebhookDelivery.from_model(result) if result is not None else None
        return WebhookDeliveryPayload(delivery=delivery, user_errors=errors)


def _delivery_query(filter: WebhookDeliveryFilter | None) -> deliveries.DeliveryQuery:
    if filter is None:
        return deliveries.DeliveryQuery()
    endpoint = None
    if filter.endpoint_id is not None:
        # Another type's id matches nothing, like a missing endpoint's.
        found = key_of_type(filter.endpoint_id, "WebhookEndpoint", "filter.endpointId")
        endpoint = found or uuid.UUID(int=0)
    change = decode_position(filter.event_id, "filter.eventId") if filter.event_id else None
    return deliveries.DeliveryQuery(
        endpoint_id=endpoint,
        statuses=tuple(filter.status) if filter.status is not None else None,
        change_id=change,
    )


@strawberry.type
class WebhookQueries:
    @strawberry.field(
        description="Webhook endpoints, newest first (ADMIN only). " + PAGE_ARGUMENTS_HELP,
        extensions=reads(Area.WEBHOOKS),
    )
    async def webhook_endpoints(
        self, info: strawberry.Info[Context, None], first: First = None, after: After = None
    ) -> Connection[WebhookEndpoint] | None:
        sessions = info.context.sessions
        page = page_request(first, after, endpoints.ENDPOINTS_NEWEST_FIRST)
        found = await endpoints.list_endpoints(sessions, page)
        return connection(
            found, WebhookEndpoint.from_model, lambda: endpoints.count_endpoints(sessions)
        )

    @strawberry.field(
        description="Webhook deliveries with their outcome, newest first (ADMIN only). "
        + PAGE_ARGUMENTS_HELP,
        extensions=reads(Area.WEBHOOKS),
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
        sessions = info.context.sessions
        query = _delivery_query(filter)
        page = page_request(first, after, deliveries.DELIVERIES_NEWEST_FIRST)
        found = await deliveries.list_deliveries(sessions, query, page)
        return connection(
            found,
            WebhookDelivery.from_model,
            lambda: deliveries.count_deliveries(sessions, query),
        )
