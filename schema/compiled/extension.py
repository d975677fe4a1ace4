"""The compiled read path, wired into strawberry as a schema extension.

After parsing, validation and the limits (depth, aliases, tokens, cost, rate), a read
query whose every field has an SQL form is answered by one PostgreSQL statement that
builds the whole `data` JSON; strawberry then skips field resolution, and the text
goes to the client unparsed (an `orjson.Fragment`). Everything else (mutations,
introspection, fields computed in Python, a role a field refuses, SQLite) runs
through the resolvers unchanged. docs/performance.md has the design and the figures.
"""

import logging
from collections.abc import AsyncIterator
from typing import Any

import orjson
import strawberry
from cachetools import LRUCache
from graphql import DocumentNode
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension
from strawberry.types.arguments import convert_arguments
from strawberry.types.field import StrawberryField

from api.context import Context
from api.observability import FALLBACKS, READ_PATH
from resolvers.compiled.forms import CompileContext
from resolvers.compiled.statement import run_statement
from resolvers.read_audit import unmark
from schema.compiled.plans import Declined, PlanCache
from schema.permissions import check_arguments

log = logging.getLogger("cx360.compiled")
DOCUMENTS_KEPT = 1000


class CompiledPlans:
    """The schema's plan cache, created once the schema exists (it needs the schema)."""

    def __init__(self) -> None:
        self.cache: PlanCache | None = None
        # Documents answered by the compiled path: parsed, validated and within the
        # limits, so api/fast_reads.py may answer them again without strawberry.
        self.documents: LRUCache[str, DocumentNode] = LRUCache(maxsize=DOCUMENTS_KEPT)

    def attach(self, schema: strawberry.Schema) -> None:
        def convert(raw: dict[str, Any], field: StrawberryField) -> dict[str, Any]:
            return convert_arguments(
                raw,
                field.arguments,
                scalar_registry=schema.schema_converter.scalar_registry,
                config=schema.config,
            )

        self.cache = PlanCache(schema._schema, convert, check_arguments)


def fallback_reason(reason: str) -> str:
    """A decline's reason as a metric label: up to its first ': ' (what follows may
    quote a request's values, e.g. an argument that did not coerce), so the labels are
    bounded by the schema: `Customer.mergedFrom has no SQL form`, `Query.viewer has no SQL form`,
    `arguments of customers`."""
    return reason.split(": ", 1)[0]


class CompiledReads(SchemaExtension):
    def __init__(self, plans: CompiledPlans, enabled: bool, debug: bool) -> None:
        self.plans = plans
        self.enabled = enabled
        self.debug = debug
        self.path = "resolvers"
        self.reason: str | None = None

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        context: Context = execution.context
        if not self.enabled or self.plans.cache is None:
            self.reason = "compiled reads are off (or the database is not PostgreSQL)"
        elif execution.result is None and execution.graphql_document is not None:
            await self._try_compiled(context)
        READ_PATH.labels(self.path).inc()
        if self.reason is not None:
            FALLBACKS.labels(fallback_reason(self.reason)).inc()
        context.log_fields["read_path"] = self.path
        yield

    async def _try_compiled(self, context: Context) -> None:
        execution = self.execution_context
        assert execution.query is not None
        assert execution.graphql_document is not None
        try:
            ready = self.plans.cache.prepare(  # type: ignore[union-attr]
                execution.query,
                execution.graphql_document,
                execution.operation_name,
                execution.variables or {},
                CompileContext(context.viewer.role, context.now, context.viewer.key_name),
            )
            if isinstance(ready, Declined):
                self.reason = ready.reason
                return
            if ready.plan.writes_pending_read_audit and context.read_audit is not None:
                await context.read_audit.flush()
            data = await run_statement(
                context.read_statement_sessions,
                ready.plan.sql,
                ready.parameters,
                ready.plan.parallel,
            )
            if data is None:
                # e.g. health not stored yet, or a node(id:) of a type left to them
                self.reason = "a part of the answer only the resolvers give"
                if ready.plan.left:
                    self.reason += ": " + "; ".join(ready.plan.left)
                return
            # The audit's marks out (and noted) before anything reads the text.
            data = unmark(data, context.read_notes)
        except Exception:  # the resolvers still answer; the log keeps the error
            log.exception("compiled read failed; answered by the resolvers instead")
            self.reason = "the compiled path failed (see the server log)"
            return
        execution.result = GraphQLExecutionResult(data=orjson.Fragment(data), errors=None)  # type: ignore[arg-type]
        self.path = "compiled"
        self.plans.documents[execution.query] = execution.graphql_document

    def get_results(self) -> dict[str, Any]:
        if not self.debug:
            return {}
        found: dict[str, Any] = {"path": self.path}
        if self.reason is not None:
            found["declined"] = self.reason
        return {"readPath": found}
