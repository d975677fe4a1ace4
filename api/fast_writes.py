"""Known batch writes answered around strawberry: `recordTouchpoints` without its
argument conversion.

Converting 1,000 `TouchpointInput` objects through graphql-core's variable coercion and
strawberry's argument conversion costs far more than storing them. This path recognises
a `recordTouchpoints` document of a plain shape (one operation, the one field, its
argument a `[TouchpointInput!]!` variable, the payload's scalar fields, `userErrors` and
`touchpoints { id }` selected without aliases, fragments or directives), checks the
variables with a compiled pydantic validator that accepts only what GraphQL accepts and
converts it the same way (schema/touchpoint_mutations.py `fast_touchpoints`), then does
what the full pipeline does: authenticates the key, refuses a role that may not write
touchpoints, costs and rate-limits the request as QueryBudget does, runs the same
`record` (one transaction, the same audit entry, change log, health/SLA/actions upkeep)
and renders the selection in its order with `extensions.cost`. Anything this path is not
sure of (another document, a variable GraphQL would refuse, a persisted or restricted
key, a role that may not write, an empty budget) returns None and the full pipeline
answers, with the standard errors. tests/test_fast_writes.py compares both paths' bytes.
"""

from dataclasses import dataclass
from typing import Any

import orjson
import strawberry
from cachetools import LRUCache
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    ListTypeNode,
    NamedTypeNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    parse,
    specified_rules,
    validate,
)
from starlette.requests import Request
from starlette.responses import Response

from api.auth import authenticate
from api.settings import Settings
from resolvers.writes import Actor
from schema.limits import cost_report, query_cost
from schema.permissions import Area, CanWrite
from schema.touchpoint_mutations import RecordTouchpointsPayload, fast_touchpoints, record

DOCUMENTS_KEPT = 1000
FIELD = "recordTouchpoints"
ARGUMENT = "touchpoints"
SCALARS = frozenset({"created", "duplicates"})
USER_ERROR_FIELDS = frozenset({"field", "message", "code"})
TOUCHPOINT_FIELDS = frozenset({"id"})
MAY_WRITE = CanWrite(Area.TOUCHPOINTS)


@dataclass(frozen=True)
class Known:
    """A recognised document: its variable's name and the payload fields, in order."""

    document: DocumentNode
    operation_name: str | None
    variable: str
    selection: tuple[tuple[str, tuple[str, ...]], ...]  # (field, its subfields)


def _plain(node: Any) -> bool:
    return (
        isinstance(node, FieldNode)
        and node.alias is None
        and not node.directives
        and not node.arguments
    )


def _subfields(node: FieldNode, allowed: frozenset[str]) -> tuple[str, ...] | None:
    selections = node.selection_set.selections if node.selection_set else ()
    names = tuple(s.name.value for s in selections if _plain(s))  # type: ignore[attr-defined]
    if not selections or len(names) != len(selections) or not set(names) <= allowed:
        return None
    return names


def _is_touchpoint_list(type_node: Any) -> bool:
    """`[TouchpointInput!]!` exactly."""
    return (
        isinstance(type_node, NonNullTypeNode)
        and isinstance(type_node.type, ListTypeNode)
        and isinstance(type_node.type.type, NonNullTypeNode)
        and isinstance(type_node.type.type.type, NamedTypeNode)
        and type_node.type.type.type.name.value == "TouchpointInput"
    )


