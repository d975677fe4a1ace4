"""HTTP routes for bulk operation files: GET an operation's file, PUT an import upload.

Both take the signed URL cx360 gave (it expires) AND the Authorization header of the key
that asked for it: a URL that leaked works for nobody else. Uploads stream to disk (never
into memory), at most `bulk_upload_max_bytes`.
"""

import os
import time
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from api.auth import Unauthenticated, authenticate
from api.context import Viewer
from api.graphql import error_response
from resolvers.bulk import operations
from resolvers.bulk.files import (
    OPERATIONS,
    UPLOADS,
    BulkConfig,
    SignedUrl,
    file_of,
    signature_problem,
)
from resolvers.pagination import Sessions

JSONL = "application/jsonl"


class Refusal(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.response = error_response(status, code, message)


def _signed(request: Request, kind: str) -> SignedUrl:
    try:
        return SignedUrl(
            kind,
            uuid.UUID(request.path_params["key"]),
            int(request.query_params["expires"]),
            request.query_params["signature"],
        )
    except (ValueError, KeyError):
        raise Refusal(
            404, "NOT_FOUND", "No such file: use the URL exactly as cx360 gave it."
        ) from None


async def _viewer(request: Request) -> Viewer:
    sessions: Sessions = request.app.state.statement_sessions
    try:
        return await authenticate(sessions, request.headers.get("authorization"))
    except Unauthenticated as error:
        raise Refusal(401, "UNAUTHENTICATED", str(error)) from None


def _check(secret: str, signed: SignedUrl, owner: uuid.UUID, viewer: Viewer) -> None:
    if owner != viewer.key_id:
        raise Refusal(
            403, "FORBIDDEN", "This URL belongs to another key: only the key that asked may use it."
        )
    problem = signature_problem(secret, signed, time.time())
    if problem is not None:
        code = "EXPIRED" if "expired" in problem else "FORBIDDEN"
        raise Refusal(403, code, problem)


async def _owned(request: Request, kind: str) -> Any:
    """The operation or upload the signed URL names, once the key and signature pass."""
    signed = _signed(request, kind)
    viewer = await _viewer(request)
    sessions = request.app.state.primary_sessions
    load = operations.get_operation if kind == OPERATIONS else operations.get_upload
    found = await load(sessions, signed.key)
    if found is None:
        raise Refusal(404, "NOT_FOUND", "No such URL: ask cx360 for a new one.")
    _check(found.secret, signed, found.key_id, viewer)
    return found


def _gone(config: BulkConfig, after: str, then: str) -> Refusal:
    hours = config.retention.total_seconds() / 3600
    return Refusal(
        410,
        "GONE",
        f"The file was deleted {hours:g} hours after {after} "
        f"(CX360_BULK_FILE_RETENTION_HOURS): {then}.",
    )


async def download(request: Request) -> Response:
    """GET /bulk/operations/{key}: a COMPLETED operation's file (JSONL)."""
    try:
        found = await _owned(request, OPERATIONS)
        config: BulkConfig = request.app.state.bulk
        if found.files_deleted_at is not None:
            raise _gone(config, "the operation finished", "run the operation again")
        path = file_of(config.root, OPERATIONS, found.id)
        if found.status != "COMPLETED" or not path.exists():
            raise Refusal(409, "NOT_READY", "The operation has not COMPLETED: no file to serve.")
    except Refusal as refusal:
        return refusal.response
    return FileResponse(path, media_type=JSONL, filename=f"bulk-{found.id}.jsonl")


async def upload(request: Request) -> Response:
    """PUT /bulk/uploads/{key}: the JSONL file for an import, streamed to disk."""
    config: BulkConfig = request.app.state.bulk
    limit = config.upload_max_bytes
    too_large = Refusal(
        413, "FILE_TOO_LARGE", f"The file is over {limit} bytes: split it into several imports."
    )
    try:
        found = await _owned(request, UPLOADS)
        if found.files_deleted_at is not None:
            raise _gone(config, "its URL expired", "stage a new upload")
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise too_large
        target = file_of(config.root, UPLOADS, found.id)
        partial = target.with_suffix(f".part-{uuid.uuid4().hex}")
        size = 0
        try:
            with partial.open("wb") as file:
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > limit:
                        raise too_large
                    file.write(chunk)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        await operations.set_upload_size(request.app.state.write_sessions, found.id, size)
    except Refusal as refusal:
        return refusal.response
    return JSONResponse({"size": size})
