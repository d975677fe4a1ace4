"""Touchpoint ingestion: idempotent by (source, externalId), all or nothing per batch."""

from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry.scalars import JSON

from api.context import Context
from models import ChangeType
from resolvers import touchpoint_writes
from resolvers.writes import Write
from schema.convert import from_input
from schema.enums import Channel, JourneyStage, Team
from schema.mutations import CustomerRef, UserError, customer_refs, perform
from schema.permissions import STARTS_ACTIONS, Area, writes
from schema.touchpoints import Touchpoint


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


@strawberry.type
class TouchpointMutations:
    @strawberry.mutation(
        description=f"Records 1-{touchpoint_writes.MAX_BATCH} touchpoints. An event sent again "
        "(same source and externalId) is stored once and counted under `duplicates`.",
        extensions=writes(Area.TOUCHPOINTS, logs=(ChangeType.TOUCHPOINT_RECORDED, *STARTS_ACTIONS)),
    )
    async def record_touchpoints(
        self, info: strawberry.Info[Context, None], touchpoints: list[TouchpointInput]
    ) -> RecordTouchpointsPayload:
        async def work(write: Write) -> touchpoint_writes.IngestResult:
            refs, problems = customer_refs(
                (item.customer, ["touchpoints", str(index), "customer"])
                for index, item in enumerate(touchpoints)
            )
            items = [
                from_input(touchpoint_writes.NewTouchpoint, item, customer=ref)
                for item, ref in zip(touchpoints, refs, strict=True)
            ]
            return await touchpoint_writes.record_touchpoints(write, items, problems)

        # Not `respond`: on user errors the list and counts are empty (non-null), not null.
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
