"""Next-best-actions kept current (docs/domain.md "Next-best-actions").

The six rules are data: `RULES` lists each with its kind, team, priority, its SQL
condition over the per-customer facts (`sql_facts`) and its Python twin over the same
facts as plain values (`Facts`), and the reason worded from those facts. The stored
actions (models.NextAction) are recomputed for the customers a write touches, in its
transaction (resolvers.writes), and by the scheduler's `ACTIONS_DUE` when time alone can
start or end one (`customer.actions_next_check_at`). An action's `since` is the moment a
recomputation first found it holding; its reason names the facts. A dismissed action is
hidden until its date, or until its reason (its facts) changes.

Each start is logged as an ACTION_STARTED change (record id: the action's `start_id`) in
the transaction that found it, by a write or by the scheduler, so `actionsChanged`
subscribers and webhooks hear of it once, from whichever process found it. An action
starts undismissed; one dismissed in the transaction that started it is not announced
(resolvers.action_writes), and subscribers and webhooks read only shown actions.
"""

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from models import (
    ChangeType,
    Customer,
    FollowUp,
    FollowUpState,
    JourneyStage,
    NextAction,
    SurveyKind,
    SurveyResponse,
    Team,
    Ticket,
    TicketPriority,
    TicketStatus,
    Touchpoint,
)
from models.types import utc_now
from resolvers import changes as change_log
from resolvers import health_state
from resolvers.changes import ChangeFeed, PendingChange
from resolvers.filters import ColumnFilter, Filter, condition_sql, conditions
from resolvers.listing import Listing
from resolvers.opaque import global_id_json
from resolvers.pagination import (
    Ordering,
    Sessions,
    SortKey,
)
from resolvers.scheduler import Claim, DueWork, claim_rows, earliest, still_claimed
from resolvers.stored_values import store_values

OPEN = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)
DETRACTOR_MAX, PROMOTER_MIN = 6, 9
DETRACTOR_FOR = timedelta(days=30)
PROMOTER_FOR = timedelta(days=90)
QUIET_FOR = timedelta(days=60)
REFERRAL_FOR = timedelta(days=180)
REFERRAL_KINDS = ("referral", "review")
CONTACT_TEAMS = (Team.SUPPORT, Team.SALES)
ENGAGED_STAGES = (JourneyStage.RETENTION, JourneyStage.ADVOCACY)
JUST_AFTER = timedelta(microseconds=1)
# Urgency: URGENT first.
RANK = {
    TicketPriority.URGENT: 0,
    TicketPriority.HIGH: 1,
    TicketPriority.NORMAL: 2,
    TicketPriority.LOW: 3,
}
CUSTOMER_ID = col(Customer.id)
NEXT_CHECK = col(Customer.actions_next_check_at)
# Fixed forever: stored start ids (and migration 3e8b5c1f7a90) are made with it.
START_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://cx360.example/next-best-action")


def start_id(customer_id: uuid.UUID, kind: str, since: datetime) -> uuid.UUID:
    """The id of one start of an action: the same customer, kind and `since` (UTC), the
    same id; the action holding again after it ended is a new start, a new id."""
    return uuid.uuid5(START_NAMESPACE, f"{customer_id}/{kind}/{since.isoformat()}")


@dataclass(frozen=True)
class Facts:
    """What the rules look at for one customer, now (plain values)."""

    risky_tickets: int  # open tickets whose SLA state is AT_RISK or BREACHED
    risky_due: datetime | None  # the earliest resolution due time among them
    nps_score: int | None  # the latest NPS response at or before now
    nps_at: datetime | None
    contact_after_nps: bool  # a SUPPORT or SALES touchpoint after it, up to now
    due_follow_ups: int  # follow-ups DUE (not yet expired)
    due_since: datetime | None  # the earliest resolution among them
    health_level: str
    health_score: int
    lifetime_value: Decimal
    churned: bool  # churnedAt at or before now
    stage: JourneyStage
    last_touch: datetime | None  # the latest touchpoint at or before now
    open_tickets: int
    last_referral: datetime | None  # the latest `referral` or `review` touchpoint


