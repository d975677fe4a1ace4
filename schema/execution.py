"""The resolver path's execution context: plain leaf fields answered without a resolver call.

Most of a resolver-path answer is leaves read straight off an object (`subject`, `status`,
`occurredAt`: strawberry fields with no resolver, no extension and no argument). For each
of them graphql-core builds a `ResolveInfo`, calls strawberry's default resolver and walks
`complete_value` down to `complete_leaf_value`, about 10 µs of CPU a field; a dashboard
page has thousands. `LeafExecutionContext.execute_field` answers such a field with what
that walk would return, the attribute coerced by the field's scalar or enum type, and
hands everything else (a null for a non-null field, an attribute that raises, a value
other than a plain scalar, a coercion failure, any field with a resolver, arguments,
extensions or a middleware) to graphql-core unchanged, so errors and their paths are
graphql-core's own.
"""

import enum
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import CoroutineType
from typing import Any
from weakref import WeakKeyDictionary

from graphql import (
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    Undefined,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

# The values answered here; anything else (an exception, an awaitable, a JSON value)
# is graphql-core's to complete.
PLAIN_VALUES = (str, int, float, Decimal, datetime, date, time, timedelta, uuid.UUID, enum.Enum)

# (attribute, leaf type, non-null) of a plain leaf field, or None for any other field.
_Plain = tuple[str, GraphQLLeafType, bool] | None
# Per schema (a process may build several: tests, federation), per type and field.
_PLAIN: WeakKeyDictionary[GraphQLSchema, dict[tuple[str, str], _Plain]] = WeakKeyDictionary()


def _plain_leaf(parent_type: GraphQLObjectType, field_name: str) -> _Plain:
    field_def = parent_type.fields.get(field_name)
    if field_def is None or field_def.args or not getattr(field_def.resolve, "_is_default", False):
        return None
    definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or definition.extensions:
        return None
    if definition.default_resolver is not getattr:
        return None
    field_type, non_null = field_def.type, False
    if isinstance(field_type, GraphQLNonNull):
        field_type, non_null = field_type.of_type, True
    if not is_leaf_type(field_type):
        return None
    return definition.python_name, field_type, non_null


def plain_leaves(schema: GraphQLSchema) -> dict[tuple[str, str], _Plain]:
    """The schema's plain leaf fields found so far, by type and field name."""
    known = _PLAIN.get(schema)
    if known is None:
        known = _PLAIN[schema] = {}
    return known


class LeafExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """strawberry's execution context, with plain leaf fields answered directly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plain = plain_leaves(self.schema)
        self._direct = not (self.middleware_manager and self.middleware_manager.middlewares)

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        first = field_details_list[0].node
        plain = None
        if self._direct and not first.arguments:
            key = (parent_type.name, first.name.value)
            try:
                plain = self._plain[key]
            except KeyError:
                plain = self._plain[key] = _plain_leaf(parent_type, first.name.value)
        if plain is not None:
            attribute, leaf_type, non_null = plain
            try:
                value = getattr(source, attribute)
            except Exception:  # graphql-core reads it again and locates the error
                value = Undefined
            if value is None:
                if not non_null:
                    return None
            elif isinstance(value, PLAIN_VALUES):
                try:
                    coerced = leaf_type.coerce_output_value(value)
                except Exception:  # refused: graphql-core locates the error
                    coerced = None
                if coerced is not None and coerced is not Undefined:
                    return coerced
            elif isinstance(value, CoroutineType):
                value.close()  # graphql-core reads (and awaits) its own
        # Everything else, and every error, the way graphql-core does it.
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )
