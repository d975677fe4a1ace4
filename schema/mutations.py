"""What every mutation shares: `UserError`, `CustomerRef`, and its payload (`answer`), for
most of them after one transaction of the write layer (`respond`)."""

import inspect
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType
from strawberry.utils.str_converters import to_snake_case

from api.context import Context
from resolvers import writes
from resolvers.errors import InputError
from schema.node import from_global_id

R = TypeVar("R")
P = TypeVar("P")


@strawberry.type(description="A problem with the input; nothing was written.")
class UserError:
    field: list[str] | None = strawberry.field(
        description='Path into the input, e.g. ["touchpoints", "3", "occurredAt"].'
    )
    message: str
    code: str = strawberry.field(
        description="INVALID, NOT_FOUND, CONFLICT, INVALID_TRANSITION or ERASED."
    )

    @classmethod
    def of(cls, error: writes.UserError) -> "UserError":
        return cls(
            field=list(error.field) if error.field is not None else None,
            message=error.message,
            code=error.code,
        )


@strawberry.input(description="An id another system uses for the customer.")
class ExternalIdInput:
    source: str
    id: str


@strawberry.input(description="Names a customer by exactly one of id, email or external id.")
class CustomerRef:
    id: strawberry.ID | None = None
    email: str | None = None
    external_id: ExternalIdInput | None = None


def key_in_input(value: str, type_name: str, path: Sequence[str]) -> uuid.UUID:
    """The uuid of an id argument; a malformed id is a user error INVALID_ID (as reads
    answer it) naming it (`mergedIds[1]` for a list's), a foreign one NOT_FOUND."""
    name = f"{path[-2]}[{path[-1]}]" if len(path) > 1 and path[-1].isdigit() else path[-1]
    try:
        found_type, key = from_global_id(value, name)
    except InputError:
        raise writes.fail(
            path,
            f"`{name}` is not a cx360 id; pass an `id` value read from this API.",
            "INVALID_ID",
        ) from None
    if found_type != type_name:
        # Worded as the write layer words a missing one ("No survey invitation has ...").
        noun = to_snake_case(type_name).replace("_", " ")
        raise writes.fail(path, f"No {noun} has this id.", "NOT_FOUND")
    return key


def keys_in_input(named: Iterable[tuple[str, str, Sequence[str]]]) -> list[uuid.UUID]:
    """Each (value, type name, path) read by `key_in_input`; every malformed or foreign
    one is reported at once, in input order (not only the first)."""
    keys: list[uuid.UUID] = []
    problems: list[writes.UserError] = []
    for value, type_name, path in named:
        try:
            keys.append(key_in_input(value, type_name, path))
        except writes.UserErrors as error:
            problems.extend(error.errors)
    if problems:
        raise writes.UserErrors(problems)
    return keys


def customer_ref(ref: CustomerRef, path: Sequence[str]) -> writes.CustomerRef:
    given = [name for name in ("id", "email", "external_id") if getattr(ref, name) is not None]
    if len(given) != 1:
        raise writes.fail(path, "Name the customer by exactly one of id, email or externalId.")
    if ref.id is not None:
        return writes.CustomerRef(id=key_in_input(ref.id, "Customer", [*path, "id"]))
    if ref.email is not None:
        return writes.CustomerRef(email=ref.email)
    assert ref.external_id is not None
    return writes.CustomerRef(external=(ref.external_id.source, ref.external_id.id))


# Stands in for a customer reference the write does not use: one that could not be read
# (its problem is reported with the others), or one an invitation names instead.
NO_CUSTOMER = writes.CustomerRef()


def customer_refs(
    named: Iterable[tuple[CustomerRef, Sequence[str]]],
) -> tuple[list[writes.CustomerRef], list[writes.UserError]]:
    """Each reference read at its path; one that cannot be read is NO_CUSTOMER, and its
    problem is listed (in input order) so a batch reports every problem at once."""
    refs: list[writes.CustomerRef] = []
    problems: list[writes.UserError] = []
    for ref, path in named:
        try:
            refs.append(customer_ref(ref, path))
        except writes.UserErrors as error:
            problems.extend(error.errors)
            refs.append(NO_CUSTOMER)
    return refs, problems


def actor(info: strawberry.Info[Context, None]) -> writes.Actor:
    viewer = info.context.viewer
    return writes.Actor(key_id=viewer.key_id, key_name=viewer.key_name, role=viewer.role)


async def answer(
    outcome: Awaitable[R], payload: Callable[..., P], **shown: Callable[[R], Any]
) -> P:
    """A mutation's payload: each field in `shown` made from what `outcome` gives (awaited
    when that gives an awaitable), or, when it raises user errors (nothing was written),
    each of them null beside `userErrors`."""
    try:
        result = await outcome
    except writes.UserErrors as problem:
        errors = [UserError.of(e) for e in problem.errors]
        return payload(**dict.fromkeys(shown), user_errors=errors)
    fields = {name: show(result) for name, show in shown.items()}
    for name, value in fields.items():
        if inspect.isawaitable(value):
            fields[name] = await value
    return payload(**fields, user_errors=[])


async def respond(
    info: strawberry.Info[Context, None],
    work: Callable[[writes.Write], Awaitable[R]],
    payload: Callable[..., P],
    **shown: Callable[[R], Any],
) -> P:
    """The mutation's payload (`answer`) after `work` ran in one transaction
    (resolvers/writes.run: user errors roll it back)."""
    context = info.context
    outcome = writes.run(
        context.write_sessions, actor(info), context.changes, work, upkeep=context.upkeep
    )
    return await answer(outcome, payload, **shown)


class PrimaryReadsForMutations(SchemaExtension):
    """A mutation reads what it wrote: its reads go to the primary, never a replica."""

    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        if execution.operation_type == OperationType.MUTATION:
            context: Context = execution.context
            context.loaders = context.loaders.on(context.primary_sessions)
            context.sessions = context.loaders.sessions
        yield
