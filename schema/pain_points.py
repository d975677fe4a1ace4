"""Journey pain points: one row per (stage, channel) with touchpoints in the window."""

from enum import Enum
from typing import Annotated, Any

import strawberry

from api.context import Context
from resolvers import pain_points as found
from resolvers.compiled.forms import Aggregates, CompileContext, Expression, SqlForm, sql
from schema.enums import Channel, JourneyStage, SortDirection
from schema.metrics import Scoped, scope_of
from schema.permissions import Area, reads

DEFINITIONS: dict[str, str] = {
    "touchpoints": "Touchpoints of the scope in the window at this stage and channel.",
    "customers": "Distinct customers of those touchpoints (the denominator of ticketRate "
    "and stalled).",
    "sentiment": "Mean sentiment of this row's touchpoints that carry one "
    "(sentimentSum / sentimentTouchpoints); null if none does.",
    "sentimentTouchpoints": "This row's touchpoints that carry a sentiment (the denominator "
    "of sentiment and negativeShare).",
    "sentimentSum": "Sum of the sentiment of this row's touchpoints (the numerator of "
    "sentiment), in units of 10^-12: each value times 10^12 rounded to the nearest "
    "integer (half to even), added exactly, so the same whatever the order rows are "
    "added in.",
    "negativeShare": "Of the touchpoints carrying a sentiment, the share with sentiment < 0 "
    "(negativeTouchpoints / sentimentTouchpoints), 0..1; null if none carries one.",
    "negativeTouchpoints": "This row's touchpoints with sentiment < 0 (the numerator of "
    "negativeShare).",
    "ticketRate": "Share of this row's customers who opened a ticket within 7 days after one "
    "of their touchpoints in this row (0 < ticket.createdAt - occurredAt <= 7 days, the "
    "ticket inside the window or not): ticketCustomers / customers, 0..1.",
    "ticketCustomers": "This row's customers with such a ticket (the numerator of ticketRate).",
    "stalled": "Share of this row's customers with no touchpoint (any channel or team) at a "
    "later stage at any time before `to`: stalledCustomers / customers, 0..1; null for the "
    "last stage (ADVOCACY).",
    "stalledCustomers": "This row's customers who reached no later stage before `to` (the "
    "numerator of stalled); null for the last stage.",
}


def _measure(name: str) -> str:
    return f"By {name}; nulls last in either direction, ties by stage order, then channel."


@strawberry.enum(description="What to order pain points by.")
class PainPointOrderField(Enum):
    TOUCHPOINTS = strawberry.enum_value("TOUCHPOINTS", description=_measure("touchpoints"))
    CUSTOMERS = strawberry.enum_value("CUSTOMERS", description=_measure("customers"))
    SENTIMENT = strawberry.enum_value("SENTIMENT", description=_measure("sentiment"))
    NEGATIVE_SHARE = strawberry.enum_value("NEGATIVE_SHARE", description=_measure("negativeShare"))
    TICKET_RATE = strawberry.enum_value("TICKET_RATE", description=_measure("ticketRate"))
    STALLED = strawberry.enum_value("STALLED", description=_measure("stalled"))


@strawberry.input(description="How to order pain points.")
class PainPointOrder:
    field: PainPointOrderField = strawberry.field(description="The measure to sort by.")
    direction: SortDirection = strawberry.field(
        description="Ascending or descending; nulls last, ties by stage order then channel."
    )


def _defined(name: str) -> str:
    return DEFINITIONS[name]


def _defined_as(name: str) -> dict[str, Any]:
    """A measure's description and SQL form."""
    return {"description": _defined(name), "metadata": _sql(name)}


def _sql(name: str) -> dict[str, SqlForm]:
    """The field's SQL form: its value in a pain point row (found.PAIN_POINT_SQL)."""
    return sql(Expression(found.PAIN_POINT_SQL[name]))


def _ordered_scope(arguments: dict[str, Any], _: CompileContext) -> found.OrderedScope:
    order = arguments.get("order_by")
    return found.OrderedScope(
        scope_of(arguments.get("filter")),
        order.field.name if order is not None else None,
        order is not None and order.direction == SortDirection.DESC,
    )


PAIN_POINTS_FORM = sql(
    Aggregates(
        _ordered_scope,
        found.ordered_scope_parts,
        found.no_sources,
        rows=found.pain_point_rows,
    )
)


@strawberry.type(
    description="Where the journey hurts: one stage and channel over the window and scope."
)
class PainPoint:
    point: strawberry.Private[found.PainPoint]

    @strawberry.field(
        description="The journey stage of this row's touchpoints.", metadata=_sql("stage")
    )
    def stage(self) -> JourneyStage:
        return self.point.stage

    @strawberry.field(
        description="The channel of this row's touchpoints.", metadata=_sql("channel")
    )
    def channel(self) -> Channel:
        return self.point.channel

    @strawberry.field(**_defined_as("touchpoints"))
    def touchpoints(self) -> int:
        return self.point.touchpoints

    @strawberry.field(**_defined_as("customers"))
    def customers(self) -> int:
        return self.point.customers

    @strawberry.field(**_defined_as("sentiment"))
    def sentiment(self) -> float | None:
        return self.point.sentiment

    @strawberry.field(**_defined_as("sentimentTouchpoints"))
    def sentiment_touchpoints(self) -> int:
        return self.point.sentiment_touchpoints

    @strawberry.field(**_defined_as("sentimentSum"))
    def sentiment_sum(self) -> float:
        return self.point.sentiment_sum

    @strawberry.field(**_defined_as("negativeShare"))
    def negative_share(self) -> float | None:
        return self.point.negative_share

    @strawberry.field(**_defined_as("negativeTouchpoints"))
    def negative_touchpoints(self) -> int:
        return self.point.negative_touchpoints

    @strawberry.field(**_defined_as("ticketRate"))
    def ticket_rate(self) -> float | None:
        return self.point.ticket_rate

    @strawberry.field(**_defined_as("ticketCustomers"))
    def ticket_customers(self) -> int:
        return self.point.ticket_customers

    @strawberry.field(**_defined_as("stalled"))
    def stalled(self) -> float | None:
        return self.point.stalled

    @strawberry.field(**_defined_as("stalledCustomers"))
    def stalled_customers(self) -> int | None:
        return self.point.stalled_customers


@strawberry.type
class PainPointQueries:
    @strawberry.field(
        description="Journey pain points: one row per (stage, channel) with touchpoints of "
        "the scope in the window, each ratio with its numerator and denominator. Default "
        "order: stage order, then channel order.",
        extensions=reads(Area.METRICS),
        metadata=PAIN_POINTS_FORM,
    )
    async def journey_pain_points(
        self,
        info: strawberry.Info[Context, None],
        filter: Scoped = None,
        order_by: Annotated[
            PainPointOrder | None,
            strawberry.argument(
                description="The measure and direction; default stage, then channel."
            ),
        ] = None,
    ) -> list[PainPoint]:
        points = await found.pain_points(info.context.sessions, scope_of(filter))
        field = order_by.field.name if order_by is not None else None
        descending = order_by is not None and order_by.direction == SortDirection.DESC
        return [PainPoint(point=p) for p in found.ordered(points, field, descending)]
