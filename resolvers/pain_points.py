"""Journey pain points: per (stage, channel), where the journey hurts (docs/domain.md).

One statement over the window's touchpoints (window, segment, channel, team), which adds
them up once: no distinct count, no probe per touchpoint. It reads the journey facts the
database keeps on each touchpoint (models/touchpoints.py, migration 4d7f1b9e3a62):
whether its customer opened a ticket within 7 days after it (0 < createdAt - occurredAt
<= 7 days, any ticket, inside the window or not); when the customer first reached a later
stage (any touchpoint, any channel or team); and when the previous touchpoint (and the
previous ticketed one) of the customer's cell, the same stage and channel, occurred. A
customer is counted on their first touchpoint of the cell inside the window: the one
whose previous touchpoint there came before `from`. With a team filter the cell is split,
and customers are counted distinct. A row's measures therefore do not depend on whether
the channel or team filter selected it beside others. Ratios are divided here from the
counts SQL returned; a zero denominator gives None. Rows are few (stages x channels): they
are ordered here.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FunctionElement
from sqlmodel import col

from models import Channel, Ticket, Touchpoint
from models.enums import STAGE_ORDER, JourneyStage
from resolvers.compiled.sql_text import json_array
from resolvers.compiled.sql_values import literal
from resolvers.filters import literal_sql
from resolvers.journey_facts import CUSTOMER_ID as PENDING_CUSTOMER
from resolvers.metrics import (
    AnyScope,
    Grouping,
    Placeholders,
    Scope,
    _facts,
    part_markers,
    ratio,
    ratio_sql,
    scope_parts,
)
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


def _first_in_window(previous: Any, scope: AnyScope) -> ColumnElement[bool]:
    """No earlier touchpoint of the chain falls inside the window."""
    if scope.start is None:
        return previous.is_(None)  # type: ignore[no-any-return]
    return previous.is_(None) | (previous < scope.start)  # type: ignore[no-any-return]


def _measured(scope: AnyScope, pending: Any | None) -> Any:
    """Per (stage, channel) of the scope's touchpoints, from the kept facts: touchpoints,
    customers, rated, sentiment sum, negative, ticket customers, stalled customers. With
    `pending`, only the customers not in it."""
    customer = col(Touchpoint.customer_id)
    conditions = _scope_conditions(scope)
    if pending is not None:
        conditions.append(customer.not_in(pending))
    _, source, where = _facts(
        scope, Grouping(), Touchpoint, col(Touchpoint.occurred_at), customer, conditions
    )
    ticketed = col(Touchpoint.ticket_within_7_days)
    # The customer reached no later stage before `to` (at any time, without one).
    later = col(Touchpoint.later_stage_at)
    stalled = later.is_(None) if scope.end is None else later.is_(None) | (later >= scope.end)
    count = sa.func.count
    measures: tuple[ColumnElement[int], ColumnElement[int], ColumnElement[int]]
    if scope.team is None:
        # One row per customer and cell in the window: the first there, whose previous
        # touchpoint in the cell (and, for tickets, previous ticketed one) came before it.
        first = _first_in_window(col(Touchpoint.previous_in_cell_at), scope)
        first_ticketed = ticketed & _first_in_window(
            col(Touchpoint.previous_ticketed_in_cell_at), scope
        )
        measures = (
            count().filter(first),
            count().filter(first_ticketed),
            count().filter(first & stalled),
        )
    else:
        # A team's touchpoints are part of a cell: its customers are counted one by one.
        measures = (
            count(sa.distinct(customer)),
            count(sa.distinct(sa.case((ticketed, customer)))),
            count(sa.distinct(sa.case((stalled, customer)))),
        )
    customers, ticket_customers, stalled_customers = measures
    sentiment = col(Touchpoint.sentiment)
    return (
        sa.select(
            col(Touchpoint.stage).label("stage"),
            col(Touchpoint.channel).label("channel"),
            count().label("touchpoints"),
            customers.label("customers"),
            count(sentiment).label("rated"),
            _fixed_point_sum(sentiment).label("sentiment_sum"),
            count().filter(sentiment < 0).label("negative"),
            ticket_customers.label("ticket_customers"),
            stalled_customers.label("stalled_customers"),
        )
        .select_from(source)
        .where(*where)
        .group_by(col(Touchpoint.stage), col(Touchpoint.channel))
    )


def _scope_conditions(scope: AnyScope) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if scope.channel is not None:
        conditions.append(col(Touchpoint.channel) == scope.channel)
    if scope.team is not None:
        conditions.append(col(Touchpoint.team) == scope.team)
    return conditions


def _rank(stage: Any) -> Any:
    # Keyed by the stored text (written as constants in the compiled path's SQL).
    return sa.case({s.value: index for index, s in enumerate(STAGE_ORDER)}, value=stage)


def _computed(scope: AnyScope, pending: Any) -> Any:
    """The same measures computed from the touchpoints and tickets themselves, for the
    customers in `pending` (PostgreSQL): those whose facts wait to be caught up."""
    customer = col(Touchpoint.customer_id)
    conditions = [*_scope_conditions(scope), customer.in_(pending)]
    _, source, where = _facts(
        scope, Grouping(), Touchpoint, col(Touchpoint.occurred_at), customer, conditions
    )
    occurred = col(Touchpoint.occurred_at)
    ticketed = (
        sa.exists()
        .where(col(Ticket.customer_id) == customer)
        .where(col(Ticket.created_at) > occurred)
        .where(col(Ticket.created_at) <= occurred + sa.literal(TICKET_WINDOW))
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
    furthest_of = reached.where(customer.in_(pending)).group_by(customer).subquery("furthest")
    stalled = sa.case((furthest_of.c[1] <= _rank(rows.c.stage), rows.c.customer_id))
    count = sa.func.count
    return (
        sa.select(
            rows.c.stage,
            rows.c.channel,
            count(),
            count(sa.distinct(rows.c.customer_id)),
            count(rows.c.sentiment),
            _fixed_point_sum(rows.c.sentiment),
            count().filter(rows.c.sentiment < 0),
            count(sa.distinct(rows.c.ticketed)),
            count(sa.distinct(stalled)),
        )
        .select_from(rows.join(furthest_of, furthest_of.c.customer_id == rows.c.customer_id))
        .group_by(rows.c.stage, rows.c.channel)
    )


def _statement(scope: AnyScope, postgres: bool) -> Any:
    """SQLite keeps every fact in the writing transaction: the kept facts alone. On
    PostgreSQL a write's customers wait a few seconds for theirs (resolvers/
    journey_facts.py); in the same statement, so in the same snapshot, the customers then
    marked are measured from their touchpoints and tickets, the rest from the facts, and
    the two added up (the customers of a row are disjoint between the two)."""
    if not postgres:
        return _measured(scope, None)
    pending = sa.select(PENDING_CUSTOMER)
    parts = sa.union_all(_measured(scope, pending), _computed(scope, pending)).subquery("parts")
    counts = ("touchpoints", "customers", "rated")
    more = ("negative", "ticket_customers", "stalled_customers")
    return sa.select(
        parts.c.stage,
        parts.c.channel,
        *(sa.func.sum(parts.c[name]) for name in counts),
        # Both parts' sums are exact integers: one division and rounding to float, here.
        sa.cast(sa.func.sum(parts.c.sentiment_sum) / FIXED_POINT, sa.Float()),
        *(sa.func.sum(parts.c[name]) for name in more),
    ).group_by(parts.c.stage, parts.c.channel)


# Sentiments (-1 to 1) are summed in units of 10^-12: each value rounded to that once,
# the sum of integers exact, so the same whatever order or split rows are summed in (a
# float sum is not). As fast as a float sum, where a numeric one cost 90 ms more at
# 485,000 touchpoints (a cast from float to numeric goes through text).
FIXED_POINT = 10**12


class fixed_point(FunctionElement[int]):
    """`value` in units of 1/FIXED_POINT, rounded half to even: PostgreSQL's round() of a
    float (rint), which SQLite's round() (half away from zero) is made to match."""

    type = sa.BigInteger()
    inherit_cache = True


