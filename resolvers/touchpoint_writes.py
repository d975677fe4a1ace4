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
from typing import Any, NamedTuple, Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from models import ChangeType, Channel, Customer, JourneyStage, Team, Touchpoint
from models.enums import STAGE_ORDER
from models.types import utc_now
from resolvers.locks import lock_customers
from resolvers.writes import (
    ERASED_MESSAGE,
    NO_MATCH,
    CustomerRef,
    UserError,
    UserErrors,
    Write,
    attributes_problem,
    check_length,
    check_not_future,
    erased_refs,
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
    problem = attributes_problem(item.attributes)
    if problem is not None:
        problems.append(UserError((*base, "attributes"), problem))
    return problems


def check_size(items: Sequence[NewTouchpoint]) -> None:
    if not 1 <= len(items) <= MAX_BATCH:
        raise UserErrors(
            [UserError(("touchpoints",), f"send 1 to {MAX_BATCH} touchpoints per call.")]
        )


def batch_problems(
    items: Sequence[NewTouchpoint],
    ref_problems: Sequence[UserError],
    customers: Sequence[uuid.UUID | None],
    erased: set[int] | frozenset[int] = frozenset(),
) -> list[UserError]:
    """Everything wrong with one batch, in the order the mutation reports it; `erased`:
    the places whose reference names an erased customer (writes.erased_refs)."""
    problems = [*ref_problems]
    problems += [p for index, item in enumerate(items) for p in item_problems(item, index)]
    unreadable = {p.field[1] for p in ref_problems if p.field}
    problems += [
        UserError(("touchpoints", str(i), "customer"), ERASED_MESSAGE, "ERASED")
        if i in erased
        else UserError(("touchpoints", str(i), "customer"), NO_MATCH, "NOT_FOUND")
        for i, customer in enumerate(customers)
        if customer is None and str(i) not in unreadable
    ]
    return sorted(problems, key=lambda p: [int(p.field[1]) if p.field and len(p.field) > 1 else -1])


def _row(item: NewTouchpoint, customer_id: uuid.UUID, recorded_at: datetime) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "customer_id": customer_id,
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


async def record_touchpoints(
    write: Write,
    items: Sequence[NewTouchpoint],
    ref_problems: Sequence[UserError] = (),
    read_back: bool = True,
) -> IngestResult:
    """`ref_problems`: customer references the caller could not even read, already reported.
    Without `read_back` the result's touchpoints are left empty (the caller shows none)."""
    check_size(items)
    session = write.session
    refs = [item.customer for item in items]
    customers = await resolve_customers(session, refs)
    erased = await erased_refs(session, refs, customers)
    problems = batch_problems(items, ref_problems, customers, erased)
    if problems:
        raise UserErrors(problems)

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
        rows.append(_row(item, customer, recorded_at))
    await lock_customers(session, (r["customer_id"] for r in rows))
    table = Touchpoint.__table__  # type: ignore[attr-defined]
    insert = insert_or_skip(session, table, ["source", "external_id"]).returning(table.c.id)
    inserted = set((await session.execute(insert, rows)).scalars())
    created = [
        StoredRow(r["id"], r["customer_id"], r["stage"]) for r in rows if r["id"] in inserted
    ]
    await _advance_stages(write, created)
    # Once per stored event, though the batch may name it twice.
    write.changed(ChangeType.TOUCHPOINT_RECORDED, *created)
    write.audit(
        "recordTouchpoints",
        [f"Touchpoint:{t.id}" for t in created][:100],
        created=len(inserted),
        duplicates=len(items) - len(inserted),
    )
    if not read_back:
        return IngestResult([], created=len(inserted), duplicates=len(items) - len(inserted))

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
    return IngestResult(result, created=len(inserted), duplicates=len(items) - len(inserted))


class StoredRow(NamedTuple):
    """A row this write inserted: what the change log and the stage upkeep need of it."""

    id: uuid.UUID
    customer_id: uuid.UUID
    stage: JourneyStage


class Staged(Protocol):
    @property
    def customer_id(self) -> uuid.UUID: ...

    @property
    def stage(self) -> JourneyStage: ...


async def _advance_stages(write: Write, created: Sequence[Staged]) -> None:
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


# ------------------------------------------------------------ bulk import, PostgreSQL
# A bulk import's lines, many batches at once: the same checks per line as the mutation,
# then COPY into a temporary staging table and one INSERT ... SELECT ... ON CONFLICT DO
# NOTHING for all of them, and the mutation's effects (stage, change log, audit entry
# per line, health/SLA/actions upkeep in writes.write) set-based for the whole chunk.

# Events per COPY transaction (a bulk import's lines per progress commit are the setting
# bulk_copy_lines).
COPY_EVENTS = 5000
STAGING = "touchpoint_staging"
COLUMNS = (
    "id",
    "customer_id",
    "occurred_at",
    "channel",
    "stage",
    "team",
    "kind",
    "summary",
    "value_cents",
    "currency",
    "sentiment",
    "source",
    "external_id",
    "attributes",
    "recorded_at",
)
CREATE_STAGING = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGING} (LIKE touchpoint INCLUDING DEFAULTS) "
    "ON COMMIT DELETE ROWS"
)
COLUMN_LIST = ", ".join(COLUMNS)
INSERT_STAGED = (
    f"INSERT INTO touchpoint ({COLUMN_LIST}) SELECT {COLUMN_LIST} FROM {STAGING} "  # noqa: S608
    "ON CONFLICT (source, external_id) DO NOTHING RETURNING id"
)


