"""CX metrics computed in SQL, exactly as docs/domain.md defines them.

Every metric group is one aggregate statement, split by a `Grouping`: one total, one
row per customer (so `Customer.metrics` for a page of customers is one statement per
group), or one row per time bucket (series: a small table of bucket windows, already
clipped to [from, to), joined by range and grouped). Ratios are divided here from the
counts SQL returned; a zero denominator gives None.

Median and p90 are continuous percentiles with linear interpolation: PostgreSQL's
`percentile_cont`. SQLite has no such aggregate; there the same interpolation runs
over `row_number()` windows in SQL (the stated fallback), with the same float steps.
Durations on SQLite are exact to the microsecond, as on PostgreSQL (integer microseconds).
"""

import re
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from enum import Enum
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.elements import Grouping as Parenthesized
from sqlalchemy.sql.expression import FunctionElement
from sqlmodel import col

from models import (
    Channel,
    Customer,
    SurveyInvitation,
    SurveyKind,
    SurveyResponse,
    Team,
    Ticket,
    Touchpoint,
)
from models.enums import FINISHED_STATUSES, STAGE_ORDER
from models.tickets import FLOAT_EPOCH_EXACT_BELOW, seconds_between_sql
from models.touchpoints import PURCHASE_KIND
from models.types import MONEY_QUANTUM, Money, UTCDateTime, utc_now
from resolvers import duration_ranks, sla
from resolvers.compiled.forms import part_marker
from resolvers.compiled.sql_text import json_array
from resolvers.compiled.sql_values import literal, money_json
from resolvers.filters import literal_sql
from resolvers.pagination import Sessions

TOTAL = "total"  # the key of an ungrouped result
MAX_BUCKETS = 400  # SQLite allows 500 selects in one UNION; a year of days fits


@dataclass(frozen=True)
class Scope:
    """The window [start, end) (either end open) and the filters of a MetricsFilter."""

    start: datetime | None = None
    end: datetime | None = None
    segment: str | None = None
    channel: Channel | None = None
    team: Team | None = None
    # The request's clock, for figures that depend on it (SLA targets decided by now).
    now: datetime | None = None


@dataclass(frozen=True)
class Placeholders:
    """A `Scope` in a compiled statement: each given part as its marker
    (forms.part_marker), which the compiler binds to the request's value; the clock is
    the request's (forms.NOW)."""

    start: ColumnElement[datetime] | None = None
    end: ColumnElement[datetime] | None = None
    segment: ColumnElement[str] | None = None
    channel: ColumnElement[str] | None = None
    team: ColumnElement[str] | None = None
    now: ColumnElement[datetime] | None = sla.NOW_SQL


# What the statements of a group read: a scope's values, or a compiled statement's markers.
AnyScope = Scope | Placeholders
# The parts of a scope a compiled statement binds: their SQL and SQLAlchemy types.
PARTS: dict[str, tuple[str, Any]] = {
    "start": ("timestamptz", UTCDateTime()),
    "end": ("timestamptz", UTCDateTime()),
    "segment": ("text", sa.String()),
    "channel": ("text", sa.String()),
    "team": ("text", sa.String()),
}


def scope_parts(scope: Scope) -> dict[str, tuple[str, Any]]:
    """The parts a scope gives, by name: (SQL type, bind value), for a compiled statement."""
    found: dict[str, tuple[str, Any]] = {}
    for name, (sql_type, _) in PARTS.items():
        value = getattr(scope, name)
        if value is not None:
            found[name] = (sql_type, value.value if isinstance(value, Enum) else value)
    return found


@dataclass(frozen=True)
class Grouping:
    """One total (all None), one row per customer, or one row per bucket window; or, in a
    compiled statement, one row of the customer whose id is the SQL text `parent`."""

    customers: tuple[uuid.UUID, ...] | None = None
    buckets: tuple[tuple[datetime, datetime], ...] | None = None
    parent: str | None = None

    @property
    def keyed(self) -> bool:
        """Whether the statement has a row per key (else one row, even over no records)."""
        return self.customers is not None or self.buckets is not None

    def group_keys(self) -> list[Any]:
        if self.customers is not None:
            return list(self.customers)
        if self.buckets is not None:
            return [start for start, _ in self.buckets]
        return [TOTAL]


DEFAULT_BUCKETS = {"DAY": 30, "WEEK": 12, "MONTH": 12}


def _bucket_start(interval: str, moment: datetime) -> datetime:
    day = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if interval == "WEEK":
        return day - timedelta(days=day.weekday())  # ISO weeks start on Monday
    if interval == "MONTH":
        return day.replace(day=1)
    return day


def _next_bucket(interval: str, start: datetime) -> datetime:
    if interval == "MONTH":
        return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return start + timedelta(days=7 if interval == "WEEK" else 1)


def bucket_windows(
    interval: str, start: datetime | None, end: datetime | None, now: datetime
) -> list[tuple[datetime, datetime, datetime, datetime]]:
    """(bucket start, bucket end, window start, window end) per calendar bucket.

    The window is the bucket clipped to [start, end); without `end` the series ends now,
    without `start` it covers the last 30 days, 12 weeks or 12 months.
    """
    end = end or now
    if start is None:
        start = _bucket_start(interval, end - timedelta(microseconds=1))
        for _ in range(DEFAULT_BUCKETS[interval] - 1):
            start = _bucket_start(interval, start - timedelta(days=1))
    if start >= end:
        raise ValueError("`filter.from` must be before `filter.to` (or now).")
    windows = []
    bucket = _bucket_start(interval, start)
    while bucket < end:
        following = _next_bucket(interval, bucket)
        windows.append((bucket, following, max(bucket, start), min(following, end)))
        if len(windows) > MAX_BUCKETS:
            raise ValueError(
                f"the series would have more than {MAX_BUCKETS} buckets; "
                "narrow `filter.from`/`filter.to` or use a larger interval."
            )
        bucket = following
    return windows


# ---------------------------------------------------------------- dialect-specific SQL


class seconds_between(FunctionElement[float]):
    """Seconds from `start` to `end`, as a float."""

    type = sa.Float()
    inherit_cache = True


@compiles(seconds_between, "postgresql")
def _seconds_pg(element: seconds_between, compiler: Any, **kw: Any) -> str:
    """Exact microseconds, one division: the float nearest the exact seconds, as SQLite's
    form and as `CAST(EXTRACT(EPOCH FROM interval) AS float8)` give it.

    EXTRACT returns numeric, whose cast to float8 goes through text: about a third of the
    cost of sorting a year's ticket durations for their percentiles (1M-row bench). So
    the whole microseconds are read from date_part's float instead: its error is at most
    about 1.5 units in the last place (the time part divided by 1e6, then the days
    added), under 0.25 microseconds below FLOAT_EPOCH_EXACT_BELOW seconds once scaled,
    so rounding recovers them, and the division by 1e6 rounds once, correctly. Longer
    intervals take the numeric path. The text is models.tickets.seconds_between_sql, on
    which the durations' indexes are built. Each operand's SQL appears several times:
    give columns, never bound values.
    """
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return seconds_between_sql(start, end)