@compiles(fixed_point, "postgresql")
def _fixed_point_pg(element: fixed_point, compiler: Any, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"CAST(round({value} * {float(FIXED_POINT)!r}) AS BIGINT)"


@compiles(fixed_point, "sqlite")
def _fixed_point_sqlite(element: fixed_point, compiler: Any, **kw: Any) -> str:
    scaled = f"({compiler.process(element.clauses, **kw)} * {float(FIXED_POINT)!r})"
    return (
        f"CAST(CASE WHEN {scaled} - CAST({scaled} AS INTEGER) IN (0.5, -0.5) "
        f"THEN 2 * round({scaled} / 2.0) ELSE round({scaled}) END AS INTEGER)"
    )


def _fixed_point_sum(value: Any) -> Any:
    """The exact sum of `value` in units of 1/FIXED_POINT, an integer: on both databases,
    so SQLite answers what PostgreSQL does."""
    return sa.func.sum(fixed_point(value))


async def pain_points(sessions: Sessions, scope: Scope) -> list[PainPoint]:
    async with sessions() as session:  # JIT is off on every connection (api/db.py)
        postgres = session.get_bind().dialect.name == "postgresql"
        found = (await session.execute(_statement(scope, postgres))).all()
    points = []
    for stage, channel, touchpoints, people, rated, total, negative, tickets, kept in found:
        stage = JourneyStage(stage)
        points.append(
            PainPoint(
                stage=stage,
                channel=Channel(channel),
                touchpoints=int(touchpoints),
                customers=int(people),
                sentiment_touchpoints=int(rated),
                # One division, rounded once (PostgreSQL divides in its statement).
                sentiment_sum=float(total or 0.0)
                if postgres
                else float(Fraction(int(total or 0), FIXED_POINT)),
                negative_touchpoints=int(negative),
                ticket_customers=int(tickets),
                stalled_customers=None if stage == LAST_STAGE else int(kept),
            )
        )
    return points


# ---------------------------------------------------------------- the compiled read path
# `journeyPainPoints` in a compiled statement: the rows of `_statement` (PostgreSQL, its
# scope's given parts as markers) named PAIN_POINT, each field as PainPoint computes it.
PAIN_POINT = "pain_point"
_COLUMNS = (
    "stage",
    "channel",
    "touchpoints",
    "customers",
    "rated",
    "sentiment_sum",
    "negative",
    "ticket_customers",
    "stalled_customers",
)


def _column(name: str) -> str:
    return f"{PAIN_POINT}.{name}"


def _count(name: str) -> str:
    return f"({_column(name)})::bigint"  # a sum of counts is numeric in PostgreSQL


_LAST = f"{_column('stage')} = {literal(LAST_STAGE.value)}"
_SENTIMENT_SUM = f"coalesce({_column('sentiment_sum')}, 0)::float8"
_STALLED_CUSTOMERS = f"(CASE WHEN {_LAST} THEN NULL ELSE {_count('stalled_customers')} END)"
# The SQL of each PainPoint field (GraphQL names), read from a PAIN_POINT row.
PAIN_POINT_SQL: dict[str, str] = {
    "stage": _column("stage"),
    "channel": _column("channel"),
    "touchpoints": _count("touchpoints"),
    "customers": _count("customers"),
    "sentiment": ratio_sql(_SENTIMENT_SUM, _count("rated")),
    "sentimentTouchpoints": _count("rated"),
    "sentimentSum": _SENTIMENT_SUM,
    "negativeShare": ratio_sql(_count("negative"), _count("rated")),
    "negativeTouchpoints": _count("negative"),
    "ticketRate": ratio_sql(_count("ticket_customers"), _count("customers")),
    "ticketCustomers": _count("ticket_customers"),
    "stalled": f"(CASE WHEN {_LAST} THEN NULL "
    f"ELSE {ratio_sql(_count('stalled_customers'), _count('customers'))} END)",
    "stalledCustomers": _STALLED_CUSTOMERS,
}
# What each PainPointOrderField sorts by, as MEASURES does.
MEASURES_SQL: dict[str, str] = {
    "TOUCHPOINTS": PAIN_POINT_SQL["touchpoints"],
    "CUSTOMERS": PAIN_POINT_SQL["customers"],
    "SENTIMENT": PAIN_POINT_SQL["sentiment"],
    "NEGATIVE_SHARE": PAIN_POINT_SQL["negativeShare"],
    "TICKET_RATE": PAIN_POINT_SQL["ticketRate"],
    "STALLED": PAIN_POINT_SQL["stalled"],
}


def _order_part(field: str | None, descending: bool) -> str:
    """The name of the scope part that stands for an order (`ordered`'s arguments)."""
    return f"order {field or 'default'} {'DESC' if descending else 'ASC'}"


# Every order's part: what `pain_point_rows` reads the order from.
_ORDER_PARTS: dict[str, tuple[str | None, bool]] = {
    _order_part(field, descending): (field, descending)
    for field in (None, *MEASURES_SQL)
    for descending in (False, True)
}


def _position(value: str, order: Sequence[str]) -> str:
    names = ", ".join(literal(name) for name in order)
    return f"array_position(ARRAY[{names}]::text[], ({value})::text)"


def order_sql(field: str | None, descending: bool) -> str:
    """`ordered` in SQL: by the measure, nulls last either way, ties by stage order, then
    channel order."""
    tie = (
        f"{_position(_column('stage'), [s.value for s in STAGE_ORDER])}, "
        f"{_position(_column('channel'), [c.value for c in CHANNEL_ORDER])}"
    )
    if field is None:
        return tie
    value = MEASURES_SQL[field]
    return f"({value}) IS NULL, {value} {'DESC' if descending else 'ASC'}, {tie}"


@dataclass(frozen=True)
class OrderedScope:
    """What `journeyPainPoints(filter:, orderBy:)` asks: the scope, and the order."""

    scope: Scope
    field: str | None
    descending: bool


def ordered_scope_parts(asked: OrderedScope) -> dict[str, tuple[str, Any]]:
    """The scope's parts (metrics.scope_parts) and the order as a part of its own: it
    binds nothing, but two orders are two statements."""
    order = _order_part(asked.field, asked.descending)
    return {**scope_parts(asked.scope), order: ("text", None)}


def no_sources(body: str, given: frozenset[str], parent: str | None) -> list[str]:
    """The pain points read no one-row FROM items: their rows are `pain_point_rows`'."""
    return []


def pain_point_rows(point: str, given: frozenset[str]) -> str:
    """The JSON array of `point` (one row's object, reading PAIN_POINT_SQL) over the rows
    of `_statement` for the `given` parts of the scope, in the order they name."""
    statement = literal_sql(_statement(Placeholders(**part_markers(given)), postgres=True))
    rows = f"({statement}) AS {PAIN_POINT}({', '.join(_COLUMNS)})"
    ((field, descending),) = (_ORDER_PARTS[name] for name in given if name in _ORDER_PARTS)
    return json_array(point, rows, order_sql(field, descending))
