"""The read audit (docs/domain.md, "Who may see and do what"): recording and reading it.

Every response that shows a customer's unmasked email, phone or survey comment adds one
entry per customer: the key (id, name, role), the operation's name, when, and which of
those fields it showed. Never a value.

How a response's reads are known, on each read path:
- resolvers: the personal fields carry `schema.permissions.ReadAudited`, which notes
  (customer id, field) in the request's `ReadNotes` whenever it returns a value unmasked;
- compiled SQL: the statement puts a mark (`\\x01field:customer-id\\x02`, `mark_sql`)
  before every such value it writes; `unmark` takes the marks out of the text (JSON
  text never holds a raw control character, so a mark cannot be confused with data)
  before anything else reads it. A null value gets no mark on either path.

Writing is off the request path: the response's entries go to the process's
`ReadAuditLog` buffer, which a background task (api/read_audit.py) writes (binary COPY
on PostgreSQL, executemany elsewhere) every `read_audit_flush_seconds`, sooner when
5,000 rows wait, and once more when the process stops. Entries are kept `RETENTION`
(400 days): `READ_AUDIT_DUE` deletes the expired ones through the `read_at` index.
"""

import asyncio
import functools
import json
import logging
import os
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Customer, ReadAuditEntry, Role
from models.types import json_text, utc_now
from resolvers.changes import ChangeFeed
from resolvers.compiled.sql_text import survivor
from resolvers.compiled.sql_values import string_list_json
from resolvers.filters import ColumnFilter, Param, bind_value, column_sql, column_type_sql, window
from resolvers.listing import Listing
from resolvers.pagination import (
    ListRequest,
    Sessions,
    newest_first,
)
from resolvers.scheduler import Claim, DueWork

log = logging.getLogger("cx360.read_audit")

# The personal fields whose unmasked reads are recorded, in the order entries list them.
FIELDS = ("email", "phone", "comment")
RETENTION = timedelta(days=400)
NEWEST_FIRST = newest_first(
    "readAudit:at:desc", col(ReadAuditEntry.read_at), col(ReadAuditEntry.id)
)
TABLE = "read_audit_entry"
COLUMNS = (
    "id",
    "read_at",
    "key_id",
    "key_name",
    "role",
    "operation_name",
    "customer_id",
    "fields",
)
INSERT = sa.insert(ReadAuditEntry.__table__)  # type: ignore[attr-defined]


@functools.cache
def fields_json(fields: frozenset[str]) -> str:
    """The stored `fields` of a set of field names: JSON text, in FIELDS order, written as
    every JSON column is (models.types.json_text)."""
    return json_text([f for f in FIELDS if f in fields])


# Pending rows that wake the writer before its interval is up.
FLUSH_AT = 5000
# Rows the buffer holds while the database is away; beyond, the oldest are dropped (logged).
MAX_PENDING = 200_000
# Rows deleted per pruning statement.
PRUNE_BATCH = 5000
OPERATION_NAME_LENGTH = 200


# ---------------------------------------------------------------- what a response showed


@dataclass
class ReadNotes:
    """The unmasked personal fields one response (or subscription event) showed, per customer."""

    shown: dict[uuid.UUID, set[str]] = field(default_factory=dict)

    def note(self, customer: uuid.UUID, name: str) -> None:
        self.shown.setdefault(customer, set()).add(name)

    def take(self) -> dict[uuid.UUID, set[str]]:
        """What was noted so far, emptying the notes (a subscription's next event starts
        afresh)."""
        taken, self.shown = self.shown, {}
        return taken

    def __bool__(self) -> bool:
        return bool(self.shown)


MARK_START, MARK_END = "\x01", "\x02"


def mark_sql(name: str, customer_sql: str) -> str:
    """The mark the compiled statement writes before a value of field `name` it shows
    unmasked; `customer_sql` is the SQL of the customer's id in the value's row."""
    assert name in FIELDS, name
    return f"(E'\\001{name}:' || ({customer_sql})::text || E'\\002')"


def stored_marks_sql(shown: str) -> str:
    """The marks (`mark_sql`) of every field a stored map of reads holds: `shown` is SQL
    text of a JSON column {"<customer id>": ["email", ...]} (a webhook delivery's), the
    result text to put before the value that shows them ('' for none)."""
    # `shown` is a column this code names, never a request's value.
    return (
        "coalesce((SELECT string_agg(E'\\001' || read_field || ':' || read_by.key || "  # noqa: S608
        f"E'\\002', '') FROM json_each({shown}) AS read_by, "
        "json_array_elements_text(read_by.value) AS read_field), '')"
    )


def note_stored(shown: Mapping[str, Iterable[str]], notes: ReadNotes) -> None:
    """Each field of a map of reads by customer id (text) noted under its customer: the
    resolver path's twin of `stored_marks_sql`, and what `unmark` found."""
    for customer, names in shown.items():  # each customer's id parsed once
        key = uuid.UUID(customer)
        for name in names:
            notes.note(key, name)


