"""Known compiled reads answered in one statement, around strawberry rather than through it.

Once a document has been answered by the compiled path (schema/compiled/extension.py), everything
strawberry did for it is settled: parsed, validated, within the depth, alias, token and
directive limits, a query and not introspection. When the same document comes again
from a key seen before, this path binds the cached plan, costs and rate-limits the
request exactly as QueryBudget does, and sends one statement that checks the key (not
revoked, not expired, same role and restrictions) and builds the `data` JSON together.
A key that stopped working gets the usual 401; anything else this path is not sure of
(an unseen document or key, a changed role, a declined plan, an empty budget) goes
through the full pipeline instead, which gives the standard answer.
"""

import logging
from typing import Any

import orjson
import strawberry
from cachetools import LRUCache
from graphql import DocumentNode
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import Response
from strawberry.utils.operation import get_first_operation

from api.auth import Unauthenticated
from api.context import Viewer
from api.observability import READ_PATH
from api.settings import Settings
from models import Role
from models.types import utc_now
from resolvers.compiled.forms import CompileContext
from resolvers.compiled.statement import (
    ConnectionDropped,
    check_key,
    run_keyed_statement,
    run_statement,
)
from resolvers.read_audit import Reader, ReadNotes, unmark
from schema.compiled.extension import CompiledPlans
from schema.compiled.plans import Declined, Ready, variables_json
from schema.limits import cost_report, query_cost
from schema.warnings import candidates, parsed, warnings

log = logging.getLogger("cx360.fast_reads")
KEYS_KEPT = 10_000
COSTS_KEPT = 1000


class FastReads:
    def __init__(self, schema: strawberry.Schema, settings: Settings, plans: CompiledPlans) -> None:
        self.schema = schema
        self.settings = settings
        self.plans = plans
        # Key digest -> who it was when last checked; every use re-checks it in SQL.
        self.viewers: LRUCache[str, Viewer] = LRUCache(maxsize=KEYS_KEPT)
        self.costs: LRUCache[tuple[str, str | None, bytes | None], int] = LRUCache(
            maxsize=COSTS_KEPT
        )

    def _cost(
        self,
        query: str,
        document: DocumentNode,
        operation_name: str | None,
        variables: dict[str, Any],
    ) -> int:
        """QueryBudget's cost, kept per document and variables (it walks the document)."""
        sent = variables_json(variables)
        key = (query, operation_name, sent)
        cost = self.costs.get(key) if sent is not None else None
        if cost is None:
            cost = query_cost(self.schema._schema, document, operation_name, variables)
            if sent is not None:
                self.costs[key] = cost
        return cost

    @staticmethod
    def _audited(
        state: Any, viewer: Viewer, document: DocumentNode, operation_name: str | None, data: str
    ) -> str:
        """The text without the read audit's marks, its reads recorded as the full
        pipeline's ReadAuditRecorder does (the same operation name: as sent, or the
        document's first operation's)."""
        notes = ReadNotes()
        data = unmark(data, notes)
        if notes and state.read_audit is not None:
            if operation_name is None:
                first = get_first_operation(document)
                operation_name = first.name.value if first and first.name else None
            reader = Reader(viewer.key_id, viewer.key_name, viewer.role)
            state.read_audit.record(reader, operation_name, notes.take())
        return data

    def remember(self, digest: str, viewer: Viewer) -> None:
        self.viewers[digest] = viewer

    async def answer(
        self, request: Request, payload: dict[str, Any], digest: str
    ) -> Response | None:
        """The response, or None when the full pipeline must answer."""
        viewer = self.viewers.get(digest)
        query, variables = payload.get("query"), payload.get("variables") or {}
        operation_name = payload.get("operationName")
        if (
            viewer is None
            or viewer.trusted_documents_only
            or "extensions" in payload
            or not isinstance(query, str)
            or not isinstance(variables, dict)
            or not (operation_name is None or isinstance(operation_name, str))
        ):
            return None
        document = self.plans.documents.get(query)
        if document is None or self.plans.cache is None:
            return None
        try:
            ready = self.plans.cache.prepare(
                query,
                document,
                operation_name,
                variables,
                CompileContext(viewer.role, utc_now(), viewer.key_name),
            )
        except Exception:  # a fault binding this request's values: the full pipeline answers
            log.exception("fast read: binding failed; the full pipeline answers")
            return None
        if isinstance(ready, Declined) or ready.plan.writes_pending_read_audit:
            return None
        cost = self._cost(query, document, operation_name, variables)
        if cost > self.settings.max_query_cost:
            return None
        state = request.app.state
        allowance = await state.budget.take(str(viewer.key_id), cost)
        if not allowance.allowed:
            return None
        try:
            found = await _answer(state, ready, digest)
        except ConnectionDropped as dropped:
            # The statement did not run: the full pipeline answers, on a new connection.
            log.warning("fast read: pooled connection dropped (%s); full pipeline answers", dropped)
            return None
        except Exception:  # e.g. a value the database refused: the full pipeline answers
            log.exception("fast read: the statement failed; the full pipeline answers")
            return None
        if found is None:
            self.viewers.pop(digest, None)
            raise Unauthenticated("Invalid API key: it is unknown, revoked or expired.")
        role, trusted_only, data = found
        if Role(role) != viewer.role or trusted_only != viewer.trusted_documents_only:
            self.viewers.pop(digest, None)
            return None
        if not isinstance(data, str):
            return None
        data = self._audited(state, viewer, document, operation_name, data)
        request.scope["state"]["viewer"] = viewer
        request.scope["state"]["log_fields"]["read_path"] = "compiled"
        READ_PATH.labels("compiled").inc()
        extensions: dict[str, Any] = {"cost": cost_report(self.settings, cost, allowance.remaining)}
        if self.settings.debug:
            extensions["readPath"] = {"path": "compiled"}
        filtered_by = candidates(document, operation_name, variables)
        if filtered_by:  # as DimensionWarnings does on the full pipeline
            given = await warnings(
                self.schema._schema, filtered_by, lambda: parsed(data), viewer.role, state.sessions
            )
            if given:
                extensions["warnings"] = given
        body = orjson.dumps({"data": orjson.Fragment(data), "extensions": extensions})
        return Response(body, media_type="application/json")


async def _answer(state: Any, ready: Ready, digest: str) -> tuple[str, bool, Any] | None:
    """One statement on the primary; with a replica, the key is checked on the primary
    (a revocation counts at once) and the data read from the replica: two statements."""
    primary: AsyncEngine = state.statement_engine
    replica: AsyncEngine = state.read_statement_engine
    if replica is primary:
        return await run_keyed_statement(
            primary, ready.plan.sql, ready.parameters, digest, ready.plan.parallel
        )
    key = await check_key(primary, digest)
    if key is None:
        return None
    # None: the full pipeline answers.
    data = await run_statement(
        state.read_statement_sessions, ready.plan.sql, ready.parameters, ready.plan.parallel
    )
    return key[0], key[1], data
