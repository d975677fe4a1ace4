"""Touchpoint ingestion: idempotent by (source, externalId), all or nothing per batch."""

from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry.scalars import JSON

from api.context import Context
from resolvers import touchpoint_writes
from resolvers.writes import CustomerRef as Ref
from resolvers.writes import UserError as Problem
from resolvers.writes import UserErrors, Write
from schema.enums import Channel, JourneyStage, Team
from schema.mutations import CustomerRef, UserError, customer_ref, perform
from schema.permissions import Area, writes
from schema.touchpoints import Touchpoint

NO_CUSTOMER = Ref()  # stands in for a reference that could not be read


@strawberry.input
class TouchpointInput:
    customer: CustomerRef
    occurred_at: datetime
    channel: Channel
    stage: JourneyStage
    team: Team
    kind: str
    summary: str | None = None
    value: Decimal | None = strawberry.field(default=None, description="Revenue, 2 decimals.")
    currency: str | None = strawberry.field(default=None, description="ISO 4217, e.g. USD.")
    sentiment: float | None = None
    source: str = strawberry.field(description="The reporting system.")
    external_id: str | None = strawberry.field(
        default=None, description="The reporting system's event id: sending it again is safe."
    )
    attributes: JSON | None = None


@strawberry.type
class RecordTouchpointsPayload:
    touchpoints: list[Touchpoint] = strawberry.field(
        description="Stored or already stored, in input order."
    )
    created: int
    duplicates: int
    user_errors: list[UserError] = strawberry.field(
        description="A batch with any user error stores nothing."
    )


def _item(
    item: TouchpointInput, index: int, problems: list[Problem]
) -> touchpoint_writes.NewTouchpoint:
    try:
        ref = customer_ref(item.customer, ["touchpoints", str(index), "customer"])
    except UserErrors as error:
        problems.extend(error.errors)
        ref = NO_CUSTOMER
    return touchpoint_writes.NewTouchpoint(
        customer=ref,
        occurred_at=item.occurred_at,
        channel=item.channel,
        stage=item.stage,
        team=item.team,
        kind=item.kind,
        source=item.source,
        summary=item.summary,
        value=item.value,
        currency=item.currency,
        sentiment=item.sentiment,
        external_id=item.external_id,
        attributes=item.attributes,
    )


@strawberry.type
class TouchpointMutations:
    @strawberry.mutation(
        description=f"Records 1-{touchpoint_writes.MAX_BATCH} touchpoints. An event sent again "
        "(same source and externalId) is stored once and counted under `duplicates`.",
        extensions=writes(Area.TOUCHPOINTS),
    )
    async def record_touchpoints(
        self, info: strawberry.Info[Context, None], touchpoints: list[TouchpointInput]
    ) -> RecordTouchpointsPayload:
        async def work(write: Write) -> touchpoint_writes.IngestResult:
            problems: list[Problem] = []
            items = [_item(item, index, problems) for index, item in enumerate(touchpoints)]
            return await touchpoint_writes.record_touchpoints(write, items, problems)

        result, errors = await perform(info, work)
        if result is None:
            return RecordTouchpointsPayload(
                touchpoints=[], created=0, duplicates=0, user_errors=errors
            )
        return RecordTouchpointsPayload(
            touchpoints=[Touchpoint.from_model(t) for t in result.touchpoints],
            created=result.created,
            duplicates=result.duplicates,
            user_errors=[],
        )
