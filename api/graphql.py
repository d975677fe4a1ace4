"""The /graphql endpoint: strawberry's ASGI view behind transport rules and key auth.

Before strawberry sees a request: GET may only read (strawberry refuses mutations over
GET); POST must be `application/json` with one operation, so forms, multipart and
`text/plain` (CSRF vectors) change nothing; body and document sizes are bounded; the
key is checked. Each request runs under a timeout that cancels its database work.
Transport errors answer in GraphQL's JSON error shape. Subscriptions run over the
WebSocket only, with the same message, document and cost limits as HTTP, and every
protocol message goes out as a text frame.
"""

import asyncio
import contextlib
import json
import logging
import re
import time
import uuid
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, cast

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.http import GraphQLRequestData
from strawberry.http.exceptions import (
    NonJsonMessageReceived,
    NonTextMessageReceived,
    WebSocketDisconnected,
)
from strawberry.schema import BaseSchema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.schema.schema import StreamResult
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
    _OperationStreamClosed,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ErrorMessage,
    Message,
    SubscribeMessage,
)
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UnsetType
from strawberry.utils.aio import aclosing

from api.auth import Unauthenticated, authenticate, bearer_token
from api.context import NOT_YET_AUTHENTICATED, Context, Viewer, build_context
from api.fast_reads import FastReads
from api.fast_writes import FastWrites
from api.graphiql import graphiql_response
from api.observability import observe_batch, record_operation
from api.settings import Settings
from models.types import utc_now
from resolvers.bulk.files import bulk_config
from resolvers.keys import digest as key_digest
from resolvers.keys import trusted_document
from resolvers.loaders import Loaders
from resolvers.pagination import Sessions
from resolvers.read_audit import ReadNotes
from schema.permissions import check_key_active

log = logging.getLogger("cx360.websocket")


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


def _check_document(query: object, variables: object, limit: int) -> None:
    """What every transport checks of an operation before parsing it."""
    _check_text(query, variables)
    if isinstance(query, str) and len(query.encode()) > limit:
        raise Refused(413, "DOCUMENT_TOO_LARGE", f"The query is over {limit} bytes.")


SUBSCRIPTION_LIMIT = (
    "This WebSocket already runs {0.max_subscriptions_per_connection} operations, the most "
    "CX360_MAX_SUBSCRIPTIONS_PER_CONNECTION allows: complete one (or open another socket) "
    "first."
)
SUBSCRIPTION_OVER_HTTP = (
    "Subscriptions run over a WebSocket: connect to /graphql with the "
    "`graphql-transport-ws` protocol (graphql-ws's createClient) and send the key in "
    "connection_init's payload."
)
# Closes a socket whose message is over max_body_bytes (1009: Message Too Big).
MESSAGE_TOO_BIG = 1009


class TextWebSocket(ASGIWebSocketAdapter):
    """The socket under every subscription protocol: messages go out as text frames
    (clients such as graphql-ws and gql refuse binary ones) and come in no larger than
    an HTTP body may be."""

    async def iter_json(
        self, *, ignore_parsing_errors: bool = False
    ) -> AsyncGenerator[object, None]:
        limit = cast("GraphQLEndpoint", self.view).settings.max_body_bytes
        try:
            while self.ws.application_state != WebSocketState.DISCONNECTED:
                text = await self.ws.receive_text()
                if len(text) > limit or len(text.encode()) > limit:
                    await self.close(MESSAGE_TOO_BIG, f"A message may be at most {limit} bytes.")
                    return
                try:
                    yield self.view.decode_json(text)
                except ValueError as error:
                    if not ignore_parsing_errors:
                        raise NonJsonMessageReceived from error
        except KeyError as error:
            raise NonTextMessageReceived from error
        except WebSocketDisconnect:
            pass

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(self.view.encode_json_string(message))
        except WebSocketDisconnect as error:
            raise WebSocketDisconnected from error


# What the socket runs: mutations only from a JSON POST, as the README promises.
SOCKET_OPERATIONS = frozenset({OperationType.QUERY, OperationType.SUBSCRIPTION})
MUTATION_OVER_WEBSOCKET = (
    "Mutations run over HTTP: POST a JSON body (`Content-Type: application/json`) to "
    "/graphql. The WebSocket runs queries and subscriptions only."
)


