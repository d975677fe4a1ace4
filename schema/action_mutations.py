"""Dismissing a next-best-action (the ACTIONS write area; the action's team is checked in
resolvers.action_writes)."""

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from api.context import Context
from resolvers import action_writes
from resolvers.writes import CustomerRef, Write
from schema.actions import ActionKind
from schema.convert import from_input
from schema.descriptions import PAYLOAD_ERRORS
from schema.effects import STARTS_ACTIONS, effects
from schema.mutations import UserError, key_in_input, respond
from schema.permissions import Area

if TYPE_CHECKING:
    from schema.customers import Customer


@strawberry.input(description="Hide one action of one customer until a date.")
class DismissActionInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer.")
    kind: ActionKind = strawberry.field(description="The action to dismiss (shown now).")
    until: datetime = strawberry.field(
        description="Hidden until this moment (in the future), unless its facts change first."
    )
    reason: str = strawberry.field(description="Why (up to 500 characters); kept, audited.")


@strawberry.type(description="The customer with its actions now, or what was wrong.")
class DismissActionPayload:
    customer: Annotated["Customer", strawberry.lazy("schema.customers")] | None = strawberry.field(
        description="Null on a user error."
    )
    user_errors: list[UserError] = strawberry.field(description=PAYLOAD_ERRORS)


@strawberry.type
class ActionMutations:
    @strawberry.mutation(
        description="Dismisses an action until a date (ADMIN, or a role of the action's "
        "team: SUPPORT, SALES, MARKETING); audited.",
        extensions=effects(Area.ACTIONS, logs=STARTS_ACTIONS),
    )
    async def dismiss_action(
        self,
        info: strawberry.Info[Context, None],
        input: Annotated[
            DismissActionInput, strawberry.argument(description="The action and until when.")
        ],
    ) -> DismissActionPayload:
        from schema.customers import Customer

        async def work(write: Write) -> uuid.UUID:
            # Inside the work: a malformed id is a user error in the payload.
            customer = key_in_input(input.customer_id, "Customer", ["input", "customerId"])
            data = from_input(
                action_writes.Dismissal,
                input,
                customer=CustomerRef(id=customer),
                kind=input.kind.value,
            )
            return (await action_writes.dismiss(write, data)).customer_id

        return await respond(
            info, work, DismissActionPayload, customer=lambda key: Customer.load(info, key)
        )
