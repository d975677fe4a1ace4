"""Customer writes: create, update, merge (reversibly), unmerge and GDPR erase."""

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import (
    Customer,
    CustomerExternalId,
    JourneyStage,
    MergeRecord,
    SurveyInvitation,
    SurveyResponse,
    Ticket,
    Touchpoint,
)
from models.enums import STAGE_ORDER
from models.types import utc_now
from resolvers import read_audit, webhooks
from resolvers.customers import normalize_email
from resolvers.locks import FOR_NO_KEY_UPDATE
from resolvers.masks import stored_phone_mask
from resolvers.writes import (
    UserError,
    UserErrors,
    Write,
    attributes_problem,
    check_length,
    fail,
)

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
PHONE_PUNCTUATION = re.compile(r"[\s().\-]")
MAX_EXTERNAL_IDS = 20
MAX_MERGED = 50
ERASED_NAME = "Erased customer"

# What moves with a merge: each kind's table and the column naming its owner. "pointer"
# is a customer merged earlier into the merged one, repointed to the survivor.
MOVABLE: dict[str, tuple[Any, str]] = {
    "touchpoint": (Touchpoint, "customer_id"),
    "ticket": (Ticket, "customer_id"),
    "survey_response": (SurveyResponse, "customer_id"),
    "survey_invitation": (SurveyInvitation, "customer_id"),
    "external_id": (CustomerExternalId, "customer_id"),
    "pointer": (Customer, "merged_into_id"),
}


class Unset:
    """A field the caller did not send (distinct from null, which clears it)."""


UNSET: Any = Unset()


@dataclass(frozen=True)
class CustomerChanges:
    """An update: only the fields given change (UNSET: not sent); None clears a field."""

    name: str | Unset | None = UNSET
    email: str | Unset | None = UNSET
    phone: str | Unset | None = UNSET
    company: str | Unset | None = UNSET
    segment: str | Unset | None = UNSET
    attributes: Any = UNSET
    churned_at: datetime | Unset | None = UNSET


@dataclass(frozen=True)
class NewCustomer(CustomerChanges):
    """A customer to create: `name` is required; (source, id) pairs other systems know it by."""

    external_ids: tuple[tuple[str, str], ...] = field(default_factory=tuple)


def _clean_email(value: str, path: list[str]) -> str:
    try:
        validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise fail(path, f"`email` is not a valid address: {error}") from None
    return normalize_email(value)


def _clean_phone(value: str, path: list[str]) -> str:
    phone = PHONE_PUNCTUATION.sub("", value)
    if not E164.match(phone):
        raise fail(path, "`phone` must be in E.164 form: + and country code, e.g. +447700900123.")
    return phone


def _validated(data: CustomerChanges) -> dict[str, Any]:
    """The column values to write; raises every problem at once."""
    creating = isinstance(data, NewCustomer)
    external_ids = data.external_ids if isinstance(data, NewCustomer) else ()
    errors: list[UserError] = []
    values: dict[str, Any] = {}

    def check(name: str, action: Any) -> None:
        try:
            values[name] = action()
        except UserErrors as problem:
            errors.extend(problem.errors)

    def text(name: str, limit: int, required: bool = False) -> Any:
        value = getattr(data, name)
        if required and (value is None or (creating and isinstance(value, Unset))):
            raise fail(["input", name], f"`{name}` is required and cannot be null.")
        if isinstance(value, str):
            check_length(value, limit, ["input", name], required=required)
            return value.strip() or None
        return value

    check("name", lambda: text("name", 200, required=True))
    check("company", lambda: text("company", 200))
    check("segment", lambda: text("segment", 64))
    if isinstance(data.email, str):
        check("email", lambda: _clean_email(data.email, ["input", "email"]))
    else:
        values["email"] = data.email
    if isinstance(data.phone, str):
        check("phone", lambda: _clean_phone(data.phone, ["input", "phone"]))
    else:
        values["phone"] = data.phone
    problem = None if isinstance(data.attributes, Unset) else attributes_problem(data.attributes)
    if problem is not None:
        errors.append(UserError(("input", "attributes"), problem))
    values["attributes"] = data.attributes
    values["churned_at"] = data.churned_at
    if len(external_ids) > MAX_EXTERNAL_IDS:
        errors.append(UserError(("input", "externalIds"), f"at most {MAX_EXTERNAL_IDS} ids."))
    seen: set[tuple[str, str]] = set()
    for index, (source, external) in enumerate(external_ids):
        path = ("input", "externalIds", str(index))
        if not source.strip() or not external.strip() or len(source) > 64 or len(external) > 255:
            errors.append(UserError(path, "external ids need a source (≤ 64) and an id (≤ 255)."))
        elif (source, external) in seen:
            errors.append(UserError(path, "this external id is listed twice."))
        seen.add((source, external))
    if errors:
        raise UserErrors(errors)
    return {k: v for k, v in values.items() if not isinstance(v, Unset)}