def sql_facts(customer_id: Any, now: datetime) -> dict[str, Any]:
    """The facts as correlated subqueries on `customer_id` (named as `Facts` fields)."""
    ticket_of = col(Ticket.customer_id) == customer_id
    risky = sa.and_(
        ticket_of,
        col(Ticket.status).in_(OPEN),
        sa.or_(
            col(Ticket.resolution_at_risk_at) <= now,
            sa.and_(
                col(Ticket.first_response_at).is_(None),
                col(Ticket.first_response_at_risk_at) <= now,
            ),
            col(Ticket.first_response_at) > col(Ticket.first_response_due_at),
        ),
    )
    nps = sa.and_(
        col(SurveyResponse.customer_id) == customer_id,
        col(SurveyResponse.survey_kind) == SurveyKind.NPS,
        col(SurveyResponse.responded_at) <= now,
    )
    latest = sa.select(col(SurveyResponse.score), col(SurveyResponse.responded_at)).where(nps)
    latest = latest.order_by(
        col(SurveyResponse.responded_at).desc(), col(SurveyResponse.id).desc()
    ).limit(1)
    # Correlated to the customer explicitly: inside the EXISTS below (on touchpoint) the
    # automatic correlation would not reach the outer customer and would take the latest
    # NPS of anyone.
    latest_at = (
        latest.with_only_columns(col(SurveyResponse.responded_at))
        .correlate(Customer)
        .scalar_subquery()
    )
    touch_of = sa.and_(
        col(Touchpoint.customer_id) == customer_id, col(Touchpoint.occurred_at) <= now
    )
    due = sa.and_(
        ticket_of,
        col(FollowUp.state) == FollowUpState.DUE,
        col(FollowUp.expires_at) > now,
    )
    follow_ups = sa.select(FollowUp).join(Ticket, col(Ticket.id) == col(FollowUp.ticket_id))
    return {
        "risky_tickets": sa.select(sa.func.count()).where(risky).scalar_subquery(),
        "risky_due": sa.select(sa.func.min(col(Ticket.resolution_due_at)))
        .where(risky)
        .scalar_subquery(),
        "nps_score": latest.with_only_columns(col(SurveyResponse.score)).scalar_subquery(),
        "nps_at": latest_at,
        "contact_after_nps": sa.exists().where(
            touch_of,
            col(Touchpoint.team).in_(CONTACT_TEAMS),
            col(Touchpoint.occurred_at) > latest_at,
        ),
        "due_follow_ups": follow_ups.with_only_columns(sa.func.count())
        .where(due)
        .scalar_subquery(),
        "due_since": follow_ups.with_only_columns(sa.func.min(col(FollowUp.due_since)))
        .where(due)
        .scalar_subquery(),
        "health_level": col(Customer.health_level),
        "health_score": col(Customer.health_score),
        # Kept by the database on every touchpoint write (migration 6b2d8f4c0e35): the
        # sum of all their purchases (resolvers/customers.lifetime_values adds them up).
        "lifetime_value": col(Customer.lifetime_value),
        "churned": sa.and_(col(Customer.churned_at).is_not(None), col(Customer.churned_at) <= now),
        "stage": col(Customer.stage),
        "last_touch": sa.select(sa.func.max(col(Touchpoint.occurred_at)))
        .where(touch_of)
        .scalar_subquery(),
        "open_tickets": sa.select(sa.func.count())
        .where(ticket_of, col(Ticket.status).in_(OPEN))
        .scalar_subquery(),
        "last_referral": sa.select(sa.func.max(col(Touchpoint.occurred_at)))
        .where(touch_of, col(Touchpoint.kind).in_(REFERRAL_KINDS))
        .scalar_subquery(),
    }


def _day(moment: datetime | None) -> str:
    assert moment is not None, "a rule that holds names a moment it has"
    return f"{moment.day} {moment:%b %Y}"


def _minute(moment: datetime | None) -> str:
    assert moment is not None, "a rule that holds names a moment it has"
    return f"{moment.day} {moment:%b %Y %H:%M} UTC"


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


@dataclass(frozen=True)
class Rule:
    kind: str
    team: Team
    priority: TicketPriority
    # The SQL form: the facts as SQL (sql_facts) and now -> a condition.
    sql: Callable[[dict[str, Any], datetime], ColumnElement[bool]]
    # The Python twin: the facts as values and now -> holds.
    holds: Callable[[Facts, datetime], bool]
    reason: Callable[[Facts], str]


