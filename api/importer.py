"""Bulk touchpoint import from JSONL or CSV: validate every line, then import all or none.

Lines use the API's field names. JSONL: one TouchpointInput object per line
(`{"customer": {"email": ...}, "occurredAt": ..., ...}`). CSV: a header row with those
names, the customer given as `customerEmail`, `customerId` (a global id) or
`customerSource` + `customerExternalId`. Importing is idempotent by (source, externalId).
"""

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any

from api.import_columns import COLUMNS, CUSTOMER_COLUMNS, one_of
from models import Channel, JourneyStage, Role, Team
from resolvers.errors import InputError
from resolvers.pagination import Sessions
from resolvers.touchpoint_writes import (
    COPY_EVENTS,
    LineBatch,
    NewTouchpoint,
    item_problems,
    record_lines,
    record_touchpoints,
)
from resolvers.writes import Actor, CustomerRef, erased_refs, resolve_customers, run
from schema.node import from_global_id
from schema.scalars import parse_datetime

IMPORTER = Actor(key_id=None, key_name="cli-import", role=Role.ADMIN)
ENUMS: dict[str, type[StrEnum]] = {"channel": Channel, "stage": JourneyStage, "team": Team}
FORMATS = {".jsonl": "JSON lines", ".ndjson": "JSON lines", ".csv": "CSV"}


# Stand-ins for fields that did not convert, so the other checks still run on the line.
STAND_INS: dict[str, Any] = {
    "occurredAt": datetime(2000, 1, 1, tzinfo=UTC),
    "kind": "-",
    "source": "-",
    **{name: next(iter(enum)) for name, enum in ENUMS.items()},
}


@dataclass(frozen=True)
class LineProblem:
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.field}: {self.reason}"


def check_format(path: Path) -> None:
    """Refuses a file whose extension names no format cx360 reads."""
    if path.suffix.lower() not in FORMATS:
        accepted = ", ".join(f"{suffix} ({kind})" for suffix, kind in FORMATS.items())
        raise InputError(
            "file",
            f"{path.name}: cannot tell the format from '{path.suffix or 'no extension'}'; "
            f"name the file {accepted}",
        )


def read_lines(path: Path) -> Iterator[tuple[int, dict[str, Any] | LineProblem]]:
    """(line number, record) per data line; a LineProblem where the line is no record."""
    check_format(path)
    # utf-8-sig: Excel's "CSV UTF-8" (and some JSON tools) start the file with a BOM.
    with path.open(newline="", encoding="utf-8-sig") as source:
        if path.suffix.lower() == ".csv":
            reader = csv.DictReader(source)
            known = {*COLUMNS, *CUSTOMER_COLUMNS}
            header = [column.strip() for column in reader.fieldnames or ()]
            reader.fieldnames = header
            for column in header:
                if column not in known:
                    accepted = ", ".join([*COLUMNS, *CUSTOMER_COLUMNS])
                    yield 1, LineProblem(1, column, f"unknown column; accepted: {accepted}")
            lacking = _lacking(header)
            if header and lacking:  # said once, not once per row
                yield (
                    1,
                    LineProblem(
                        1,
                        "header",
                        f"the header lacks required columns {', '.join(lacking)}; "
                        f"the columns are: {', '.join(header)}",
                    ),
                )
                return
            for number, row in enumerate(reader, start=2):
                yield number, {k: v for k, v in row.items() if v not in ("", None)}
            return
        for number, text in enumerate(source, start=1):
            if not text.strip():
                continue
            try:
                record = json.loads(text)
            except ValueError:
                record = None
            if isinstance(record, dict):
                yield number, record
            else:
                yield number, LineProblem(number, "line", "not a JSON object")


REQUIRED = ("occurredAt", "channel", "stage", "team", "kind", "source")


def _lacking(header: list[str]) -> list[str]:
    """The required columns a CSV header lacks (a customer column counts as one)."""
    lacking = [column for column in REQUIRED if column not in header]
    names_customer = "customerEmail" in header or "customerId" in header
    if not names_customer and not {"customerSource", "customerExternalId"} <= {*header}:
        lacking.insert(0, "customerEmail (or customerId, or customerSource + customerExternalId)")
    return lacking


def _customer(record: dict[str, Any]) -> CustomerRef:
    given = record.get("customer") or {
        "id": record.get("customerId"),
        "email": record.get("customerEmail"),
        "externalId": {"source": record["customerSource"], "id": record["customerExternalId"]}
        if record.get("customerSource") and record.get("customerExternalId")
        else None,
    }
    named = {k: v for k, v in given.items() if v is not None} if isinstance(given, dict) else {}
    if len(named) != 1:
        raise ValueError("name the customer by exactly one of id, email or external id")
    if "id" in named:
        type_name, key = from_global_id(str(named["id"]), "customer.id")
        if type_name != "Customer":
            raise ValueError("customer.id is not a customer's id")
        return CustomerRef(id=key)
    if "email" in named:
        return CustomerRef(email=str(named["email"]))
    external = named["externalId"]
    return CustomerRef(external=(str(external["source"]), str(external["id"])))


