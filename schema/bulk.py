"""Bulk operations: exports of a read query and imports of a mutation, as JSONL jobs.

The mutations (schema/bulk_mutations.py) check what the key sent and create the job; the
runner in every server process (api/bulk_worker.py) runs it under the key's role, through
this same schema.
Every key sees and cancels only its own operations.
"""

import asyncio
import dataclasses
import time
import uuid
from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated

import orjson
import strawberry
from graphql import GraphQLSchema, parse

from api.context import Context
from models import BulkKind, BulkStatus
from models import BulkOperation as OperationModel
from models.types import utc_now
from resolvers.bulk import operations
from resolvers.bulk.files import (
    OPERATIONS,
    BulkConfig,
    signed_path,
)
from resolvers.read_audit import ReadNotes
from resolvers.writes import INT_MAX, fail
from schema import bulk_documents
from schema.enums import described
from schema.limits import query_cost
from schema.node import Node, key_of_type, to_global_id
from schema.pagination import PAGE_ARGUMENTS_HELP, After, Connection, First, connection
from schema.permissions import check_key_active

described(
    BulkKind,
    "What a bulk operation does.",
    {
        "EXPORT": "Runs a read query over every page; its file holds one line per node.",
        "IMPORT": "Runs a mutation once per line of an uploaded JSONL file.",
    },
    "BulkOperationKind",
)
described(
    BulkStatus,
    "Where a bulk operation stands.",
    {
        "CREATED": "Waiting for a server process to start it.",
        "RUNNING": "Running; `objectCount` grows as it goes.",
        "COMPLETED": "Done: `url` gives the file (an export's lines, an import's errors).",
        "FAILED": "Stopped by an error: `errorCode` says which.",
        "CANCELED": "Canceled by its key; nothing more is written.",
    },
    "BulkOperationStatus",
)


def bulk_config(info: strawberry.Info[Context, None]) -> BulkConfig:
    config = info.context.bulk
    assert config is not None, "bulk operations run over HTTP"
    return config


def _expires(config: BulkConfig) -> int:
    return int(time.time() + config.url_ttl_seconds)


