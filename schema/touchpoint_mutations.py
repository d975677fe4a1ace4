"""Touchpoint ingestion: idempotent by (source, externalId), all or nothing per batch.

`recordTouchpoints` runs the same code whichever way its variables arrive: converted by
strawberry, or checked by `fast_touchpoints` (a compiled pydantic validator that accepts
only what GraphQL's own input coercion accepts, converted the same way; anything else
goes through strawberry, which gives the standard error).
"""

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError
from strawberry.scalars import JSON

from api.context import Context
from models import ChangeType
from resolvers import touchpoint_writes
from resolvers.changes import ChangeFeed
from resolvers.pagination import Sessions
from resolvers.writes import Actor, UserErrors, Write, run
from schema.convert import from_input
from schema.effects import STARTS_ACTIONS, effects
from schema.enums import Channel, JourneyStage, Team
from schema.mutations import CustomerRef, ExternalIdInput, UserError, actor, customer_refs
from schema.permissions import Area
from schema.scalars import parse_datetime, parse_decimal
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


def writable_items(touchpoints: list[TouchpointInput]) -> touchpoint_writes.LineBatch:
    """The write layer's items, and the customer references that could not be read."""
    refs, problems = customer_refs(
        (item.customer, ["touchpoints", str(index), "customer"])
        for index, item in enumerate(touchpoints)
    )
    items = [
        from_input(touchpoint_writes.NewTouchpoint, item, customer=ref)
        for item, ref in zip(touchpoints, refs, strict=True)
    ]
    return touchpoint_writes.LineBatch(items, problems)


async def record(
    write_sessions: Sessions,
    writer: Actor,
    changes: ChangeFeed | None,
    touchpoints: list[TouchpointInput],
    shown: bool = True,
    upkeep: bool = True,
) -> RecordTouchpointsPayload:
    """The mutation, wherever its variables were converted: one transaction, user errors
    returned (nothing stored) rather than raised. Not `shown`: the payload's touchpoints
    are not asked for, and left empty. `upkeep`: Settings.proactive_upkeep (writes.write).

    Its payload is built here, not by `answer` (or `respond`): on user errors `touchpoints`
    is an empty list and `created`/`duplicates` are 0, since the schema makes them non-null,
    where `answer` would make them null. It runs `run` itself, since `respond` needs
    strawberry's `info` and the fast path (api/fast_writes.py) has none."""

    async def work(write: Write) -> touchpoint_writes.IngestResult:
        batch = writable_items(touchpoints)
        return await touchpoint_writes.record_touchpoints(
            write, batch.items, batch.ref_problems, shown
        )

    try:
        result = await run(write_sessions, writer, changes, work, upkeep)
    except UserErrors as problem:
        return RecordTouchpointsPayload(
            touchpoints=[],
            created=0,
            duplicates=0,
            user_errors=[UserError.of(e) for e in problem.errors],
        )
    return RecordTouchpointsPayload(
        touchpoints=[Touchpoint.from_model(t) for t in result.touchpoints],
        created=result.created,
        duplicates=result.duplicates,
        user_errors=[],
    )


@strawberry.type
class TouchpointMutations:
    @strawberry.mutation(
        description=f"Records 1-{touchpoint_writes.MAX_BATCH} touchpoints. An event sent again "
        "(same source and externalId) is stored once and counted under `duplicates`.",
        extensions=effects(
            Area.TOUCHPOINTS, logs=(ChangeType.TOUCHPOINT_RECORDED, *STARTS_ACTIONS)
        ),
    )
    async def record_touchpoints(
        self, info: strawberry.Info[Context, None], touchpoints: list[TouchpointInput]
    ) -> RecordTouchpointsPayload:
        context = info.context
        return await record(
            context.write_sessions,
            actor(info),
            context.changes,
            touchpoints,
            upkeep=context.upkeep,
        )


# ------------------------------------------------ variables checked without strawberry
# GraphQL's input coercion of variables (graphql-core's coerce_input_value with the
# scalars' parse_value), as a strict pydantic schema: a String is a str, a Float an int
# or a finite float (never a bool), an enum its name, a custom scalar what its own
# parse_value accepts, an input object no unknown and no missing required field, a
# required one never null. What this refuses, the full pipeline answers (same errors).


def _member(enum: type[Any]) -> Callable[[object], Any]:
    names = enum.__members__

    def convert(value: object) -> Any:
        if isinstance(value, str) and value in names:
            return names[value]
        raise ValueError("not an enum value's name")

    return convert


class _Strict(BaseModel):
    model_config = ConfigDict(
        strict=True, extra="forbid", allow_inf_nan=False, populate_by_name=False, frozen=True
    )


class _ExternalId(_Strict):
    source: str
    id: str


class _CustomerRef(_Strict):
    id: str | None = None
    email: str | None = None
    external_id: _ExternalId | None = Field(default=None, alias="externalId")


class _Touchpoint(_Strict):
    customer: _CustomerRef
    occurred_at: Annotated[Any, BeforeValidator(parse_datetime)] = Field(alias="occurredAt")
    channel: Annotated[Any, BeforeValidator(_member(Channel))]
    stage: Annotated[Any, BeforeValidator(_member(JourneyStage))]
    team: Annotated[Any, BeforeValidator(_member(Team))]
    kind: str
    summary: str | None = None
    value: Annotated[Any, BeforeValidator(parse_decimal)] | None = None
    currency: str | None = None
    sentiment: float | None = None
    source: str
    external_id: str | None = Field(default=None, alias="externalId")
    attributes: Any = None


_TOUCHPOINTS = TypeAdapter(list[_Touchpoint])


def _customer(ref: _CustomerRef) -> CustomerRef:
    external = ref.external_id
    return CustomerRef(
        id=strawberry.ID(ref.id) if ref.id is not None else None,
        email=ref.email,
        external_id=ExternalIdInput(source=external.source, id=external.id)
        if external is not None
        else None,
    )


def fast_touchpoints(value: object) -> list[TouchpointInput] | None:
    """The `touchpoints` argument strawberry would build from this variable's JSON value,
    or None when GraphQL might answer with an error (the full pipeline then runs)."""
    try:
        checked = _TOUCHPOINTS.validate_python(value)
    except ValidationError:
        return None
    return [
        from_input(TouchpointInput, item, customer=_customer(item.customer)) for item in checked
    ]
