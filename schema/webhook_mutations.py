"""Webhook mutations (ADMIN only): register, pause, rotate, delete endpoints; replay."""

import uuid
from functools import partial
from typing import Annotated, Any

import strawberry

from api.context import Context
from models import WebhookDelivery as DeliveryModel
from models import WebhookEndpoint as EndpointModel
from resolvers.webhooks import endpoints
from resolvers.writes import Write
from schema.actions import ActionFilter
from schema.convert import from_input
from schema.descriptions import PAYLOAD_ERRORS
from schema.effects import effects
from schema.enums import ChangeType, Role
from schema.mutations import UserError, key_in_input, respond
from schema.node import to_global_id
from schema.permissions import NODE_AREAS, READS, Area
from schema.surveys import SurveyResponseFilter
from schema.tickets import TicketFilter
from schema.touchpoints import TouchpointFilter
from schema.webhooks import WebhookDelivery, WebhookEndpoint


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
    action_filter: ActionFilter | None = strawberry.field(
        default=None, description="ACTION_STARTED only for actions passing it."
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
) -> endpoints.CheckedEndpoint:
    def unreadable(role: Role, record_type: str) -> str | None:
        area = NODE_AREAS[record_type]
        return None if area in READS[role] else area.value

    chosen_filters = (
        ("touchpointFilter", "Touchpoint", given.touchpoint_filter),
        ("ticketFilter", "Ticket", given.ticket_filter),
        ("surveyResponseFilter", "SurveyResponse", given.survey_response_filter),
        ("actionFilter", "Action", given.action_filter),
    )
    endpoint = from_input(
        endpoints.NewEndpoint,
        given,
        change_types=given.event_types,
        filters=[(n, t, f.query if f is not None else None) for n, t, f in chosen_filters],
    )
    return await endpoints.endpoint_rules(endpoint, info.context.webhook_urls, unreadable)


async def _endpoint_payload(
    info: strawberry.Info[Context, None], action: Any, show_secret: bool = False
) -> WebhookEndpointPayload:
    return await respond(
        info,
        action,
        WebhookEndpointPayload,
        endpoint=WebhookEndpoint.from_model,
        secret=lambda endpoint: endpoint.secret if show_secret else None,
    )


EndpointId = Annotated[strawberry.ID, strawberry.argument(description="The endpoint's id.")]


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(
        description="Registers an endpoint; it receives changes committed from now on.",
        extensions=effects(Area.WEBHOOKS, logs=()),
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
        extensions=effects(Area.WEBHOOKS, logs=()),
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
        extensions=effects(Area.WEBHOOKS, logs=()),
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
        extensions=effects(Area.WEBHOOKS, logs=()),
    )
    async def delete_webhook_endpoint(
        self, info: strawberry.Info[Context, None], id: EndpointId
    ) -> DeleteWebhookEndpointPayload:
        async def work(write: Write) -> uuid.UUID:
            key = key_in_input(id, "WebhookEndpoint", ["id"])
            return await endpoints.delete_endpoint(write, key)

        return await respond(
            info,
            work,
            DeleteWebhookEndpointPayload,
            deleted_id=partial(to_global_id, "WebhookEndpoint"),
        )

    @strawberry.mutation(
        description="Sends a DELIVERED or FAILED delivery again (same body and event id, "
        "fresh signature and retries).",
        extensions=effects(Area.WEBHOOKS, logs=()),
    )
    async def replay_webhook_delivery(
        self,
        info: strawberry.Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The delivery's id.")],
    ) -> WebhookDeliveryPayload:
        async def work(write: Write) -> DeliveryModel:
            key = key_in_input(id, "WebhookDelivery", ["id"])
            return await endpoints.replay_delivery(write, key)

        return await respond(
            info, work, WebhookDeliveryPayload, delivery=WebhookDelivery.from_model
        )
