"""The /graphql endpoint: strawberry's ASGI view behind transport rules and key auth.

Before strawberry sees a request: GET may only read (strawberry refuses mutations over
GET); POST must be `application/json` with one operation, so forms, multipart and
`text/plain` (CSRF vectors) change nothing; body and document sizes are bounded; the
key is checked. Each request runs under a timeout that cancels its database work.
Transport errors answer in GraphQL's JSON error shape.
"""

import asyncio
import json
import re
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.schema import BaseSchema
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UnsetType

from api.auth import Unauthenticated, authenticate, bearer_token
from api.context import NOT_YET_AUTHENTICATED, Context, Viewer
from api.fast_reads import FastReads
from api.graphiql import graphiql_response
from api.observability import observe_batch
from api.settings import Settings
from api.webhook_worker import webhook_url_policy
from resolvers.keys import digest as key_digest
from resolvers.keys import trusted_document
from resolvers.loaders import Loaders
from resolvers.pagination import Sessions


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status,
        headers=headers,
    )


NAMED_OPERATION = re.compile(r"^\s*(?:#[^\n]*\n\s*)*(?:query|mutation|subscription)\s+(\w+)")


def _named_operation(query: object) -> str | None:
    """The operation's own name when the client sent no operationName."""
    found = NAMED_OPERATION.match(query) if isinstance(query, str) else None
    return found.group(1) if found else None


