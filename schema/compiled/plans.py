"""Plans cached per (document, operation, role, variable shape).

A variable's shape is what can change the SQL: null or not, booleans (`@skip`), empty
strings, enum-like names (an `orderBy` field); every other value is a bind parameter.
Each plan also re-checks, per request, that its arguments still have the shape it was
built for, and declines otherwise, so a shape the key misses costs speed, not truth.
"""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from cachetools import LRUCache
from graphql import DocumentNode, GraphQLSchema, OperationDefinitionNode, OperationType
from graphql.execution.values import VariableValues, get_variable_values
from graphql.utilities import get_operation_ast
from strawberry.types.field import StrawberryField

from resolvers.compiled.forms import CompileContext
from schema.compiled.arguments import ArgumentCheck
from schema.compiled.compiler import Compiler
from schema.compiled.outcomes import Decline, Plan, RequestDecline

log = logging.getLogger("cx360.compiled")
ENUM_LIKE = re.compile(r"[A-Z][A-Z0-9_]*")
Converter = Callable[[dict[str, Any], StrawberryField], dict[str, Any]]


def variable_shape(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value if ENUM_LIKE.fullmatch(value) else bool(value)
    if isinstance(value, dict):
        return tuple(sorted((k, variable_shape(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("list", tuple(sorted({repr(variable_shape(v)) for v in value})))
    return 1


def variables_json(variables: dict[str, Any]) -> bytes | None:
    """A request's variables as canonical JSON, the key of what is kept per variables
    (a plan's argument values, the fast path's cost); None when orjson cannot write them
    (an integer beyond 64 bits): nothing is kept for them."""
    try:
        return orjson.dumps(variables, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return None


@dataclass(frozen=True)
class Declined:
    reason: str


ONLY_QUERIES = Declined("only queries are compiled")


@dataclass(frozen=True)
class Ready:
    plan: Plan
    parameters: tuple[Any, ...]


class PlanCache:
    """Compiled plans (and refusals) of the documents this server has seen, LRU-bounded."""

    def __init__(
        self, schema: GraphQLSchema, converter: Converter, check: ArgumentCheck, size: int = 1000
    ) -> None:
        self.schema = schema
        self.converter = converter
        self.check = check
        self.plans: LRUCache[Any, Plan | Declined] = LRUCache(maxsize=size)

    def prepare(
        self,
        query: str,
        document: DocumentNode,
        operation_name: str | None,
        variables: dict[str, Any],
        context: CompileContext,
    ) -> Ready | Declined:
        operation = get_operation_ast(document, operation_name)
        if not isinstance(operation, OperationDefinitionNode):
            return Declined("no such operation")
        if operation.operation != OperationType.QUERY:
            return ONLY_QUERIES  # nothing to coerce or cache: mutations run on the resolvers
        coerced = get_variable_values(self.schema, operation.variable_definitions or (), variables)
        if not isinstance(coerced, VariableValues):
            return Declined("variables do not coerce")
        key = (query, operation_name, context.role, variable_shape(variables))
        found = self.plans.get(key)
        if found is None:
            try:
                found = self.plans[key] = self._compile(document, operation, coerced, context)
            except RequestDecline as refusal:  # this request's values: the next may compile
                return Declined(str(refusal))
        if isinstance(found, Declined):
            return found
        try:
            return Ready(found, found.bind(coerced, context, variables_json(variables)))
        except Decline as refusal:
            return Declined(str(refusal))

    def _compile(
        self,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: VariableValues,
        context: CompileContext,
    ) -> Plan | Declined:
        compiler = Compiler(
            self.schema, self.converter, document, operation, variables, context, self.check
        )
        try:
            return compiler.compile()
        except RequestDecline:
            raise  # not kept: prepare answers this request with the resolvers
        except Decline as refusal:
            return Declined(str(refusal))
        except Exception:  # a compiler bug costs speed, never a wrong or failed answer
            log.exception("the compiler failed; this query stays on the resolvers")
            return Declined("the compiler failed on this query (see the server log)")