def unmark(data: str, notes: ReadNotes) -> str:
    """The compiled statement's text without its marks, each noted in `notes` (one split
    and one join: a third of what a regular expression costs on a 100 kB answer)."""
    if MARK_START not in data:
        return data
    parts = data.split(MARK_START)
    kept = [parts[0]]
    marks: dict[str, set[str]] = {}
    for part in parts[1:]:
        mark, _, rest = part.partition(MARK_END)
        name, _, customer = mark.partition(":")
        marks.setdefault(customer, set()).add(name)
        kept.append(rest)
    note_stored(marks, notes)
    return "".join(kept)


def note_export(exported: dict[str, Any], notes: ReadNotes) -> None:
    """What a GDPR export (resolvers.customer_export) shows: the person's and the merged
    records' email and phone, and every survey comment, each under its own customer id."""
    for person in [exported["customer"], *exported["mergedCustomers"]]:
        for name in ("email", "phone"):
            if person.get(name) is not None:
                notes.note(person["id"], name)
    for response in exported["surveyResponses"]:
        if response.get("comment") is not None:
            notes.note(response["customer_id"], "comment")


# ---------------------------------------------------------------- buffering and writing


@dataclass(frozen=True)
class Reader:
    """Who a response went to."""

    key_id: uuid.UUID | None
    key_name: str
    role: Role


class ReadAuditLog:
    """The process's entries not yet written: `record` is called per response (cheap, no
    I/O); `flush` writes everything pending in one transaction."""

    def __init__(self, sessions: Sessions, enabled: bool = True) -> None:
        # Sessions of an engine of the audit's own: its writes take no request connection.
        self.sessions = sessions
        self.enabled = enabled
        self.pending: list[tuple[Any, ...]] = []
        self.filled = asyncio.Event()
        self.dropped = 0
        self._flushing = asyncio.Lock()

    def record(
        self,
        reader: Reader,
        operation_name: str | None,
        shown: dict[uuid.UUID, set[str]],
        at: datetime | None = None,
    ) -> None:
        if not self.enabled or not shown:
            return
        at = at or utc_now()
        name = operation_name[:OPERATION_NAME_LENGTH] if operation_name else None
        # Tuples in COLUMNS order; one read of random bytes for all the response's ids.
        random = os.urandom(16 * len(shown))
        self.pending.extend(
            (
                uuid.UUID(bytes=random[16 * i : 16 * i + 16], version=4),
                at,
                reader.key_id,
                reader.key_name,
                reader.role.value,
                name,
                customer,
                fields_json(frozenset(fields)),
            )
            for i, (customer, fields) in enumerate(shown.items())
        )
        if len(self.pending) >= FLUSH_AT:
            self.filled.set()

    async def flush(self) -> int:
        """Writes every pending entry; on failure they stay pending (bounded by
        MAX_PENDING) and the error is raised. Returns how many were written."""
        async with self._flushing:
            taken, self.pending = self.pending, []
            self.filled.clear()
            if not taken:
                return 0
            try:
                async with self.sessions() as session, session.begin():
                    connection = await session.connection()
                    if connection.dialect.name == "postgresql":
                        # Binary COPY: the driver encodes the rows, nothing per row in Python.
                        raw = await connection.get_raw_connection()
                        copy = raw.driver_connection.copy_records_to_table  # type: ignore[union-attr]
                        await copy(TABLE, records=taken, columns=COLUMNS)
                    else:  # one cached statement, executemany
                        rows = [dict(zip(COLUMNS, row, strict=True)) for row in taken]
                        for row in rows:
                            row["fields"] = json.loads(row["fields"])
                        await session.execute(INSERT, rows)
            except BaseException:
                self.pending[:0] = taken
                over = len(self.pending) - MAX_PENDING
                if over > 0:
                    del self.pending[:over]
                    self.dropped += over
                    log.error("read audit: %d entries dropped (database unreachable)", over)
                raise
            return len(taken)


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class ReadAuditQuery:
    customer_id: uuid.UUID | None = None
    key_name: str | None = None
    read_from: datetime | None = None
    read_to: datetime | None = None


# `ReadAuditEntry.fields` in SQL: the stored JSON list of field names.
FIELDS_JSON_SQL = string_list_json("read_audit_entry.fields")
# An entry's customer is shown until erased (`ReadAuditEntry.customer`), as SQL over its row.
CUSTOMER_SHOWN_SQL = "customer.erased_at IS NULL"


