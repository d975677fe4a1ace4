"""Customer health (docs/domain.md): who needs attention before they ask.

The score is one SQL expression over four per-customer facts, used both to read a
customer's health and to filter customers by level, so both always agree. Reasons
are worded here from the same facts.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from models import Customer, SurveyKind, SurveyResponse, Ticket, TicketStatus, Touchpoint
from resolvers.pagination import Sessions

STALE_AFTER = timedelta(hours=72)
QUIET_FOR = timedelta(days=90)
PENALTY_PER_STALE_TICKET, MAX_STALE_PENALTY = 20, 40
DETRACTOR_PENALTY, LOW_CSAT_PENALTY, QUIET_PENALTY = 25, 15, 20
# Level by score: HEALTHY >= 75 > WATCH >= 50 > AT_RISK.
LEVELS = (("HEALTHY", 75, 101), ("WATCH", 50, 75), ("AT_RISK", 0, 50))
UNRESOLVED = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)


def _latest_score(customer_id: Any, kind: SurveyKind, as_of: datetime) -> Any:
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


def facts(customer_id: Any, as_of: datetime) -> dict[str, Any]:
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


def _reasons(stale: int, nps: int | None, csat: int | None, recent: bool) -> list[str]:
    reasons = []
    if stale:
        tickets = "1 ticket" if stale == 1 else f"{stale} tickets"
        reasons.append(f"{tickets} open for more than 72 hours")
    if nps is not None and nps <= 6:
        reasons.append(f"latest NPS score {nps} (detractor)")
    if csat is not None and csat <= 2:
        reasons.append(f"latest CSAT score {csat} (dissatisfied)")
    if not recent:
        reasons.append("no touchpoint in the last 90 days")
    return reasons


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
