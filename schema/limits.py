"""Abuse limits that run before any resolver: cost, rate, directives, introspection.

Cost (GitHub/Shopify style): every object a query can return costs 1, so a field's
cost is its weight times how many of it the query can produce: a connection costs 1
and yields up to `first` nodes (default 20) for its children; other lists an estimate
of 10 items. Connection wrappers (edges, pageInfo) are free; heavy fields weigh more.
A query over `max_query_cost` is refused; otherwise its cost is taken from the key's
token bucket (RATE_LIMITED with retry-after when empty). Every response reports it in
`extensions.cost`.
"""

import math
from collections.abc import AsyncIterator
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
)
from graphql.utilities import get_operation_ast
from starlette.websockets import WebSocket
from strawberry.extensions import SchemaExtension

from api.settings import Settings
from models import Role
from resolvers.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

# Fields that cost more than one object: they aggregate or fan out server-side.
WEIGHTS: dict[str, int] = {
    "Query.metrics": 20,
    "Query.metricsSeries": 50,
    "Query.journeyFunnel": 20,
    "Query.exportCustomer": 50,
    "Customer.metrics": 5,
    "Customer.health": 2,
    "Customer.timeline": 3,
}
LIST_ESTIMATE = 10  # items assumed for lists without `first` (external ids, buckets, ...)
MUTATION_WEIGHT = 10
INTROSPECTION_ROLES = frozenset({Role.ADMIN, Role.ANALYST})


def _argument(node: FieldNode, name: str, variables: dict[str, Any]) -> Any:
    for argument in node.arguments or ():
        if argument.name.value != name:
            continue
        value = argument.value
        if isinstance(value, VariableNode):
            return variables.get(value.name.value)
        if isinstance(value, IntValueNode):
            return int(value.value)
        if isinstance(value, ListValueNode):
            return list(value.values)
        return None
    return None


class _Costing:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: dict[str, Any]):
        self.schema, self.variables = schema, variables
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }

    def items(self, parent: str, node: FieldNode, field_type: Any) -> int:
        """How many objects this field can yield per parent object."""
        name = node.name.value
        if get_named_type(field_type).name.endswith("Connection"):
            first = _argument(node, "first", self.variables)
            return max(
                1, min(MAX_PAGE_SIZE, first if isinstance(first, int) else DEFAULT_PAGE_SIZE)
            )
        if not is_list_type(get_nullable_type(field_type)) or parent.endswith("Connection"):
            return 1  # single objects; `edges` is already counted by its connection
        if name in ("nodes", "recordTouchpoints"):
            given = _argument(node, "ids" if name == "nodes" else "touchpoints", self.variables)
            return max(1, len(given)) if isinstance(given, list) else LIST_ESTIMATE
        return LIST_ESTIMATE

    def selection(
        self,
        selections: SelectionSetNode | None,
        parent: Any,
        multiplier: int,
        spreading: frozenset[str] = frozenset(),
    ) -> int:
        total = 0
        for node in selections.selections if selections else ():
            if isinstance(node, FieldNode):
                total += self.field(node, parent, multiplier, spreading)
            elif isinstance(node, InlineFragmentNode):
                condition = node.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection(node.selection_set, target, multiplier, spreading)
            elif isinstance(node, FragmentSpreadNode):
                name = node.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in spreading:  # cycles are refused by validation
                    continue
                target = self.schema.get_type(fragment.type_condition.name.value)
                total += self.selection(
                    fragment.selection_set, target, multiplier, spreading | {name}
                )
        return total

    def field(
        self, node: FieldNode, parent: Any, multiplier: int, spreading: frozenset[str]
    ) -> int:
        name = node.name.value
        fields = getattr(parent, "fields", {})
        if name.startswith("__") or name not in fields:
            return 0
        field_type = fields[name].type
        if is_leaf_type(get_named_type(field_type)):
            return 0
        weight = WEIGHTS.get(f"{parent.name}.{name}", 1)
        if parent is self.schema.mutation_type:
            weight = MUTATION_WEIGHT
        if parent.name.endswith(("Connection", "Edge")) and name != "node":
            weight = 0  # edges and pageInfo wrap what `node` counts
        items = self.items(parent.name, node, field_type)
        if name == "recordTouchpoints":  # cost grows with the batch, not its payload
            weight, items = MUTATION_WEIGHT + items // 10, 1
        connection = get_named_type(field_type).name.endswith("Connection")
        # A connection costs itself, its nodes count below; a plain list costs its items.
        own = multiplier * weight * (1 if connection else items)
        children = self.selection(
            node.selection_set, get_named_type(field_type), multiplier * items, spreading
        )
        return own + children


