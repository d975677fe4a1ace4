"""What every write shares: user errors, one transaction, the audit entry, customer refs.

A mutation runs in one transaction. A user error raises `UserErrors` inside it, so
everything the mutation did so far rolls back, and the caller gets the errors in
`userErrors` instead of a partial write.
"""

import asyncio
import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import AuditEntry, ChangeType, Customer, CustomerExternalId, Role
from models.types import json_problem, utc_now
from resolvers import actions, health_state
from resolvers import changes as change_log
from resolvers.changes import ChangeFeed, CustomerRecord, PendingChange, announce
from resolvers.customers import normalize_email
from resolvers.pagination import Sessions

R = TypeVar("R")
# A check every write transaction of the current task runs last, before it commits
# (raising rolls the write back): a bulk import holds its job with it, so a canceled
# job writes nothing more (api/bulk_worker.py).
transaction_guard: ContextVar[Callable[[AsyncSession], Awaitable[None]] | None] = ContextVar(
    "transaction_guard", default=None
)
# Details every audit entry of the current task's writes adds (a bulk import names its
# operation in each line's entry: api/bulk_worker.py).
audit_context: ContextVar[dict[str, Any] | None] = ContextVar("audit_context", default=None)
AUDIT_TABLE: sa.Table = AuditEntry.__table__  # type: ignore[attr-defined]

# Clock skew we accept for times callers send; anything later is a mistake.
FUTURE_TOLERANCE = timedelta(minutes=5)
# GraphQL's Int is 32-bit signed: a count or a number of seconds served as Int stays
# within it, refused when written rather than failing when read.

INT_MAX = 2**31 - 1


@dataclass(frozen=True)
class UserError:
    field: tuple[str, ...] | None
    message: str
    code: str = "INVALID"


