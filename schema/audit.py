"""The audit log, for ADMIN keys: who wrote what, when, on which ids."""

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from api.context import Context
from models import AuditEntry as AuditEntryModel
from resolvers import audit
from resolvers.compiled.forms import ConnectionOf, Expression, sql, sql_table
from resolvers.pagination import ListRequest
from schema.convert import from_row
from schema.enums import Role
from schema.node import from_global_id, raw_to_global_id
from schema.pagination import (
    FILTER_HELP,
    PAGE_ARGUMENTS_HELP,
    After,
    Connection,
    First,
    list_connection,
)
from schema.permissions import Area, reads
from schema.scalars import any_of, ordered_window


@sql_table(AuditEntryModel)
@strawberry.type(description="One write: who (key name and role), what, when, which ids.")
class AuditEntry:
    occurred_at: datetime
    key_name: str
    role: Role
    action: str = strawberry.field(description="The mutation, e.g. recordTouchpoints.")
    target_ids: list[strawberry.ID] = strawberry.field(
        description="Global ids written.",
        metadata=sql(Expression(audit.TARGET_IDS_JSON_SQL, json=True)),
    )
    details: JSON = strawberry.field(description="Counts and changed field names; never PII.")

    @classmethod
    def from_model(cls, model: AuditEntryModel) -> "AuditEntry":
        ids = [raw_to_global_id(target) for target in model.target_ids]
        return from_row(cls, model, target_ids=ids)


@strawberry.input
class AuditLogFilter:
    action: list[str] | None = None
    key_name: str | None = None
    target_id: strawberry.ID | None = strawberry.field(
        default=None, description="Entries that wrote this object."
    )
    from_: datetime | None = strawberry.field(default=None, name="from")
    to: datetime | None = None


@strawberry.type
class AuditQueries:
    @strawberry.field(
        description="The audit log, newest first (ADMIN only). " + PAGE_ARGUMENTS_HELP,
        extensions=reads(Area.AUDIT),
        metadata=sql(ConnectionOf(audit.AUDIT, lambda a, _: audit_request(**a))),
    )
    async def audit_log(
        self,
        info: strawberry.Info[Context, None],
        first: First = None,
        after: After = None,
        filter: Annotated[
            AuditLogFilter | None, strawberry.argument(description=FILTER_HELP)
        ] = None,
    ) -> Connection[AuditEntry] | None:
        request = audit_request(first, after, filter)
        return await list_connection(info, audit.AUDIT, request, AuditEntry.from_model)


def audit_request(
    first: int | None = None, after: str | None = None, filter: AuditLogFilter | None = None
) -> ListRequest:
    """A page of the audit log, as both read paths take it; a malformed `targetId` or a
    reversed window raises the input error naming it."""
    target = None
    if filter is not None and filter.target_id is not None:
        type_name, key = from_global_id(filter.target_id, "filter.targetId")
        target = f"{type_name}:{key}"
    if filter is not None:
        ordered_window(filter.from_, filter.to)
    query = audit.AuditQuery(
        actions=any_of("action", filter.action) if filter else None,
        key_name=filter.key_name if filter else None,
        target=target,
        occurred_from=filter.from_ if filter else None,
        occurred_to=filter.to if filter else None,
    )
    return audit.AUDIT.request(query, audit.NEWEST_FIRST, first, after)