def recognise(schema: strawberry.Schema, settings: Settings, query: str) -> Known | None:
    """The document's plan, or None when it is not the plain recordTouchpoints shape."""
    try:
        document = parse(query, max_tokens=settings.max_tokens)
    except GraphQLError:
        return None
    if settings.max_depth < 3 or validate(schema._schema, document, specified_rules):
        return None
    if len(document.definitions) != 1:
        return None
    (operation,) = document.definitions
    if (
        not isinstance(operation, OperationDefinitionNode)
        or operation.operation is not OperationType.MUTATION
        or operation.directives
        or len(operation.variable_definitions or ()) != 1
        or len(operation.selection_set.selections) != 1
    ):
        return None
    (definition,) = operation.variable_definitions or ()
    (top,) = operation.selection_set.selections
    arguments = top.arguments or () if isinstance(top, FieldNode) else ()
    if (
        definition.default_value is not None
        or definition.directives
        or not _is_touchpoint_list(definition.type)
        or not isinstance(top, FieldNode)
        or top.alias is not None
        or top.directives
        or top.name.value != FIELD
        or len(arguments) != 1
        or arguments[0].name.value != ARGUMENT
        or not isinstance(arguments[0].value, VariableNode)
        or arguments[0].value.name.value != definition.variable.name.value
    ):
        return None
    selection: list[tuple[str, tuple[str, ...]]] = []
    assert isinstance(top.selection_set, SelectionSetNode)  # validated: a payload
    for node in top.selection_set.selections:
        if not _plain(node):
            return None
        assert isinstance(node, FieldNode)
        name = node.name.value
        if name in SCALARS and node.selection_set is None:
            selection.append((name, ()))
            continue
        allowed = {"userErrors": USER_ERROR_FIELDS, "touchpoints": TOUCHPOINT_FIELDS}.get(name)
        subfields = _subfields(node, allowed) if allowed is not None else None
        if subfields is None:
            return None
        selection.append((name, subfields))
    return Known(
        document,
        operation.name.value if operation.name else None,
        definition.variable.name.value,
        tuple(selection),
    )


def _render(payload: RecordTouchpointsPayload, known: Known) -> dict[str, Any]:
    """The payload as strawberry renders the selection: keys in selection order."""
    out: dict[str, Any] = {}
    for name, subfields in known.selection:
        if name == "userErrors":
            errors = [
                {"field": e.field, "message": e.message, "code": e.code}
                for e in payload.user_errors
            ]
            out[name] = [{f: e[f] for f in subfields} for e in errors]
        elif name == "touchpoints":
            out[name] = [{"id": t.id} for t in payload.touchpoints]
        else:
            out[name] = getattr(payload, name)
    return out


class FastWrites:
    def __init__(self, schema: strawberry.Schema, settings: Settings) -> None:
        self.schema = schema
        self.settings = settings
        # Query text -> its plan, or None when the full pipeline answers it.
        self.known: LRUCache[str, Known | None] = LRUCache(maxsize=DOCUMENTS_KEPT)

    def _known(self, query: str) -> Known | None:
        if query not in self.known:
            self.known[query] = recognise(self.schema, self.settings, query)
        return self.known[query]

    async def answer(
        self, request: Request, payload: dict[str, Any], authorization: str | None
    ) -> Response | None:
        """The response, or None when the full pipeline must answer."""
        query, variables = payload.get("query"), payload.get("variables")
        if "extensions" in payload or not isinstance(query, str) or not isinstance(variables, dict):
            return None
        known = self._known(query)
        operation_name = payload.get("operationName")
        if (
            known is None
            or operation_name not in (None, known.operation_name)
            or set(variables) != {known.variable}
        ):
            return None
        touchpoints = fast_touchpoints(variables[known.variable])
        if touchpoints is None:
            return None
        state = request.app.state
        viewer = await authenticate(state.statement_sessions, authorization)
        if viewer.trusted_documents_only or not MAY_WRITE.allows(viewer.role):
            return None
        cost = query_cost(self.schema._schema, known.document, operation_name, variables)
        if cost > self.settings.max_query_cost:
            return None
        allowance = await state.budget.take(str(viewer.key_id), cost)
        if not allowance.allowed:
            return None
        request.scope["state"]["viewer"] = viewer
        request.scope["state"].setdefault("log_fields", {})["write_path"] = "fast"
        writer = Actor(key_id=viewer.key_id, key_name=viewer.key_name, role=viewer.role)
        shown = any(name == "touchpoints" for name, _ in known.selection)
        result = await record(
            state.write_sessions, writer, state.changes, touchpoints, shown, state.upkeep
        )
        extensions = {"cost": cost_report(self.settings, cost, allowance.remaining)}
        body = orjson.dumps({"data": {FIELD: _render(result, known)}, "extensions": extensions})
        return Response(body, media_type="application/json")
