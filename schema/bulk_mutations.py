"""Bulk operations' mutations: start an export or an import, stage an upload, cancel.

They check what the key sent and create the job (schema/bulk.py has the types and reads)."""

import time
import uuid
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Annotated

import strawberry

from api.context import Context, inner_context
from models import BulkKind
from models import BulkOperation as OperationModel
from resolvers.bulk import operations
from resolvers.bulk.files import (
    UPLOADS,
    parse_signed,
    signature_problem,
    signed_path,
)
from resolvers.writes import fail
from schema import bulk_documents
from schema.bulk import BulkOperation, bulk_config, dry_run, export_plan
from schema.descriptions import PAYLOAD_ERRORS
from schema.effects import effects
from schema.mutations import UserError, answer, key_in_input
from schema.permissions import field_allows


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


async def _answer(outcome: Awaitable[OperationModel]) -> BulkOperationPayload:
    return await answer(outcome, BulkOperationPayload, bulk_operation=BulkOperation.from_model)


async def _create(
    info: strawberry.Info[Context, None],
    kind: BulkKind,
    document: str,
    upload_id: uuid.UUID | None = None,
) -> OperationModel:
    context = info.context
    try:
        created = await operations.create_operation(
            context.write_sessions, context.viewer.key_id, kind, document, upload_id
        )
    except operations.AlreadyRunning:
        raise fail(
            None,
            "This key already has a bulk operation CREATED or RUNNING: wait until it "
            "finishes (bulkOperations) or cancel it (cancelBulkOperation).",
            "CONFLICT",
        ) from None
    bulk_config(info).wake.set()
    return created


async def _dry_run(info: strawberry.Info[Context, None], plan: bulk_documents.ExportPlan) -> None:
    await dry_run(info.schema, inner_context(info.context), plan)


# Every mutation here is `effects(logs=())`: no area, so any key may run it (a job runs
# under its key's role, and bulkImport checks that role against the mutation it names),
# and it logs no change itself (an import's lines log what their own mutation declares).
@strawberry.type
class BulkMutations:
    @strawberry.mutation(
        description="Starts an export: the query (one connection at its top, connections "
        "nested in its nodes allowed, no variables) runs over every page under this key's "
        "role, one JSONL line per node; nested nodes are lines of their own with "
        "`__parentId`. One running bulk operation per key.",
        extensions=effects(logs=()),
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

        async def start() -> OperationModel:
            config = bulk_config(info)
            plan = export_plan(info._raw_info.schema, query, config.max_query_cost)
            await _dry_run(info, plan)
            return await _create(info, BulkKind.EXPORT, query)

        return await _answer(start())

    @strawberry.mutation(
        description="A URL to PUT one JSONL file to (one JSON object of variables per "
        "line), for `bulkImport`.",
        extensions=effects(logs=()),
    )
    async def staged_upload(self, info: strawberry.Info[Context, None]) -> StagedUploadPayload:
        config = bulk_config(info)
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
        "idempotency holds (recordTouchpoints: a re-run stores nothing twice).",
        extensions=effects(logs=()),
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

        async def start() -> OperationModel:
            name = bulk_documents.plan_import(info._raw_info.schema, mutation)
            mutation_type = info._raw_info.schema.mutation_type
            assert mutation_type is not None
            definition = mutation_type.fields[name].extensions["strawberry-definition"]
            if not field_allows(definition, info.context.viewer.role):
                raise fail(["mutation"], f"This key's role may not run `{name}`.", "FORBIDDEN")
            upload_id = await _staged_file(info, upload_url)
            return await _create(info, BulkKind.IMPORT, mutation, upload_id)

        return await _answer(start())

    @strawberry.mutation(
        description="Cancels one of this key's CREATED or RUNNING bulk operations; what "
        "it wrote so far stays (an export's partial file is not served).",
        extensions=effects(logs=()),
    )
    async def cancel_bulk_operation(
        self,
        info: strawberry.Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The operation's id.")],
    ) -> BulkOperationPayload:

        async def cancel() -> OperationModel:
            context = info.context
            # A malformed id is a user error (INVALID_ID), like every mutation's, not a
            # field error that would null the whole response.
            key = key_in_input(id, "BulkOperation", ["id"])
            found = await operations.cancel_operation(
                context.write_sessions, key, context.viewer.key_id, bulk_config(info).retention
            )
            if found is None:
                raise fail(["id"], "No bulk operation of this key has this id.", "NOT_FOUND")
            return found

        return await _answer(cancel())


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