class UserErrors(Exception):
    def __init__(self, errors: Sequence[UserError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = list(errors)


def fail(path: Sequence[str] | None, message: str, code: str = "INVALID") -> UserErrors:
    return UserErrors([UserError(tuple(path) if path is not None else None, message, code)])


@dataclass(frozen=True)
class Actor:
    """Who writes: recorded in the audit log."""

    key_id: uuid.UUID | None
    key_name: str
    role: Role


@dataclass(frozen=True)
class Write:
    """An open write transaction and who is writing."""

    session: AsyncSession
    actor: Actor
    # Records this write changed: logged as it commits, announced once it has.
    changes: list[PendingChange] = field(default_factory=list)
    # Customers whose stored health this write may change: recomputed before it commits.
    touched: set[uuid.UUID] = field(default_factory=set)
    # Tickets whose SLA state this write may change: looked at again before it commits.
    tickets: set[uuid.UUID] = field(default_factory=set)
    # Audit entries' rows, inserted in one statement as it commits (an ORM object per
    # entry cost a bulk import about a quarter of its time).
    audits: list[dict[str, Any]] = field(default_factory=list)

    def changed(self, change_type: ChangeType, *records: CustomerRecord) -> None:
        self.changes.extend(change_log.pending(change_type, records))
        self.touch(*(r.customer_id for r in records))
        if change_type.record_type == "Ticket":
            self.tickets.update(r.id for r in records)

    def touch(self, *customer_ids: uuid.UUID) -> None:
        self.touched.update(customer_ids)

    def audit(self, action: str, target_ids: Sequence[str], **details: Any) -> None:
        """An audit entry, stored with the write (models/audit.py)."""
        self.audits.append(
            {
                "id": uuid.uuid4(),
                "key_id": self.actor.key_id,
                "key_name": self.actor.key_name,
                "role": self.actor.role,
                "action": action,
                "target_ids": list(target_ids),
                "details": details,
            }
        )


@asynccontextmanager
async def write(
    sessions: Sessions, actor: Actor, feed: ChangeFeed | None = None, upkeep: bool = True
) -> AsyncIterator[Write]:
    """One transaction; before it commits, the stored health, SLA states and actions of
    what it touched are recomputed (skipped with `upkeep` false: a benchmark switch,
    Settings.proactive_upkeep)."""
    async with sessions() as session:
        async with session.begin():
            transaction = Write(session, actor)
            yield transaction
            if upkeep:
                await health_state.refresh(session, transaction.touched)
                # Here, not at the top: sla_live -> sla -> writes.
                from resolvers import sla_live

                # SLA states the write's ticket changes entered, logged with them.
                transaction.changes.extend(await sla_live.refresh(session, transaction.tickets))
                # Next-best-actions the write started, logged with its other changes.
                transaction.changes.extend(await actions.refresh(session, transaction.touched))
            if transaction.audits:
                # The entries' time is the write's, taken as it is about to commit.
                # RETURNING makes SQLAlchemy send multi-row INSERTs ("insertmanyvalues"),
                # not a statement per entry.
                now, extra = utc_now(), audit_context.get()
                for entry in transaction.audits:
                    entry["occurred_at"] = now
                    if extra:
                        entry["details"] = {**entry["details"], **extra}
                await session.execute(
                    sa.insert(AUDIT_TABLE).returning(AUDIT_TABLE.c.id), transaction.audits
                )
            committed = await change_log.record(session, transaction.changes)
            guard = transaction_guard.get()
            if guard is not None:
                await guard(session)
        await announce(feed, committed)  # committed: never before


# A transaction that lost a race is run again from the start, at most this many times.
ATTEMPTS = 5
# SQLSTATEs of a transaction the database gave up so another could go on: retried.
RETRYABLE_STATES = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock
UNIQUE_VIOLATION = "23505"
SQLITE_UNIQUE = "UNIQUE constraint failed: "
# Unique constraints (PostgreSQL names; SQLite names the columns) and the input field
# a violation of each means. The runner's rerun usually names the exact item first:
# the work's own checks then see the row the concurrent writer committed.
UNIQUE_FIELDS: dict[str, tuple[tuple[str, ...], str]] = {
    "uq_customer_email": (("input", "email"), "another customer has this email."),
    "customer.email": (("input", "email"), "another customer has this email."),
    "uq_customer_external_id_source_external_id": (
        ("input", "externalIds"),
        "an external id already belongs to a customer.",
    ),
    "customer_external_id.source, customer_external_id.external_id": (
        ("input", "externalIds"),
        "an external id already belongs to a customer.",
    ),
}
CONFLICT_MESSAGE = (
    "a concurrent write changed the same records; nothing was written. Send the mutation again."
)


def sqlstate(error: sa.exc.DBAPIError) -> str | None:
    """The database's SQLSTATE of a driver error (asyncpg, psycopg), if it gave one."""
    state = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return str(state) if state is not None else None


def _busy(error: sa.exc.DBAPIError) -> bool:
    """SQLite waited its whole busy timeout for another writer: not worth waiting again."""
    return isinstance(error, sa.exc.OperationalError) and "database is locked" in str(error.orig)


def _unique_violation(error: sa.exc.DBAPIError) -> UserErrors | None:
    """The user error a unique violation means, or None if it is no unique violation."""
    if not isinstance(error, sa.exc.IntegrityError):
        return None
    state, text = sqlstate(error), str(error.orig)
    if state == UNIQUE_VIOLATION:  # asyncpg's own error names the constraint
        constraint = getattr(getattr(error.orig, "__cause__", None), "constraint_name", None)
    elif state is None and text.startswith(SQLITE_UNIQUE):
        constraint = text.removeprefix(SQLITE_UNIQUE)
    else:
        return None
    field_path, message = UNIQUE_FIELDS.get(str(constraint), (None, CONFLICT_MESSAGE))
    return fail(field_path, message, "CONFLICT")


async def run(
    sessions: Sessions,
    actor: Actor,
    feed: ChangeFeed | None,
    work: Callable[[Write], Awaitable[R]],
    upkeep: bool = True,
) -> R:
    """Runs `work` in one transaction; a transaction that lost a race runs again.

    Deadlocks, serialization failures and unique violations (a concurrent writer took
    the same email or key first) roll back and run `work` again from the start, so its
    own checks see what the other writer committed and name the field at fault. After
    `ATTEMPTS` runs the caller gets a CONFLICT user error (the violated constraint's
    field where `UNIQUE_FIELDS` knows it), never a database fault; so does a write that
    waited out SQLite's busy timeout.
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            async with write(sessions, actor, feed, upkeep) as transaction:
                return await work(transaction)
        except sa.exc.DBAPIError as error:
            conflict = _unique_violation(error)
            if _busy(error):
                raise fail(None, CONFLICT_MESSAGE, "CONFLICT") from None
            if conflict is None and sqlstate(error) not in RETRYABLE_STATES:
                raise
            if attempt == ATTEMPTS:
                raise (conflict or fail(None, CONFLICT_MESSAGE, "CONFLICT")) from None
        await asyncio.sleep(random.uniform(0, 0.01 * 2**attempt))  # noqa: S311 (jitter)
    raise AssertionError("unreachable")


def insert_or_skip(
    session: AsyncSession, entity: Any, index_elements: Sequence[str] | None = None
) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING, in the session's dialect (both have it)."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    return insert(entity).on_conflict_do_nothing(index_elements=index_elements)


def check_not_future(value: datetime | None, path: Sequence[str]) -> None:
    if value is not None and value > utc_now() + FUTURE_TOLERANCE:
        raise fail(path, f"`{path[-1]}` is in the future; give a time up to now.")


def check_length(
    value: str | None, limit: int, path: Sequence[str], required: bool = False
) -> None:
    if value is None:
        return
    if required and not value.strip():
        raise fail(path, f"`{path[-1]}` must not be empty.")
    if len(value) > limit:
        raise fail(path, f"`{path[-1]}` is longer than {limit} characters.")


def attributes_problem(value: Any) -> str | None:
    """Why free JSON traits (`attributes`) cannot be stored, or None: an object (or null)
    whose every value JSON carries as it is read back (models.types.json_text)."""
    if value is not None and not isinstance(value, dict):
        return "`attributes` must be a JSON object."
    problem = json_problem(value)
    return None if problem is None else f"`attributes`: {problem}."


@dataclass(frozen=True)
class CustomerRef:
    """Exactly one way to name a customer; the schema layer has checked that."""

    id: uuid.UUID | None = None
    email: str | None = None
    external: tuple[str, str] | None = None


async def resolve_customers(
    session: AsyncSession, refs: Sequence[CustomerRef]
) -> list[uuid.UUID | None]:
    """The customer id each ref names, in at most four statements: a merged customer
    yields its survivor, an erased one (or none) None. Only the three columns it needs
    are read: no customer object is built."""
    ids = {r.id for r in refs if r.id is not None}
    emails = {normalize_email(r.email) for r in refs if r.email is not None}
    externals = {r.external for r in refs if r.external is not None}
    by_email: dict[str, uuid.UUID] = {}
    by_external: dict[tuple[str, str], uuid.UUID] = {}
    if emails:
        email_rows = await session.execute(
            sa.select(col(Customer.email), col(Customer.id)).where(col(Customer.email).in_(emails))
        )
        by_email = {email: key for email, key in email_rows.all() if email is not None}
    if externals:
        pairs = sa.tuple_(col(CustomerExternalId.source), col(CustomerExternalId.external_id))
        external_rows = await session.execute(
            sa.select(
                col(CustomerExternalId.source),
                col(CustomerExternalId.external_id),
                col(CustomerExternalId.customer_id),
            ).where(pairs.in_(list(externals)))
        )
        by_external = {(source, ext): key for source, ext, key in external_rows.all()}

    def key_of(ref: CustomerRef) -> uuid.UUID | None:
        if ref.id is not None:
            return ref.id
        if ref.email is not None:
            return by_email.get(normalize_email(ref.email))
        return by_external.get(ref.external) if ref.external else None

    keys = [key_of(ref) for ref in refs]
    wanted = {k for k in keys if k is not None} | ids
    # id -> (the survivor it was merged into, erased)
    found: dict[uuid.UUID, tuple[uuid.UUID | None, bool]] = {}
    if wanted:
        survivors = sa.select(col(Customer.merged_into_id)).where(col(Customer.id).in_(wanted))
        customer_rows = await session.execute(
            sa.select(
                col(Customer.id),
                col(Customer.merged_into_id),
                col(Customer.erased_at).is_not(None),
            ).where(col(Customer.id).in_(wanted) | col(Customer.id).in_(survivors))
        )
        found = {key: (into, erased) for key, into, erased in customer_rows.all()}
    resolved: list[uuid.UUID | None] = []
    for key in keys:
        row = found.get(key) if key is not None else None
        if row is not None and row[0] is not None:
            key, row = row[0], found.get(row[0])
        resolved.append(key if row is not None and not row[1] else None)
    return resolved


NO_MATCH = "No customer matches this reference."
ERASED_MESSAGE = "This customer was erased; erased customers cannot change."


async def erased_refs(
    session: AsyncSession, refs: Sequence[CustomerRef], resolved: Sequence[uuid.UUID | None]
) -> set[int]:
    """The places in `refs` that `resolve_customers` answered None because they name an
    erased customer (or a record merged into one). Only an id can: erasure clears the
    email and the external ids. Reads nothing unless an id found nobody."""
    asked = {
        index: ref.id
        for index, (ref, found) in enumerate(zip(refs, resolved, strict=True))
        if found is None and ref.id is not None
    }
    if not asked:
        return set()
    erased = sa.select(col(Customer.id)).where(col(Customer.erased_at).is_not(None))
    rows = await session.execute(
        sa.select(col(Customer.id)).where(
            col(Customer.id).in_(set(asked.values())),
            col(Customer.erased_at).is_not(None) | col(Customer.merged_into_id).in_(erased),
        )
    )
    gone = set(rows.scalars())
    return {index for index, key in asked.items() if key in gone}


async def require_customer(
    session: AsyncSession, ref: CustomerRef, path: Sequence[str]
) -> uuid.UUID:
    """The id of the customer `ref` names (see resolve_customers), or at `path` an ERASED
    (an erased customer's id) or a NOT_FOUND."""
    (customer_id,) = await resolve_customers(session, [ref])
    if customer_id is None:
        if await erased_refs(session, [ref], [None]):
            raise fail(path, ERASED_MESSAGE, "ERASED")
        raise fail(path, NO_MATCH, "NOT_FOUND")
    return customer_id
