"""Journey pain points: per (stage, channel), where the journey hurts (docs/domain.md).

One statement. The scope's touchpoints (window, segment, channel, team) make the rows;
each touchpoint is marked when its customer opened a ticket within 7 days after it
(0 < createdAt - occurredAt <= 7 days, any ticket, inside the window or not), and each
customer carries the furthest stage they reached before `to` (any touchpoint, any
channel or team). A row's measures therefore do not depend on whether the channel or
team filter selected it beside others. Ratios are divided here from the counts SQL
returned; a zero denominator gives None. Rows are few (stages x channels): they are
ordered here.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FunctionElement
from sqlmodel import col

from models import Channel, Ticket, Touchpoint
from models.enums import STAGE_ORDER, JourneyStage
from resolvers.metrics import Grouping, Scope, _facts, _in_segment, ratio, seconds_between
from resolvers.pagination import Sessions

TICKET_WINDOW = timedelta(days=7)
LAST_STAGE = STAGE_ORDER[-1]
CHANNEL_ORDER: tuple[Channel, ...] = tuple(Channel)


@dataclass(frozen=True)
class PainPoint:
    stage: JourneyStage
    channel: Channel
    touchpoints: int
    customers: int
    sentiment_touchpoints: int
    sentiment_sum: float
    negative_touchpoints: int
    ticket_customers: int
    stalled_customers: int | None  # None for the last stage

    @property
    def sentiment(self) -> float | None:
        return ratio(self.sentiment_sum, self.sentiment_touchpoints)

    @property
    def negative_share(self) -> float | None:
        return ratio(self.negative_touchpoints, self.sentiment_touchpoints)

    @property
    def ticket_rate(self) -> float | None:
        return ratio(self.ticket_customers, self.customers)

    @property
    def stalled(self) -> float | None:
        if self.stalled_customers is None:
            return None
        return ratio(self.stalled_customers, self.customers)


# What each PainPointOrderField sorts by.
MEASURES: dict[str, Callable[[PainPoint], float | int | None]] = {
    "TOUCHPOINTS": lambda p: p.touchpoints,
    "CUSTOMERS": lambda p: p.customers,
    "SENTIMENT": lambda p: p.sentiment,
    "NEGATIVE_SHARE": lambda p: p.negative_share,
    "TICKET_RATE": lambda p: p.ticket_rate,
    "STALLED": lambda p: p.stalled,
}


def ordered(points: list[PainPoint], field: str | None, descending: bool) -> list[PainPoint]:
    """By the measure (nulls last either way), ties by stage order, then channel order."""

    def key(point: PainPoint) -> tuple[Any, ...]:
        tie = (STAGE_ORDER.index(point.stage), CHANNEL_ORDER.index(point.channel))
        if field is None:
            return tie
        value = MEASURES[field](point)
        if value is None:
            return (1, 0.0, *tie)
        return (0, -value if descending else value, *tie)

    return sorted(points, key=key)


class within_window(FunctionElement[bool]):
    """`later - moment <= TICKET_WINDOW` (both timestamps).

    On PostgreSQL `later <= moment + interval '7 days'`: a range bound the ticket index
    (customer_id, created_at) scans, so the probe stops at the window's end; on SQLite
    the exact seconds between the two (their stored text has no interval arithmetic).
    """

    type = sa.Boolean()
    inherit_cache = True


@compiles(within_window, "postgresql")
def _within_pg(element: within_window, compiler: Any, **kw: Any) -> str:
    moment, later = (compiler.process(c, **kw) for c in element.clauses)
    seconds = int(TICKET_WINDOW.total_seconds())
    return f"{later} <= {moment} + INTERVAL '{seconds} seconds'"


@compiles(within_window, "sqlite")
def _within_sqlite(element: within_window, compiler: Any, **kw: Any) -> str:
    moment, later = element.clauses
    bound = seconds_between(moment, later) <= TICKET_WINDOW.total_seconds()
    return str(compiler.process(bound, **kw))


# JIT compiling this statement costs more than running it (seconds on a busy machine for
# a plan whose estimated cost passes jit_above_cost): off for this transaction only.
NO_JIT = sa.text("SET LOCAL jit = off")


def _rank(stage: Any) -> Any:
    return sa.case({s: index for index, s in enumerate(STAGE_ORDER)}, value=stage)


async def pain_points(sessions: Sessions, scope: Scope) -> list[PainPoint]:
    customer = col(Touchpoint.customer_id)
    conditions: list[ColumnElement[bool]] = []
    if scope.channel is not None:
        conditions.append(col(Touchpoint.channel) == scope.channel)
    if scope.team is not None:
        conditions.append(col(Touchpoint.team) == scope.team)
    _, source, where = _facts(
        scope, Grouping(), Touchpoint, col(Touchpoint.occurred_at), customer, conditions
    )
    occurred = col(Touchpoint.occurred_at)
    ticketed = (
        sa.exists()
        .where(col(Ticket.customer_id) == customer)
        .where(col(Ticket.created_at) > occurred)
        .where(within_window(occurred, col(Ticket.created_at)))
    )
    rows = (
        sa.select(
            col(Touchpoint.stage).label("stage"),
            col(Touchpoint.channel).label("channel"),
            customer.label("customer_id"),
            col(Touchpoint.sentiment).label("sentiment"),
            sa.case((ticketed, customer)).label("ticketed"),
        )
        .select_from(source)
        .where(*where)
        .subquery("scoped")
    )
    # The furthest stage each customer reached before `to`, over all their touchpoints.
    reached = sa.select(customer.label("customer_id"), sa.func.max(_rank(col(Touchpoint.stage))))
    if scope.end is not None:
        reached = reached.where(occurred < scope.end)
    furthest_of = (
        reached.where(*_in_segment(customer, scope.segment)).group_by(customer).subquery("furthest")
    )
    furthest = furthest_of.c[1]
    stalled = sa.case((furthest <= _rank(rows.c.stage), rows.c.customer_id))
    statement = (
        sa.select(
            rows.c.stage,
            rows.c.channel,
            sa.func.count(),
            sa.func.count(sa.distinct(rows.c.customer_id)),
            sa.func.count(rows.c.sentiment),
            sa.func.sum(rows.c.sentiment),
            sa.func.count().filter(rows.c.sentiment < 0),
            sa.func.count(sa.distinct(rows.c.ticketed)),
            sa.func.count(sa.distinct(stalled)),
        )
        .select_from(rows.join(furthest_of, furthest_of.c.customer_id == rows.c.customer_id))
        .group_by(rows.c.stage, rows.c.channel)
    )
    async with sessions() as session:
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(NO_JIT)
        found = (await session.execute(statement)).all()
    points = []
    for stage, channel, touchpoints, customers, rated, total, negative, tickets, kept in found:
        stage = JourneyStage(stage)
        points.append(
            PainPoint(
                stage=stage,
                channel=Channel(channel),
                touchpoints=int(touchpoints),
                customers=int(customers),
                sentiment_touchpoints=int(rated),
                sentiment_sum=float(total or 0.0),
                negative_touchpoints=int(negative),
                ticket_customers=int(tickets),
                stalled_customers=None if stage == LAST_STAGE else int(kept),
            )
        )
    return points