@strawberry.type(description="An export or import job of one key, and its file.")
class BulkOperation(Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    kind: BulkKind = strawberry.field(description="EXPORT or IMPORT.")
    status: BulkStatus = strawberry.field(description="Where it stands.")
    created_at: datetime = strawberry.field(description="When it was asked for.")
    completed_at: datetime | None = strawberry.field(
        description="When it COMPLETED, FAILED or was CANCELED; null before."
    )
    object_count: int = strawberry.field(
        description="Lines written (export: nodes, nested ones included) or lines of the "
        "file processed (import) so far."
    )
    error_count: int = strawberry.field(description="Import lines that had errors.")
    file_size: int | None = strawberry.field(
        description="Bytes of the file (export lines or import error report) so far; "
        "null over 2 GiB (GraphQL's Int)."
    )
    error_code: str | None = strawberry.field(
        description="Why it FAILED, e.g. FORBIDDEN, KEY_REVOKED, UPLOAD_MISSING."
    )
    model: strawberry.Private[OperationModel]

    @strawberry.field(
        description="Once COMPLETED: where to GET the file (the export's JSONL, or the "
        "import's error report: one JSON line per error with `line`, `path`, `message`, "
        "`code`), with this key's Authorization header. Relative to the API's origin; "
        "signed, it works for this key only and expires (ask again for a fresh one). "
        "Null again once the file was deleted, CX360_BULK_FILE_RETENTION_HOURS after it "
        "finished (a URL kept from before answers 410 GONE)."
    )
    def url(self, info: strawberry.Info[Context, None]) -> str | None:
        if self.model.status != BulkStatus.COMPLETED or self.model.files_deleted_at is not None:
            return None
        return signed_path(
            self.model.secret, OPERATIONS, self.model.id, _expires(bulk_config(info))
        )

    @classmethod
    def from_model(cls, model: OperationModel) -> "BulkOperation":
        return cls(
            id=to_global_id("BulkOperation", model.id),
            kind=model.kind,
            status=model.status,
            created_at=model.created_at,
            completed_at=model.completed_at,
            object_count=model.object_count,
            error_count=model.error_count,
            file_size=model.file_size if model.file_size <= INT_MAX else None,
            error_code=model.error_code,
            model=model,
        )


READ_INPUT_CODES = frozenset({"BAD_USER_INPUT", "INVALID_CURSOR", "GRAPHQL_VALIDATION_FAILED"})


async def dry_run(
    schema: strawberry.Schema, context: Context, plan: bulk_documents.ExportPlan
) -> None:
    """The first node of the export as this key reads it: a refusal (a field this role
    may not read, a limit) is a user error (UserErrors on `query`) now rather than a
    FAILED job later. `context`: one of its own (the run writes its response fields).
    Nothing it reads is shown to anyone, so it leaves no read audit entry."""
    context = dataclasses.replace(context, read_notes=ReadNotes(), read_audit=None)
    result = await schema.execute(
        plan.document, variable_values={"first": 1, "after": None}, context_value=context
    )
    if result.errors:
        error = result.errors[0]
        code = (error.extensions or {}).get("code", "INVALID")
        # A read's argument codes are an input problem of `query` here: a mutation's
        # INVALID (README: the codes of userErrors); refusals and limits keep theirs.
        code = "INVALID" if code in READ_INPUT_CODES else code
        raise fail(["query"], f"The query cannot run for this key: {error.message}", code)
    orjson.dumps(result.data)  # compiled answers are fragments: they must serialize


def export_plan(schema: GraphQLSchema, query: str, max_cost: int) -> bulk_documents.ExportPlan:
    """The export's pages, as large as the query cost limit lets them be."""

    def fits(document: str, first: int) -> bool:
        cost = query_cost(schema, parse(document), None, {"first": first, "after": None})
        return cost <= max_cost

    return bulk_documents.plan_export(schema, query, fits)


async def own_operation(context: Context, key: uuid.UUID) -> OperationModel | None:
    """The operation if it is the viewer's key's; None when missing or another key's
    (the same answer: an id never tells what another key runs). `bulkOperation(id:)`
    and `node(id:)` both read it so."""
    found = await operations.get_operation(context.primary_sessions, key)
    return found if found is not None and found.key_id == context.viewer.key_id else None


@strawberry.type
class BulkQueries:
    @strawberry.field(
        description="One of this key's bulk operations; null when missing or another key's."
    )
    async def bulk_operation(
        self,
        info: strawberry.Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The operation's id.")],
    ) -> BulkOperation | None:
        key = key_of_type(id, "BulkOperation", "id")
        found = await own_operation(info.context, key) if key is not None else None
        return BulkOperation.from_model(found) if found is not None else None

    @strawberry.field(
        description="This key's bulk operations, newest first. " + PAGE_ARGUMENTS_HELP
    )
    async def bulk_operations(
        self, info: strawberry.Info[Context, None], first: First = None, after: After = None
    ) -> Connection[BulkOperation]:
        sessions, key_id = info.context.primary_sessions, info.context.viewer.key_id
        query = operations.OperationQuery(key_id)
        listing = operations.OPERATIONS
        request = listing.request(query, operations.OPERATIONS_NEWEST_FIRST, first, after)
        found = await listing.page(sessions, request)  # the primary: a job's own writes
        return connection(found, BulkOperation.from_model, lambda: listing.count(sessions, query))


FINISHED_POLL_SECONDS = 1.0


@strawberry.type
class BulkSubscriptions:
    @strawberry.subscription(
        description="This key's bulk operations as they COMPLETE, FAIL or are CANCELED, "
        "from when you subscribe on (checked every second)."
    )
    async def bulk_operation_finished(
        self, info: strawberry.Info[Context, None]
    ) -> AsyncGenerator[BulkOperation, None]:
        context = info.context
        since, seen = utc_now(), set[uuid.UUID]()
        while True:
            await check_key_active(context)
            found = await operations.finished_since(
                context.primary_sessions, context.viewer.key_id, since
            )
            for operation in found:
                if operation.id not in seen:
                    yield BulkOperation.from_model(operation)
            if found:
                last = found[-1].completed_at
                assert last is not None
                since = last
                seen = {o.id for o in found if o.completed_at == last}
            await asyncio.sleep(FINISHED_POLL_SECONDS)