def _nul_path(value: Any, path: str) -> str | None:
    """Where a NUL character hides in the variables: PostgreSQL text cannot store one."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, item in items:
        found = _nul_path(item, f"{path}.{key}" if isinstance(key, str) else f"{path}[{key}]")
        if found:
            return found
    return None


def _check_text(query: object, variables: object) -> None:
    where = (
        "the query" if isinstance(query, str) and ("\x00" in query or "\\u0000" in query) else None
    )
    where = where or _nul_path(variables, "variables")
    if where:
        raise Refused(
            400,
            "BAD_USER_INPUT",
            f"Text may not contain NUL characters (U+0000): remove them from `{where}`.",
        )


def _record(scope: Scope, code: str) -> None:
    """Notes a refusal for the request log and metrics (api.observability)."""
    scope.setdefault("state", {}).setdefault("error_codes", []).append(code)


class GraphQLEndpoint(GraphQL[Context, None]):
    def __init__(
        self, schema: BaseSchema, settings: Settings, fast: FastReads | None = None
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.graphiql_enabled else None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
            allowed_origins=settings.allowed_origins,
        )
        self.settings = settings
        # Known compiled reads, answered in one statement (api/fast_reads.py).
        self.fast = fast
        self.webhook_urls = webhook_url_policy(settings)

    def _is_ide_page(self, request: Request) -> bool:
        return (
            request.method == "GET"
            and "query" not in request.query_params
            and "text/html" in request.headers.get("accept", "")
        )

    async def _trusted_request(self, request: Request, viewer: Viewer) -> Request:
        """Resolves `extensions.persistedQuery.sha256Hash` to the key's registered document.

        A restricted key may only run registered documents; any key may run its own by
        hash. The body is replayed with the stored text, so strawberry sees a plain query.
        """
        payload = json.loads(await request.body()) if request.method == "POST" else {}
        extensions = payload.get("extensions") or {}
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        sha256 = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        if sha256 is None:
            if viewer.trusted_documents_only:
                raise Refused(
                    400,
                    "PERSISTED_QUERY_REQUIRED",
                    "This key may only run its registered documents: send "
                    "`extensions.persistedQuery.sha256Hash` instead of a query.",
                )
            return request
        document = await trusted_document(request.app.state.sessions, viewer.key_id, str(sha256))
        if document is None:
            raise Refused(
                400,
                "PERSISTED_QUERY_NOT_FOUND",
                "No document with this sha256Hash is registered for this key.",
            )
        if payload.get("query") not in (None, document):
            raise Refused(
                400,
                "PERSISTED_QUERY_MISMATCH",
                "The query text does not match its sha256Hash; send the hash alone.",
            )
        body = json.dumps({**payload, "query": document}).encode()

        async def replay() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        return Request(request.scope, replay)

    async def _check_transport(self, request: Request) -> dict[str, Any] | None:
        """Refuses what no operation may send; returns a POST's JSON payload."""
        limit = self.settings.max_document_bytes
        state = request.scope.setdefault("state", {})
        if request.method == "GET":
            state["operation"] = request.query_params.get("operationName") or _named_operation(
                request.query_params.get("query")
            )
            if len(request.query_params.get("query", "")) > limit:
                raise Refused(413, "DOCUMENT_TOO_LARGE", f"The query is over {limit} bytes.")
            variables = request.query_params.get("variables", "")
            _check_text(request.query_params.get("query"), variables.replace("\\u0000", "\x00"))
            return None
        if request.method != "POST":
            raise Refused(405, "METHOD_NOT_ALLOWED", "Use POST (or GET for queries).")
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise Refused(
                415,
                "UNSUPPORTED_MEDIA_TYPE",
                "POST a JSON body with `Content-Type: application/json`.",
            )
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.settings.max_body_bytes:
            raise Refused(
                413,
                "BODY_TOO_LARGE",
                f"The request body is over {self.settings.max_body_bytes} bytes.",
            )
        body = await request.body()  # cached: strawberry reads the same request
        if len(body) > self.settings.max_body_bytes:
            raise Refused(
                413,
                "BODY_TOO_LARGE",
                f"The request body is over {self.settings.max_body_bytes} bytes.",
            )
        try:
            payload = json.loads(body)
        except ValueError:
            raise Refused(400, "BAD_REQUEST", "The body is not valid JSON.") from None
        if not isinstance(payload, dict):
            raise Refused(
                400,
                "BATCH_NOT_SUPPORTED",
                "Send one operation per request as a JSON object; batches are refused.",
            )
        query = payload.get("query")
        state["operation"] = payload.get("operationName") or _named_operation(query)
        _check_text(query, payload.get("variables"))
        if isinstance(query, str) and len(query.encode()) > limit:
            raise Refused(413, "DOCUMENT_TOO_LARGE", f"The query is over {limit} bytes.")
        return payload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":  # the key comes with connection_init
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        response: Response
        try:
            if self.graphql_ide and self._is_ide_page(request):
                response = graphiql_response()
            else:
                payload = await self._check_transport(request)
                authorization = request.headers.get("authorization")
                async with asyncio.timeout(self.settings.request_timeout_seconds):
                    found = None
                    fast, digest = self.fast, None
                    if fast is not None and payload is not None:
                        digest = key_digest(bearer_token(authorization))
                        found = await fast.answer(request, payload, digest)
                    if found is not None:
                        response = found
                    else:
                        sessions: Sessions = request.app.state.statement_sessions
                        viewer = await authenticate(sessions, authorization)
                        scope.setdefault("state", {})["viewer"] = viewer
                        if fast is not None and digest is not None:
                            fast.remember(digest, viewer)
                        request = await self._trusted_request(request, viewer)
                        response = await self.run(request)
        except Unauthenticated as error:
            _record(scope, "UNAUTHENTICATED")
            response = error_response(
                401, "UNAUTHENTICATED", str(error), {"WWW-Authenticate": 'Bearer realm="cx360"'}
            )
        except Refused as error:
            _record(scope, error.code)
            response = error_response(error.status, error.code, error.message)
        except TimeoutError:
            _record(scope, "TIMEOUT")
            response = error_response(
                504,
                "TIMEOUT",
                f"The request ran over {self.settings.request_timeout_seconds} s and was "
                "cancelled; ask for less (smaller pages, a narrower window).",
            )
        except HTTPException as error:
            _record(scope, "BAD_REQUEST")
            response = error_response(error.status_code, "BAD_REQUEST", error.reason)
        await response(scope, receive, send)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Authenticates a WebSocket at connection_init; nothing runs before that."""
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        authorization = params.get("Authorization") or params.get("authorization")
        try:
            viewer = await authenticate(
                context.statement_sessions,
                authorization if isinstance(authorization, str) else None,
            )
        except Unauthenticated as error:
            raise ConnectionRejectionError({"message": str(error)}) from None
        if viewer.trusted_documents_only:
            raise ConnectionRejectionError(
                {"message": "This key may only run its registered documents, over HTTP."}
            )
        context.viewer = viewer
        return UnsetType()

    async def get_context(self, request: Any, response: Any) -> Context:
        scope_state = request.scope.setdefault("state", {})
        # A WebSocket has no key until connection_init (on_ws_connect sets it).
        viewer: Viewer = scope_state.get("viewer", NOT_YET_AUTHENTICATED)
        state = request.app.state
        return Context(
            viewer=viewer,
            sessions=state.sessions,
            write_sessions=state.write_sessions,
            loaders=Loaders(state.sessions, observe_batch),
            statement_sessions=state.statement_sessions,
            read_statement_sessions=state.read_statement_sessions,
            primary_sessions=state.primary_sessions,
            budget=state.budget,
            changes=state.changes,
            response=response,
            request_id=scope_state.get("request_id", ""),
            error_codes=scope_state.setdefault("error_codes", []),
            log_fields=scope_state.setdefault("log_fields", {}),
            webhook_urls=self.webhook_urls,
        )

    def encode_json(self, data: object) -> bytes:
        """orjson: compact, UTF-8 as is, and compiled `data` (an orjson.Fragment) unparsed."""
        return orjson.dumps(data)
