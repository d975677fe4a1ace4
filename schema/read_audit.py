"""The read audit, for ADMIN keys: who was shown which customer's personal data, and when.

`ReadAuditRecorder` records each response's (and each subscription event's) unmasked
personal reads, noted by either read path (resolvers/read_audit.py says how), in the
process's buffer once the response is complete.
"""

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.extensions import SchemaExtension

from api.context import Context
from models import Customer as CustomerModel
from models import ReadAuditEntry as ReadAuditModel
from resolvers import read_audit
from resolvers.compiled.forms import Column, ConnectionOf, Expression, ToOne, sql, sql_table
from resolvers.pagination import ListRequest
from schema.enums import Role
from schema.node import key_of_type
from schema.pagination import (
    CURSOR_HELP,
    FILTER_HELP,
    PAGE_ARGUMENTS_HELP,
    After,
    First,
    PageInfo,
)
from schema.permissions import Area, reads
from schema.scalars import ordered_window

if TYPE_CHECKING:
    from schema.customers import Customer


@sql_table(ReadAuditModel)
@strawberry.type(
    description="One response that showed a customer's unmasked personal data: who (key "
    "name and role), which fields, when, under which operation name. Never the values."
)
class ReadAuditEntry:
    at: datetime = strawberry.field(
        description="When the response was built (UTC).", metadata=sql(Column("read_at"))
    )
    key_name: str = strawberry.field(description="The key's name when it read.")
    role: Role = strawberry.field(description="The key's role when it read.")
    operation_name: str | None = strawberry.field(
        description="The operation's name (as sent, or the document's); null if unnamed."
    )
    fields: list[str] = strawberry.field(
        description='The personal fields shown unmasked, of "email", "phone", "comment".',
        metadata=sql(Expression(read_audit.FIELDS_JSON_SQL, json=True)),
    )
    customer_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_model(cls, model: ReadAuditModel) -> "ReadAuditEntry":
        return cls(
            at=model.read_at,
            key_name=model.key_name,
            role=model.role,
            operation_name=model.operation_name,
            fields=list(model.fields),
            customer_id=model.customer_id,
        )

    @strawberry.field(
        description="The customer read (its survivor once merged); null once erased (GDPR).",
        metadata=sql(
            ToOne(
                CustomerModel,
                "customer_id",
                follow_merges=True,
                where=(read_audit.CUSTOMER_SHOWN_SQL,),
            )
        ),
    )
    async def customer(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated["Customer", strawberry.lazy("schema.customers")] | None:
        from schema.customers import Customer

        if self.customer_id is None:
            return None
        found = await info.context.loaders.customer().load(self.customer_id)
        if found is None or found.erased_at is not None:
            return None  # erased after the entry was buffered: the link still goes
        return Customer.from_model(found)


@strawberry.type(description="One read-audit entry, with its position in the list.")
class ReadAuditEdge:
    cursor: str = strawberry.field(description=CURSOR_HELP)
    node: ReadAuditEntry = strawberry.field(description="The item.")


@strawberry.type(description="One page of the read audit, newest first.")
class ReadAuditConnection:
    edges: list[ReadAuditEdge] = strawberry.field(description="The items of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits in the list.")
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="Number of entries matching the filter, across all pages.")
    async def total_count(self) -> int:
        return await self.count()


@strawberry.input(description="Entries matching every given condition.")
class ReadAuditFilter:
    customer_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Entries of this customer (a merged record's id stands for its "
        "survivor) and of every record merged into it; none once they were erased.",
    )
    key_name: str | None = strawberry.field(default=None, description="Entries of this key.")
    from_: datetime | None = strawberry.field(default=None, name="from", description="at >= from.")
    to: datetime | None = strawberry.field(default=None, description="at < to.")


NOBODY = uuid.UUID(int=0)


@strawberry.type
class ReadAuditQueries:
    @strawberry.field(
        description="Who was shown which customer's unmasked email, phone or survey comment, "
        "newest first (ADMIN only); kept 400 days. This process's pending entries are "
        "written first; another server process's within `read_audit_flush_seconds`. "
        + PAGE_ARGUMENTS_HELP,
        extensions=reads(Area.AUDIT),
        metadata=sql(
            ConnectionOf(
                read_audit.READ_AUDIT,
                lambda a, _: read_audit_request(**a),
                writes_pending_read_audit=True,
            )
        ),
    )
    async def read_audit(
        self,
        info: strawberry.Info[Context, None],
        first: First = None,
        after: After = None,
        filter: Annotated[
            ReadAuditFilter | None, strawberry.argument(description=FILTER_HELP)
        ] = None,
    ) -> ReadAuditConnection:
        request = read_audit_request(first, after, filter)
        listing, query = read_audit.READ_AUDIT, request.query
        context = info.context
        if context.read_audit is not None:
            await context.read_audit.flush()
        sessions = context.sessions
        found = await listing.page(sessions, request)
        return ReadAuditConnection(
            edges=[
                ReadAuditEdge(cursor=cursor, node=ReadAuditEntry.from_model(item))
                for item, cursor in zip(found.items, found.cursors, strict=True)
            ],
            page_info=PageInfo.of(found),  # type: ignore[arg-type]
            count=lambda: listing.count(sessions, query),
        )


def read_audit_request(
    first: int | None = None, after: str | None = None, filter: ReadAuditFilter | None = None
) -> ListRequest:
    """A page of the read audit, as both read paths take it; a malformed customer id or a
    reversed window raises the input error naming it."""
    customer_id = None
    if filter is not None and filter.customer_id is not None:
        # An id of another type is no customer: it matches no entry.
        customer_id = key_of_type(filter.customer_id, "Customer", "filter.customerId")
        customer_id = customer_id or NOBODY
    if filter is not None:
        ordered_window(filter.from_, filter.to)
    query = read_audit.ReadAuditQuery(
        customer_id=customer_id,
        key_name=filter.key_name if filter else None,
        read_from=filter.from_ if filter else None,
        read_to=filter.to if filter else None,
    )
    return read_audit.READ_AUDIT.request(query, read_audit.NEWEST_FIRST, first, after)


class ReadAuditRecorder(SchemaExtension):
    """Once a response (or a subscription event) is complete: its noted reads become
    entries in the process's buffer, under the key and the operation's name."""

    def get_results(self) -> dict[str, Any]:
        execution = self.execution_context
        context = execution.context
        notes = getattr(context, "read_notes", None)
        if notes:
            shown = notes.take()
            if context.read_audit is not None:
                viewer = context.viewer
                reader = read_audit.Reader(viewer.key_id, viewer.key_name, viewer.role)
                context.read_audit.record(reader, execution.operation_name, shown)
        return {}
