"""`extensions.warnings`: a filter value that matches nothing because no record has it.

A misspelt segment (`SMB` when only `smb` exists) gives zeros, not an error. When a root
field filtered by a free-text dimension value (segment, touchpoint kind) found nothing,
one indexed probe checks whether any record has that value; if none does, the answer
carries a warning naming the argument and the values that exist (as `dimensions` lists
them, and only when the key's role may read that list). A field that found data costs
nothing more than a walk over the operation's root fields.
"""

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import orjson
import strawberry
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLSchema,
    OperationType,
    get_operation_ast,
)
from graphql.utilities import value_from_ast_untyped
from strawberry.extensions import SchemaExtension

from api.context import Context
from models import Role
from resolvers import dimensions
from resolvers.pagination import Sessions
from schema.permissions import may_read

LISTED = 20  # values named in a warning at most (most used first)


@dataclass(frozen=True)
class Rule:
    """A root field's input field taking a value of `dimension` (a `dimensions` list)."""

    argument: str  # the argument, e.g. "filter"
    field: str  # its input field, e.g. "segment"
    dimension: str  # resolvers/dimensions.py's name
    listed_by: str  # the `dimensions` field whose rules say who may see the values
    nothing: str  # "no customer has segment"


SEGMENT = Rule("filter", "segment", "segments", "Dimensions.segments", "no customer has segment")
RULES: dict[str, tuple[Rule, ...]] = {
    "metrics": (SEGMENT,),
    "metricsSeries": (SEGMENT,),
    "journeyFunnel": (SEGMENT,),
    "customers": (SEGMENT,),
    "touchpoints": (Rule("filter", "kind", "kinds", "Dimensions.kinds", "no touchpoint has kind"),),
}


@dataclass(frozen=True)
class Candidate:
    response_key: str
    rule: Rule
    value: str


def candidates(
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
) -> list[Candidate]:
    """The dimension values a query's root fields filter by (cheap: no SQL)."""
    operation = get_operation_ast(document, operation_name)
    if operation is None or operation.operation != OperationType.QUERY:
        return []
    found: list[Candidate] = []
    for node in operation.selection_set.selections:
        if not isinstance(node, FieldNode) or node.name.value not in RULES:
            continue
        arguments = {
            argument.name.value: value_from_ast_untyped(argument.value, variables)
            for argument in node.arguments or ()
        }
        key = node.alias.value if node.alias else node.name.value
        for rule in RULES[node.name.value]:
            argument = arguments.get(rule.argument)
            given = argument.get(rule.field) if isinstance(argument, dict) else None
            for value in given if isinstance(given, list) else [given]:
                if isinstance(value, str):
                    found.append(Candidate(key, rule, value))
    return found


def found_nothing(value: Any) -> bool:
    """Whether an answer holds no data: no records listed, every count and figure zero."""
    if isinstance(value, dict):
        if any(value.get(key) for key in ("edges", "nodes")):
            return False
        return all(found_nothing(v) for v in value.values())
    if isinstance(value, list):
        return all(found_nothing(v) for v in value)
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return True
    return bool(value == 0)


async def warnings(
    schema: GraphQLSchema,
    found: list[Candidate],
    data: Callable[[], Any],
    role: Role,
    sessions: Sessions,
) -> list[dict[str, str]]:
    """A warning for each candidate whose field found nothing and whose value no record has."""
    if not found:
        return []
    answered = data()
    if not isinstance(answered, dict):
        return []
    given: list[dict[str, str]] = []
    for candidate in dict.fromkeys(found):
        value = answered.get(candidate.response_key)
        if value is None or not found_nothing(value):  # an error, or data found
            continue
        rule = candidate.rule
        if await dimensions.value_exists(sessions, rule.dimension, candidate.value):
            continue
        argument = f"{rule.argument}.{rule.field}"
        message = f"{rule.nothing} {candidate.value!r}"
        if may_read(schema, role, rule.listed_by):
            values = await dimensions.value_counts(sessions, rule.dimension)
            names = ", ".join(v.value for v in values[:LISTED]) or "none"
            more = ", ..." if len(values) > LISTED else ""
            message += f"; {rule.dimension} that exist: {names}{more}"
        listed = rule.listed_by.split(".")[1]
        message += f" (see dimensions {{ {listed} }})"
        entry = {"argument": argument, "message": message}
        if entry not in given:
            given.append(entry)
    return given


def parsed(data: Any) -> Any:
    """`data` as Python values (the compiled path gives JSON text or an orjson.Fragment)."""
    if isinstance(data, orjson.Fragment):  # its text is only reachable by dumping it
        data = orjson.dumps(data)
    if isinstance(data, str | bytes):
        return orjson.loads(data)
    return data


class DimensionWarnings(SchemaExtension):
    """Adds `extensions.warnings` (see above) to a query's answer when there are any."""

    def __init__(self) -> None:
        self.given: list[dict[str, str]] = []

    async def on_execute(self) -> AsyncIterator[None]:
        yield
        execution = self.execution_context
        result, document = execution.result, execution.graphql_document
        if result is None or document is None or result.data is None:
            return
        schema: strawberry.Schema = execution.schema
        found = candidates(document, execution.operation_name, execution.variables)
        if found:
            context: Context = execution.context
            self.given = await warnings(
                schema._schema,
                found,
                lambda: parsed(result.data),
                context.viewer.role,
                context.sessions,
            )

    def get_results(self) -> dict[str, Any]:
        return {"warnings": self.given} if self.given else {}