def _recent(moment: datetime | None, now: datetime, within: timedelta) -> bool:
    return moment is not None and moment >= now - within


RULES: tuple[Rule, ...] = (
    Rule(
        "RESOLVE_SLA_RISK",
        Team.SUPPORT,
        TicketPriority.URGENT,
        lambda f, now: f["risky_tickets"] > 0,
        lambda f, now: f.risky_tickets > 0,
        lambda f: (
            _count(f.risky_tickets, "open ticket", "open tickets")
            + f" AT_RISK or BREACHED on SLA; earliest resolution due {_minute(f.risky_due)}"
        ),
    ),
    Rule(
        "RECOVER_DETRACTOR",
        Team.SUPPORT,
        TicketPriority.HIGH,
        lambda f, now: sa.and_(
            f["nps_score"] <= DETRACTOR_MAX,
            f["nps_at"] >= now - DETRACTOR_FOR,
            sa.not_(f["contact_after_nps"]),
        ),
        lambda f, now: (
            f.nps_score is not None
            and f.nps_score <= DETRACTOR_MAX
            and _recent(f.nps_at, now, DETRACTOR_FOR)
            and not f.contact_after_nps
        ),
        lambda f: (
            f"latest NPS {f.nps_score} on {_day(f.nps_at)}; no support or sales contact since"
        ),
    ),
    Rule(
        "REQUEST_FEEDBACK",
        Team.SUPPORT,
        TicketPriority.NORMAL,
        lambda f, now: f["due_follow_ups"] > 0,
        lambda f, now: f.due_follow_ups > 0,
        lambda f: (
            _count(f.due_follow_ups, "resolved ticket", "resolved tickets")
            + f" awaiting feedback (follow-up DUE); earliest resolved {_day(f.due_since)}"
        ),
    ),
    Rule(
        "SAVE_AT_RISK",
        Team.SALES,
        TicketPriority.HIGH,
        lambda f, now: sa.and_(
            f["health_level"] == "AT_RISK", f["lifetime_value"] > 0, sa.not_(f["churned"])
        ),
        lambda f, now: f.health_level == "AT_RISK" and f.lifetime_value > 0 and not f.churned,
        lambda f: (
            f"health AT_RISK (score {f.health_score}); "
            f"lifetime value {f.lifetime_value:.2f}; not churned"
        ),
    ),
    Rule(
        "RE_ENGAGE",
        Team.MARKETING,
        TicketPriority.NORMAL,
        lambda f, now: sa.and_(
            f["stage"].in_(ENGAGED_STAGES),
            sa.not_(f["churned"]),
            sa.or_(f["last_touch"].is_(None), f["last_touch"] <= now - QUIET_FOR),
        ),
        lambda f, now: (
            f.stage in ENGAGED_STAGES
            and not f.churned
            and not (f.last_touch is not None and f.last_touch > now - QUIET_FOR)
        ),
        lambda f: (
            f"stage {f.stage.value}; "
            + (
                f"no touchpoint since {_day(f.last_touch)}"
                if f.last_touch is not None
                else "no touchpoint yet"
            )
        ),
    ),
    Rule(
        "ASK_FOR_REFERRAL",
        Team.MARKETING,
        TicketPriority.LOW,
        lambda f, now: sa.and_(
            f["nps_score"] >= PROMOTER_MIN,
            f["nps_at"] >= now - PROMOTER_FOR,
            f["open_tickets"] == 0,
            sa.or_(f["last_referral"].is_(None), f["last_referral"] <= now - REFERRAL_FOR),
        ),
        lambda f, now: (
            f.nps_score is not None
            and f.nps_score >= PROMOTER_MIN
            and _recent(f.nps_at, now, PROMOTER_FOR)
            and f.open_tickets == 0
            and not (f.last_referral is not None and f.last_referral > now - REFERRAL_FOR)
        ),
        lambda f: (
            f"latest NPS {f.nps_score} on {_day(f.nps_at)}; no open ticket; "
            "no referral or review in the last 180 days"
        ),
    ),
)
BY_KIND = {rule.kind: rule for rule in RULES}
POSITION = {rule.kind: place for place, rule in enumerate(RULES)}


