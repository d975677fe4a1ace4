"""The root types: every domain's queries and mutations merged, plus `node`, `nodes`, `viewer`."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry.tools import merge_types

from api.context import Context
from resolvers.compiled.forms import ByGlobalId, CompileContext, FromRequest, Known, sql
from resolvers.errors import InputError
from schema.action_mutations import ActionMutations
from schema.actions import Action, ActionQueries
from schema.audit import AuditQueries
from schema.bulk import BulkOperation, BulkQueries, own_operation
from schema.bulk_mutations import BulkMutations
from schema.customer_export import CustomerExportQueries
from schema.customer_mutations import CustomerMutations
from schema.customers import Customer, CustomerQueries
from schema.dimensions import DimensionQueries
from schema.enums import Role
from schema.follow_ups import FollowUpQueries, SurveyInvitation
from schema.invitation_mutations import InvitationMutations
from schema.metrics import MetricsQueries
from schema.node import Node, from_global_id
from schema.pain_points import PainPointQueries
from schema.permissions import check_node_type, node_type_allows
from schema.read_audit import ReadAuditQueries
from schema.sla import SlaQueries
from schema.sla_mutations import SlaMutations
from schema.survey_mutations import SurveyMutations
from schema.surveys import Survey, SurveyQueries, SurveyResponse
from schema.ticket_mutations import TicketMutations
from schema.tickets import Ticket, TicketQueries
from schema.touchpoint_mutations import TouchpointMutations
from schema.touchpoints import Touchpoint, TouchpointQueries
from schema.webhook_mutations import WebhookMutations
from schema.webhooks import WebhookQueries

MAX_NODES = 100


@strawberry.type(description="Who is calling: the API key behind this request.")
class Viewer:
    role: Role
    key_name: str


def _node_fetchers(context: Context) -> dict[str, Callable[[Any], Awaitable[Node | None]]]:
    loaders = context.loaders

    def fetch(load: Callable[[Any], Awaitable[Any]], convert: Callable[[Any], Node]) -> Any:
        async def run(key: Any) -> Node | None:
            model = await load(key)
            return convert(model) if model is not None else None

        return run

    return {
        "Customer": fetch(loaders.customer().load, Customer.from_model),
        "Touchpoint": fetch(loaders.touchpoint().load, Touchpoint.from_model),
        "Ticket": fetch(loaders.ticket().load, Ticket.from_model),
        "Survey": fetch(loaders.survey().load, Survey.from_model),
        "SurveyResponse": fetch(loaders.survey_response().load, SurveyResponse.from_model),
        "SurveyInvitation": fetch(loaders.survey_invitation().load, SurveyInvitation.from_model),
        "Action": fetch(loaders.action().load, Action.from_model),
        "BulkOperation": fetch(lambda key: own_operation(context, key), BulkOperation.from_model),
    }


async def _node(info: strawberry.Info[Context, None], value: str, argument: str) -> Node | None:
    type_name, key = from_global_id(value, argument)
    check_node_type(info, type_name)
    fetcher = _node_fetchers(info.context).get(type_name)
    return await fetcher(key) if fetcher is not None else None


def _one_id(arguments: dict[str, Any], _: CompileContext) -> tuple[str, uuid.UUID]:
    return from_global_id(arguments["id"], "id")


def _ids(arguments: dict[str, Any], _: CompileContext) -> list[tuple[str, uuid.UUID]]:
    ids = arguments["ids"]
    if len(ids) > MAX_NODES:
        raise InputError("ids", f"`ids` takes at most {MAX_NODES} ids (got {len(ids)}).")
    return [from_global_id(value, f"ids[{i}]") for i, value in enumerate(ids)]


# A merged customer's id reads as its survivor (resolvers.customers.customers_by_ids).
MERGES = ("Customer",)


@strawberry.type
class NodeQueries:
    @strawberry.field(
        description="Any object by its global id; null when it does not exist.",
        metadata=sql(ByGlobalId(_one_id, node_type_allows, MERGES)),
    )
    async def node(self, info: strawberry.Info[Context, None], id: strawberry.ID) -> Node | None:
        return await _node(info, id, "id")

    @strawberry.field(
        description=f"Objects by global id, in order; at most {MAX_NODES} ids.",
        metadata=sql(ByGlobalId(_ids, node_type_allows, MERGES)),
    )
    async def nodes(
        self, info: strawberry.Info[Context, None], ids: list[strawberry.ID]
    ) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            raise InputError("ids", f"`ids` takes at most {MAX_NODES} ids (got {len(ids)}).")
        # One awaitable per item: graphql-core completes each alone, so a malformed id
        # (INVALID_ID, naming `ids[i]`) or one of a type the role may not read (FORBIDDEN)
        # is null with its error at ["nodes", i], and the other ids still answer.
        return [_node(info, value, f"ids[{i}]") for i, value in enumerate(ids)]  # type: ignore[misc]

    @strawberry.field(
        description="The API key making this request.",
        metadata=sql(Known(lambda c: {"role": c.role, "key_name": FromRequest.KEY_NAME})),
    )
    def viewer(self, info: strawberry.Info[Context, None]) -> Viewer:
        viewer = info.context.viewer
        return Viewer(role=viewer.role, key_name=viewer.key_name)


Query = merge_types(
    "Query",
    (
        NodeQueries,
        CustomerQueries,
        CustomerExportQueries,
        TouchpointQueries,
        TicketQueries,
        SurveyQueries,
        MetricsQueries,
        PainPointQueries,
        DimensionQueries,
        AuditQueries,
        ReadAuditQueries,
        WebhookQueries,
        SlaQueries,
        FollowUpQueries,
        ActionQueries,
        BulkQueries,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        CustomerMutations,
        TouchpointMutations,
        TicketMutations,
        SurveyMutations,
        WebhookMutations,
        SlaMutations,
        InvitationMutations,
        ActionMutations,
        BulkMutations,
    ),
)
