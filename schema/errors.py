"""What callers see when something goes wrong.

Errors a caller can fix (validation, bad arguments) stay clear, with a machine-readable
`extensions.code`. Anything unexpected becomes "Unexpected error." plus a request id
that is also in the server log, which holds the traceback; the caller never sees one.
"""

import logging
import uuid
from collections.abc import Iterator
from contextlib import suppress

from graphql import GraphQLError
from strawberry.extensions import ParserCache, SchemaExtension

from resolvers.errors import InputError

log = logging.getLogger("cx360.errors")


def _rewrite(error: GraphQLError, request_id: str) -> GraphQLError:
    original = error.original_error
    if original is None or error.path is None:
        # Parse, validation and limit errors (including our scalars' messages about a
        # literal): written for the caller, raised before any resolver ran.
        if error.extensions and "code" in error.extensions:
            return error
        return GraphQLError(
            error.message,
            nodes=error.nodes,
            path=error.path,
            original_error=None,
            extensions={**(error.extensions or {}), "code": "GRAPHQL_VALIDATION_FAILED"},
        )
    if isinstance(original, GraphQLError):
        return error
    return client_error(original, error)


def client_error(original: Exception, error: GraphQLError | None = None) -> GraphQLError:
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
    request_id = uuid.uuid4().hex
    log.error("unexpected error %s at %s", request_id, path, exc_info=original)
    return GraphQLError(
        "Unexpected error.",
        nodes=nodes,
        path=path,
        original_error=None,
        extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
    )


class ErrorPolicy(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context.context
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [_rewrite(e, context.request_id) for e in result.errors]
        errors = (
            result.errors
            if result is not None and result.errors
            else (self.execution_context.pre_execution_errors or [])
        )
        context.error_codes.extend(
            str((e.extensions or {}).get("code", "GRAPHQL_VALIDATION_FAILED")) for e in errors
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
