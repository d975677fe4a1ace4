"""Everything held on one customer, for a GDPR access request."""

import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel, col

from models import Customer, CustomerExternalId, SurveyResponse, Ticket, Touchpoint
from resolvers.customers import customers_by_ids
from resolvers.pagination import Sessions


def _row(model: SQLModel) -> dict[str, Any]:
    """The record's fields in their declared order (a dump follows the instance's own
    attribute order, which depends on how it was loaded: the same export came back with
    its keys in a different order from one server process to another)."""
    dumped = model.model_dump(mode="python")
    return {name: dumped[name] for name in type(model).model_fields if name in dumped}


async def export_customer(sessions: Sessions, key: uuid.UUID) -> dict[str, Any] | None:
    (customer,) = await customers_by_ids(sessions, [key])
    if customer is None:
        return None
    async with sessions() as session:
        people = list(
            (
                await session.execute(
                    sa.select(Customer)
                    .where(
                        (col(Customer.id) == customer.id)
                        | (col(Customer.merged_into_id) == customer.id)
                    )
                    .order_by(col(Customer.created_at))
                )
            ).scalars()
        )
        ids = [person.id for person in people]
        # The instance to dump (the lookup above gives a read's row: record_columns).
        (survivor,) = (person for person in people if person.id == customer.id)

        async def owned(model: Any, order: Any) -> list[dict[str, Any]]:
            rows = await session.execute(
                sa.select(model).where(col(model.customer_id).in_(ids)).order_by(order)
            )
            return [_row(r) for r in rows.scalars()]

        return {
            "customer": _row(survivor),
            "mergedCustomers": [_row(p) for p in people if p.id != customer.id],
            "externalIds": await owned(CustomerExternalId, col(CustomerExternalId.source)),
            "touchpoints": await owned(Touchpoint, col(Touchpoint.occurred_at)),
            "tickets": await owned(Ticket, col(Ticket.created_at)),
            "surveyResponses": await owned(SurveyResponse, col(SurveyResponse.responded_at)),
        }
