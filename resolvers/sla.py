"""SLA policies, due times stored on tickets, and SLA states (docs/domain.md "SLA policy").

Due times are computed when they can change and stored on the ticket: when it is
opened, when its priority changes (still counted from `createdAt`), and when an ADMIN
changes its priority's policy (open tickets only, see `set_policy`). Beside each due
time the ticket stores the instant from which that target is AT_RISK (at most 25 % of
its length left, in working time under a calendar): `*_at_risk_at`.

A target's state then depends only on stored columns and "now":

    achieved (first response: firstResponseAt; resolution: resolvedAt while RESOLVED
    or CLOSED)      -> MET if achieved <= due, else BREACHED
    not achieved    -> BREACHED if now > due, AT_RISK if now >= at_risk_at, else ON_TRACK

so the same rule is Python for `Ticket.sla` and plain comparisons of indexed columns
against a bound `now` for the SLA metrics: no working time is computed at read time.
`tickets(filter: {slaState})` reads the state stored by resolvers/sla_live.py where it is
the state at `now`, and the rule elsewhere (`state_arms`).
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import available_timezones

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from models import SlaPolicy as PolicyRow
from models import Ticket, TicketPriority, TicketStatus
from models.enums import FINISHED_STATUSES, PRIORITY_ORDER
from models.sla import DEFAULT_TARGETS, TicketSlaStateCount
from models.types import UTCDateTime, utc_now
from resolvers.business_time import Calendar, add_working, at_risk_from, reaches_within
from resolvers.compiled.forms import NOW
from resolvers.filters import POSTGRES, Param
from resolvers.locks import FOR_NO_KEY_UPDATE
from resolvers.pagination import Sessions
from resolvers.writes import UserError, UserErrors, Write

ON_TRACK, AT_RISK, BREACHED, MET = "ON_TRACK", "AT_RISK", "BREACHED", "MET"
# Worst first: a ticket's state is the worse of its two targets' states.
BADNESS: dict[str, int] = {BREACHED: 3, AT_RISK: 2, ON_TRACK: 1, MET: 0}
RUNNING = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)
CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class Policy:
    priority: TicketPriority
    first_response_seconds: int
    resolution_seconds: int
    calendar: Calendar | None = None

    @property
    def first_response(self) -> timedelta:
        return timedelta(seconds=self.first_response_seconds)

    @property
    def resolution(self) -> timedelta:
        return timedelta(seconds=self.resolution_seconds)


def default_policy(priority: TicketPriority) -> Policy:
    return Policy(priority, *DEFAULT_TARGETS[priority])


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _policy_of(row: PolicyRow) -> Policy:
    calendar = None
    if row.calendar_time_zone is not None:
        assert row.calendar_opens_at is not None
        assert row.calendar_closes_at is not None
        calendar = Calendar(
            row.calendar_time_zone,
            frozenset(row.calendar_weekdays or ()),
            _clock(row.calendar_opens_at),
            _clock(row.calendar_closes_at),
        )
    return Policy(row.priority, row.first_response_seconds, row.resolution_seconds, calendar)


async def policies_in(session: AsyncSession) -> dict[TicketPriority, Policy]:
    """Every priority's policy: its stored row, or the domain's defaults."""
    rows = (await session.execute(sa.select(PolicyRow))).scalars()
    stored = {row.priority: _policy_of(row) for row in rows}
    return {p: stored.get(p) or default_policy(p) for p in TicketPriority}


async def all_policies(sessions: Sessions) -> dict[TicketPriority, Policy]:
    async with sessions() as session:
        return await policies_in(session)


# ---------------------------------------------------------------- due times on tickets


class DueTimes(NamedTuple):
    """The four stored SLA columns of a ticket (named as the columns are)."""

    first_response_due_at: datetime
    resolution_due_at: datetime
    first_response_at_risk_at: datetime
    resolution_at_risk_at: datetime


def due_times(created_at: datetime, policy: Policy) -> DueTimes:
    """The SLA columns of a ticket created at `created_at` under `policy`."""
    calendar = policy.calendar
    return DueTimes(
        add_working(created_at, policy.first_response, calendar),
        add_working(created_at, policy.resolution, calendar),
        at_risk_from(created_at, policy.first_response, calendar),
        at_risk_from(created_at, policy.resolution, calendar),
    )


def set_due_times(ticket: Ticket, policy: Policy) -> None:
    for name, value in due_times(ticket.created_at, policy)._asdict().items():
        setattr(ticket, name, value)


async def policy_for(write: Write, priority: TicketPriority) -> Policy:
    row = await write.session.get(PolicyRow, priority)
    return _policy_of(row) if row is not None else default_policy(priority)


# ---------------------------------------------------------------- states


def target_state(
    achieved: datetime | None, due: datetime, at_risk_at: datetime, now: datetime
) -> str:
    if achieved is not None:
        return MET if achieved <= due else BREACHED
    if now > due:
        return BREACHED
    return AT_RISK if now >= at_risk_at else ON_TRACK


def worse(*states: str) -> str:
    return max(states, key=BADNESS.__getitem__)


@dataclass(frozen=True)
class TicketSlaFacts:
    first_response_due_at: datetime
    resolution_due_at: datetime
    first_response_state: str
    resolution_state: str
    state: str
    seconds_to_next_due: int | None


def resolution_achieved(status: TicketStatus, resolved_at: datetime | None) -> datetime | None:
    return resolved_at if status in FINISHED_STATUSES else None


def sla_facts(
    *,
    status: TicketStatus,
    first_response_at: datetime | None,
    resolved_at: datetime | None,
    first_response_due_at: datetime,
    resolution_due_at: datetime,
    first_response_at_risk_at: datetime,
    resolution_at_risk_at: datetime,
    now: datetime,
) -> TicketSlaFacts:
    """A ticket's SLA at `now`; the next due is the earliest not yet decided (wall seconds)."""
    resolved = resolution_achieved(status, resolved_at)
    first = target_state(first_response_at, first_response_due_at, first_response_at_risk_at, now)
    resolution = target_state(resolved, resolution_due_at, resolution_at_risk_at, now)
    pending = [
        due
        for achieved, due in (
            (first_response_at, first_response_due_at),
            (resolved, resolution_due_at),
        )
        if achieved is None and due >= now
    ]
    seconds = int((min(pending) - now).total_seconds()) if pending else None
    return TicketSlaFacts(
        first_response_due_at,
        resolution_due_at,
        first,
        resolution,
        worse(first, resolution),
        seconds,
    )


