"""Customer mutations: create, update, merge, unmerge, erase."""

from datetime import datetime
from functools import partial
from typing import Any

import strawberry
from strawberry.scalars import JSON

from api.context import Context
from resolvers import customer_writes
from resolvers.writes import Write
from schema.convert import from_input
from schema.customers import Customer
from schema.effects import STARTS_ACTIONS, effects
from schema.mutations import ExternalIdInput, UserError, key_in_input, keys_in_input, respond
from schema.node import to_global_id
from schema.permissions import Area


@strawberry.input
class CreateCustomerInput:
    name: str
    email: str | None = None
    phone: str | None = strawberry.field(default=None, description="E.164, e.g. +447700900123.")
    company: str | None = None
    segment: str | None = None
    attributes: JSON | None = None
    external_ids: list[ExternalIdInput] | None = None


@strawberry.input(description="Only the fields sent change; an explicit null clears a field.")
class UpdateCustomerInput:
    name: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    company: str | None = strawberry.UNSET
    segment: str | None = strawberry.UNSET
    attributes: JSON | None = strawberry.UNSET
    churned_at: datetime | None = strawberry.UNSET


@strawberry.input
class MergeCustomersInput:
    survivor_id: strawberry.ID
    merged_ids: list[strawberry.ID] = strawberry.field(
        description="Customers whose records move to the survivor (1-50)."
    )


@strawberry.type
class CustomerPayload:
    customer: Customer | None
    user_errors: list[UserError]


@strawberry.type
class EraseCustomerPayload:
    erased_customer_id: strawberry.ID | None
    user_errors: list[UserError]


@strawberry.type
class CustomerMutations:
    @strawberry.mutation(
        description="Email is stored trimmed and lower-cased; it must be unique.",
        extensions=effects(Area.CUSTOMERS, logs=STARTS_ACTIONS),
    )
    async def create_customer(
        self, info: strawberry.Info[Context, None], input: CreateCustomerInput
    ) -> CustomerPayload:
        data = from_input(
            customer_writes.NewCustomer,
            input,
            external_ids=tuple((e.source, e.id) for e in input.external_ids or ()),
        )
        return await respond(
            info,
            lambda w: customer_writes.create_customer(w, data),
            CustomerPayload,
            customer=Customer.from_model,
        )

    @strawberry.mutation(
        description="A merged customer's id updates the survivor.",
        extensions=effects(Area.CUSTOMERS, logs=STARTS_ACTIONS),
    )
    async def update_customer(
        self, info: strawberry.Info[Context, None], id: strawberry.ID, input: UpdateCustomerInput
    ) -> CustomerPayload:
        data = from_input(customer_writes.CustomerChanges, input)

        async def work(write: Write) -> Any:
            key = key_in_input(id, "Customer", ["id"])
            return await customer_writes.update_customer(write, key, data)

        return await respond(info, work, CustomerPayload, customer=Customer.from_model)

    @strawberry.mutation(
        description="Moves every record of the merged customers to the survivor, in one "
        "transaction. Merged ids keep resolving to the survivor; `unmergeCustomer` undoes it.",
        extensions=effects(Area.CUSTOMERS, logs=STARTS_ACTIONS),
    )
    async def merge_customers(
        self, info: strawberry.Info[Context, None], input: MergeCustomersInput
    ) -> CustomerPayload:
        async def work(write: Write) -> Any:
            survivor, *merged = keys_in_input(
                [
                    (input.survivor_id, "Customer", ["input", "survivorId"]),
                    *(
                        (value, "Customer", ["input", "mergedIds", str(i)])
                        for i, value in enumerate(input.merged_ids)
                    ),
                ]
            )
            return await customer_writes.merge_customers(write, survivor, merged)

        return await respond(info, work, CustomerPayload, customer=Customer.from_model)

    @strawberry.mutation(
        description="Restores a merged customer with exactly the records it brought into the "
        "merge.",
        extensions=effects(Area.CUSTOMERS, logs=STARTS_ACTIONS),
    )
    async def unmerge_customer(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> CustomerPayload:
        async def work(write: Write) -> Any:
            return await customer_writes.unmerge_customer(
                write, key_in_input(id, "Customer", ["id"])
            )

        return await respond(info, work, CustomerPayload, customer=Customer.from_model)

    @strawberry.mutation(
        description="GDPR erasure: name, email, phone, company, attributes, comments, summaries "
        "and external ids are removed for good; scores, purchases and ticket timings stay so "
        "metrics stay right. The customer remains as a tombstone (`erasedAt`). ADMIN only.",
        extensions=effects(Area.ERASURE, logs=STARTS_ACTIONS),
    )
    async def erase_customer(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> EraseCustomerPayload:
        async def work(write: Write) -> Any:
            return await customer_writes.erase_customer(write, key_in_input(id, "Customer", ["id"]))

        return await respond(
            info, work, EraseCustomerPayload, erased_customer_id=partial(to_global_id, "Customer")
        )
