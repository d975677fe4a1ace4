"""Customer health (docs/domain.md): who needs attention before they ask.

The score is one SQL expression over four per-customer facts, used both to read a
customer's health and to filter customers by level, so both always agree. Reasons
are worded here from the same facts.
"""

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from models import Customer, SurveyKind, SurveyResponse, Ticket, TicketStatus, Touchpoint
from resolvers.filters import POSTGRES
from resolvers.pagination import Sessions

STALE_AFTER = timedelta(hours=72)
QUIET_FOR = timedelta(days=90)
PENALTY_PER_STALE_TICKET, MAX_STALE_PENALTY = 20, 40
DETRACTOR_PENALTY, LOW_CSAT_PENALTY, QUIET_PENALTY = 25, 15, 20
# Level by score: HEALTHY >= 75 > WATCH >= 50 > AT_RISK.
LEVELS = (("HEALTHY", 75, 101), ("WATCH", 50, 75), ("AT_RISK", 0, 50))
UNRESOLVED = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)


def _latest_score(customer_id: Any, kind: SurveyKind, as_of: datetime | ColumnElement[Any]) -> Any:
    return (
        sa.select(col(SurveyResponse.score))
        .where(
            col(SurveyResponse.customer_id) == customer_id,
            col(SurveyResponse.survey_kind) == kind,
            col(SurveyResponse.responded_at) <= as_of,
        )
        .order_by(col(SurveyResponse.responded_at).desc(), col(SurveyResponse.id).desc())
        .limit(1)
        .scalar_subquery()
    )


def facts(customer_id: Any, as_of: datetime | ColumnElement[Any]) -> dict[str, Any]:
    """The four facts the rules look at, as correlated subqueries on `customer_id`."""
    stale = (
        sa.select(sa.func.count())
        .where(
            col(Ticket.customer_id) == customer_id,
            col(Ticket.status).in_(UNRESOLVED),
            col(Ticket.created_at) < as_of - STALE_AFTER,
        )
        .scalar_subquery()
    )
    recent = sa.exists().where(
        col(Touchpoint.customer_id) == customer_id,
        col(Touchpoint.occurred_at) > as_of - QUIET_FOR,
        col(Touchpoint.occurred_at) <= as_of,
    )
    return {
        "stale_tickets": stale,
        "latest_nps": _latest_score(customer_id, SurveyKind.NPS, as_of),
        "latest_csat": _latest_score(customer_id, SurveyKind.CSAT, as_of),
        "recently_active": recent,
    }


def score(found: dict[str, Any]) -> ColumnElement[int]:
    """100 minus every penalty that applies; the penalties sum to 100 at most."""
    stale = found["stale_tickets"]
    return (
        sa.literal(100)
        - sa.case(
            (stale * PENALTY_PER_STALE_TICKET >= MAX_STALE_PENALTY, MAX_STALE_PENALTY),
            else_=stale * PENALTY_PER_STALE_TICKET,
        )
        - sa.case((found["latest_nps"] <= 6, DETRACTOR_PENALTY), else_=0)
        - sa.case((found["latest_csat"] <= 2, LOW_CSAT_PENALTY), else_=0)
        - sa.case((found["recently_active"], 0), else_=QUIET_PENALTY)
    )


@dataclass(frozen=True)
class Health:
    score: int
    level: str
    reasons: list[str]


# The reasons' words, around the numbers (the ticket count, the score) they carry.
STALE_WORDS = " open for more than 72 hours"
NPS_WORDS, DETRACTOR_WORDS = "latest NPS score ", " (detractor)"
CSAT_WORDS, DISSATISFIED_WORDS = "latest CSAT score ", " (dissatisfied)"
QUIET_WORDS = "no touchpoint in the last 90 days"


def _reasons(stale: int, nps: int | None, csat: int | None, recent: bool) -> list[str]:
    reasons = []
    if stale:
        tickets = "1 ticket" if stale == 1 else f"{stale} tickets"
        reasons.append(tickets + STALE_WORDS)
    if nps is not None and nps <= 6:
        reasons.append(f"{NPS_WORDS}{nps}{DETRACTOR_WORDS}")
    if csat is not None and csat <= 2:
        reasons.append(f"{CSAT_WORDS}{csat}{DISSATISFIED_WORDS}")
    if not recent:
        reasons.append(QUIET_WORDS)
    return reasons


