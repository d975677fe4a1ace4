"""Bulk operations: exports of a read query and imports of a mutation, as JSONL jobs.

The mutations check what the key sent and create the job; the runner in every server
process (api/bulk_worker.py) runs it under the key's role, through this same schema.
Every key sees and cancels only its own operations.
"""

import asyncio
import dataclasses
import time
import uuid
from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta
from typing import Annotated

import orjson
import strawberry
from graphql import GraphQLError, GraphQLSchema, parse
from starlette.responses import Response

from api.context import Context
from models import BulkKind, BulkStatus
from models import BulkOperation as OperationModel
from models.types import utc_now
from resolvers import keys
from resolvers.bulk import operations
from resolvers.bulk.files import (
    OPERATIONS,
    UPLOADS,
    BulkConfig,
    parse_signed,
    signature_problem,
    signed_path,
)
from resolvers.pagination import page_request
from resolvers.read_audit import ReadNotes
from resolvers.writes import INT_MAX, UserErrors, fail
from schema import bulk_documents
from schema.descriptions import PAYLOAD_ERRORS
from schema.enums import described
from schema.limits import query_cost
from schema.mutations import UserError
from schema.node import Node, key_of_type, to_global_id
from schema.pagination import PAGE_ARGUMENTS_HELP, After, Connection, First, connection
from schema.permissions import field_allows

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


def _config(info: strawberry.Info[Context, None]) -> BulkConfig:
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
        return signed_path(self.model.secret, OPERATIONS, self.model.id, _expires(_config(info)))

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


@strawberry.type(description="The bulk operation as it stands, or what was wrong.")
class BulkOperationPayload:
    bulk_operation: BulkOperation | None = strawberry.field(
        description="The operation; null on a user error."
    )
    user_errors: list[UserError] = strawberry.field(description=PAYLOAD_ERRORS)


@strawberry.type(description="Where to PUT a JSONL file for `bulkImport`.")
class StagedUpload:
    url: str = strawberry.field(
        description="PUT the file's bytes here (relative to the API's origin) with this "
        "key's Authorization header; then pass this URL as `bulkImport`'s `uploadUrl`."
    )
    expires_at: datetime = strawberry.field(description="The URL works until then.")


@strawberry.type(description="An upload URL, or what was wrong.")
class StagedUploadPayload:
    upload: StagedUpload | None = strawberry.field(description="Null on a user error.")
    user_errors: list[UserError] = strawberry.field(description=PAYLOAD_ERRORS)


def _payload(
    found: OperationModel | None, errors: list[UserError] | None = None
) -> BulkOperationPayload:
    operation = BulkOperation.from_model(found) if found is not None else None
    return BulkOperationPayload(bulk_operation=operation, user_errors=errors or [])


def _refused(problem: UserErrors) -> BulkOperationPayload:
    return _payload(None, [UserError.of(e) for e in problem.errors])


async def _create(
    info: strawberry.Info[Context, None],
    kind: BulkKind,
    document: str,
    upload_id: uuid.UUID | None = None,
) -> BulkOperationPayload:
    context = info.context
    try:
        created = await operations.create_operation(
            context.write_sessions, context.viewer.key_id, kind, document, upload_id
        )
    except operations.AlreadyRunning:
        return _refused(
            fail(
                None,
                "This key already has a bulk operation CREATED or RUNNING: wait until it "
                "finishes (bulkOperations) or cancel it (cancelBulkOperation).",
                "CONFLICT",
            )
        )
    _config(info).wake.set()
    return _payload(created)


async def _dry_run(info: strawberry.Info[Context, None], plan: bulk_documents.ExportPlan) -> None:
    context = dataclasses.replace(info.context, response=Response(), error_codes=[], log_fields={})
    await dry_run(info.schema, context, plan)


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
        page = page_request(first, after, operations.OPERATIONS_NEWEST_FIRST)
        found = await operations.list_operations(sessions, key_id, page)
        return connection(
            found,
            BulkOperation.from_model,
            lambda: operations.count_operations(sessions, key_id),
        )