async def _check_unique(
    session: AsyncSession,
    email: str | None,
    external_ids: Sequence[tuple[str, str]],
    customer_id: uuid.UUID | None,
) -> None:
    """Every unique value another customer holds, read in ONE statement: one snapshot, so
    a concurrent writer's email and external ids (committed together) are seen together,
    and a loser of a race names every field it lost on, whatever the timing."""
    checks: list[sa.Select[*tuple[Any, ...]]] = []
    if email is not None:
        checks.append(
            sa.select(sa.literal("email"), sa.null(), sa.null()).where(
                col(Customer.email) == email, col(Customer.id) != customer_id
            )
        )
    if external_ids:
        pairs = sa.tuple_(col(CustomerExternalId.source), col(CustomerExternalId.external_id))
        checks.append(
            sa.select(
                sa.literal("external"),
                col(CustomerExternalId.source),
                col(CustomerExternalId.external_id),
            ).where(pairs.in_(list(external_ids)))
        )
    if not checks:
        return
    rows = (await session.execute(sa.union_all(*checks))).all()
    errors: list[UserError] = []
    if any(kind == "email" for kind, _, _ in rows):
        errors.append(UserError(("input", "email"), "another customer has this email.", "CONFLICT"))
    taken_pairs: set[tuple[str | None, str | None]] = {
        (source, external) for kind, source, external in rows if kind == "external"
    }
    for index, pair in enumerate(external_ids):
        if tuple(pair) in taken_pairs:
            errors.append(
                UserError(
                    ("input", "externalIds", str(index)),
                    f"{pair[0]} id '{pair[1]}' already belongs to a customer.",
                    "CONFLICT",
                )
            )
    if errors:
        raise UserErrors(errors)


async def create_customer(write: Write, data: NewCustomer) -> Customer:
    values = _validated(data)
    await _check_unique(write.session, values.get("email"), data.external_ids, None)
    now = utc_now()
    phone_masked = stored_phone_mask(values.get("phone"))
    customer = Customer(**values, phone_masked=phone_masked, created_at=now, updated_at=now)
    write.session.add(customer)
    for source, external in data.external_ids:
        write.session.add(
            CustomerExternalId(customer_id=customer.id, source=source, external_id=external)
        )
    # A concurrent writer taking the same email or id first fails this flush: the write
    # runner (resolvers.writes.run) runs it again, and the check above names the field.
    await write.session.flush()
    write.touch(customer.id)
    write.audit("createCustomer", [f"Customer:{customer.id}"], fields=sorted(values))
    return customer


async def _live_customer(write: Write, key: uuid.UUID, path: list[str]) -> Customer:
    """The customer behind an id (its survivor if merged), locked for this transaction."""
    customer = await write.session.get(Customer, key, with_for_update=FOR_NO_KEY_UPDATE)
    if customer is not None and customer.merged_into_id is not None:
        customer = await write.session.get(
            Customer, customer.merged_into_id, with_for_update=FOR_NO_KEY_UPDATE
        )
    if customer is None:
        raise fail(path, "No customer has this id.", "NOT_FOUND")
    if customer.erased_at is not None:
        raise fail(path, "This customer was erased; erased customers cannot change.", "ERASED")
    return customer


