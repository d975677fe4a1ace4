"""Customer health kept current (docs/domain.md "Maintained state").

Each customer row stores its health (score, level, reasons, `health_updated_at`) and
`health_next_check_at`: the next moment time alone can change it (a ticket passing 72
hours open, the latest touchpoint turning 90 days old, a touchpoint or response dated
later than now coming into view), or null when time alone never will.

Writes recompute the customers they touch in their own transaction (resolvers.writes
calls `refresh` before committing); the scheduler's `HEALTH_DUE` recomputes customers
whose next check has come. Both use the same rules as the computed health
(resolvers.health), evaluated at the same "now", so stored = computed at now.
"""

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Customer, SurveyResponse, Ticket, Touchpoint
from models.types import utc_now
from resolvers import health
from resolvers.changes import ChangeFeed
from resolvers.compiled.forms import NOW
from resolvers.compiled.sql_values import string_list_json
from resolvers.locks import lock_customers
from resolvers.pagination import Sessions
from resolvers.scheduler import Claim, DueWork, claim_rows, earliest, still_claimed
from resolvers.stored_values import store_values

BATCH = 500
# The stored health as the compiled read path reads it (`Customer.health` without asOf,
# whose resolver returns the stored values once `health_updated_at` is set): SQL text
# over the `customer` row; the reasons as JSON text, in their stored order.
HEALTH_STORED_SQL = "customer.health_updated_at IS NOT NULL"
HEALTH_SCORE_SQL = "customer.health_score"
HEALTH_LEVEL_SQL = "customer.health_level"
HEALTH_REASONS_JSON_SQL = string_list_json("customer.health_reasons")
# `Customer.health` in the compiled read path: a one-row FROM item of this name with
# (score, level, reasons as JSON text), which CustomerHealth's fields read.
HEALTH_ITEM = "health"


def health_object_sql(body: str, as_of: str | None) -> str:
    """SQL text of the JSON object `body` (CustomerHealth's fields over `HEALTH_ITEM`) for
    the scope's `customer` row: at `as_of` (SQL text of a timestamptz) as `health.health_of`
    computes it; without, the stored health once stored, else the health computed at now,
    as the resolver reads it. The stored health reads the row's own columns: the computed
    branch is planned but only run for a customer not yet stored."""
    item = health.health_at_sql(as_of or NOW)
    computed = f"(SELECT {body} FROM ({item}) AS {HEALTH_ITEM})"  # noqa: S608
    if as_of is not None:
        return computed
    stored = (
        f"(SELECT {body} FROM (SELECT {HEALTH_SCORE_SQL} AS score, "  # noqa: S608
        f"{HEALTH_LEVEL_SQL} AS level, {HEALTH_REASONS_JSON_SQL} AS reasons) AS {HEALTH_ITEM})"
    )
    return f"CASE WHEN {HEALTH_STORED_SQL} THEN {stored} ELSE {computed} END"


# A rule "more than X before asOf" first holds just after the moment X has passed.
JUST_AFTER = timedelta(microseconds=1)
CUSTOMER_ID = col(Customer.id)
NEXT_CHECK = col(Customer.health_next_check_at)


def _moments(customer_id: Any, now: datetime) -> dict[str, Any]:
    """What decides when time alone next changes the facts (correlated subqueries)."""
    turning_stale = sa.select(sa.func.min(col(Ticket.created_at))).where(
        col(Ticket.customer_id) == customer_id,
        col(Ticket.status).in_(health.UNRESOLVED),
        col(Ticket.created_at) >= now - health.STALE_AFTER,
    )
    last_touch = sa.select(sa.func.max(col(Touchpoint.occurred_at))).where(
        col(Touchpoint.customer_id) == customer_id, col(Touchpoint.occurred_at) <= now
    )
    next_touch = sa.select(sa.func.min(col(Touchpoint.occurred_at))).where(
        col(Touchpoint.customer_id) == customer_id, col(Touchpoint.occurred_at) > now
    )
    next_response = sa.select(sa.func.min(col(SurveyResponse.responded_at))).where(
        col(SurveyResponse.customer_id) == customer_id, col(SurveyResponse.responded_at) > now
    )
    return {
        "turning_stale": turning_stale.scalar_subquery(),
        "last_touch": last_touch.scalar_subquery(),
        "next_touch": next_touch.scalar_subquery(),
        "next_response": next_response.scalar_subquery(),
    }


def next_check(
    now: datetime,
    turning_stale: datetime | None,
    last_touch: datetime | None,
    next_touch: datetime | None,
    next_response: datetime | None,
) -> datetime | None:
    moments = [next_touch, next_response]
    if turning_stale is not None:
        moments.append(turning_stale + health.STALE_AFTER + JUST_AFTER)
    if last_touch is not None and last_touch + health.QUIET_FOR > now:
        moments.append(last_touch + health.QUIET_FOR)
    return min((m for m in moments if m is not None), default=None)


async def refresh(session: AsyncSession, customer_ids: Iterable[uuid.UUID]) -> None:
    """Recomputes the stored health of these customers inside the session's transaction.

    Each row is locked first (in id order), then its facts are read in a later statement:
    a concurrent write or scheduler round on the same customer either finished before
    (its records are seen) or waits for this transaction to end.
    """
    wanted = sorted(set(customer_ids))
    now = utc_now()
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        await lock_customers(session, chunk)
        found = health.facts(CUSTOMER_ID, now)
        moments = _moments(CUSTOMER_ID, now)
        statement = sa.select(
            CUSTOMER_ID,
            col(Customer.merged_into_id),
            health.score(found),
            *(value.label(name) for name, value in found.items()),
            *(value.label(name) for name, value in moments.items()),
        ).where(CUSTOMER_ID.in_(chunk))
        rows = []
        for key, merged_into, value, stale, nps, csat, recent, *times in (
            await session.execute(statement)
        ).all():
            judged = health.judge(value, stale, nps, csat, recent)
            rows.append(
                {
                    "id": key,
                    "health_score": judged.score,
                    "health_level": judged.level,
                    "health_reasons": judged.reasons,
                    "health_updated_at": now,
                    # Merged: its records went to its survivor, so time alone never changes
                    # its health again (an unmerge brings them back and recomputes it).
                    "health_next_check_at": None
                    if merged_into is not None
                    else next_check(now, *times),
                }
            )
        await _store(session, rows)


STORED = ("health_score", "health_level", "health_reasons", "health_updated_at")


async def _store(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """One statement per shape of row (a merged customer's gets its next check only)."""
    for names in (("health_next_check_at",), (*STORED, "health_next_check_at")):
        await store_values(session, Customer, names, [r for r in rows if len(r) == len(names) + 1])


async def _claim(write_sessions: Sessions, now: datetime, limit: int, lease: timedelta) -> Claim:
    return await claim_rows(write_sessions, HEALTH_KIND, CUSTOMER_ID, NEXT_CHECK, now, limit, lease)


async def _apply(
    write_sessions: Sessions, claim: Claim, feed: ChangeFeed | None = None
) -> list[uuid.UUID]:
    async with write_sessions() as session, session.begin():
        ours = await still_claimed(session, claim, CUSTOMER_ID, NEXT_CHECK)
        await refresh(session, ours)
    return ours


async def _next_due(sessions: Sessions) -> datetime | None:
    return await earliest(sessions, NEXT_CHECK)


HEALTH_KIND = "customer-health"
HEALTH_DUE = DueWork(HEALTH_KIND, _claim, _apply, _next_due)