def _decimal(value: Any) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise ValueError(f"'{value}' is not a number; write e.g. 12.50")
    return number


def _sentiment(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"'{value}' is not a number from -1.0 to 1.0") from None


def _member(enum: type[StrEnum]) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        try:
            return enum(str(value).upper())
        except ValueError:
            raise ValueError(f"'{value}' is not one of {one_of(enum)}") from None

    return convert


def parse(record: dict[str, Any]) -> tuple[NewTouchpoint | None, list[tuple[str, str]]]:
    """The line's NewTouchpoint and every (field, reason) wrong with it.

    The input is None when the customer reference is unusable; fields that did not
    convert are replaced by stand-ins so the remaining checks still report.
    """
    problems: list[tuple[str, str]] = []

    def field(name: str, convert: Callable[[Any], Any], required: bool = False) -> Any:
        value = record.get(name)
        if value is None:
            if required:
                problems.append((name, "missing (required)"))
            return STAND_INS.get(name)
        try:
            return convert(value)
        except (ValueError, KeyError, TypeError, InvalidOperation) as error:
            problems.append((name, str(getattr(error, "message", error))))
            return STAND_INS.get(name)

    customer: CustomerRef | None = None
    try:
        customer = _customer(record)
    except (ValueError, KeyError, TypeError, InputError) as error:
        problems.append(("customer", str(getattr(error, "message", error))))

    enums = {name: field(name, _member(enum), True) for name, enum in ENUMS.items()}
    item = NewTouchpoint(
        customer=customer or CustomerRef(),
        occurred_at=field("occurredAt", parse_datetime, True),
        kind=field("kind", str, True),
        source=field("source", str, True),
        summary=field("summary", str),
        value=field("value", _decimal),
        currency=field("currency", str),
        sentiment=field("sentiment", _sentiment),
        external_id=field("externalId", str),
        attributes=record.get("attributes"),
        **enums,
    )
    reported = {name for name, _ in problems}
    for problem in item_problems(item, 0):
        name = str((problem.field or ("line",))[-1])
        if name not in reported:
            problems.append((name, problem.message))
    return (item if customer is not None else None), problems


async def validate(sessions: Sessions, path: Path) -> tuple[list[NewTouchpoint], list[LineProblem]]:
    items: list[NewTouchpoint] = []
    lines: list[int] = []
    problems: list[LineProblem] = []
    rows = 0
    for number, record in read_lines(path):
        rows += 1
        if isinstance(record, LineProblem):
            problems.append(record)
            continue
        item, found = parse(record)
        problems += [LineProblem(number, name, reason) for name, reason in found]
        if item is not None:
            items.append(item)
            lines.append(number)
    if not rows:
        raise InputError(
            "file", f"{path.name} holds no rows (a header alone is none): nothing imported"
        )
    async with sessions() as session:
        for start in range(0, len(items), 1000):
            chunk = items[start : start + 1000]
            refs = [item.customer for item in chunk]
            found_customers = await resolve_customers(session, refs)
            erased = await erased_refs(session, refs, found_customers)
            problems += [
                LineProblem(
                    lines[start + i],
                    "customer",
                    "this customer was erased; erased customers cannot change"
                    if i in erased
                    else "no customer matches this reference",
                )
                for i, customer in enumerate(found_customers)
                if customer is None
            ]
    return items, sorted(problems, key=lambda p: p.line)


async def import_touchpoints(
    write_sessions: Sessions,
    items: list[NewTouchpoint],
    batch: int,
    progress: Callable[[int], None],
    copy: bool = False,
) -> tuple[int, int]:
    """Imports validated items in batches, each batch one transaction; (created, duplicates).

    With `copy` (PostgreSQL) the batches go the way a bulk import's lines do: through
    COPY (resolvers/touchpoint_writes.py `record_lines`), COPY_EVENTS events per
    transaction, one audit entry per batch as the mutation writes.
    """
    if copy:
        return await _copy_import(write_sessions, items, batch, progress)
    created = duplicates = 0
    for start in range(0, len(items), batch):
        chunk = items[start : start + batch]
        result = await run(write_sessions, IMPORTER, None, partial(record_touchpoints, items=chunk))
        created, duplicates = created + result.created, duplicates + result.duplicates
        progress(len(chunk))
    return created, duplicates


async def _copy_import(
    write_sessions: Sessions,
    items: list[NewTouchpoint],
    batch: int,
    progress: Callable[[int], None],
) -> tuple[int, int]:
    created = 0
    step = max(batch, COPY_EVENTS // batch * batch)
    for start in range(0, len(items), step):
        group = items[start : start + step]
        lines = [LineBatch(group[i : i + batch], ()) for i in range(0, len(group), batch)]
        result = await run(write_sessions, IMPORTER, None, partial(record_lines, lines=lines))
        created += result.created
        progress(len(group))
    return created, len(items) - created