async def update_customer(write: Write, key: uuid.UUID, data: CustomerChanges) -> Customer:
    customer = await _live_customer(write, key, ["id"])
    values = _validated(data)
    await _check_unique(write.session, values.get("email"), (), customer.id)
    for name, value in values.items():
        setattr(customer, name, value)
    customer.phone_masked = stored_phone_mask(customer.phone)
    customer.updated_at = utc_now()
    await write.session.flush()  # a concurrent taker of the email: see create_customer
    if "churned_at" in values:
        write.touch(customer.id)  # churn starts or ends next-best-actions (resolvers.actions)
    write.audit("updateCustomer", [f"Customer:{customer.id}"], fields=sorted(values))
    return customer


async def recompute_stage(session: AsyncSession, customer_id: uuid.UUID) -> None:
    """A customer's stage is the furthest stage among their touchpoints (AWARENESS if none)."""
    stages = set(
        (
            await session.execute(
                sa.select(col(Touchpoint.stage))
                .where(col(Touchpoint.customer_id) == customer_id)
                .distinct()
            )
        ).scalars()
    )
    furthest = max(stages, key=lambda s: s.rank, default=JourneyStage.AWARENESS)
    await session.execute(
        sa.update(Customer).where(col(Customer.id) == customer_id).values(stage=furthest)
    )


async def _lock_in_order(session: AsyncSession, keys: Sequence[uuid.UUID]) -> None:
    """Locks these customers and the survivors they point to, in id order.

    Two merges naming the same customers (A into B, B into A) then lock them in the
    same order: the second waits for the first instead of deadlocking with it, and
    then finds one of them merged already.
    """
    pointed = sa.select(col(Customer.merged_into_id)).where(col(Customer.id).in_(keys))
    everyone = set(keys) | {k for k in (await session.execute(pointed)).scalars() if k}
    await session.execute(
        sa.select(col(Customer.id))
        .where(col(Customer.id).in_(everyone))
        .order_by(col(Customer.id))
        .with_for_update(key_share=True)
    )


async def merge_customers(
    write: Write, survivor_key: uuid.UUID, merged_keys: Sequence[uuid.UUID]
) -> Customer:
    session = write.session
    await _lock_in_order(session, [survivor_key, *merged_keys[:MAX_MERGED]])
    survivor = await _live_customer(write, survivor_key, ["input", "survivorId"])
    if not 1 <= len(merged_keys) <= MAX_MERGED:
        raise fail(["input", "mergedIds"], f"give 1 to {MAX_MERGED} customer ids to merge.")
    merged: list[Customer] = []
    errors: list[UserError] = []
    for index, key in enumerate(merged_keys):
        path = ("input", "mergedIds", str(index))
        customer = await session.get(Customer, key, with_for_update=FOR_NO_KEY_UPDATE)
        if customer is None:
            errors.append(UserError(path, "No customer has this id.", "NOT_FOUND"))
        elif customer.id == survivor.id or customer.merged_into_id is not None:
            errors.append(UserError(path, "This customer is already merged or is the survivor."))
        elif customer.erased_at is not None:
            errors.append(UserError(path, "This customer was erased.", "ERASED"))
        elif customer in merged:
            errors.append(UserError(path, "This id is listed twice."))
        else:
            merged.append(customer)
    if errors:
        raise UserErrors(errors)
    for customer in merged:
        for kind, (model, owner) in MOVABLE.items():
            owned_by_merged = getattr(model, owner) == customer.id
            journal = sa.select(
                sa.literal(customer.id, sa.Uuid), sa.literal(kind), col(model.id)
            ).where(owned_by_merged)
            await session.execute(
                sa.insert(MergeRecord).from_select(
                    ["merged_customer_id", "record_kind", "record_id"], journal
                )
            )
            await session.execute(
                sa.update(model).where(owned_by_merged).values({owner: survivor.id})
            )
        customer.merged_into_id = survivor.id
        customer.updated_at = utc_now()
        if customer.stage.rank > survivor.stage.rank:
            survivor.stage = customer.stage
    survivor.updated_at = utc_now()
    await session.flush()
    write.touch(survivor.id, *(c.id for c in merged))
    write.audit(
        "mergeCustomers",
        [f"Customer:{survivor.id}", *(f"Customer:{c.id}" for c in merged)],
        merged=len(merged),
    )
    return survivor


