"""The GDPR access export: everything held on one customer, as JSON."""

import strawberry
from strawberry.scalars import JSON

from api.context import Context
from resolvers import customer_export, read_audit
from schema.node import key_of_type
from schema.permissions import personal_data_only
from schema.scalars import jsonable


@strawberry.type
class CustomerExportQueries:
    @strawberry.field(
        description="Everything held on a customer (GDPR access request): profile, external "
        "ids, merged records, touchpoints, tickets and survey responses. Null when missing. "
        "Roles with personal data only.",
        extensions=personal_data_only(),
    )
    async def export_customer(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> JSON | None:
        key = key_of_type(id, "Customer", "id")
        if key is None:
            return None
        exported = await customer_export.export_customer(info.context.sessions, key)
        if exported is None:
            return None
        read_audit.note_export(exported, info.context.read_notes)
        shown: JSON = jsonable(exported)
        return shown
