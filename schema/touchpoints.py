"""Touchpoint: one interaction anywhere in the journey."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON

from api.context import Context
from models import Customer as CustomerModel
from models import Touchpoint as TouchpointModel
from resolvers import touchpoints
from resolvers.compiled.forms import ConnectionOf, ToOne, sql, sql_table
from resolvers.pagination import ListRequest
from schema.convert import from_row
from schema.enums import Channel, JourneyStage, Team
from schema.node import Node, to_global_id
from schema.pagination import (
    FILTER_HELP,
    PAGE_ARGUMENTS_HELP,
    After,
    Connection,
    First,
    list_connection,
    under,
)
from schema.permissions import argument_rules
from schema.scalars import any_of, ordered_window

if TYPE_CHECKING:
    from schema.customers import Customer


@strawberry.input(description="Touchpoints matching every given condition; lists mean any of.")
class TouchpointFilter:
    channel: list[Channel] | None = None
    stage: list[JourneyStage] | None = None
    team: list[Team] | None = None
    kind: list[str] | None = None
    from_: datetime | None = strawberry.field(
        default=None, name="from", description="occurredAt >= from."
    )
    to: datetime | None = strawberry.field(default=None, description="occurredAt < to.")

    def query(self) -> touchpoints.TouchpointQuery:
        ordered_window(self.from_, self.to)
        return touchpoints.TouchpointQuery(
            channels=any_of("channel", self.channel),
            stages=any_of("stage", self.stage),
            teams=any_of("team", self.team),
            kinds=any_of("kind", self.kind),
            occurred_from=self.from_,
            occurred_to=self.to,
        )


def touchpoint_query(filter: TouchpointFilter | None) -> touchpoints.TouchpointQuery:
    return filter.query() if filter is not None else touchpoints.TouchpointQuery()


def touchpoint_request(
    first: int | None = None, after: str | None = None, filter: TouchpointFilter | None = None
) -> ListRequest:
    """A page of touchpoints, newest first, as both read paths take it."""
    return touchpoints.TOUCHPOINTS.request(
        touchpoint_query(filter), touchpoints.NEWEST_FIRST, first, after
    )


@sql_table(TouchpointModel)
@strawberry.type(description="One interaction: an ad click, a page view, a demo, a purchase...")
class Touchpoint(Node):
    id: strawberry.ID
    occurred_at: datetime
    channel: Channel
    stage: JourneyStage
    team: Team
    kind: str = strawberry.field(description="Free label: page_view, demo, purchase, referral...")
    summary: str | None
    value: Decimal | None = strawberry.field(
        description="Revenue; counted in metrics only for kind `purchase`."
    )
    currency: str | None
    sentiment: float | None = strawberry.field(description="-1.0 (negative) to 1.0 (positive).")
    source: str = strawberry.field(description="The system that reported the touchpoint.")
    external_id: str | None = strawberry.field(
        description="The reporting system's event id; (source, externalId) is unique."
    )
    attributes: JSON | None
    db_id: strawberry.Private[uuid.UUID]
    customer_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, model: TouchpointModel) -> "Touchpoint":
        return from_row(cls, model, id=to_global_id("Touchpoint", model.id), db_id=model.id)

    @strawberry.field(metadata=sql(ToOne(CustomerModel, "customer_id", follow_merges=True)))
    async def customer(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated["Customer", strawberry.lazy("schema.customers")]:
        from schema.customers import Customer

        return await Customer.load(info, self.customer_id)


def touchpoints_of(parent: str | None) -> Callable[..., Awaitable[Connection[Touchpoint]]]:
    """`touchpoints` (None) and `Customer.touchpoints` ("customer"): one body, read under
    the parent the field names."""

    async def resolve(
        root: object,
        info: strawberry.Info[Context, None],
        first: First = None,
        after: After = None,
        filter: Annotated[
            TouchpointFilter | None, strawberry.argument(description=FILTER_HELP)
        ] = None,
    ) -> Connection[Touchpoint]:
        request = touchpoint_request(first, after, filter)
        return await list_connection(
            info, touchpoints.TOUCHPOINTS, request, Touchpoint.from_model, under(parent, root)
        )

    return resolve


@strawberry.type
class TouchpointQueries:
    touchpoints = strawberry.field(
        resolver=touchpoints_of(None),
        description="All touchpoints, newest first. " + PAGE_ARGUMENTS_HELP,
        extensions=argument_rules(),
        metadata=sql(ConnectionOf(touchpoints.TOUCHPOINTS, lambda a, _: touchpoint_request(**a))),
    )