def query_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
) -> int:
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    root: GraphQLObjectType | None = {
        "query": schema.query_type,
        "mutation": schema.mutation_type,
        "subscription": schema.subscription_type,
    }[operation.operation.value]
    costing = _Costing(schema, document, variables or {})
    return costing.selection(operation.selection_set, root, 1)


def _uses_introspection(document: DocumentNode) -> bool:
    found = False

    def visit(selections: SelectionSetNode | None) -> None:
        nonlocal found
        for node in selections.selections if selections else ():
            if isinstance(node, FieldNode) and node.name.value in ("__schema", "__type"):
                found = True
            visit(getattr(node, "selection_set", None))

    for definition in document.definitions:
        visit(getattr(definition, "selection_set", None))
    return found


class QueryBudget(SchemaExtension):
    """Refuses costly or over-budget operations before execution; reports the cost."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.cost: int | None = None
        self.remaining: int | None = None

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        document = self.execution_context.graphql_document
        assert document is not None
        if (
            not self.settings.introspection_for_everyone
            and context.viewer.role not in INTROSPECTION_ROLES
            and _uses_introspection(document)
        ):
            raise GraphQLError(
                "Introspection is off for this key's role; ANALYST and ADMIN keys may use it.",
                extensions={"code": "INTROSPECTION_DISABLED"},
            )
        self.cost = query_cost(
            self.execution_context.schema._schema,
            document,
            self.execution_context.operation_name,
            self.execution_context.variables,
        )
        limit = self.settings.max_query_cost
        if self.cost > limit:
            raise GraphQLError(
                f"This query could cost {self.cost}, over the maximum of {limit}: ask for "
                "smaller pages (`first`) or fewer nested lists.",
                extensions={"code": "QUERY_TOO_COSTLY", "cost": self.cost, "maximum": limit},
            )
        allowance = await context.budget.take(str(context.viewer.key_id), self.cost)
        self.remaining = allowance.remaining
        if not allowance.allowed:
            wait = math.ceil(allowance.retry_after)
            if not isinstance(context.response, WebSocket):  # HTTP: status and header
                context.response.status_code = 429
                context.response.headers["Retry-After"] = str(wait)
            raise GraphQLError(
                f"Rate limited: this key's cost budget has {allowance.remaining} left and this "
                f"query costs {self.cost}; retry in {wait} s.",
                extensions={"code": "RATE_LIMITED", "retryAfterSeconds": wait},
            )
        yield

    def get_results(self) -> dict[str, Any]:
        if self.cost is None:
            return {}
        return {"cost": cost_report(self.settings, self.cost, self.remaining)}


def cost_report(settings: Settings, cost: int, remaining: int | None) -> dict[str, Any]:
    """`extensions.cost` of every answer, on every transport (the fast read path reports
    the same). Whole numbers are integers (`1000`, never `1000.0`), so every field reads
    the same in every client; only a fractional refill rate (`0.5`) is a fraction."""
    report = {
        "requested": cost,
        "maximum": settings.max_query_cost,
        "remaining": remaining,
        "capacity": settings.rate_limit_capacity,
        "refillPerSecond": settings.rate_limit_per_second,
    }
    return {name: _whole(value) for name, value in report.items()}


def _whole(value: float | None) -> float | None:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def directive_limit(maximum: int) -> type[ValidationRule]:
    """A validation rule counting every directive in the document, fragments included."""

    class DirectiveLimit(ValidationRule):
        seen = 0

        def enter_directive(self, node: DirectiveNode, *_: Any) -> None:
            self.seen += 1
            if self.seen == maximum + 1:
                self.report_error(
                    GraphQLError(
                        f"The document has more than {maximum} directives.",
                        node,
                        extensions={"code": "TOO_MANY_DIRECTIVES"},
                    )
                )

    return DirectiveLimit
