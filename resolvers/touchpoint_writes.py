"""Idempotent touchpoint ingestion: all or nothing per batch, each event stored once.

`(source, externalId)` is the idempotency key. The insert is `INSERT ... ON CONFLICT
DO NOTHING RETURNING` (never read-then-write), so a retry, a repeat inside the batch,
or a concurrent request with the same event stores it once; the others read the stored
row back and count it as a duplicate.
"""

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from models import ChangeType, Channel, Customer, JourneyStage, Team, Touchpoint
from models.enums import STAGE_ORDER
from models.types import utc_now
from resolvers.writes import (
    CustomerRef,
    UserError,
    UserErrors,
    Write,
    check_length,
    check_not_future,
    insert_or_skip,
    resolve_customers,
)

MAX_BATCH = 1000
CENT = Decimal("0.01")
# Money is stored and summed as 64-bit integer cents: values under 10^12 leave room for
# sums over 92,000 purchases of the largest value (SQLite's sum() has no wider type).
MAX_VALUE = Decimal("999999999999.99")
CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class NewTouchpoint:
    customer: CustomerRef
    occurred_at: datetime
    channel: Channel
    stage: JourneyStage
    team: Team
    kind: str
    source: str
    summary: str | None = None
    value: Decimal | None = None
    currency: str | None = None
    sentiment: float | None = None
    external_id: str | None = None
    attributes: Any = None


@dataclass
class IngestResult:
    touchpoints: list[Touchpoint]
    created: int
    duplicates: int


def item_problems(item: NewTouchpoint, index: int) -> list[UserError]:
    base = ("touchpoints", str(index))
    problems: list[UserError] = []

    def check(action: Any) -> None:
        try:
            action()
        except UserErrors as error:
            problems.extend(error.errors)

    check(lambda: check_not_future(item.occurred_at, [*base, "occurredAt"]))
    check(lambda: check_length(item.kind, 64, [*base, "kind"], required=True))
    check(lambda: check_length(item.source, 64, [*base, "source"], required=True))
    check(lambda: check_length(item.external_id, 255, [*base, "externalId"], required=True))
    check(lambda: check_length(item.summary, 10_000, [*base, "summary"]))
    if item.value is not None:
        if abs(item.value) > MAX_VALUE or item.value != item.value.quantize(CENT):
            problems.append(
                UserError(
                    (*base, "value"),
                    f"`value` takes at most 2 decimals, from -{MAX_VALUE} to {MAX_VALUE}.",
                )
            )
        if item.currency is None:
            problems.append(UserError((*base, "currency"), "a `value` needs its `currency`."))
    if item.currency is not None and not CURRENCY.match(item.currency):
        problems.append(
            UserError((*base, "currency"), "`currency` is an ISO 4217 code such as USD.")
        )
    if item.sentiment is not None and not -1.0 <= item.sentiment <= 1.0:
        problems.append(UserError((*base, "sentiment"), "`sentiment` is between -1.0 and 1.0."))
    if item.attributes is not None and not isinstance(item.attributes, dict):
        problems.append(UserError((*base, "attributes"), "`attributes` must be a JSON object."))
    return problems