@strawberry.type
class BulkMutations:
    @strawberry.mutation(
        description="Starts an export: the query (one connection at its top, connections "
        "nested in its nodes allowed, no variables) runs over every page under this key's "
        "role, one JSONL line per node; nested nodes are lines of their own with "
        "`__parentId`. One running bulk operation per key."
    )
    async def bulk_export(
        self,
        info: strawberry.Info[Context, None],
        query: Annotated[
            str,
            strawberry.argument(
                description="e.g. `{ customers { edges { node { id email touchpoints "
                "{ edges { node { id kind } } } } } } }`; `first`/`after` are the job's."
            ),
        ],
    ) -> BulkOperationPayload:
        config = _config(info)
        try:
            plan = export_plan(info._raw_info.schema, query, config.max_query_cost)
            await _dry_run(info, plan)
        except UserErrors as problem:
            return _refused(problem)
        return await _create(info, BulkKind.EXPORT, query)

    @strawberry.mutation(
        description="A URL to PUT one JSONL file to (one JSON object of variables per "
        "line), for `bulkImport`."
    )
    async def staged_upload(self, info: strawberry.Info[Context, None]) -> StagedUploadPayload:
        config = _config(info)
        ttl = timedelta(seconds=config.url_ttl_seconds)
        upload = await operations.create_upload(
            info.context.write_sessions, info.context.viewer.key_id, ttl, config.retention
        )
        expires = int(upload.expires_at.timestamp())
        url = signed_path(upload.secret, UPLOADS, upload.id, expires)
        expires_at = datetime.fromtimestamp(expires, UTC)
        return StagedUploadPayload(
            upload=StagedUpload(url=url, expires_at=expires_at), user_errors=[]
        )

    @strawberry.mutation(
        description="Starts an import: runs the mutation once per line of the uploaded "
        "file, the line's JSON object as its variables, under this key's role; lines with "
        "errors are listed in a report (the operation's `url`). A mutation's own "
        "idempotency holds (recordTouchpoints: a re-run stores nothing twice)."
    )
    async def bulk_import(
        self,
        info: strawberry.Info[Context, None],
        mutation: Annotated[
            str,
            strawberry.argument(
                description="One mutation with variables, e.g. `mutation($t: "
                "[TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) { created } }`."
            ),
        ],
        upload_url: Annotated[
            str, strawberry.argument(description="The `url` stagedUpload gave, after the PUT.")
        ],
    ) -> BulkOperationPayload:
        context = info.context
        try:
            name = bulk_documents.plan_import(info._raw_info.schema, mutation)
            mutation_type = info._raw_info.schema.mutation_type
            assert mutation_type is not None
            definition = mutation_type.fields[name].extensions["strawberry-definition"]
            if not field_allows(definition, context.viewer.role):
                raise fail(["mutation"], f"This key's role may not run `{name}`.", "FORBIDDEN")
            upload_id = await _staged_file(info, upload_url)
        except UserErrors as problem:
            return _refused(problem)
        return await _create(info, BulkKind.IMPORT, mutation, upload_id)

    @strawberry.mutation(
        description="Cancels one of this key's CREATED or RUNNING bulk operations; what "
        "it wrote so far stays (an export's partial file is not served)."
    )
    async def cancel_bulk_operation(
        self,
        info: strawberry.Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The operation's id.")],
    ) -> BulkOperationPayload:
        context = info.context
        key = key_of_type(id, "BulkOperation", "id")
        found = None
        if key is not None:
            found = await operations.cancel_operation(
                context.write_sessions, key, context.viewer.key_id, _config(info).retention
            )
        if found is None:
            return _refused(fail(["id"], "No bulk operation of this key has this id.", "NOT_FOUND"))
        return _payload(found)


async def _staged_file(info: strawberry.Info[Context, None], url: str) -> uuid.UUID:
    signed = parse_signed(url)
    unknown = fail(
        ["uploadUrl"],
        "This is not an upload URL of this key: pass the `url` stagedUpload returned.",
        "NOT_FOUND",
    )
    if signed is None or signed.kind != UPLOADS:
        raise unknown
    upload = await operations.get_upload(info.context.primary_sessions, signed.key)
    if upload is None or upload.key_id != info.context.viewer.key_id:
        raise unknown
    problem = signature_problem(upload.secret, signed, time.time())
    if problem is not None:
        raise fail(["uploadUrl"], problem, "EXPIRED" if "expired" in problem else "INVALID")
    if upload.size is None:
        raise fail(["uploadUrl"], "Nothing was uploaded to this URL yet: PUT the file first.")
    if upload.files_deleted_at is not None:
        raise fail(
            ["uploadUrl"],
            "The uploaded file was deleted (CX360_BULK_FILE_RETENTION_HOURS after its URL "
            "expired): stage and upload it again.",
            "GONE",
        )
    return upload.id


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
            if not await keys.key_is_active(context.statement_sessions, context.viewer.key_id):
                raise GraphQLError(
                    "This key was revoked or has expired.", extensions={"code": "UNAUTHENTICATED"}
                )
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
