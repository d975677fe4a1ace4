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
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path
from typing import Any

from models import Channel, JourneyStage, Role, Team
from resolvers.errors import InputError
from resolvers.pagination import Sessions
from resolvers.touchpoint_writes import TouchpointInput, item_problems, record_touchpoints
from resolvers.writes import Actor, CustomerRef, resolve_customers, run
from schema.node import from_global_id
from schema.scalars import parse_datetime

IMPORTER = Actor(key_id=None, key_name="cli-import", role=Role.ADMIN)
ENUMS: dict[str, type[Any]] = {"channel": Channel, "stage": JourneyStage, "team": Team}


@dataclass(frozen=True)
class LineProblem:
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.field}: {self.reason}"


def read_lines(path: Path) -> Iterator[tuple[int, dict[str, Any] | None]]:
    """(line number, record) per data line; None where the line is not a record."""
    with path.open(newline="", encoding="utf-8") as source:
        if path.suffix.lower() == ".csv":
            for number, row in enumerate(csv.DictReader(source), start=2):
                yield number, {k: v for k, v in row.items() if v not in ("", None)}
            return
        for number, text in enumerate(source, start=1):
            if not text.strip():
                continue
            try:
                record = json.loads(text)
            except ValueError:
                record = None
            yield number, record if isinstance(record, dict) else None


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


def parse(record: dict[str, Any]) -> TouchpointInput:
    """A TouchpointInput, or ValueError naming the field ("field: reason")."""

    def field(name: str, convert: Callable[[Any], Any], required: bool = False) -> Any:
        value = record.get(name)
        if value is None:
            if required:
                raise ValueError(f"{name}: required")
            return None
        try:
            return convert(value)
        except (ValueError, KeyError, TypeError, InvalidOperation) as error:
            raise ValueError(f"{name}: {error}") from None

    try:
        customer = _customer(record)
    except (ValueError, KeyError, TypeError, InputError) as error:
        raise ValueError(f"customer: {getattr(error, 'message', error)}") from None

    def member(enum: type[Any]) -> Callable[[Any], Any]:
        return lambda value: enum(str(value).upper())

    enums = {name: field(name, member(enum), True) for name, enum in ENUMS.items()}
    return TouchpointInput(
        customer=customer,
        occurred_at=field("occurredAt", parse_datetime, True),
        kind=field("kind", str, True),
        source=field("source", str, True),
        summary=field("summary", str),
        value=field("value", lambda v: Decimal(str(v))),
        currency=field("currency", str),
        sentiment=field("sentiment", float),
        external_id=field("externalId", str),
        attributes=record.get("attributes"),
        **enums,
    )


async def validate(
    sessions: Sessions, path: Path
) -> tuple[list[TouchpointInput], list[LineProblem]]:
    items: list[TouchpointInput] = []
    lines: list[int] = []
    problems: list[LineProblem] = []
    for number, record in read_lines(path):
        if record is None:
            problems.append(LineProblem(number, "line", "not a JSON object"))
            continue
        try:
            item = parse(record)
        except ValueError as error:
            name, _, reason = str(error).partition(": ")
            problems.append(LineProblem(number, name, reason))
            continue
        for problem in item_problems(item, 0):
            problems.append(LineProblem(number, (problem.field or ("line",))[-1], problem.message))
        items.append(item)
        lines.append(number)
    async with sessions() as session:
        for start in range(0, len(items), 1000):
            chunk = items[start : start + 1000]
            found = await resolve_customers(session, [item.customer for item in chunk])
            problems += [
                LineProblem(lines[start + i], "customer", "no customer matches this reference")
                for i, customer in enumerate(found)
                if customer is None
            ]
    return items, sorted(problems, key=lambda p: p.line)


async def import_touchpoints(
    write_sessions: Sessions,
    items: list[TouchpointInput],
    batch: int,
    progress: Callable[[int], None],
) -> tuple[int, int]:
    """Imports validated items in batches, each batch one transaction; (created, duplicates)."""
    created = duplicates = 0
    for start in range(0, len(items), batch):
        chunk = items[start : start + batch]
        result = await run(write_sessions, IMPORTER, None, partial(record_touchpoints, items=chunk))
        created, duplicates = created + result.created, duplicates + result.duplicates
        progress(len(chunk))
    return created, duplicates