def python_actions(facts: Facts, now: datetime) -> list[tuple[str, str]]:
    """The Python twin: (kind, reason) of every rule that holds, in a customer's order."""
    found = [rule for rule in RULES if rule.holds(facts, now)]
    found.sort(key=lambda rule: (RANK[rule.priority], POSITION[rule.kind]))
    return [(rule.kind, rule.reason(facts)) for rule in found]


# ---------------------------------------------------------------- when time alone matters


def _moments(customer_id: Any, now: datetime) -> dict[str, Any]:
    open_ticket = sa.and_(col(Ticket.customer_id) == customer_id, col(Ticket.status).in_(OPEN))
    first_risk = sa.case(
        (col(Ticket.first_response_at).is_(None), col(Ticket.first_response_at_risk_at)),
        else_=None,
    )
    found: dict[str, Any] = {
        "resolution_risk": sa.select(sa.func.min(col(Ticket.resolution_at_risk_at)))
        .where(open_ticket, col(Ticket.resolution_at_risk_at) > now)
        .scalar_subquery(),
        "first_risk": sa.select(sa.func.min(first_risk))
        .where(open_ticket, first_risk > now)
        .scalar_subquery(),
    }
    found["next_touch"] = (
        sa.select(sa.func.min(col(Touchpoint.occurred_at)))
        .where(col(Touchpoint.customer_id) == customer_id, col(Touchpoint.occurred_at) > now)
        .scalar_subquery()
    )
    found["next_response"] = (
        sa.select(sa.func.min(col(SurveyResponse.responded_at)))
        .where(
            col(SurveyResponse.customer_id) == customer_id, col(SurveyResponse.responded_at) > now
        )
        .scalar_subquery()
    )
    found["follow_up_expiry"] = (
        sa.select(sa.func.min(col(FollowUp.expires_at)))
        .join(Ticket, col(Ticket.id) == col(FollowUp.ticket_id))
        .where(
            col(Ticket.customer_id) == customer_id,
            col(FollowUp.state) == FollowUpState.DUE,
            col(FollowUp.expires_at) > now,
        )
        .scalar_subquery()
    )
    found["churns_at"] = sa.case((col(Customer.churned_at) > now, col(Customer.churned_at)))
    found["health_check"] = col(Customer.health_next_check_at)
    return found


def next_check(
    now: datetime, facts: Facts, moments: dict[str, datetime | None], dismissals: Iterable[datetime]
) -> datetime | None:
    """The next moment time alone may start or end an action (or end a dismissal)."""
    found = [m for m in moments.values() if m is not None]
    found.extend(dismissals)
    if facts.nps_at is not None:
        found.append(facts.nps_at + DETRACTOR_FOR + JUST_AFTER)
        found.append(facts.nps_at + PROMOTER_FOR + JUST_AFTER)
    if facts.last_touch is not None:
        found.append(facts.last_touch + QUIET_FOR)
    if facts.last_referral is not None:
        found.append(facts.last_referral + REFERRAL_FOR)
    return min((m for m in found if m > now), default=None)


# ---------------------------------------------------------------- keeping them current


async def refresh(session: AsyncSession, customer_ids: Iterable[uuid.UUID]) -> list[PendingChange]:
    """Recomputes the stored actions of these customers inside the session's transaction;
    returns an ACTION_STARTED change for each action that started to hold (to be logged
    in the same transaction).

    Runs after the health refresh of the same customers (which locked their rows and
    stored the health SAVE_AT_RISK reads).
    """
    wanted = sorted(set(customer_ids))
    started: list[PendingChange] = []
    if not wanted:
        return started
    now = utc_now()
    for start in range(0, len(wanted), health_state.BATCH):
        chunk = wanted[start : start + health_state.BATCH]
        found = sql_facts(CUSTOMER_ID, now)
        moments = _moments(CUSTOMER_ID, now)
        statement = sa.select(
            CUSTOMER_ID,
            (
                col(Customer.merged_into_id).is_not(None) | col(Customer.erased_at).is_not(None)
            ).label("gone"),
            *(value.label(name) for name, value in found.items()),
            *(rule.sql(found, now).label(f"holds_{rule.kind}") for rule in RULES),
            *(value.label(f"at_{name}") for name, value in moments.items()),
        ).where(CUSTOMER_ID.in_(chunk))
        stored: dict[uuid.UUID, dict[str, NextAction]] = {}
        for action in (
            await session.execute(
                sa.select(NextAction).where(col(NextAction.customer_id).in_(chunk))
            )
        ).scalars():
            stored.setdefault(action.customer_id, {})[action.kind] = action
        checks: list[dict[str, Any]] = []
        for row in (await session.execute(statement)).mappings():
            key, gone = row["id"], row["gone"]
            mine = stored.get(key, {})
            if gone:  # merged or erased: no actions
                for action in mine.values():
                    await session.delete(action)
                checks.append({"id": key, "actions_next_check_at": None})
                continue
            facts = Facts(**{name: row[name] for name in found})
            facts = _typed(facts)
            holding = {rule.kind for rule in RULES if row[f"holds_{rule.kind}"]}
            dismissals = _apply_rules(session, key, facts, holding, mine, now, started)
            at = {name: row[f"at_{name}"] for name in moments}
            upcoming = next_check(now, facts, at, dismissals)
            checks.append({"id": key, "actions_next_check_at": upcoming})
        await session.flush()
        await store_values(session, Customer, ("actions_next_check_at",), checks)
    return started