@dataclass
class SocketOperation:
    """One subscribe message, for its line in the request log (api/observability.py)."""

    request_id: str
    name: object
    started: float = field(default_factory=time.perf_counter)
    codes: list[str] = field(default_factory=list)
    events: int = 0


async def _refusing_mutations(results: StreamResult) -> AsyncGenerator[Any, None]:
    """The operation's results, a mutation's refusal in cx360's words and code."""
    async with aclosing(results):
        async for result in results:
            errors = getattr(result, "errors", None) or []
            original = errors[0].original_error if errors else None
            if (
                isinstance(result, PreExecutionError)
                and isinstance(original, InvalidOperationTypeError)
                and original.operation_type is OperationType.MUTATION
            ):
                error = GraphQLError(
                    MUTATION_OVER_WEBSOCKET, extensions={"code": "MUTATION_OVER_WEBSOCKET"}
                )
                result = PreExecutionError(data=None, errors=[error])
            yield result


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws with HTTP's document checks, error codes, request ids and
    request log lines; queries and subscriptions only."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.logged: dict[str, SocketOperation] = {}

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        payload: Any = message.get("payload")
        if (
            self.connection_acknowledged
            and isinstance(payload, dict)
            and message["id"] not in self.operations
        ):
            record = SocketOperation(
                uuid.uuid4().hex,
                payload.get("operationName") or _named_operation(payload.get("query")),
            )
            self.logged[message["id"]] = record
            settings = cast("GraphQLEndpoint", self.view).settings
            try:
                if len(self.operations) >= settings.max_subscriptions_per_connection:
                    raise Refused(400, "SUBSCRIPTION_LIMIT", SUBSCRIPTION_LIMIT.format(settings))
                _check_document(
                    payload.get("query"), payload.get("variables"), settings.max_document_bytes
                )
            except Refused as error:
                refusal: ErrorMessage = {
                    "id": message["id"],
                    "type": "error",
                    "payload": [{"message": error.message, "extensions": {"code": error.code}}],
                }
                await self.send_message(refusal)
                self._log(message["id"], record)
                return
        await super().handle_subscribe(message)

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        """Strawberry's, with a request id and context of the operation's own, mutations
        refused where the operation's type is known, and a request log line at its end."""
        record = self.logged.get(operation.id) or SocketOperation(uuid.uuid4().hex, None)
        context = replace(self.context, request_id=record.request_id, error_codes=[])
        context.renew()
        context.log_fields = {}
        context.read_notes = ReadNotes()  # each operation's events record their own reads
        try:
            # The key is checked for each operation, as for each HTTP request: a socket
            # opened before a revocation must not go on answering.
            try:
                await check_key_active(context)
            except GraphQLError as ended:
                record.codes.append("UNAUTHENTICATED")
                await operation.send_initial_errors([ended])
                return
            results = await self.schema.stream(
                operation.query,
                variable_values=operation.variables,
                context_value=context,
                root_value=self.root_value,
                operation_name=operation.operation_name,
                allowed_operation_types=SOCKET_OPERATIONS,
            )
            async with aclosing(_refusing_mutations(results)) as refusing:
                await self._send_result_stream(operation, refusing)
            await operation.send_operation_message({"id": operation.id, "type": "complete"})
        except _OperationStreamClosed:
            return
        except Exception as error:  # as strawberry's: the task's error goes to its logger
            await self.handle_task_exception(error)
            with contextlib.suppress(Exception):
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
            self.operations.pop(operation.id, None)
            raise
        finally:
            self._log(operation.id, record, context.log_fields)

    def _log(self, id: str, record: SocketOperation, fields: dict[str, Any] | None = None) -> None:
        if self.logged.get(id) is record:
            del self.logged[id]
        codes = list(dict.fromkeys(record.codes))
        record_operation(
            record.request_id,
            record.name,
            time.perf_counter() - record.started,
            self.context.viewer,
            codes[0] if codes else "ok",
            codes,
            {"transport": "websocket", "events": record.events, **(fields or {})},
            timed=record.events <= 1,
        )

    async def send_message(self, message: Message) -> None:
        operation_id = cast("Mapping[str, Any]", message).get("id")
        record = self.logged.get(operation_id) if isinstance(operation_id, str) else None
        errors: list[Any] = []
        if message["type"] == "error":  # parse and validation errors, as over HTTP
            errors = list(message["payload"])
        elif message["type"] == "next":
            errors = list(message["payload"].get("errors") or [])
            if record is not None:
                record.events += 1
        for error in errors:
            extensions = error.setdefault("extensions", {})
            extensions.setdefault("code", "GRAPHQL_VALIDATION_FAILED")
            if record is not None:
                extensions.setdefault("requestId", record.request_id)
                record.codes.append(str(extensions["code"]))
        await super().send_message(message)


