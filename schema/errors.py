"""What callers see when something goes wrong.

Errors a caller can fix (validation, bad arguments) stay clear, with a machine-readable
`extensions.code`, and are logged at INFO by code and path only. The database or Redis
out of reach becomes SERVICE_UNAVAILABLE (HTTP 503, Retry-After); anything else
unexpected becomes "Unexpected error." plus the request id that is also in the server
log, which holds the traceback (api/observability.py keeps values out of it).
"""

import logging
import uuid
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

from graphql import GraphQLError, GraphQLSchema
from starlette.responses import Response
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import ParserCache, SchemaExtension
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError

from api.failures import RETRY_AFTER_SECONDS, UNAVAILABLE, is_unavailable, log_failure
from resolvers.errors import InputError
from schema.input_errors import scrub

log = logging.getLogger("cx360.errors")


def _before_resolvers(error: GraphQLError) -> bool:
    """Parse, validation, limit and coercion errors (our scalars, bad variables): the
    caller's. A failure of the budget's Redis or of an extension's SQL is not."""
    original = error.original_error
    return original is None or (
        error.path is None
        and isinstance(original, ValueError | TypeError | GraphQLError)
        and not is_unavailable(original)
    )


def _rewrite(error: GraphQLError, request_id: str, schema: GraphQLSchema) -> GraphQLError:
    original = error.original_error
    if _before_resolvers(error):
        # Parse, validation and limit errors (including our scalars' messages about a
        # literal): written for the caller, raised before any resolver ran.
        if error.extensions and "code" in error.extensions:
            return error
        return GraphQLError(
            scrub(error.message, schema),
            nodes=error.nodes,
            path=error.path,
            original_error=None,
            extensions={**(error.extensions or {}), "code": "GRAPHQL_VALIDATION_FAILED"},
        )
    if original is None or isinstance(original, GraphQLError):
        return error
    return client_error(original, error, request_id)


def client_error(
    original: Exception, error: GraphQLError | None = None, request_id: str = ""
) -> GraphQLError:
    """What the caller sees of an exception: its own words for input errors, else a
    request id (the traceback goes to the log). Also for errors a subscription raises
    between events, which no extension sees."""
    nodes, path = (error.nodes, error.path) if error is not None else (None, None)
    if isinstance(original, InputError):
        return GraphQLError(
            original.message,
            nodes=nodes,
            path=path,
            original_error=None,
            extensions={"code": original.code, "argument": original.argument},
        )
    if isinstance(original, GraphQLError):
        return original
    request_id = request_id or uuid.uuid4().hex
    log_failure(original, request_id, str(path))
    if is_unavailable(original):
        return GraphQLError(
            UNAVAILABLE,
            nodes=nodes,
            path=path,
            original_error=None,
            extensions={"code": "SERVICE_UNAVAILABLE", "requestId": request_id},
        )
    return GraphQLError(
        "Unexpected error.",
        nodes=nodes,
        path=path,
        original_error=None,
        extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
    )


# Raised through the operation on purpose: strawberry's view answers them (HTTP 400).
REQUEST_ERRORS = (MissingQueryError, CannotGetOperationTypeError, InvalidOperationTypeError)
FAILURE_CODES = ("SERVICE_UNAVAILABLE", "INTERNAL_SERVER_ERROR")


class ErrorPolicy(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        try:
            yield
        except REQUEST_ERRORS:
            raise
        except Exception as error:
            # Raised by an extension (QueryBudget's refusals, its Redis failing): strawberry
            # would answer with the exception's own message, past the rewrite below.
            refused = (
                error
                if isinstance(error, GraphQLError)
                else client_error(error, None, context.request_id)
            )
            _note(context, [refused])
            raise refused from None
        result = self.execution_context.result
        if result is not None and result.errors:
            schema = self.execution_context.schema._schema
            result.errors = [_rewrite(e, context.request_id, schema) for e in result.errors]
        errors = (
            result.errors
            if result is not None and result.errors
            else (self.execution_context.pre_execution_errors or [])
        )
        _note(context, errors)


def _note(context: Any, errors: list[GraphQLError]) -> None:
    """Codes for the request's log line and metrics; 503 when the service is unavailable."""
    codes = [str((e.extensions or {}).get("code", "GRAPHQL_VALIDATION_FAILED")) for e in errors]
    context.error_codes.extend(codes)
    response = context.response
    if "SERVICE_UNAVAILABLE" in codes and isinstance(response, Response):
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)


def log_client_errors(errors: list[GraphQLError], execution_context: Any = None) -> None:
    """Schema.process_errors: what a caller got wrong, at INFO, by code and path only.

    Unexpected failures are logged by `client_error` (with the request id they answer
    with); the message of an error is never logged, it may quote the document or values.
    """
    for error in errors:
        original = error.original_error
        if not _before_resolvers(error) and not isinstance(original, InputError | GraphQLError):
            continue
        code = (error.extensions or {}).get("code") or getattr(original, "code", None)
        if code in FAILURE_CODES:  # logged by client_error already
            continue
        context = getattr(execution_context, "context", None)
        log.info(
            "client error",
            extra={
                "fields": {
                    "request_id": getattr(context, "request_id", ""),
                    "code": str(code or "GRAPHQL_VALIDATION_FAILED"),
                    "path": error.path,
                }
            },
        )


class ReportingParserCache(ParserCache):
    """ParserCache, except that a document that does not parse (syntax, too many tokens)
    is left to strawberry's own parse step, which reports the error. ParserCache raises
    it outside that step: over HTTP that still answers, but over the WebSocket the
    operation ended with a bare `complete`."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query:
            # On an error the document stays unset: strawberry parses it again and reports.
            with suppress(GraphQLError):
                context.graphql_document = self.cached_parse_document(
                    context.query, **context.parse_options
                )
        yield