def _typed(facts: Facts) -> Facts:
    """SQLite answers booleans as integers and enums as text: the Python types."""
    return Facts(
        **{
            **facts.__dict__,
            "contact_after_nps": bool(facts.contact_after_nps),
            "churned": bool(facts.churned),
            "stage": JourneyStage(facts.stage),
            "lifetime_value": Decimal(facts.lifetime_value),
            "risky_tickets": int(facts.risky_tickets),
            "due_follow_ups": int(facts.due_follow_ups),
            "open_tickets": int(facts.open_tickets),
        }
    )


def _apply_rules(
    session: AsyncSession,
    customer_id: uuid.UUID,
    facts: Facts,
    holding: set[str],
    stored: dict[str, NextAction],
    now: datetime,
    started: list[PendingChange],
) -> list[datetime]:
    """Inserts, updates and deletes this customer's rows (adding each start to `started`);
    returns dismissals still running."""
    dismissals: list[datetime] = []
    for kind, action in stored.items():
        if kind not in holding:
            session.sync_session.delete(action)
    for kind in holding:
        rule = BY_KIND[kind]
        reason = rule.reason(facts)
        found = stored.get(kind)
        if found is None:
            start = start_id(customer_id, kind, now)
            session.add(
                NextAction(
                    customer_id=customer_id,
                    kind=kind,
                    team=rule.team,
                    priority=rule.priority,
                    rank=RANK[rule.priority],
                    position=POSITION[kind],
                    since=now,
                    start_id=start,
                    reason=reason,
                )
            )
            started.append(PendingChange(ChangeType.ACTION_STARTED, start, customer_id))
            continue
        action = found
        action.reason = reason
        until = action.dismissed_until
        if until is not None and (until <= now or action.dismissed_facts != reason):
            action.dismissed_until = action.dismiss_reason = action.dismissed_facts = None
        elif until is not None:
            dismissals.append(until)
    return dismissals


async def _claim(write_sessions: Sessions, now: datetime, limit: int, lease: timedelta) -> Claim:
    return await claim_rows(
        write_sessions, ACTIONS_KIND, CUSTOMER_ID, NEXT_CHECK, now, limit, lease
    )


async def _apply(
    write_sessions: Sessions, claim: Claim, feed: ChangeFeed | None = None
) -> list[uuid.UUID]:
    """Health first (SAVE_AT_RISK reads it), then the actions, at the same now; the starts
    are logged in the same transaction and announced on `feed` once it has committed."""
    async with write_sessions() as session:
        async with session.begin():
            ours = await _claimed_with_health(session, claim)
            started = await refresh(session, ours)
            committed = await change_log.record(session, started)
        await change_log.announce(feed, committed)  # committed: never before
    return ours


async def _claimed_with_health(session: AsyncSession, claim: Claim) -> list[uuid.UUID]:
    ours = await still_claimed(session, claim, CUSTOMER_ID, NEXT_CHECK)
    # Health that is due (not claimed by a health round elsewhere: a claim's lease lies
    # ahead) first; a claimed one is looked at again when its lease ends.
    due_health = await session.execute(
        sa.select(CUSTOMER_ID).where(
            CUSTOMER_ID.in_(ours), col(Customer.health_next_check_at) <= utc_now()
        )
    )
    await health_state.refresh(session, list(due_health.scalars()))
    return ours