@dataclass(frozen=True)
class TargetColumns:
    """The SQL form of one target: when it was achieved (a condition pair), due, at risk."""

    achieved: Any
    achieved_when: Any  # extra condition for the achievement to count (resolution: finished)
    due: Any
    at_risk_at: Any

    def state_is(self, state: str, now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
        done = sa.and_(self.achieved.is_not(None), self.achieved_when)
        not_done = sa.not_(done)
        if state == MET:
            return sa.and_(done, self.achieved <= self.due)
        if state == BREACHED:
            return sa.or_(
                sa.and_(done, self.achieved > self.due), sa.and_(not_done, self.due < now)
            )
        if state == AT_RISK:
            return sa.and_(not_done, self.due >= now, self.at_risk_at <= now)
        return sa.and_(not_done, self.at_risk_at > now)


FIRST_RESPONSE = TargetColumns(
    col(Ticket.first_response_at),
    sa.true(),
    col(Ticket.first_response_due_at),
    col(Ticket.first_response_at_risk_at),
)
RESOLUTION = TargetColumns(
    col(Ticket.resolved_at),
    col(Ticket.status).in_(FINISHED_STATUSES),
    col(Ticket.resolution_due_at),
    col(Ticket.resolution_at_risk_at),
)


def overall_is(state: str, now: datetime) -> ColumnElement[bool]:
    """A ticket's overall state is `state`: one target is in it, neither is worse."""
    at_most = [s for s, rank in BADNESS.items() if rank <= BADNESS[state]]
    return sa.and_(
        sa.or_(FIRST_RESPONSE.state_is(state, now), RESOLUTION.state_is(state, now)),
        *(sa.or_(*(t.state_is(s, now) for s in at_most)) for t in (FIRST_RESPONSE, RESOLUTION)),
    )


def settled(now: datetime) -> ColumnElement[bool]:
    """The stored `sla_state` is the state at `now`: it was computed at or before `now`
    (by a write or the scheduler, resolvers/sla_live.py, which store state, check time
    and next check together) and time alone has not changed it since, as its next check
    is still ahead (or there is none)."""
    checked, next_check = col(Ticket.sla_checked_at), col(Ticket.sla_next_check_at)
    return sa.and_(checked <= now, sa.or_(next_check.is_(None), next_check > now))


def unsettled(now: datetime) -> ColumnElement[bool]:
    """Not `settled`: never looked at, looked at after `now`, or its next check has come
    (spelled out so the indexes of both columns find these few)."""
    checked, next_check = col(Ticket.sla_checked_at), col(Ticket.sla_next_check_at)
    return sa.or_(checked.is_(None), checked > now, next_check <= now)


def state_arms(states: Sequence[str], now: datetime) -> list[ColumnElement[bool]]:
    """The overall state at `now` is one of `states`, exactly as `Ticket.sla` says, as
    two disjoint conditions (none when no state is asked for).

    Settled tickets answer from the stored state (indexed: `sla_state, resolution_due_at,
    id`, carrying both check times); only those whose next check has come and the
    scheduler has not yet looked at (at most its interval's worth, found through
    `sla_next_check_at`), or never looked at, or looked at after `now`, have the rule
    applied to their columns. So the filter and `Ticket.sla` agree at every now, even
    one before the last look (a clock set back, a request that began before a write
    committed)."""
    wanted = [s for s in BADNESS if s in states]
    if not wanted:
        return []
    return [
        sa.and_(col(Ticket.sla_state).in_(wanted), settled(now)),
        sa.and_(unsettled(now), sa.or_(*(overall_is(s, now) for s in wanted))),
    ]


def maintained_total(states: Sequence[str], now: datetime) -> ColumnElement[int]:
    """How many tickets match `state_arms` (every ticket, no other condition), read from
    the counts the database keeps per stored state (`ticket_sla_state_count`, migration
    5a1c7e3b9d24) instead of from every matching ticket: the stored count of the states,
    less those of them not settled at `now`, plus the not-settled whose state by the
    rule is one of them. Both corrections read only the few not-settled tickets."""
    wanted = [s for s in BADNESS if s in states]
    if not wanted:
        return sa.cast(sa.literal(0), sa.BigInteger)
    stored = (
        sa.select(sa.func.coalesce(sa.func.sum(col(TicketSlaStateCount.tickets)), 0))
        .where(col(TicketSlaStateCount.sla_state).in_(wanted))
        .scalar_subquery()
    )
    stale = (
        sa.select(sa.func.count())
        .select_from(Ticket)
        .where(col(Ticket.sla_state).in_(wanted), unsettled(now))
        .scalar_subquery()
    )
    ruled = sa.select(sa.func.count()).select_from(Ticket).where(state_arms(wanted, now)[1])
    return sa.cast(stored - stale + ruled.scalar_subquery(), sa.BigInteger)


async def count_in_states(sessions: Sessions, states: Sequence[str], now: datetime) -> int:
    """`maintained_total` run: how many tickets are in one of `states` at `now`."""
    async with sessions() as session:
        return int((await session.execute(sa.select(maintained_total(states, now)))).scalar_one())


def _sql_text(condition: ColumnElement[Any]) -> str:
    """PostgreSQL text of an expression whose only non-literal is `NOW` (the compiled
    path binds it to the request's clock)."""
    return str(condition.compile(dialect=POSTGRES, compile_kwargs={"literal_binds": True}))


# The request's clock in SQL text (a timestamptz) for the compiled read path.
NOW_SQL: Any = sa.literal_column(NOW, UTCDateTime)


@dataclass(frozen=True)
class SlaStateFilter:
    """`tickets(filter: {slaState: [...]})`: the overall state is any of these at the
    query's `now` (the request's clock); on the compiled path, at its bound `NOW`."""

    field: str

    @staticmethod
    def states(value: Sequence[Any]) -> list[str]:
        return [getattr(v, "value", v) for v in value]

    def arms(self, value: Sequence[Any], query: Any) -> list[ColumnElement[bool]]:
        now = getattr(query, "now", None) or utc_now()
        return state_arms(self.states(value), now)

    def condition(self, value: Sequence[Any], query: Any) -> ColumnElement[bool]:
        return sa.or_(sa.false(), *self.arms(value, query))

    def sql_apart(self, value: Sequence[Any], query: Any, param: Param) -> list[str]:
        """The disjoint arms as SQL text (the states are literals: a plan is cached per
        set of enum names), each counted through its own index."""
        return [_sql_text(arm) for arm in state_arms(self.states(value), NOW_SQL)]

    def sql(self, value: Sequence[Any], query: Any, param: Param) -> str:
        return "(" + " OR ".join(self.sql_apart(value, query, param) or ["false"]) + ")"

    async def count_alone(self, sessions: Sessions, value: Sequence[Any], query: Any) -> int:
        """How many tickets this filter alone matches (`maintained_total`), at the
        query's `now`."""
        now = getattr(query, "now", None) or utc_now()
        return await count_in_states(sessions, self.states(value), now)

    def sql_total(self, value: Sequence[Any], query: Any, param: Param) -> str:
        """The count of every ticket this filter alone matches (`maintained_total`)."""
        return _sql_text(maintained_total(self.states(value), NOW_SQL))


# ---------------------------------------------------------------- Ticket.sla in SQL
# `sla_facts` as SQL text over the `ticket` row at `NOW`, for the compiled read path.


def _target_state_sql(achieved: str, due: str, at_risk_at: str) -> str:
    """`target_state`."""
    return (
        f"CASE WHEN {achieved} IS NOT NULL THEN CASE WHEN {achieved} <= {due} THEN '{MET}' "
        f"ELSE '{BREACHED}' END WHEN {NOW} > {due} THEN '{BREACHED}' "
        f"WHEN {NOW} >= {at_risk_at} THEN '{AT_RISK}' ELSE '{ON_TRACK}' END"
    )


_RESOLVED_SQL = (
    "(CASE WHEN ticket.status IN ("
    + ", ".join(f"'{s.value}'" for s in FINISHED_STATUSES)
    + ") THEN ticket.resolved_at END)"
)
FIRST_RESPONSE_STATE_SQL = _target_state_sql(
    "ticket.first_response_at", "ticket.first_response_due_at", "ticket.first_response_at_risk_at"
)
RESOLUTION_STATE_SQL = _target_state_sql(
    _RESOLVED_SQL, "ticket.resolution_due_at", "ticket.resolution_at_risk_at"
)
# `worse` of the two: the first state, worst first, that either target is in.
STATE_SQL = (
    "CASE "
    + " ".join(
        f"WHEN '{state}' IN ({FIRST_RESPONSE_STATE_SQL}, {RESOLUTION_STATE_SQL}) THEN '{state}'"
        for state in sorted(BADNESS, key=BADNESS.__getitem__, reverse=True)[:-1]
    )
    + f" ELSE '{MET}' END"
)
# Whole seconds (Python's int() of a non-negative count) to the earliest undecided due.
SECONDS_TO_NEXT_DUE_SQL = (
    "floor(extract(epoch FROM least("
    f"CASE WHEN ticket.first_response_at IS NULL AND ticket.first_response_due_at >= {NOW} "
    "THEN ticket.first_response_due_at END, "
    f"CASE WHEN {_RESOLVED_SQL} IS NULL AND ticket.resolution_due_at >= {NOW} "
    f"THEN ticket.resolution_due_at END) - {NOW}))"
)
# Every priority's policy (`policies_in`): its stored row, else the defaults, one row each
# with the `sla_policy` columns and `urgency` (0 = URGENT); the calendar's weekdays as
# JSON text, sorted. POLICY_SQL: the ticket's priority's alone.
_DEFAULTS_SQL = ", ".join(  # constants only: the domain's default targets
    f"('{p.value}', {fr}, {res}, {len(PRIORITY_ORDER) - 1 - PRIORITY_ORDER.index(p)})"
    for p, (fr, res) in DEFAULT_TARGETS.items()
)


def _policies_sql(where: str) -> str:
    return (
        "(SELECT d.priority, d.urgency, coalesce(p.first_response_seconds, "  # noqa: S608
        "d.first_response_seconds) AS first_response_seconds, coalesce(p.resolution_seconds, "
        "d.resolution_seconds) AS resolution_seconds, p.calendar_time_zone, "
        "p.calendar_weekdays, p.calendar_opens_at, p.calendar_closes_at "
        f"FROM (VALUES {_DEFAULTS_SQL}) "
        "AS d(priority, first_response_seconds, resolution_seconds, urgency) "
        f"LEFT JOIN sla_policy AS p ON p.priority = d.priority{where})"
    )


POLICY_SQL = _policies_sql(" WHERE d.priority = ticket.priority")
# `slaPolicies`: every priority's, most urgent first, as the resolvers list them.
POLICIES_SQL = _policies_sql("")
POLICIES_ORDER = "sla_policy.urgency"
CALENDAR_PRESENT_SQL = "sla_policy.calendar_time_zone IS NOT NULL"
WEEKDAYS_JSON_SQL = (
    "array_to_json(ARRAY(SELECT w::int FROM json_array_elements_text("
    "sla_policy.calendar_weekdays) AS w ORDER BY 1))::text"
)


# ---------------------------------------------------------------- setting a policy


@dataclass(frozen=True)
class NewCalendar:
    time_zone: str
    weekdays: tuple[int, ...]
    opens_at: str
    closes_at: str


@dataclass(frozen=True)
class NewPolicy:
    priority: TicketPriority
    first_response_seconds: int
    resolution_seconds: int
    calendar: NewCalendar | None = None


def _validated(data: NewPolicy) -> Policy:
    errors: list[UserError] = []

    def refuse(path: Sequence[str], message: str) -> None:
        errors.append(UserError(("input", *path), message))

    if data.first_response_seconds <= 0:
        refuse(["firstResponseSeconds"], "`firstResponseSeconds` must be a positive number.")
    if data.resolution_seconds <= 0:
        refuse(["resolutionSeconds"], "`resolutionSeconds` must be a positive number.")
    elif data.resolution_seconds < data.first_response_seconds:
        refuse(
            ["resolutionSeconds"],
            "`resolutionSeconds` must be at least `firstResponseSeconds`: a ticket is "
            "answered before it is resolved.",
        )
    calendar = None
    given = data.calendar
    if given is not None:
        if given.time_zone not in available_timezones():
            refuse(
                ["calendar", "timeZone"],
                "`timeZone` must be an IANA time zone name, e.g. `Europe/Berlin`.",
            )
        days = given.weekdays
        if not days or any(d < 1 or d > 7 for d in days) or len(set(days)) != len(days):
            refuse(
                ["calendar", "weekdays"],
                "`weekdays` lists working days once each as ISO numbers 1 (Monday) to 7 "
                "(Sunday), at least one.",
            )
        for name, text in (("opensAt", given.opens_at), ("closesAt", given.closes_at)):
            if not CLOCK.match(text):
                refuse(["calendar", name], f"`{name}` is a local time `HH:MM`, e.g. `09:00`.")
        if not errors and _clock(given.closes_at) <= _clock(given.opens_at):
            refuse(
                ["calendar", "closesAt"],
                "`closesAt` must be after `opensAt` (one window per working day).",
            )
        if not errors:
            calendar = Calendar(
                given.time_zone, frozenset(days), _clock(given.opens_at), _clock(given.closes_at)
            )
    if not errors:
        policy = Policy(
            data.priority, data.first_response_seconds, data.resolution_seconds, calendar
        )
        if not reaches_within(utc_now(), policy.resolution, calendar):
            refuse(
                ["resolutionSeconds"],
                "under this calendar `resolutionSeconds` would take more than a year of "
                "calendar days; give a shorter target or more working hours.",
            )
    if errors:
        raise UserErrors(errors)
    return policy


async def set_policy(write: Write, data: NewPolicy) -> tuple[Policy, int]:
    """Stores the policy and moves the due times of its priority's open tickets.

    Tickets still NEW, OPEN or PENDING get due times under the new policy (counted from
    their `createdAt`), in the same transaction. RESOLVED and CLOSED tickets keep the due
    times they were judged by, so past outcomes and the SLA metrics do not change
    after the fact. Returns the policy and how many tickets moved.
    """
    policy = _validated(data)
    calendar = policy.calendar
    row = await write.session.get(PolicyRow, data.priority, with_for_update=FOR_NO_KEY_UPDATE)
    previous = _audited(row, data.priority)  # what the audit entry says it was
    if row is None:
        row = PolicyRow(priority=data.priority, first_response_seconds=0, resolution_seconds=0)
        write.session.add(row)
    row.first_response_seconds = policy.first_response_seconds
    row.resolution_seconds = policy.resolution_seconds
    row.calendar_time_zone = calendar.time_zone if calendar else None
    row.calendar_weekdays = sorted(calendar.weekdays) if calendar else None
    row.calendar_opens_at = calendar.opens_at.strftime("%H:%M") if calendar else None
    row.calendar_closes_at = calendar.closes_at.strftime("%H:%M") if calendar else None
    row.updated_at = utc_now()
    await write.session.flush()
    moved = await _move_open_tickets(write.session, policy)
    write.tickets.update(moved)  # their SLA state is looked at again before the commit
    write.audit(
        "setSlaPolicy",
        [f"SlaPolicy:{data.priority.value}"],  # a policy's key is its priority
        priority=data.priority.value,
        **_audited(row, data.priority),
        previous=previous,
        ticketsMoved=len(moved),
    )
    return policy, len(moved)


def _audited(row: PolicyRow | None, priority: TicketPriority) -> dict[str, Any]:
    """A policy as its audit entry shows it (the API's names; calendar null if none):
    the stored one, or the domain's default when none is stored."""
    if row is None:
        first_response, resolution = DEFAULT_TARGETS[priority]
        return {
            "firstResponseSeconds": first_response,
            "resolutionSeconds": resolution,
            "calendar": None,
        }
    calendar = None
    if row.calendar_time_zone is not None:
        calendar = {
            "timeZone": row.calendar_time_zone,
            "weekdays": list(row.calendar_weekdays or []),
            "opensAt": row.calendar_opens_at,
            "closesAt": row.calendar_closes_at,
        }
    return {
        "firstResponseSeconds": row.first_response_seconds,
        "resolutionSeconds": row.resolution_seconds,
        "calendar": calendar,
    }


async def _move_open_tickets(session: AsyncSession, policy: Policy) -> list[Any]:
    found = await session.execute(
        sa.select(col(Ticket.id), col(Ticket.created_at))
        .where(col(Ticket.priority) == policy.priority, col(Ticket.status).in_(RUNNING))
        .with_for_update(key_share=True)
    )
    rows: list[dict[str, Any]] = [
        {"id": key, **due_times(created_at, policy)._asdict()} for key, created_at in found.all()
    ]
    if rows:
        await session.execute(sa.update(Ticket), rows)
    return [row["id"] for row in rows]