def merged_family(customer: uuid.UUID) -> sa.Select[tuple[uuid.UUID]]:
    """The ids of the customer `customer` stands for (its survivor, if it is a record
    merged into another, as every customer id: `sql_text.survivor`) and of every record
    merged into that customer: the records whose reads are its reads. A merge points
    every record merged into the merged one at the survivor too
    (resolvers.customer_writes.MOVABLE, "pointer"), so one step finds them all; a record
    unmerged since is no longer of the family."""
    stands_for = sa.select(sa.func.coalesce(col(Customer.merged_into_id), col(Customer.id))).where(
        col(Customer.id) == customer
    )
    survivor_id = stands_for.scalar_subquery()
    merged = sa.select(col(Customer.id)).where(col(Customer.merged_into_id) == survivor_id)
    return stands_for.union_all(merged)  # type: ignore[return-value]


def merged_into_sql(customer: str) -> str:
    """The ids of the records merged into `customer` (SQL text of a uuid), by the index
    on `merged_into_id`: `merged_family` but the customer itself."""
    return f"SELECT customer.id FROM customer WHERE customer.merged_into_id = {customer}"  # noqa: S608


ENTRY_CUSTOMER = col(ReadAuditEntry.customer_id)


@dataclass(frozen=True)
class CustomerEntries:
    """`filter.customerId`: the entries of the customer (a merged record's id stands for
    its survivor) and of every record merged into it (`merged_family`). An entry keeps
    the id of the record it read; the record's survivor is known only from the merge,
    which an unmerge undoes.

    The compiled page reads the customer's own entries and those of the records merged
    into it apart (`branches`), merged in order: the first from the index on
    (customer_id, read_at, id), in order, a page at most, whatever the entries' number."""

    field: str = "customer_id"

    def condition(self, value: uuid.UUID, query: Any) -> sa.ColumnElement[bool]:
        return ENTRY_CUSTOMER.in_(merged_family(value))

    def _param(self, param: Param) -> str:
        return param(
            column_type_sql(ENTRY_CUSTOMER), lambda q: bind_value(ENTRY_CUSTOMER, q.customer_id)
        )

    def sql(self, value: uuid.UUID, query: Any, param: Param) -> str:
        customer = survivor(self._param(param))
        family = f"SELECT {customer} UNION ALL {merged_into_sql(customer)}"
        return f"{column_sql(ENTRY_CUSTOMER)} IN ({family})"

    def branches(self, request: ListRequest, param: Param) -> list[str]:
        if request.query.customer_id is None:
            return []
        customer = survivor(self._param(param))
        entry = column_sql(ENTRY_CUSTOMER)
        # The merged records' entries from the same index, whatever their number or age
        # (a scan of every entry in read_at order for the few that match is never planned).
        return [f"{entry} = {customer}", f"{entry} = ANY(ARRAY({merged_into_sql(customer)}))"]


CUSTOMER_ENTRIES = CustomerEntries()

# `readAudit`: queries are ReadAuditQuery, newest first.
READ_AUDIT = Listing(
    "readAudit",
    ReadAuditEntry,
    (
        CUSTOMER_ENTRIES,
        ColumnFilter("key_name", col(ReadAuditEntry.key_name), "equals"),
        *window("read_from", "read_to", col(ReadAuditEntry.read_at)),
    ),
    split_by=CUSTOMER_ENTRIES,
)


# ---------------------------------------------------------------- erasure and retention


async def forget_customers(session: AsyncSession, ids: Iterable[uuid.UUID]) -> None:
    """Erasure: the entries stay, their link to the person goes (the customer_id index)."""
    await session.execute(
        sa.update(ReadAuditEntry)
        .where(col(ReadAuditEntry.customer_id).in_(list(ids)))
        .values(customer_id=None)
    )


READ_AT = col(ReadAuditEntry.read_at)
READ_AUDIT_KIND = "read audit retention"


async def _prune(write_sessions: Sessions, now: datetime, limit: int, _lease: timedelta) -> Claim:
    """Deletes up to `limit` entries older than RETENTION (the oldest first, by index);
    they are the claim's ids, so the scheduler comes back while batches are full."""
    expired = (
        sa.select(col(ReadAuditEntry.id))
        .where(now - RETENTION > READ_AT)
        .order_by(READ_AT)
        .limit(max(limit, PRUNE_BATCH))
    )
    async with write_sessions() as session, session.begin():
        ids = list((await session.execute(expired)).scalars())
        if ids:
            await session.execute(sa.delete(ReadAuditEntry).where(col(ReadAuditEntry.id).in_(ids)))
    return Claim(READ_AUDIT_KIND, ids, now)


async def _deleted(
    write_sessions: Sessions, claim: Claim, feed: ChangeFeed | None = None
) -> list[uuid.UUID]:
    return claim.ids  # the claim already deleted them


async def _next_expiry(sessions: Sessions) -> datetime | None:
    async with sessions() as session:
        oldest: datetime | None = await session.scalar(sa.select(sa.func.min(READ_AT)))
    return oldest + RETENTION if oldest is not None else None


READ_AUDIT_DUE = DueWork(READ_AUDIT_KIND, _prune, _deleted, _next_expiry)
