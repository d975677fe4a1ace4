"""Metrics, time series, the journey funnel and customer health.

Each Metrics object knows its scope and its key (the total, one customer, or one
bucket); each field awaits its metric group's loader, so a group's statement runs
once per request and only when one of its fields is asked for.
"""

import uuid
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any

import strawberry

from api.context import Context
from resolvers import health_state
from resolvers import metrics as figures
from resolvers.compiled.forms import (
    Aggregates,
    CompileContext,
    Embedded,
    Expression,
    Known,
    Series,
    SqlForm,
    part_marker,
    sql,
)
from resolvers.errors import InputError
from resolvers.health_state import HEALTH_ITEM as HEALTH
from resolvers.metrics import Durations, ratio
from schema.enums import Channel, JourneyStage, Team
from schema.permissions import Area, reads
from schema.scalars import exact_text, ordered_window

# One definition per metric: the field's description and the `definitions` query.
DEFINITIONS: dict[str, str] = {
    "nps": "Net Promoter Score, -100..100: 100 * (promoters - detractors) / NPS responses "
    "in the window; promoter = 9-10, passive = 7-8, detractor = 0-6. Null without responses.",
    "npsResponses": "NPS responses in the window.",
    "promoters": "NPS responses scoring 9 or 10.",
    "passives": "NPS responses scoring 7 or 8.",
    "detractors": "NPS responses scoring 0 to 6.",
    "csat": "Customer satisfaction, 0..100: 100 * CSAT responses scoring 4 or 5 / CSAT "
    "responses in the window. Null without responses.",
    "csatResponses": "CSAT responses in the window.",
    "csatSatisfied": "CSAT responses scoring 4 or 5 (the numerator of csat).",
    "ces": "Customer effort score: mean CES score (1-7, higher = easier) in the window.",
    "cesResponses": "CES responses in the window.",
    "cesScoreSum": "Sum of CES scores in the window (the numerator of ces).",
    "ticketVolume": "Tickets created in the window.",
    "firstResponseTime": "Tickets created in the window that have a first response: seconds "
    "from createdAt to firstResponseAt (count, mean, median, p90).",
    "resolutionTime": "Tickets created in the window that were resolved: seconds from "
    "createdAt to resolvedAt (count, mean, median, p90).",
    "resolutionRate": "Tickets created in the window now RESOLVED or CLOSED / ticketVolume, 0..1.",
    "resolvedTickets": "Tickets created in the window now RESOLVED or CLOSED.",
    "firstContactResolutionRate": "Of the tickets created in the window now RESOLVED or "
    "CLOSED, the share with contactCount = 1 and reopenCount = 0, 0..1.",
    "firstContactResolvedTickets": "Resolved or closed tickets created in the window with "
    "one contact and no reopening (the numerator of firstContactResolutionRate).",
    "firstResponseSla": "Of the tickets created in the window whose first response target "
    "is decided (responded, or the due time passed by now), the share responded by the "
    "due time (firstResponseSlaMet / firstResponseSlaDecided), 0..1.",
    "firstResponseSlaMet": "Tickets created in the window first responded to at or before "
    "firstResponseDueAt (the numerator of firstResponseSla).",
    "firstResponseSlaDecided": "Tickets created in the window responded to, or past "
    "firstResponseDueAt now (the denominator of firstResponseSla).",
    "resolutionSla": "Of the tickets created in the window whose resolution target is "
    "decided (RESOLVED or CLOSED, or the due time passed by now), the share resolved by the "
    "due time (resolutionSlaMet / resolutionSlaDecided), 0..1.",
    "resolutionSlaMet": "Tickets created in the window RESOLVED or CLOSED with their last "
    "resolvedAt at or before resolutionDueAt (the numerator of resolutionSla).",
    "resolutionSlaDecided": "Tickets created in the window RESOLVED or CLOSED, or past "
    "resolutionDueAt now (the denominator of resolutionSla).",
    "activeCustomers": "Customers created before `from` and not churned before `from`; with "
    "no `from`, all customers created before `to`. Merged duplicates are not counted.",
    "churnedCustomers": "Of activeCustomers, those whose churnedAt falls in the window.",
    "churnRate": "churnedCustomers / activeCustomers, 0..1.",
    "revenue": "Sum of the value of `purchase` touchpoints in the window.",
    "averageLifetimeValue": "Over customers created before `to`: their purchase value up to "
    "`to` (no lower bound) summed, divided by their number; rounded to the cent, half to "
    "even (0.125 is 0.12).",
    "lifetimeValueTotal": "Purchase value up to `to` of customers created before `to` "
    "(the numerator of averageLifetimeValue).",
    "lifetimeValueCustomers": "Customers created before `to` (the denominator of "
    "averageLifetimeValue).",
    "surveyResponseRate": "Survey invitations sent in the window that were answered (with "
    "their token, at any time so far) / invitations sent in the window, 0..1.",
    "surveyInvitationsSent": "Survey invitations sent in the window (the denominator of "
    "surveyResponseRate).",
    "surveyInvitationsAnswered": "Of surveyInvitationsSent, those answered (the numerator "
    "of surveyResponseRate).",
}
DURATION_HELP = "Seconds. Median and p90 are continuous percentiles (linear interpolation)."


