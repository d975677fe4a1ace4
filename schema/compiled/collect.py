"""Field collection (graphql's CollectFields): the fields a selection asks for.

Fragments (inline and named) are merged by response key, in response order, and
`@skip`/`@include` are applied with the request's variables; any other directive
declines, as does anything this module cannot be sure of.
"""

from collections.abc import Iterable
from typing import Any

from graphql import (
    BooleanValueNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    VariableNode,
    is_abstract_type,
)
from graphql.execution.values import VariableValues

from schema.compiled.arguments import Decline


class FieldCollection:
    """The selections of one document, for one request's variables."""

    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, variables: VariableValues
    ) -> None:
        self.schema = schema
        self.variables = variables
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }

    def included(self, node: FieldNode | InlineFragmentNode | FragmentSpreadNode) -> bool:
        for directive in node.directives or ():
            name = directive.name.value
            if name not in ("skip", "include"):
                raise Decline(f"directive @{name}")
            argument = next((a for a in directive.arguments or () if a.name.value == "if"), None)
            if argument is None:
                raise Decline(f"@{name} without `if`")
            value_node = argument.value
            value: Any
            if isinstance(value_node, BooleanValueNode):
                value = value_node.value
            elif isinstance(value_node, VariableNode):
                value = self.variables.coerced.get(value_node.name.value)
                if not isinstance(value, bool):
                    raise Decline(f"@{name} on a non-boolean")
            else:
                raise Decline(f"@{name} value")
            if value == (name == "skip"):
                return False
        return True

    def matches(self, condition: str | None, runtime: GraphQLObjectType) -> bool:
        if condition is None or condition == runtime.name:
            return True
        target = self.schema.get_type(condition)
        return is_abstract_type(target) and self.schema.is_sub_type(target, runtime)

    def collect(
        self,
        runtime: GraphQLObjectType,
        selection_sets: Iterable[SelectionSetNode | None],
        found: dict[str, list[FieldNode]] | None = None,
    ) -> dict[str, list[FieldNode]]:
        """Fields by response key, in response order (graphql's CollectFields)."""
        found = {} if found is None else found
        for selection_set in selection_sets:
            for node in selection_set.selections if selection_set else ():
                if not self.included(node):  # type: ignore[arg-type]
                    continue
                if isinstance(node, FieldNode):
                    key = node.alias.value if node.alias else node.name.value
                    found.setdefault(key, []).append(node)
                elif isinstance(node, InlineFragmentNode):
                    condition = node.type_condition.name.value if node.type_condition else None
                    if self.matches(condition, runtime):
                        self.collect(runtime, [node.selection_set], found)
                elif isinstance(node, FragmentSpreadNode):
                    fragment = self.fragments.get(node.name.value)
                    if fragment is None:
                        raise Decline("unknown fragment")
                    if self.matches(fragment.type_condition.name.value, runtime):
                        self.collect(runtime, [fragment.selection_set], found)
        return found

    @staticmethod
    def sub_selections(nodes: list[FieldNode]) -> list[SelectionSetNode | None]:
        return [n.selection_set for n in nodes]