async def unmerge_customer(write: Write, key: uuid.UUID) -> Customer:
    """Gives a merged customer back exactly the records it brought into the merge."""
    session = write.session
    customer = await session.get(Customer, key, with_for_update=FOR_NO_KEY_UPDATE)
    if customer is None:
        raise fail(["id"], "No customer has this id.", "NOT_FOUND")
    if customer.merged_into_id is None:
        raise fail(["id"], "This customer is not merged into another; nothing to undo.")
    if customer.erased_at is not None:
        raise fail(["id"], "This customer was erased; its records cannot be restored.", "ERASED")
    survivor_id = customer.merged_into_id
    records = sa.select(col(MergeRecord.record_id)).where(
        col(MergeRecord.merged_customer_id) == customer.id
    )
    for kind, (model, owner) in MOVABLE.items():
        # Only records still on the survivor: one restored since (by another unmerge) stays.
        await session.execute(
            sa.update(model)
            .where(
                col(model.id).in_(records.where(col(MergeRecord.record_kind) == kind)),
                getattr(model, owner) == survivor_id,
            )
            .values({owner: customer.id})
        )
    await session.execute(
        sa.delete(MergeRecord).where(col(MergeRecord.merged_customer_id) == customer.id)
    )
    customer.merged_into_id = None
    customer.updated_at = utc_now()
    await session.flush()
    for affected in (customer.id, survivor_id):
        await recompute_stage(session, affected)
    await session.refresh(customer)
    write.touch(customer.id, survivor_id)
    write.audit("unmergeCustomer", [f"Customer:{customer.id}", f"Customer:{survivor_id}"])
    return customer


async def erase_customer(write: Write, key: uuid.UUID) -> uuid.UUID:
    """GDPR erasure of the person and of every record merged into them; scores stay."""
    session = write.session
    customer = await session.get(Customer, key, with_for_update=FOR_NO_KEY_UPDATE)
    if customer is not None and customer.merged_into_id is not None:
        customer = await session.get(
            Customer, customer.merged_into_id, with_for_update=FOR_NO_KEY_UPDATE
        )
    if customer is None:
        raise fail(["id"], "No customer has this id.", "NOT_FOUND")
    if customer.erased_at is not None:
        return customer.id
    people = sa.select(col(Customer.id)).where(
        (col(Customer.id) == customer.id) | (col(Customer.merged_into_id) == customer.id)
    )
    ids = list((await session.execute(people)).scalars())
    now = utc_now()
    await session.execute(
        sa.update(Customer)
        .where(col(Customer.id).in_(ids))
        .values(
            name=ERASED_NAME,
            email=None,
            phone=None,
            phone_masked=None,
            company=None,
            attributes=None,
            erased_at=now,
            updated_at=now,
        )
    )
    await session.execute(
        sa.delete(CustomerExternalId).where(col(CustomerExternalId.customer_id).in_(ids))
    )
    await session.execute(
        sa.delete(MergeRecord).where(
            col(MergeRecord.merged_customer_id).in_(ids),
            col(MergeRecord.record_kind) == "external_id",
        )
    )
    await session.execute(
        sa.update(SurveyResponse)
        .where(col(SurveyResponse.customer_id).in_(ids))
        .values(comment=None)
    )
    await session.execute(
        sa.update(Touchpoint)
        .where(col(Touchpoint.customer_id).in_(ids))
        .values(summary=None, attributes=None)
    )
    await session.execute(
        sa.update(Ticket).where(col(Ticket.customer_id).in_(ids)).values(subject="(erased)")
    )
    await webhooks.forget_customers(session, ids)
    await read_audit.forget_customers(session, ids)
    write.touch(*ids)
    write.audit("eraseCustomer", [f"Customer:{i}" for i in ids], people=len(ids))
    return customer.id


STAGES_BEFORE: dict[JourneyStage, tuple[JourneyStage, ...]] = {
    stage: STAGE_ORDER[: stage.rank] for stage in STAGE_ORDER
}