def _microseconds_sqlite(moment: str) -> str:
    """Whole microseconds since the epoch of a stored SQLite timestamp, exactly.

    SQLite keeps `YYYY-MM-DD HH:MM:SS.ffffff`; its date functions go through julianday
    and round to milliseconds, so only the whole seconds are left to them and the
    fraction is read as digits (padded: `.5` is 500000 microseconds).
    """
    seconds = f"CAST(strftime('%s', substr({moment}, 1, 19)) AS INTEGER)"
    fraction = f"CAST(substr({moment} || '000000', 21, 6) AS INTEGER)"
    return f"({seconds} * 1000000 + {fraction})"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    """Exact to the microsecond, like PostgreSQL: integer microseconds, one division.

    Each operand's SQL appears twice: give columns, never bound values.
    """
    start, end = (_microseconds_sqlite(compiler.process(c, **kw)) for c in element.clauses)
    return f"(({end} - {start}) / 1000000.0)"


class microseconds_between(FunctionElement[int]):
    """Whole microseconds from `start` to `end` on SQLite (an integer, exactly): summed
    for a mean that does not depend on the order rows are summed in, as
    `exact_seconds_between` on PostgreSQL."""

    type = sa.BigInteger()
    inherit_cache = True


@compiles(microseconds_between, "sqlite")
def _microseconds_between_sqlite(element: microseconds_between, compiler: Any, **kw: Any) -> str:
    start, end = (_microseconds_sqlite(compiler.process(c, **kw)) for c in element.clauses)
    return f"({end} - {start})"


class exact_seconds_between(FunctionElement[Decimal]):
    """Seconds from `start` to `end`, exactly (PostgreSQL's numeric): a mean over them
    does not depend on the order rows are summed in, so every statement that computes
    it (per bucket, per window) gives the same float."""

    type = sa.Numeric()
    inherit_cache = True