# `_reasons` and `level_of` in SQL, over the columns of `facts` and `score` (named `f`):
# the reasons as JSON text of a list of strings, in the same order and words.
_STALE_SQL = (
    f"CASE WHEN f.stale_tickets = 1 THEN '1 ticket{STALE_WORDS}' "
    f"WHEN f.stale_tickets > 1 THEN f.stale_tickets || ' tickets{STALE_WORDS}' END"
)
_NPS_SQL = (
    f"CASE WHEN f.latest_nps <= 6 THEN '{NPS_WORDS}' || f.latest_nps || '{DETRACTOR_WORDS}' END"
)
_CSAT_SQL = (
    f"CASE WHEN f.latest_csat <= 2 "
    f"THEN '{CSAT_WORDS}' || f.latest_csat || '{DISSATISFIED_WORDS}' END"
)
_QUIET_SQL = f"CASE WHEN NOT f.recently_active THEN '{QUIET_WORDS}' END"
REASONS_JSON_SQL = (
    "array_to_json(ARRAY(SELECT v.reason FROM (VALUES "  # noqa: S608  (constants only)
    f"(1, {_STALE_SQL}), (2, {_NPS_SQL}), (3, {_CSAT_SQL}), (4, {_QUIET_SQL})"
    ") AS v(n, reason) WHERE v.reason IS NOT NULL ORDER BY v.n))::text"
)
LEVEL_SQL = (
    "CASE "
    + " ".join(
        f"WHEN f.score >= {low} AND f.score < {high} THEN '{name}'" for name, low, high in LEVELS
    )
    + " END"
)
# The customer row `health_at_sql` reads the facts of, under a name of its own: inside
# the statement, `customer` is the scope's row it is correlated to.
_OF = aliased(Customer, name="health_of")


@functools.cache
def _health_sql() -> str:
    """`facts`, then `score` over them, as PostgreSQL text over the `customer` row in
    scope at the moment written `{as_of}`: compiled from the expressions the resolvers
    run. The facts' subquery ends in OFFSET 0 so that PostgreSQL keeps it a subquery: pulled
    up, each of the score's and the level's references to a fact would copy its subquery
    (62 subplans to plan on every request instead of 4)."""
    of_id = col(_OF.id)
    found = facts(of_id, sa.literal_column("{as_of}"))
    fenced = (
        sa.select(*(value.label(name) for name, value in found.items()))
        .where(of_id == sa.literal_column("customer.id"))
        .offset(0)
    )
    fact_columns = {
        name: sa.literal_column(f"f.{name}", value.type) for name, value in found.items()
    }
    scored: sa.Select[Any, Any] = sa.select(
        score(fact_columns).label("score"), sa.literal_column("f.*")
    ).select_from(fenced.subquery("f"))
    return str(scored.compile(dialect=POSTGRES, compile_kwargs={"literal_binds": True}))


def health_at_sql(as_of: str) -> str:
    """SQL text of a one-row FROM item `(score, level, reasons)` (reasons as JSON text):
    the health of the scope's `customer` row at `as_of` (SQL text of a timestamptz), as
    `health_of` computes it (the compiled read path's `Customer.health`)."""
    scored = _health_sql().replace("{as_of}", f"({as_of})")
    return (
        f"SELECT f.score, {LEVEL_SQL} AS level, {REASONS_JSON_SQL} AS reasons "  # noqa: S608
        f"FROM ({scored}) AS f"
    )


async def health_of(
    sessions: Sessions, as_of: datetime, customer_ids: Sequence[uuid.UUID]
) -> list[Health]:
    found = facts(col(Customer.id), as_of)
    statement = sa.select(
        col(Customer.id), score(found), *(value.label(name) for name, value in found.items())
    ).where(col(Customer.id).in_(set(customer_ids)))
    async with sessions() as session:
        rows = {row[0]: row for row in (await session.execute(statement)).all()}
    return [judge(*rows[key][1:]) for key in customer_ids]


def level_of(value: int) -> str:
    return next(name for name, low, high in LEVELS if low <= value < high)


def judge(value: Any, stale: Any, nps: int | None, csat: int | None, recent: Any) -> Health:
    """Health from the score and the four facts, as selected by `score` and `facts`."""
    reasons = _reasons(int(stale), nps, csat, bool(recent))
    return Health(int(value), level_of(int(value)), reasons)