@strawberry.enum(description="Bucket size; buckets are aligned to UTC calendar boundaries.")
class Interval(Enum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"


@strawberry.enum(description="HEALTHY >= 75 > WATCH >= 50 > AT_RISK (health score).")
class HealthLevel(Enum):
    HEALTHY = "HEALTHY"
    WATCH = "WATCH"
    AT_RISK = "AT_RISK"


@strawberry.input(description="The window [from, to) in UTC (either end may be open) and filters.")
class MetricsFilter:
    from_: datetime | None = strawberry.field(default=None, name="from")
    to: datetime | None = None
    segment: str | None = strawberry.field(
        default=None, description="Only customers of this segment and their records."
    )
    channel: Channel | None = strawberry.field(
        default=None, description="Tickets and touchpoints of this channel."
    )
    team: Team | None = strawberry.field(default=None, description="Touchpoints of this team.")


Scoped = Annotated[
    MetricsFilter | None,
    strawberry.argument(
        description="The window [from, to) and the scope; none: all time, every customer."
    ),
]


def scope_of(filter: MetricsFilter | None) -> figures.Scope:
    if filter is None:
        return figures.Scope()
    ordered_window(filter.from_, filter.to)
    segment = exact_text(filter.segment)
    return figures.Scope(filter.from_, filter.to, segment, filter.channel, filter.team)


def _duration(name: str) -> Any:
    return strawberry.field(metadata=sql(Expression(figures.DURATION_SQL[name])))


@strawberry.type(description=DURATION_HELP)
class DurationStats:
    count: int = _duration("count")
    mean: float | None = _duration("mean")
    median: float | None = _duration("median")
    p90: float | None = _duration("p90")

    @classmethod
    def of(cls, durations: Durations) -> "DurationStats":
        return cls(
            count=durations.count, mean=durations.mean, median=durations.median, p90=durations.p90
        )


def _metric(name: str, **kwargs: Any) -> Any:
    """A metric's field: its definition, and its SQL form where it has one."""
    found, stats = figures.METRIC_SQL.get(name), figures.DURATION_SOURCES.get(name)
    metadata = None
    if found is not None:
        metadata = sql(Expression(found))
    elif name in figures.METRIC_JSON:
        metadata = sql(Expression(figures.METRIC_JSON[name], json=True))
    elif stats is not None:
        metadata = sql(Embedded(source=stats, name=figures.DURATION_ITEM))
    return strawberry.field(description=DEFINITIONS[name], metadata=metadata, **kwargs)


@strawberry.type(description="CX metrics over a window; see `definitions` for every formula.")
class Metrics:
    scope: strawberry.Private[figures.Scope]
    key: strawberry.Private[Any]
    buckets: strawberry.Private[tuple[tuple[datetime, datetime], ...] | None] = None

    async def _figures(self, info: strawberry.Info[Context, None], group: str) -> Any:
        return await info.context.loaders.metric_group(group, self.scope, self.buckets).load(
            self.key
        )

    @_metric("nps")
    async def nps(self, info: strawberry.Info[Context, None]) -> float | None:
        f = await self._figures(info, "surveys")
        return ratio(f.promoters - f.detractors, f.nps_responses, 100)

    @_metric("npsResponses")
    async def nps_responses(self, info: strawberry.Info[Context, None]) -> int:
        return int((await self._figures(info, "surveys")).nps_responses)

    @_metric("promoters")
    async def promoters(self, info: strawberry.Info[Context, None]) -> int:
        return int((await self._figures(info, "surveys")).promoters)

    @_metric("passives")
    async def passives(self, info: strawberry.Info[Context, None]) -> int:
        return int((await self._figures(info, "surveys")).passives)

    @_metric("detractors")
    async def detractors(self, info: strawberry.Info[Context, None]) -> int:
        return int((await self._figures(info, "surveys")).detractors)

    @_metric("csat")
    async def csat(self, info: strawberry.Info[Context, None]) -> float | None:
        f = await self._figures(info, "surveys")
        return ratio(f.csat_satisfied, f.csat_responses, 100)

    @_metric("csatResponses")
    async def csat_responses(self, info: strawberry.Info[Context, None]) -> int:
        return int((await self._figures(info, "surveys")).csat_responses)

    @_metric("csatSatisfied")
    async def csat_satisfied(self, info: strawberry.Info[Context, None]) -> int:
        return int((await self._figures(info, "surveys")).csat_satisfied)

    @_metric("ces")
    async def ces(self, info: strawberry.Info[Context, None]) -> float | None:
        f = await self._figures(info, "surveys")
        return ratio(f.ces_score_sum, f.ces_responses)

    @_metric("cesResponses")
    async def ces_responses(self, info: strawberry.Info[Context, None]) -> int:
        return int((await self._figures(info, "surveys")).ces_responses)

    @_metric("cesScoreSum")
    async def ces_score_sum(self, info: strawberry.Info[Context, None]) -> int:
        return int((await self._figures(info, "surveys")).ces_score_sum)

    @_metric("ticketVolume")
    async def ticket_volume(self, info: strawberry.Info[Context, None]) -> int:
        return int((await self._figures(info, "tickets")).volume)

    @_metric("firstResponseTime")
    async def first_response_time(self, info: strawberry.Info[Context, None]) -> DurationStats:
        return DurationStats.of((await self._figures(info, "tickets")).first_response)

    @_metric("resolutionTime")
    async def resolution_time(self, info: strawberry.Info[Context, None]) -> DurationStats:
        return DurationStats.of((await self._figures(info, "tickets")).resolution)

    @_metric("resolutionRate")
    async def resolution_rate(self, info: strawberry.Info[Context, None]) -> float | None:
        f = await self._figures(info, "tickets")
        return ratio(f.resolved, f.volume)

    @_metric("resolvedTickets")
    async def resolved_tickets(self, info: strawberry.Info[Context, None]) -> int:
        return int((await self._figures(info, "tickets")).resolved)

    @_metric("firstContactResolutionRate")
    async def first_contact_resolution_rate(
        self, info: strawberry.Info[Context, None]
    ) -> float | None:
        f = await self._figures(info, "tickets")
        return ratio(f.first_contact_resolved, f.resolved)

    @_metric("firstContactResolvedTickets")
    async def first_contact_resolved_tickets(self, info: strawberry.Info[Context, None]) -> int:
        return int((await self._figures(info, "tickets")).first_contact_resolved)

    async def _sla(self, info: strawberry.Info[Context, None]) -> figures.SlaFigures:
        """SLA figures depend on the request's clock: a target is decided once due."""
        scope = replace(self.scope, now=info.context.now)
        found: figures.SlaFigures = await info.context.loaders.metric_group(
            "sla", scope, self.buckets
        ).load(self.key)
        return found

    @_metric("firstResponseSla")
    async def first_response_sla(self, info: strawberry.Info[Context, None]) -> float | None:
        f = await self._sla(info)
        return ratio(f.first_response_met, f.first_response_decided)

    @_metric("firstResponseSlaMet")
    async def first_response_sla_met(self, info: strawberry.Info[Context, None]) -> int:
        return (await self._sla(info)).first_response_met

    @_metric("firstResponseSlaDecided")
    async def first_response_sla_decided(self, info: strawberry.Info[Context, None]) -> int:
        return (await self._sla(info)).first_response_decided

    @_metric("resolutionSla")
    async def resolution_sla(self, info: strawberry.Info[Context, None]) -> float | None:
        f = await self._sla(info)
        return ratio(f.resolution_met, f.resolution_decided)

    @_metric("resolutionSlaMet")
    async def resolution_sla_met(self, info: strawberry.Info[Context, None]) -> int:
        return (await self._sla(info)).resolution_met

    @_metric("resolutionSlaDecided")
    async def resolution_sla_decided(self, info: strawberry.Info[Context, None]) -> int:
        return (await self._sla(info)).resolution_decided

    @_metric("activeCustomers")
    async def active_customers(self, info: strawberry.Info[Context, None]) -> int:
        return int((await self._figures(info, "customers")).active)

    @_metric("churnedCustomers")
    async def churned_customers(self, info: strawberry.Info[Context, None]) -> int:
        return int((await self._figures(info, "customers")).churned)

    @_metric("churnRate")
    async def churn_rate(self, info: strawberry.Info[Context, None]) -> float | None:
        f = await self._figures(info, "customers")
        return ratio(f.churned, f.active)

    @_metric("revenue")
    async def revenue(self, info: strawberry.Info[Context, None]) -> Decimal:
        value: Decimal = (await self._figures(info, "revenue")).revenue
        return value

    @_metric("averageLifetimeValue")
    async def average_lifetime_value(self, info: strawberry.Info[Context, None]) -> Decimal | None:
        value: Decimal | None = (await self._figures(info, "lifetime")).average
        return value

    @_metric("lifetimeValueTotal")
    async def lifetime_value_total(self, info: strawberry.Info[Context, None]) -> Decimal:
        value: Decimal = (await self._figures(info, "lifetime")).total
        return value

    @_metric("lifetimeValueCustomers")
    async def lifetime_value_customers(self, info: strawberry.Info[Context, None]) -> int:
        return int((await self._figures(info, "lifetime")).customers)

    @_metric("surveyResponseRate")
    async def survey_response_rate(self, info: strawberry.Info[Context, None]) -> float | None:
        f = await self._figures(info, "invitations")
        return ratio(f.answered, f.sent)

    @_metric("surveyInvitationsSent")
    async def survey_invitations_sent(self, info: strawberry.Info[Context, None]) -> int:
        return int((await self._figures(info, "invitations")).sent)

    @_metric("surveyInvitationsAnswered")
    async def survey_invitations_answered(self, info: strawberry.Info[Context, None]) -> int:
        return int((await self._figures(info, "invitations")).answered)


@strawberry.type(
    description="The metrics of one bucket ∩ [from, to); start/end show the whole bucket."
)
class MetricsBucket:
    start: datetime = strawberry.field(metadata=sql(Expression(figures.BUCKET_SQL["start"])))
    end: datetime = strawberry.field(metadata=sql(Expression(figures.BUCKET_SQL["end"])))
    # Its SQL form is the series' (Series.figures): the figures of the bucket's window.
    metrics: Metrics


@strawberry.type
class FunnelStep:
    stage: JourneyStage = strawberry.field(metadata=sql(Expression(figures.FUNNEL_SQL["stage"])))
    reached: int = strawberry.field(
        description="Distinct customers with a touchpoint in the window at this stage or later.",
        metadata=sql(Expression(figures.FUNNEL_SQL["reached"])),
    )
    conversion: float | None = strawberry.field(
        description="reached / reached of the previous stage; null for the first stage.",
        metadata=sql(Expression(figures.FUNNEL_SQL["conversion"])),
    )


@strawberry.type(description="Proactive CX: 100 minus the rules that fire, floored at 0.")
class CustomerHealth:
    # SQL forms: the columns of Customer.health's one-row item (health_state.health_object_sql).
    score: int = strawberry.field(metadata=sql(Expression(f"{HEALTH}.score")))
    level: HealthLevel = strawberry.field(metadata=sql(Expression(f"{HEALTH}.level")))
    reasons: list[str] = strawberry.field(metadata=sql(Expression(f"{HEALTH}.reasons", json=True)))


def _as_of(arguments: dict[str, Any], _: CompileContext) -> datetime | None:
    found: datetime | None = arguments.get("as_of")
    return found


def _as_of_part(as_of: datetime | None) -> dict[str, tuple[str, Any]]:
    return {} if as_of is None else {"as_of": ("timestamptz", as_of)}


def _health_object(body: str, given: frozenset[str]) -> str:
    as_of = part_marker("as_of") if "as_of" in given else None
    return health_state.health_object_sql(body, as_of)


def _no_sources(_body: str, _given: frozenset[str], _parent: str | None) -> list[str]:
    return []


# `Customer.health(asOf:)`: the health of the customer in scope, at `asOf` or now.
HEALTH_FORM = sql(Aggregates(_as_of, _as_of_part, _no_sources, of_parent=True, rows=_health_object))


@strawberry.type(description="What a metric means, as computed.")
class MetricDefinition:
    name: str
    definition: str


def _scope(arguments: dict[str, Any], _: CompileContext) -> figures.Scope:
    return scope_of(arguments.get("filter"))


def metrics_form(of_parent: bool) -> dict[str, SqlForm]:
    """The SQL form of a `metrics(filter:)` field: of the customer it is on, or of all."""

    return sql(Aggregates(_scope, figures.scope_parts, figures.figures_sources, of_parent))


def _series_scope(arguments: dict[str, Any], context: CompileContext) -> figures.SeriesScope:
    """The scope and buckets `metrics_series` reads, at the request's clock."""
    scope = scope_of(arguments.get("filter"))
    interval = arguments["interval"]
    windows = figures.bucket_windows(interval.value, scope.start, scope.end, context.now)
    return figures.SeriesScope(scope, tuple(windows))


SERIES_FORM = sql(
    Series(
        Aggregates(_series_scope, figures.series_parts, figures.series_sources),
        figures.series_rows,
        figures="metrics",
    )
)
FUNNEL_FORM = sql(
    Aggregates(_scope, figures.scope_parts, figures.figures_sources, rows=figures.funnel_rows)
)


@strawberry.type
class MetricsQueries:
    @strawberry.field(
        description="Metrics over a window and filters.",
        extensions=reads(Area.METRICS),
        metadata=metrics_form(of_parent=False),
    )
    def metrics(self, filter: Scoped = None) -> Metrics:
        return Metrics(scope=scope_of(filter), key=figures.TOTAL)

    @strawberry.field(
        description="The same metrics per DAY, WEEK (ISO, Monday) or MONTH bucket, empty "
        "buckets included. Without `from`, the last 30 days / 12 weeks / 12 months; without "
        f"`to`, now. At most {figures.MAX_BUCKETS} buckets.",
        extensions=reads(Area.METRICS),
        metadata=SERIES_FORM,
    )
    def metrics_series(
        self,
        info: strawberry.Info[Context, None],
        interval: Interval,
        filter: Scoped = None,
    ) -> list[MetricsBucket]:
        scope = scope_of(filter)
        try:
            windows = figures.bucket_windows(
                interval.value, scope.start, scope.end, info.context.now
            )
        except ValueError as error:
            raise InputError("filter", str(error)) from None
        clipped = tuple((start, end) for _, _, start, end in windows)
        return [
            MetricsBucket(
                start=whole_start,
                end=whole_end,
                metrics=Metrics(scope=scope, key=start, buckets=clipped),
            )
            for whole_start, whole_end, start, _ in windows
        ]

    @strawberry.field(
        description="Customers reaching each journey stage in the window.",
        extensions=reads(Area.METRICS),
        metadata=FUNNEL_FORM,
    )
    async def journey_funnel(
        self, info: strawberry.Info[Context, None], filter: Scoped = None
    ) -> list[FunnelStep]:
        steps = await figures.journey_funnel(info.context.sessions, scope_of(filter))
        stages = list(JourneyStage)
        return [
            FunnelStep(stage=stages[s.stage_index], reached=s.reached, conversion=s.conversion)
            for s in steps
        ]

    @strawberry.field(
        description="Every metric's definition, as this server computes it.",
        metadata=sql(
            Known(lambda _: [{"name": n, "definition": d} for n, d in DEFINITIONS.items()])
        ),
    )
    def definitions(self) -> list[MetricDefinition]:
        return [MetricDefinition(name=n, definition=d) for n, d in DEFINITIONS.items()]


def customer_metrics(customer_id: uuid.UUID, filter: MetricsFilter | None) -> Metrics:
    return Metrics(scope=scope_of(filter), key=customer_id)


async def customer_health(
    info: strawberry.Info[Context, None], customer_id: uuid.UUID, as_of: datetime | None
) -> CustomerHealth:
    found = await info.context.loaders.health(as_of or info.context.now).load(customer_id)
    return CustomerHealth(score=found.score, level=HealthLevel(found.level), reasons=found.reasons)