async def record_touchpoints(
    write: Write, items: Sequence[NewTouchpoint], ref_problems: Sequence[UserError] = ()
) -> IngestResult:
    """`ref_problems`: customer references the caller could not even read, already reported."""
    if not 1 <= len(items) <= MAX_BATCH:
        raise UserErrors(
            [UserError(("touchpoints",), f"send 1 to {MAX_BATCH} touchpoints per call.")]
        )
    session = write.session
    problems = [*ref_problems]
    problems += [p for index, item in enumerate(items) for p in item_problems(item, index)]
    unreadable = {p.field[1] for p in ref_problems if p.field}
    customers = await resolve_customers(session, [item.customer for item in items])
    problems += [
        UserError(
            ("touchpoints", str(i), "customer"), "No customer matches this reference.", "NOT_FOUND"
        )
        for i, customer in enumerate(customers)
        if customer is None and str(i) not in unreadable
    ]
    if problems:
        raise UserErrors(
            sorted(
                problems, key=lambda p: [int(p.field[1]) if p.field and len(p.field) > 1 else -1]
            )
        )

    # One row per idempotency key; a repeat inside the batch maps to the first.
    rows: list[dict[str, Any]] = []
    row_of_item: list[int] = []
    first_with_key: dict[tuple[str, str], int] = {}
    recorded_at = utc_now()
    for item, customer in zip(items, customers, strict=True):
        assert customer is not None
        key = (item.source, item.external_id) if item.external_id is not None else None
        if key is not None and key in first_with_key:
            row_of_item.append(first_with_key[key])
            continue
        if key is not None:
            first_with_key[key] = len(rows)
        row_of_item.append(len(rows))
        rows.append(
            {
                "id": uuid.uuid4(),
                "customer_id": customer.id,
                "occurred_at": item.occurred_at,
                "channel": item.channel,
                "stage": item.stage,
                "team": item.team,
                "kind": item.kind,
                "summary": item.summary,
                "value_cents": item.value,
                "currency": item.currency,
                "sentiment": item.sentiment,
                "source": item.source,
                "external_id": item.external_id,
                "attributes": item.attributes,
                "recorded_at": recorded_at,
            }
        )
    table = Touchpoint.__table__  # type: ignore[attr-defined]
    insert = insert_or_skip(session, table, ["source", "external_id"]).returning(table.c.id)
    inserted = set((await session.execute(insert, rows)).scalars())

    # Rows that lost to an existing event: read the stored ones back by their key.
    stored: dict[uuid.UUID, Touchpoint] = {}
    lost = [(r["source"], r["external_id"]) for r in rows if r["id"] not in inserted]
    key_columns = sa.tuple_(col(Touchpoint.source), col(Touchpoint.external_id))
    wanted: ColumnElement[bool] = col(Touchpoint.id).in_(inserted) if inserted else sa.false()
    if lost:
        wanted = wanted | key_columns.in_(lost)
    by_key: dict[tuple[str, str | None], Touchpoint] = {}
    for touchpoint in (await session.execute(sa.select(Touchpoint).where(wanted))).scalars():
        stored[touchpoint.id] = touchpoint
        by_key[(touchpoint.source, touchpoint.external_id)] = touchpoint

    def stored_row(row: dict[str, Any]) -> Touchpoint:
        if row["id"] in inserted:
            return stored[row["id"]]
        return by_key[(row["source"], row["external_id"])]

    result = [stored_row(rows[i]) for i in row_of_item]
    await _advance_stages(write, [t for t in result if t.id in inserted])
    write.changed(ChangeType.TOUCHPOINT_RECORDED, *(t for t in result if t.id in inserted))
    write.audit(
        "recordTouchpoints",
        [f"Touchpoint:{t.id}" for t in result if t.id in inserted][:100],
        created=len(inserted),
        duplicates=len(items) - len(inserted),
    )
    return IngestResult(result, created=len(inserted), duplicates=len(items) - len(inserted))


async def _advance_stages(write: Write, created: Sequence[Touchpoint]) -> None:
    """Moves each customer's stage forward to its furthest new touchpoint, never back."""
    furthest: dict[uuid.UUID, JourneyStage] = {}
    for touchpoint in created:
        current = furthest.get(touchpoint.customer_id)
        if current is None or touchpoint.stage.rank > current.rank:
            furthest[touchpoint.customer_id] = touchpoint.stage
    by_stage: dict[JourneyStage, list[uuid.UUID]] = {}
    for customer_id, stage in furthest.items():
        by_stage.setdefault(stage, []).append(customer_id)
    for stage, customer_ids in by_stage.items():
        earlier = STAGE_ORDER[: stage.rank]
        if earlier:
            await write.session.execute(
                sa.update(Customer)
                .where(col(Customer.id).in_(customer_ids), col(Customer.stage).in_(earlier))
                .values(stage=stage, updated_at=utc_now())
            )