def _record(scope: Scope, code: str) -> None:
    """Notes a refusal for the request log and metrics (api.observability)."""
    scope.setdefault("state", {}).setdefault("error_codes", []).append(code)


class GraphQLEndpoint(GraphQL[Context, None]):
    websocket_adapter_class = TextWebSocket
    graphql_transport_ws_handler_class = TransportWSHandler

    def __init__(
        self,
        schema: BaseSchema,
        settings: Settings,
        fast: FastReads | None = None,
        fast_writes: FastWrites | None = None,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.graphiql_enabled else None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
            allowed_origins=settings.allowed_origins,
            connection_init_wait_timeout=timedelta(
                seconds=settings.connection_init_timeout_seconds
            ),
        )
        self.settings = settings
        # Known compiled reads, answered in one statement (api/fast_reads.py).
        self.fast = fast
        # Plain recordTouchpoints batches, without argument conversion (api/fast_writes.py).
        self.fast_writes = fast_writes
        self.bulk = bulk_config(
            settings.bulk_dir,
            settings.bulk_url_ttl_seconds,
            settings.bulk_upload_max_bytes,
            settings.max_query_cost,
            settings.bulk_file_retention_hours,
        )

    def is_websocket_origin_allowed(self, request: Any, origin: str) -> bool:
        """Strawberry's rule (`allowed_origins`); a refusal logged with what to change."""
        if super().is_websocket_origin_allowed(request, origin):
            return True
        log.warning(
            "Refused a WebSocket from origin %s to host %s: if pages on that origin should "
            "connect, add it to CX360_ALLOWED_ORIGINS (a JSON list).",
            origin,
            self.get_websocket_headers(request).get("host"),
        )
        return False

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
            variables = request.query_params.get("variables", "")
            query = request.query_params.get("query")
            _check_document(query, variables.replace("\\u0000", "\x00"), limit)
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
        # JSON text holds a NUL only as the escape \u0000: without one, nothing to look for.
        checked = payload.get("variables") if b"\\u0000" in body else None
        _check_document(query, checked, limit)
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
                    if self.fast_writes is not None and payload is not None:
                        found = await self.fast_writes.answer(request, payload, authorization)
                    if found is None and fast is not None and payload is not None:
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

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Strawberry's, except that a subscription is refused: it needs the WebSocket."""
        try:
            return await self.schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=(
                    {OperationType.QUERY}
                    if request_adapter.method == "GET"
                    else {OperationType.QUERY, OperationType.MUTATION}
                ),
                operation_extensions=request_data.extensions,
            )
        except InvalidOperationTypeError as error:
            if error.operation_type is OperationType.SUBSCRIPTION:
                raise Refused(400, "SUBSCRIPTION_OVER_HTTP", SUBSCRIPTION_OVER_HTTP) from None
            reason = error.as_http_error_reason(request_adapter.method)
            raise HTTPException(400, reason) from None
        except CannotGetOperationTypeError as error:
            raise HTTPException(400, error.as_http_error_reason()) from None
        except MissingQueryError:
            raise HTTPException(400, "No GraphQL query found in the request") from None
        finally:
            context.loaders.end()  # loads a field's error left queued send no statement

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
        loaders = Loaders(
            state.sessions, observe_batch, self.settings.database_connections_per_request
        )
        return build_context(
            state,
            viewer,
            state.budget,
            loaders,
            response,
            request_id=scope_state.get("request_id", ""),
            error_codes=scope_state.setdefault("error_codes", []),
            log_fields=scope_state.setdefault("log_fields", {}),
            now=utc_now(),
            bulk=self.bulk,
        )

    def encode_json(self, data: object) -> bytes:
        """orjson: compact, UTF-8 as is, and compiled `data` (an orjson.Fragment) unparsed."""
        return orjson.dumps(data)