@compiles(exact_seconds_between, "postgresql")
def _exact_seconds_pg(element: exact_seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    return f"EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - {compiler.process(start, **kw)}))"


class later_of(FunctionElement[datetime]):
    """The later of two timestamps."""

    type = UTCDateTime()
    inherit_cache = True


@compiles(later_of, "postgresql")
def _later_pg(element: later_of, compiler: Any, **kw: Any) -> str:
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


@compiles(later_of, "sqlite")
def _later_sqlite(element: later_of, compiler: Any, **kw: Any) -> str:
    return f"MAX({compiler.process(element.clauses, **kw)})"


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class Durations:
    count: int = 0
    mean: float | None = None
    median: float | None = None
    p90: float | None = None


@dataclass(frozen=True)
class SurveyFigures:
    nps_responses: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    csat_responses: int = 0
    csat_satisfied: int = 0
    ces_responses: int = 0
    ces_score_sum: int = 0


@dataclass(frozen=True)
class TicketFigures:
    volume: int = 0
    resolved: int = 0
    first_contact_resolved: int = 0
    first_response: Durations = field(default_factory=Durations)
    resolution: Durations = field(default_factory=Durations)


@dataclass(frozen=True)
class CustomerFigures:
    active: int = 0
    churned: int = 0


@dataclass(frozen=True)
class RevenueFigures:
    revenue: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class LifetimeFigures:
    customers: int = 0
    total: Decimal = Decimal("0.00")

    @property
    def average(self) -> Decimal | None:
        if self.customers == 0:
            return None
        return (self.total / self.customers).quantize(MONEY_QUANTUM, ROUND_HALF_EVEN)


def ratio(numerator: float, denominator: float, scale: float = 1.0) -> float | None:
    return None if denominator == 0 else scale * numerator / denominator


# ---------------------------------------------------------------- shared statement parts


def _buckets(grouping: Grouping) -> Any:
    assert grouping.buckets
    rows = [
        sa.select(
            sa.literal(start, UTCDateTime).label("bucket_start"),
            sa.literal(end, UTCDateTime).label("bucket_end"),
        )
        for start, end in grouping.buckets
    ]
    return (sa.union_all(*rows) if len(rows) > 1 else rows[0]).subquery("bucket")


def _in_segment(customer_id: Any, segment: Any) -> list[ColumnElement[bool]]:
    if segment is None:
        return []
    return [customer_id.in_(sa.select(col(Customer.id)).where(col(Customer.segment) == segment))]


def _facts(
    scope: AnyScope,
    grouping: Grouping,
    table: Any,
    moment: Any,
    customer_id: Any,
    where: Sequence[ColumnElement[bool]],
) -> tuple[Any, Any, list[ColumnElement[bool]]]:
    """(group key, FROM clause, conditions) for rows of `table` timed by `moment`."""
    conditions = [*where, *_in_segment(customer_id, scope.segment)]
    if grouping.buckets is not None:
        bucket = _buckets(grouping)
        joined = bucket.join(
            table, (moment >= bucket.c.bucket_start) & (moment < bucket.c.bucket_end)
        )
        return bucket.c.bucket_start, joined, conditions
    if scope.start is not None:
        conditions.append(moment >= scope.start)
    if scope.end is not None:
        conditions.append(moment < scope.end)
    if grouping.customers is not None:
        conditions.append(customer_id.in_(grouping.customers))
        return customer_id, table, conditions
    if grouping.parent is not None:
        conditions.append(customer_id == sa.literal_column(grouping.parent))
    return sa.literal(0), table, conditions


def _grouped(statement: Select[Any], key: Any, grouping: Grouping) -> Select[Any]:
    return statement.group_by(key) if grouping.keyed else statement


def _named(figures: type, columns: Sequence[Any]) -> list[Any]:
    """The figure columns labelled with the fields of their dataclass, in its order."""
    return [c.label(f.name) for c, f in zip(columns, fields(figures), strict=True)]


def _aggregate(
    figures: type,
    key: Any,
    source: Any,
    where: Sequence[Any],
    columns: Sequence[Any],
    grouping: Grouping,
) -> Select[Any]:
    """`figures`' columns over the rows of `source` matching `where`, per key of `grouping`."""
    statement = sa.select(key, *_named(figures, columns)).select_from(source).where(*where)
    return _grouped(statement, key, grouping)


async def _rows(sessions: Sessions, statement: Any) -> dict[Any, Any]:
    async with sessions() as session:
        return {row[0]: row for row in (await session.execute(statement)).all()}


def _per_key(grouping: Grouping, found: dict[Any, Any], build: Any, empty: Any) -> list[Any]:
    if grouping.customers is None and grouping.buckets is None:
        row = found.get(0)
        return [build(row) if row is not None else empty]
    return [build(found[k]) if k in found else empty for k in grouping.group_keys()]


# ---------------------------------------------------------------- survey scores


def _survey_statement(scope: AnyScope, grouping: Grouping) -> Select[Any]:
    """NPS, CSAT and CES counts; survey responses carry neither channel nor team."""
    kind, score = col(SurveyResponse.survey_kind), col(SurveyResponse.score)
    key, source, where = _facts(
        scope,
        grouping,
        SurveyResponse,
        col(SurveyResponse.responded_at),
        col(SurveyResponse.customer_id),
        [],
    )
    nps, csat, ces = kind == SurveyKind.NPS, kind == SurveyKind.CSAT, kind == SurveyKind.CES
    count = sa.func.count
    figures = [
        count().filter(nps),
        count().filter(nps & (score >= 9)),
        count().filter(nps & (score >= 7) & (score <= 8)),
        count().filter(nps & (score <= 6)),
        count().filter(csat),
        count().filter(csat & (score >= 4)),
        count().filter(ces),
        sa.func.coalesce(sa.func.sum(score).filter(ces), 0),
    ]
    return _aggregate(SurveyFigures, key, source, where, figures, grouping)


async def survey_figures(
    sessions: Sessions, scope: Scope, grouping: Grouping
) -> list[SurveyFigures]:
    found = await _rows(sessions, _survey_statement(scope, grouping))
    return _per_key(grouping, found, lambda row: SurveyFigures(*map(int, row[1:])), SurveyFigures())


# ---------------------------------------------------------------- tickets


SHARES = (0.5, 0.9)  # median and p90


def _percentiles_pg(value: Any) -> tuple[Any, Any]:
    """Median and p90 from one sort: percentile_cont over an array of fractions."""
    fractions = postgresql.array(list(SHARES), type_=sa.Float)
    aggregate = sa.func.percentile_cont(fractions).within_group(value)
    # Parenthesized, so it can be subscripted; PostgreSQL computes the identical call once.
    both = sa.type_coerce(Parenthesized(aggregate), postgresql.ARRAY(sa.Float))
    return both[1], both[2]


def _percentile_sqlite(share: float, value: Any, rank: Any, total: Any) -> Any:
    """Linear interpolation between the closest ranks, as percentile_cont computes it."""
    position = (total - 1) * share
    lower = sa.cast(position, sa.Integer)
    upper = lower + sa.case((position > lower, 1), else_=0)
    low = sa.func.max(sa.case((rank == lower + 1, value)))
    high = sa.func.max(sa.case((rank == upper + 1, value)))
    return low + sa.func.max(position - lower) * (high - low)


DURATION_FIGURES = ("count", "mean", "median", "p90")


def _exact_parts_pg(start: Any, end: Any) -> tuple[ColumnElement[int], ColumnElement[Decimal]]:
    """A duration's exact value in two parts, one of them NULL: the whole microseconds
    (bigint) below FLOAT_EPOCH_EXACT_BELOW seconds, where date_part's float rounds back
    to them (see `seconds_between`), else the seconds as numeric (EXTRACT: scale 6)."""
    seconds = sa.func.date_part(sa.literal_column("'epoch'"), end - start)
    within = sa.func.abs(seconds) < sa.literal_column(f"{FLOAT_EPOCH_EXACT_BELOW:.0f}")
    micros = sa.cast(sa.func.round(seconds * sa.literal_column("1000000")), sa.BigInteger)
    return sa.case((within, micros)), sa.case((~within, exact_seconds_between(start, end)))


def _exact_mean_pg(rows: Any, name: str, count: Any) -> ColumnElement[float]:
    """The exact mean of the durations `name`, rounded once to float: the same float as
    `CAST(avg(EXTRACT(EPOCH FROM interval)) AS float8)`, which divides the exact sum
    (numeric of scale 6) by the count, but summed as bigint microseconds (about a third
    of the cost at 250,000 tickets). The sum is rebuilt as the same numeric, value and
    scale (bigint sum x 0.000001 has scale 6), so the division rounds alike."""
    # Either part may be NULL (every duration of the group on the other side of 1e9 s):
    # 0 in its place keeps the sum's scale 6 (0 x 0.000001 has scale 6).
    micros = sa.func.coalesce(sa.func.sum(rows.c[f"{name}_micros"]), sa.literal_column("0"))
    whole = sa.cast(micros, sa.Numeric) * sa.literal_column("0.000001")
    longer = sa.func.coalesce(sa.func.sum(rows.c[f"{name}_longer"]), sa.literal_column("0"))
    return sa.cast((whole + longer) / sa.func.nullif(count, 0), sa.Float)


DURATIONS = ("response", "resolution")


def _ticket_statement(
    scope: AnyScope, grouping: Grouping, postgres: bool, durations: Sequence[str] = DURATIONS
) -> Select[Any]:
    """Volume, resolution and FCR counts, and the time statistics of `durations` (each
    a sort of the window's tickets for its percentiles; the compiled path asks only for
    those its selection reads)."""
    conditions = [col(Ticket.channel) == scope.channel] if scope.channel is not None else []
    key, source, where = _facts(
        scope, grouping, Ticket, col(Ticket.created_at), col(Ticket.customer_id), conditions
    )
    finished = col(Ticket.status).in_(FINISHED_STATUSES)
    response = seconds_between(col(Ticket.created_at), col(Ticket.first_response_at))
    resolution = seconds_between(col(Ticket.created_at), col(Ticket.resolved_at))
    first_contact = finished & (col(Ticket.contact_count) == 1) & (col(Ticket.reopen_count) == 0)
    columns: list[Any] = [
        key.label("group_key"),
        sa.case((finished, 1), else_=0).label("finished"),
        sa.case((first_contact, 1), else_=0).label("first_contact"),
        response.label("response"),
        resolution.label("resolution"),
    ]
    if postgres:
        for name, moment in (
            ("response", Ticket.first_response_at),
            ("resolution", Ticket.resolved_at),
        ):
            if name not in durations:
                continue
            micros, longer = _exact_parts_pg(col(Ticket.created_at), col(moment))
            columns.append(col(moment).label(f"{name}_at"))
            columns.append(micros.label(f"{name}_micros"))
            columns.append(longer.label(f"{name}_longer"))
    else:
        for name, moment in (
            ("response", Ticket.first_response_at),
            ("resolution", Ticket.resolved_at),
        ):
            micros = microseconds_between(col(Ticket.created_at), col(moment))
            columns.append(micros.label(f"{name}_exact"))
        for name, value in (("response", response), ("resolution", resolution)):
            present = value.is_not(None)
            columns.append(
                sa.func.row_number()
                .over(partition_by=[key, present], order_by=value)
                .label(f"{name}_rank")
            )
            columns.append(sa.func.count(value).over(partition_by=key).label(f"{name}_total"))
    rows = sa.select(*columns).select_from(source).where(*where).subquery("ticket_rows")
    # One total over a window of every ticket: percentiles walked off the durations'
    # indexes where the window is wide (resolvers/duration_ranks.py).
    walk = postgres and not grouping.keyed and grouping.parent is None
    walk = walk and scope.segment is None and scope.channel is None

    def stats(name: str) -> list[Any]:
        value = rows.c[name]
        # On PostgreSQL a duration is there where its time is (createdAt always is):
        # counting the times spares computing each float the percentiles may not need.
        count = sa.func.count(rows.c[f"{name}_at"] if postgres else value)
        mean: Any
        if postgres:
            mean = _exact_mean_pg(rows, name, count)
            if walk:  # the percentiles come after the aggregate
                return [count.label(f"{name}_count"), mean.label(f"{name}_mean")]
            median, p90 = _percentiles_pg(value)
        else:
            rank, total = rows.c[f"{name}_rank"], rows.c[f"{name}_total"]
            median, p90 = (_percentile_sqlite(share, value, rank, total) for share in SHARES)
            # The exact sum of whole microseconds: `ticket_figures` divides it once.
            mean = sa.func.sum(rows.c[f"{name}_exact"])
        figures = [count, mean, median, p90]
        return [c.label(f"{name}_{f}") for c, f in zip(figures, DURATION_FIGURES, strict=True)]

    counts = ("volume", "resolved", "first_contact_resolved")
    statement = sa.select(
        (rows.c.group_key if grouping.keyed else sa.literal(0)).label("group_key"),
        sa.func.count().label(counts[0]),
        sa.func.coalesce(sa.func.sum(rows.c.finished), 0).label(counts[1]),
        sa.func.coalesce(sa.func.sum(rows.c.first_contact), 0).label(counts[2]),
        *(figure for name in durations for figure in stats(name)),
    )
    if not walk:
        return _grouped(statement, rows.c.group_key, grouping)
    # The aggregate (plain aggregates: PostgreSQL may run it in parallel), then the
    # durations at the percentiles' ranks after it, fenced (OFFSET 0) so that each is
    # walked once however often the percentiles read it.
    figures = statement.subquery("ticket_figures")
    ranked = (
        sa.select(
            figures,
            *(
                column
                for name in durations
                for column in duration_ranks.rank_columns(
                    name,
                    figures.c[f"{name}_count"],
                    SHARES,
                    scope.start,
                    scope.end,
                    seconds_between,
                )
            ),
        )
        .offset(0)
        .subquery("ticket_ranks")
    )
    return sa.select(
        ranked.c.group_key,
        *(ranked.c[name] for name in counts),
        *(
            column
            for name in durations
            for column in (
                ranked.c[f"{name}_count"],
                ranked.c[f"{name}_mean"],
                *(
                    duration_ranks.percentile(ranked, name, SHARES, i).label(f"{name}_{f}")
                    for i, f in enumerate(DURATION_FIGURES[2:])  # median, p90: SHARES
                ),
            )
        ),
    )


async def ticket_figures(
    sessions: Sessions, scope: Scope, grouping: Grouping
) -> list[TicketFigures]:
    postgres = sessions.kw["bind"].dialect.name == "postgresql"
    found = await _rows(sessions, _ticket_statement(scope, grouping, postgres))

    def durations(values: Sequence[Any]) -> Durations:
        count, mean, median, p90 = values
        if not postgres and mean is not None:  # SQLite's exact sum of microseconds
            mean = Fraction(int(mean), int(count) * 1_000_000)
        floats = [None if v is None else float(v) for v in (mean, median, p90)]
        return Durations(int(count), *floats)

    def build(row: Any) -> TicketFigures:
        return TicketFigures(
            int(row[1]),
            int(row[2]),
            int(row[3]),
            durations(row[4:8]),
            durations(row[8:12]),
        )

    return _per_key(grouping, found, build, TicketFigures())


# ---------------------------------------------------------------- customers


def _people(grouping: Grouping) -> Any:
    """The customer table; in a compiled statement under a customer (`parent`, whose
    scope is named `customer`) under another name."""
    table = sa.inspect(Customer).local_table
    return table.alias("metric_customer") if grouping.parent is not None else table


def _moment(value: datetime | ColumnElement[datetime] | None) -> Any:
    if value is None or isinstance(value, ColumnElement):
        return value
    return sa.literal(value, UTCDateTime)


def _customer_base(
    scope: AnyScope, grouping: Grouping, people: Any
) -> tuple[Any, Any, Any, Any, list[Any]]:
    """(key, FROM, window start, window end, conditions) for counting customers (`people`)."""
    conditions: list[Any] = [people.c.merged_into_id.is_(None)]
    if scope.segment is not None:
        conditions.append(people.c.segment == scope.segment)
    if grouping.buckets is not None:
        bucket = _buckets(grouping)
        source = bucket.join(people, people.c.created_at < bucket.c.bucket_end)
        return bucket.c.bucket_start, source, bucket.c.bucket_start, bucket.c.bucket_end, conditions
    start, end = _moment(scope.start), _moment(scope.end)
    if grouping.customers is not None:
        conditions.append(people.c.id.in_(grouping.customers))
        return people.c.id, people, start, end, conditions
    if grouping.parent is not None:
        conditions.append(people.c.id == sa.literal_column(grouping.parent))
    return sa.literal(0), people, start, end, conditions


def _customer_statement(scope: AnyScope, grouping: Grouping) -> Select[Any]:
    """Active at the window's start (or, with no start, created before its end); churned in it."""
    people = _people(grouping)
    key, source, start, end, conditions = _customer_base(scope, grouping, people)
    created, churned_at = people.c.created_at, people.c.churned_at
    if start is not None:
        active = (created < start) & (churned_at.is_(None) | (churned_at >= start))
        churned = active & (churned_at >= start)
    else:
        active = created < end if end is not None else sa.true()
        churned = active & churned_at.is_not(None)
    if end is not None:
        churned = churned & (churned_at < end)
    counts = [sa.func.count().filter(active), sa.func.count().filter(churned)]
    return _aggregate(CustomerFigures, key, source, conditions, counts, grouping)


async def customer_figures(
    sessions: Sessions, scope: Scope, grouping: Grouping
) -> list[CustomerFigures]:
    found = await _rows(sessions, _customer_statement(scope, grouping))
    return _per_key(
        grouping, found, lambda row: CustomerFigures(int(row[1]), int(row[2])), CustomerFigures()
    )


# ---------------------------------------------------------------- revenue and lifetime value


def _purchase_conditions(scope: AnyScope) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [col(Touchpoint.kind) == PURCHASE_KIND]
    if scope.channel is not None:
        conditions.append(col(Touchpoint.channel) == scope.channel)
    if scope.team is not None:
        conditions.append(col(Touchpoint.team) == scope.team)
    return conditions


def _revenue_statement(scope: AnyScope, grouping: Grouping) -> Select[Any]:
    key, source, where = _facts(
        scope,
        grouping,
        Touchpoint,
        col(Touchpoint.occurred_at),
        col(Touchpoint.customer_id),
        _purchase_conditions(scope),
    )
    total = sa.func.coalesce(sa.func.sum(col(Touchpoint.value)), 0)
    return _aggregate(RevenueFigures, key, source, where, [total], grouping)


async def revenue_figures(
    sessions: Sessions, scope: Scope, grouping: Grouping
) -> list[RevenueFigures]:
    found = await _rows(sessions, _revenue_statement(scope, grouping))
    return _per_key(grouping, found, lambda row: RevenueFigures(row[1]), RevenueFigures())


@dataclass(frozen=True)
class LifetimeCustomers:
    customers: int = 0


@dataclass(frozen=True)
class LifetimeTotal:
    total: Decimal = Decimal("0.00")


def _lifetime_customers_statement(scope: AnyScope, grouping: Grouping) -> Select[Any]:
    """Customers created before the window's end (LifetimeFigures.customers)."""
    people = _people(grouping)
    key, source, _, end, conditions = _customer_base(scope, grouping, people)
    created_before = [people.c.created_at < end] if end is not None else []
    return _aggregate(
        LifetimeCustomers, key, source, [*conditions, *created_before], [sa.func.count()], grouping
    )


def _lifetime_total_statement(scope: AnyScope, grouping: Grouping) -> Select[Any]:
    """Their purchases up to the window's end (LifetimeFigures.total)."""
    people = _people(grouping)
    key, _, _, end, conditions = _customer_base(scope, grouping, people)
    created_before = [people.c.created_at < end] if end is not None else []
    if not grouping.keyed and scope.channel is None and scope.team is None:
        where = [*conditions, *created_before]
        return _lifetime_total_kept(scope, grouping, people, key, end, where)
    bought_before = [col(Touchpoint.occurred_at) < end] if end is not None else []
    source = sa.join(people, Touchpoint, col(Touchpoint.customer_id) == people.c.id)
    where = [*conditions, *created_before, *bought_before, *_purchase_conditions(scope)]
    total = sa.func.coalesce(sa.func.sum(col(Touchpoint.value)), 0)
    return _aggregate(LifetimeTotal, key, source, where, [total], grouping)


def _lifetime_total_kept(
    scope: AnyScope, grouping: Grouping, people: Any, key: Any, end: Any, where: Sequence[Any]
) -> Select[Any]:
    """`_lifetime_total_statement` of one total (every purchase, no channel or team),
    from the lifetime value each customer keeps (`customer.lifetime_value_cents`, the sum
    of all their purchases, kept by triggers: migration 6b2d8f4c0e35) less their
    purchases at or after the window's end. The same sum of the same integer cents,
    exactly; it reads the customers and the purchases after the end instead of every
    purchase before it (most of them, for a window ending near now)."""
    kept: Any = sa.func.coalesce(sa.func.sum(people.c.lifetime_value_cents), 0)
    if end is not None:
        later = sa.inspect(Customer).local_table.alias("lifetime_later")
        _, _, _, _, later_conditions = _customer_base(scope, grouping, later)
        after = (
            sa.select(sa.func.coalesce(sa.func.sum(col(Touchpoint.value)), 0))
            .select_from(sa.join(later, Touchpoint, col(Touchpoint.customer_id) == later.c.id))
            .where(
                *later_conditions,
                later.c.created_at < end,
                col(Touchpoint.occurred_at) >= end,
                *_purchase_conditions(scope),
            )
            .scalar_subquery()
        )
        kept = kept - after
    total = sa.type_coerce(kept, Money)
    return _aggregate(LifetimeTotal, key, people, where, [total], grouping)


async def lifetime_figures(
    sessions: Sessions, scope: Scope, grouping: Grouping
) -> list[LifetimeFigures]:
    """Customers created before the window's end, and their purchases up to that end."""
    if grouping.buckets is not None:
        return await _lifetime_series(sessions, scope, grouping)
    counted = await _rows(sessions, _lifetime_customers_statement(scope, grouping))
    summed = await _rows(sessions, _lifetime_total_statement(scope, grouping))

    def build(row: Any) -> LifetimeFigures:
        total = summed.get(row[0])
        return LifetimeFigures(int(row[1]), total[1] if total else Decimal("0.00"))

    return _per_key(grouping, counted, build, LifetimeFigures())


def _running_totals(
    ends: Sequence[datetime], moment: Any, amount: Any, source: Any, where: Sequence[Any]
) -> Any:
    """For each end in `ends`: the sum of `amount` over rows whose `moment` is before it.

    One sort instead of one scan per bucket: the ends are merged into the rows as
    zero-amount markers that sort before rows of the same instant (windows are
    half-open), and a running sum is read off at each marker.
    """
    rows = (
        sa.select(moment.label("moment"), sa.literal(1).label("is_row"), amount.label("amount"))
        .select_from(source)
        .where(*where)
    )
    markers = [
        sa.select(
            sa.literal(end, UTCDateTime).label("moment"),
            sa.literal(0).label("is_row"),
            sa.literal(0).label("amount"),
        )
        for end in ends
    ]
    merged = sa.union_all(rows, *markers).subquery("merged")
    running = sa.select(
        merged.c.moment,
        merged.c.is_row,
        sa.func.sum(merged.c.amount)
        .over(order_by=[merged.c.moment, merged.c.is_row], rows=(None, 0))
        .label("total"),
    ).subquery("running")
    return sa.select(running.c.moment, running.c.total).where(running.c.is_row == 0)


async def _lifetime_series(
    sessions: Sessions, scope: Scope, grouping: Grouping
) -> list[LifetimeFigures]:
    """Per bucket end: customers created before it, and their purchases before it.

    A purchase counts at a bucket end when both it and its customer's creation came
    before that end, i.e. when the later of the two did: one running sum per figure.
    """
    assert grouping.buckets is not None
    ends = [end for _, end in grouping.buckets]
    customers: list[Any] = [col(Customer.merged_into_id).is_(None)]
    if scope.segment is not None:
        customers.append(col(Customer.segment) == scope.segment)
    people = _running_totals(ends, col(Customer.created_at), sa.literal(1), Customer, customers)
    purchases = sa.join(Customer, Touchpoint, col(Touchpoint.customer_id) == col(Customer.id))
    money = _running_totals(
        ends,
        later_of(col(Touchpoint.occurred_at), col(Customer.created_at)),
        col(Touchpoint.value),
        purchases,
        customers + _purchase_conditions(scope),
    )
    async with sessions() as session:
        counted = {end: int(n or 0) for end, n in (await session.execute(people)).all()}
        summed = {end: total for end, total in (await session.execute(money)).all()}
    # The amounts column takes the money type from the purchases, so totals are Decimal.
    return [LifetimeFigures(counted[end], summed[end] or Decimal("0.00")) for end in ends]


# ---------------------------------------------------------------- journey funnel


@dataclass(frozen=True)
class FunnelStep:
    stage_index: int
    reached: int
    conversion: float | None


def _funnel_statement(scope: AnyScope, grouping: Grouping) -> Select[Any]:
    """Per stage (`reached_0`, ... in STAGE_ORDER): distinct customers with a touchpoint
    in the window at that stage or a later one, i.e. whose furthest stage in the window
    is that one or later; one row (the funnel is of all customers)."""
    rank = sa.case(
        {stage.value: index for index, stage in enumerate(STAGE_ORDER)}, value=col(Touchpoint.stage)
    )
    conditions: list[ColumnElement[bool]] = []
    if scope.channel is not None:
        conditions.append(col(Touchpoint.channel) == scope.channel)
    if scope.team is not None:
        conditions.append(col(Touchpoint.team) == scope.team)
    _, source, where = _facts(
        scope,
        grouping,
        Touchpoint,
        col(Touchpoint.occurred_at),
        col(Touchpoint.customer_id),
        conditions,
    )
    # Each customer's furthest stage in the window, then one count per stage: the same
    # numbers as a distinct count per stage, from one hash aggregate (which PostgreSQL
    # runs in parallel) instead of a sort per stage (1M touchpoints: 426 -> 125 ms).
    customer = col(Touchpoint.customer_id)
    furthest = (
        sa.select(sa.func.max(rank).label("furthest"))
        .select_from(source)
        .where(*where)
        .group_by(customer)
        .subquery("funnel_customer")
    )
    reached: list[Any] = [
        sa.func.count().filter(furthest.c.furthest >= index).label(f"reached_{index}")
        for index in range(len(STAGE_ORDER))
    ]
    return sa.select(*reached).select_from(furthest)


async def journey_funnel(sessions: Sessions, scope: Scope) -> list[FunnelStep]:
    """Distinct customers with a touchpoint in the window at each stage or a later one."""
    async with sessions() as session:
        row = (await session.execute(_funnel_statement(scope, Grouping()))).one()
    reached = [int(n) for n in row]
    return [
        FunnelStep(index, count, ratio(count, reached[index - 1]) if index else None)
        for index, count in enumerate(reached)
    ]


# ---------------------------------------------------------------- SLA


@dataclass(frozen=True)
class SlaFigures:
    first_response_met: int = 0
    first_response_decided: int = 0
    resolution_met: int = 0
    resolution_decided: int = 0


def _sla_statement(scope: AnyScope, grouping: Grouping) -> Select[Any]:
    """Of the tickets created in the window whose target is decided (achieved, or its due
    time passed by now), how many achieved it on time: states from stored due times."""
    now = scope.now if scope.now is not None else utc_now()
    conditions = [col(Ticket.channel) == scope.channel] if scope.channel is not None else []
    key, source, where = _facts(
        scope, grouping, Ticket, col(Ticket.created_at), col(Ticket.customer_id), conditions
    )
    counts = []
    for target in (sla.FIRST_RESPONSE, sla.RESOLUTION):
        met = target.state_is(sla.MET, now)
        counts += [
            sa.func.count().filter(met),
            sa.func.count().filter(met | target.state_is(sla.BREACHED, now)),
        ]
    return _aggregate(SlaFigures, key, source, where, counts, grouping)


async def sla_figures(sessions: Sessions, scope: Scope, grouping: Grouping) -> list[SlaFigures]:
    found = await _rows(sessions, _sla_statement(scope, grouping))
    return _per_key(grouping, found, lambda row: SlaFigures(*map(int, row[1:])), SlaFigures())


# ---------------------------------------------------------------- survey invitations


@dataclass(frozen=True)
class InvitationFigures:
    sent: int = 0
    answered: int = 0


def _invitation_statement(scope: AnyScope, grouping: Grouping) -> Select[Any]:
    """Invitations sent in the window, and those of them answered (at any time so far).

    Invitations carry neither channel nor team: like survey responses, those filters
    leave them as they are."""
    key, source, where = _facts(
        scope,
        grouping,
        SurveyInvitation,
        col(SurveyInvitation.sent_at),
        col(SurveyInvitation.customer_id),
        [],
    )
    answered = sa.exists().where(col(SurveyResponse.invitation_id) == col(SurveyInvitation.id))
    counts = [sa.func.count(), sa.func.count().filter(answered)]
    return _aggregate(InvitationFigures, key, source, where, counts, grouping)


async def invitation_figures(
    sessions: Sessions, scope: Scope, grouping: Grouping
) -> list[InvitationFigures]:
    found = await _rows(sessions, _invitation_statement(scope, grouping))
    return _per_key(
        grouping,
        found,
        lambda row: InvitationFigures(int(row[1]), int(row[2])),
        InvitationFigures(),
    )


# ---------------------------------------------------------------- the compiled path


def _figures_item(group: str) -> str:
    return f"metric_{group}"


def figure_sql(group: str, name: str) -> str:
    """A figure of a group (a field of its figures dataclass) in a compiled statement."""
    return f"{_figures_item(group)}.{name}"


def ratio_sql(numerator: str, denominator: str, scale: float = 1.0) -> str:
    """`ratio` in SQL, in its float64 steps: scale * numerator / denominator; NULL for 0."""
    return (
        f"(CASE WHEN {denominator} = 0 THEN NULL "
        f"ELSE {float(scale)!r}::float8 * ({numerator})::float8 / ({denominator})::float8 END)"
    )


# The groups a compiled statement reads, each from the statement its resolver runs.
STATEMENTS: dict[str, Callable[[AnyScope, Grouping], Select[Any]]] = {
    "surveys": _survey_statement,
    "tickets": lambda scope, grouping: _ticket_statement(scope, grouping, postgres=True),
    "customers": _customer_statement,
    "revenue": _revenue_statement,
    "lifetime_customers": _lifetime_customers_statement,
    "lifetime_total": _lifetime_total_statement,
    "sla": _sla_statement,
    "invitations": _invitation_statement,
    "funnel": _funnel_statement,
}


def average_money_json(total: str, count: str) -> str:
    """LifetimeFigures.average's JSON from integer cents: total / count rounded half to
    even to a cent, as Decimal.quantize does, its sign kept on a zero ("-0.00"); null for
    no customers."""
    quotient = f"div(({total})::numeric, ({count})::numeric)"  # toward zero
    twice_rest = f"2 * abs(({total})::numeric - {quotient} * ({count}))"
    rounded = (
        f"({quotient} + CASE WHEN {twice_rest} > ({count}) OR ({twice_rest} = ({count}) "
        f"AND mod({quotient}, 2) <> 0) THEN sign(({total})::numeric) ELSE 0 END)"
    )
    return (
        f"(CASE WHEN ({count}) = 0 THEN 'null' "
        f"WHEN ({total}) < 0 AND {rounded} = 0 THEN '\"-0.00\"' "
        f"ELSE {money_json(rounded)} END)"
    )


def _figures(group: str, *names: str) -> dict[str, str]:
    return {name: figure_sql(group, name) for name in names}


_surveys = _figures("surveys", *(f.name for f in fields(SurveyFigures)))
_tickets = _figures("tickets", "volume", "resolved", "first_contact_resolved")
_customers = _figures("customers", "active", "churned")
_invitations = _figures("invitations", "sent", "answered")
_sla = _figures(
    "sla", "first_response_met", "first_response_decided", "resolution_met", "resolution_decided"
)
_lifetime_total = figure_sql("lifetime_total", "total")
_lifetime_customers = figure_sql("lifetime_customers", "customers")


# A duration metric (DurationStats) reads its figures from a one-row FROM item of this
# name, made of its ticket figures (`response_count`, ...) by `DURATION_SOURCES`.
DURATION_ITEM = "duration"
DURATION_SQL = {name: f"{DURATION_ITEM}.{name}" for name in DURATION_FIGURES}
DURATION_SOURCES = {
    metric: "(SELECT "
    + ", ".join(
        f"{figure_sql('tickets', f'{prefix}_{name}')} AS {name}" for name in DURATION_FIGURES
    )
    + ")"
    for metric, prefix in (("firstResponseTime", "response"), ("resolutionTime", "resolution"))
}


# Each metric with an SQL form: the compiled path's SQL of it, as the Metrics field
# computes it from its group's figures (schema/metrics.py); METRIC_JSON: its JSON text.
METRIC_JSON = {"averageLifetimeValue": average_money_json(_lifetime_total, _lifetime_customers)}
METRIC_SQL: dict[str, str] = {
    "nps": ratio_sql(
        f"{_surveys['promoters']} - {_surveys['detractors']}", _surveys["nps_responses"], 100
    ),
    "npsResponses": _surveys["nps_responses"],
    "promoters": _surveys["promoters"],
    "passives": _surveys["passives"],
    "detractors": _surveys["detractors"],
    "csat": ratio_sql(_surveys["csat_satisfied"], _surveys["csat_responses"], 100),
    "csatResponses": _surveys["csat_responses"],
    "csatSatisfied": _surveys["csat_satisfied"],
    "ces": ratio_sql(_surveys["ces_score_sum"], _surveys["ces_responses"]),
    "cesResponses": _surveys["ces_responses"],
    "cesScoreSum": _surveys["ces_score_sum"],
    "ticketVolume": _tickets["volume"],
    "resolvedTickets": _tickets["resolved"],
    "resolutionRate": ratio_sql(_tickets["resolved"], _tickets["volume"]),
    "firstContactResolvedTickets": _tickets["first_contact_resolved"],
    "firstContactResolutionRate": ratio_sql(
        _tickets["first_contact_resolved"], _tickets["resolved"]
    ),
    "activeCustomers": _customers["active"],
    "churnedCustomers": _customers["churned"],
    "churnRate": ratio_sql(_customers["churned"], _customers["active"]),
    "revenue": figure_sql("revenue", "revenue"),
    "lifetimeValueTotal": _lifetime_total,
    "lifetimeValueCustomers": _lifetime_customers,
    "firstResponseSla": ratio_sql(_sla["first_response_met"], _sla["first_response_decided"]),
    "firstResponseSlaMet": _sla["first_response_met"],
    "firstResponseSlaDecided": _sla["first_response_decided"],
    "resolutionSla": ratio_sql(_sla["resolution_met"], _sla["resolution_decided"]),
    "resolutionSlaMet": _sla["resolution_met"],
    "resolutionSlaDecided": _sla["resolution_decided"],
    "surveyResponseRate": ratio_sql(_invitations["answered"], _invitations["sent"]),
    "surveyInvitationsSent": _invitations["sent"],
    "surveyInvitationsAnswered": _invitations["answered"],
}


def part_markers(given: frozenset[str]) -> dict[str, ColumnElement[Any]]:
    """The given parts of a scope (PARTS) as their markers, for `Placeholders`: SQL the
    compiler binds to each request's values."""
    return {
        name: sa.literal_column(part_marker(name), PARTS[name][1])
        for name in given
        if name in PARTS
    }


def figures_sources(
    body: str, given: frozenset[str], parent: str | None, window: tuple[str, str] | None = None
) -> list[str]:
    """One-row FROM items of the groups whose figures (`figure_sql`) SQL text `body`
    reads: of the customer whose id is `parent`, or of all (None); the scope's `given`
    parts as their markers (forms.part_marker), its window [start, end) SQL text of
    `window` when given (a bucket's)."""
    markers: dict[str, Any] = part_markers(given)
    if window is not None:
        for name, sql_text in zip(("start", "end"), window, strict=True):
            markers[name] = sa.literal_column(sql_text, PARTS[name][1])
    scope = Placeholders(**markers)
    grouping = Grouping(parent=parent)
    read = [d for d in DURATIONS if figure_sql("tickets", d) in body]

    def tickets(scope: AnyScope, grouping: Grouping) -> Select[Any]:
        # Only the durations `body` reads: each one costs a sort of the window's tickets.
        return _ticket_statement(scope, grouping, True, read)

    statements: dict[str, Callable[[AnyScope, Grouping], Select[Any]]] = {
        **STATEMENTS,
        "tickets": tickets,
    }
    return [
        f"({literal_sql(statement(scope, grouping))}) AS {_figures_item(group)}"
        for group, statement in statements.items()
        if re.search(rf"\b{_figures_item(group)}\.", body)
    ]


# The journey funnel in a compiled statement: one row per stage (`FUNNEL_STEP`) made of
# the funnel group's figures, each step's fields as FunnelStep computes them.
FUNNEL_STEP = "funnel_step"
FUNNEL_SQL = {
    "stage": f"{FUNNEL_STEP}.stage",
    "reached": f"{FUNNEL_STEP}.reached",
    "conversion": ratio_sql(f"{FUNNEL_STEP}.reached", f"{FUNNEL_STEP}.previous"),
}


def funnel_rows(step: str, _given: frozenset[str] = frozenset()) -> str:
    """The JSON array of `step` (one step's object, reading `FUNNEL_SQL`) per stage in
    order, over the funnel's figures: its reached count and the previous stage's."""
    reached = [figure_sql("funnel", f"reached_{index}") for index in range(len(STAGE_ORDER))]
    values = ", ".join(
        f"({index}, {literal(stage.name)}, {reached[index]}, "
        f"{reached[index - 1] if index else 'NULL::bigint'})"
        for index, stage in enumerate(STAGE_ORDER)
    )
    steps = f"(VALUES {values}) AS {FUNNEL_STEP}(stage_index, stage, reached, previous)"
    return json_array(step, steps, f"{FUNNEL_STEP}.stage_index")


# The series in a compiled statement: one row per bucket (`BUCKET`), its columns bound
# as arrays (`series_parts`) from the same `bucket_windows` the resolvers compute.
BUCKET = "metric_bucket"
BUCKET_COLUMNS = ("bucket_start", "bucket_end", "window_start", "window_end")
BUCKET_SQL = {"start": f"{BUCKET}.bucket_start", "end": f"{BUCKET}.bucket_end"}


@dataclass(frozen=True)
class SeriesScope:
    """A series' scope and its buckets: (bucket start, bucket end, window start, window
    end) each, as `bucket_windows` gives them."""

    scope: Scope
    windows: tuple[tuple[datetime, datetime, datetime, datetime], ...]


def series_parts(series: SeriesScope) -> dict[str, tuple[str, Any]]:
    """The parts a series binds: its filters (each bucket has its own window) and its
    buckets' columns as arrays."""
    found = {k: v for k, v in scope_parts(series.scope).items() if k not in ("start", "end")}
    for index, name in enumerate(BUCKET_COLUMNS):
        found[name] = ("timestamptz[]", [window[index] for window in series.windows])
    return found


def series_rows(bucket: str) -> str:
    """The JSON array of `bucket` (one bucket's object, reading `BUCKET_SQL` and its
    figures) over the buckets, in order."""
    arrays = ", ".join(part_marker(name) for name in BUCKET_COLUMNS)
    buckets = f"unnest({arrays}) WITH ORDINALITY AS {BUCKET}({', '.join(BUCKET_COLUMNS)}, ord)"
    return json_array(bucket, buckets, f"{BUCKET}.ord")


def _lifetime_totals_sql(given: frozenset[str], parent: str | None) -> str:
    """Every bucket's LifetimeFigures.total at once, as a numeric[] in bucket order: the
    purchases of the scope's customers with both the purchase and the customer's
    creation before the bucket's window end.

    One pass where a statement per bucket scanned every earlier purchase (1M touchpoints,
    12 buckets: 61 ms each): width_bucket gives each purchase the number of ends at or
    before the later of its two moments (the ends are ascending), so it counts at every
    later end; a running sum over the end positions adds them up. Uncorrelated, so
    PostgreSQL computes it once per statement (an InitPlan) and each bucket reads its
    element."""
    markers = {
        name: sa.literal_column(part_marker(name), PARTS[name][1])
        for name in given
        if name in PARTS and name not in ("start", "end")
    }
    scope = Placeholders(**markers)
    people = _people(Grouping(parent=parent))
    _, _, _, _, conditions = _customer_base(scope, Grouping(parent=parent), people)
    ends = sa.literal_column(part_marker("window_end"), postgresql.ARRAY(UTCDateTime()))
    moment = later_of(col(Touchpoint.occurred_at), people.c.created_at)
    position = sa.func.width_bucket(moment, ends)
    purchases = (
        sa.select(position.label("k"), sa.func.sum(col(Touchpoint.value)).label("amount"))
        .select_from(sa.join(people, Touchpoint, col(Touchpoint.customer_id) == people.c.id))
        .where(*conditions, *_purchase_conditions(scope))
        .group_by(position)
    )
    ends_sql = part_marker("window_end")
    return (
        # Only our own SQL text: the values are bound parameters (the part markers).
        "(SELECT array_agg(lifetime_end.running ORDER BY lifetime_end.i) FROM "  # noqa: S608
        "(SELECT e.i, sum(coalesce(b.amount, 0)) OVER (ORDER BY e.i) AS running "
        f"FROM generate_series(1, cardinality({ends_sql})) AS e(i) "
        f"LEFT JOIN ({literal_sql(purchases)}) AS b ON b.k = e.i - 1) AS lifetime_end)"
    )


def series_sources(body: str, given: frozenset[str], parent: str | None) -> list[str]:
    """`figures_sources` of one bucket's window ∩ the scope; the lifetime total of every
    bucket from one pass (`_lifetime_totals_sql`)."""
    window = (f"{BUCKET}.window_start", f"{BUCKET}.window_end")
    sources = figures_sources(body, given, parent, window)
    item = _figures_item("lifetime_total")
    return [
        # OFFSET 0 keeps the item a subquery: pulled up, each reference to the total
        # would become an InitPlan of its own, computing the array once per reference.
        f"(SELECT ({_lifetime_totals_sql(given, parent)})[{BUCKET}.ord::int] AS total "
        f"OFFSET 0) AS {item}"
        if source.endswith(f" AS {item}")
        else source
        for source in sources
    ]


GroupFetch = Callable[[Sessions, Scope, Grouping], Awaitable[Sequence[Any]]]
GROUPS: dict[str, GroupFetch] = {
    "surveys": survey_figures,
    "tickets": ticket_figures,
    "customers": customer_figures,
    "revenue": revenue_figures,
    "lifetime": lifetime_figures,
    "sla": sla_figures,
    "invitations": invitation_figures,
}