class LineBatch(NamedTuple):
    """One line's batch: its items and the references that could not be read."""

    items: Sequence[NewTouchpoint]
    ref_problems: Sequence[UserError]


@dataclass
class LinesResult:
    errors: list[list[UserError]]  # per line; none: its events are stored, or were already
    created: int  # events this call stored


async def record_lines(write: Write, lines: Sequence[LineBatch]) -> LinesResult:
    """Each line's user errors, as the mutation run once per line in this order would
    report them, and the events stored as it would store them."""
    session = write.session
    refs = [item.customer for line in lines for item in line.items]
    resolved = await resolve_customers(session, refs)
    erased = await erased_refs(session, refs, resolved)
    found = iter(enumerate(resolved))
    outcome: list[list[UserError]] = []
    valid: list[tuple[int, list[tuple[NewTouchpoint, uuid.UUID]]]] = []
    for number, line in enumerate(lines):
        places = [next(found) for _ in line.items]
        customers = [customer for _, customer in places]
        line_erased = {i for i, (place, _) in enumerate(places) if place in erased}
        try:
            check_size(line.items)
        except UserErrors as error:
            outcome.append(error.errors)
            continue
        problems = batch_problems(line.items, line.ref_problems, customers, line_erased)
        outcome.append(problems)
        if not problems:
            valid.append(
                (number, [(i, c) for i, c in zip(line.items, customers, strict=True) if c])
            )

    # One row per idempotency key in the chunk; a later repeat is the earlier's duplicate.
    recorded_at = utc_now()
    rows: list[dict[str, Any]] = []
    rows_of_line: list[tuple[int, list[int]]] = []
    keys: set[tuple[str, str]] = set()
    for number, pairs in valid:
        own: list[int] = []
        for item, customer in pairs:
            if item.external_id is not None:
                key = (item.source, item.external_id)
                if key in keys:
                    continue
                keys.add(key)
            own.append(len(rows))
            rows.append(_row(item, customer, recorded_at))
        rows_of_line.append((number, own))
    await lock_customers(session, (r["customer_id"] for r in rows))
    inserted = await _copy_insert(session, rows) if rows else set()

    created = [
        StoredRow(r["id"], r["customer_id"], r["stage"]) for r in rows if r["id"] in inserted
    ]
    await _advance_stages(write, created)
    write.changed(ChangeType.TOUCHPOINT_RECORDED, *created)
    for number, own in rows_of_line:
        ids = [rows[i]["id"] for i in own if rows[i]["id"] in inserted]
        write.audit(
            "recordTouchpoints",
            [f"Touchpoint:{key}" for key in ids][:100],
            created=len(ids),
            duplicates=len(lines[number].items) - len(ids),
        )
    return LinesResult(outcome, len(inserted))


async def _copy_insert(session: AsyncSession, rows: list[dict[str, Any]]) -> set[uuid.UUID]:
    """COPY the rows into the staging table, then insert those whose key is new: their ids."""
    table = Touchpoint.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect
    processors = [table.c[name].type._cached_bind_processor(dialect) for name in COLUMNS]
    records = [
        tuple(
            value if process is None or value is None else process(value)
            for value, process in zip((row[name] for name in COLUMNS), processors, strict=True)
        )
        for row in rows
    ]
    await session.execute(sa.text(CREATE_STAGING))
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    await driver.copy_records_to_table(STAGING, records=records, columns=COLUMNS)
    return set((await session.execute(sa.text(INSERT_STAGED))).scalars())