async def _next_due(sessions: Sessions) -> datetime | None:
    return await earliest(sessions, NEXT_CHECK)


ACTIONS_KIND = "next-best-actions"
ACTIONS_DUE = DueWork(ACTIONS_KIND, _claim, _apply, _next_due)


# ---------------------------------------------------------------- reads

SHOWN = col(NextAction.dismissed_until).is_(None)
# Its twins for the compiled path: the condition, and `Action.id` (`start_id`'s global id).
SHOWN_SQL = condition_sql(SHOWN)
ACTION_ID_JSON_SQL = global_id_json("Action", "next_action", "start_id")


@dataclass(frozen=True)
class ActionQuery:
    teams: tuple[Team, ...] | None = None
    kinds: tuple[str, ...] | None = None
    segment: str | None = None
    priorities: tuple[TicketPriority, ...] | None = None
    has_customer: uuid.UUID | None = None


# Most urgent first: priority, then the longest holding, then by customer and rule.
QUEUE_ORDER = Ordering(
    "next-best-actions",
    (
        SortKey(col(NextAction.rank), False, "int"),
        SortKey(col(NextAction.since), False, "datetime"),
        SortKey(col(NextAction.customer_id), False, "uuid"),
        SortKey(col(NextAction.position), False, "int"),
    ),
)


# The segment is the action's customer's, kept on the action by triggers (models.NextAction).
FILTERS: tuple[Filter, ...] = (
    ColumnFilter("teams", col(NextAction.team), "any_of"),
    ColumnFilter("kinds", col(NextAction.kind), "any_of"),
    ColumnFilter("priorities", col(NextAction.priority), "any_of"),
    ColumnFilter("segment", col(NextAction.segment), "equals"),
)

# The queue across customers (nextBestActions): shown actions only.
QUEUE = Listing("action", NextAction, FILTERS, always=(SHOWN,))


async def actions_of(
    sessions: Sessions, customer_ids: Sequence[uuid.UUID]
) -> list[list[NextAction]]:
    """Each customer's shown actions: URGENT first, then in the rule table's order."""
    statement = (
        sa.select(NextAction)
        .where(col(NextAction.customer_id).in_(set(customer_ids)), SHOWN)
        .order_by(col(NextAction.rank), col(NextAction.position))
    )
    async with sessions() as session:
        rows = list((await session.execute(statement)).scalars())
    found: dict[uuid.UUID, list[NextAction]] = {}
    for row in rows:
        found.setdefault(row.customer_id, []).append(row)
    return [found.get(key, []) for key in customer_ids]


async def actions_matching(
    sessions: Sessions, start_ids: Sequence[uuid.UUID], query: ActionQuery
) -> list[NextAction]:
    """Those of these action starts that still hold, are shown and pass the filter."""
    if not start_ids:
        return []
    statement = sa.select(NextAction).where(
        col(NextAction.start_id).in_(set(start_ids)), SHOWN, *conditions(FILTERS, query)
    )
    async with sessions() as session:
        return list((await session.execute(statement)).scalars())


async def actions_by_start_ids(
    sessions: Sessions, start_ids: Sequence[uuid.UUID]
) -> list[NextAction | None]:
    """Each start's action while it holds and is shown (`node`), else None."""
    found = {a.start_id: a for a in await actions_matching(sessions, start_ids, ActionQuery())}
    return [found.get(key) for key in start_ids]


def has_action(kind: str) -> ColumnElement[bool]:
    """`customers(filter: {hasAction})`: the customer in the row has this action shown
    (by next_action's primary key, customer_id and kind)."""
    return sa.exists().where(
        col(NextAction.customer_id) == CUSTOMER_ID, col(NextAction.kind) == kind, SHOWN
    )


def has_action_sql(kind: str) -> str:
    """`has_action` as SQL text for the compiled path; `kind`: its bind parameter."""
    return (
        "EXISTS (SELECT 1 FROM next_action WHERE next_action.customer_id = customer.id "  # noqa: S608
        f"AND next_action.kind = {kind} AND {SHOWN_SQL})"
    )
