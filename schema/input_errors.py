"""Coercion errors that name where the input is wrong and what is expected, never its value.

graphql-core words a wrong variable or literal with the value itself: `found: {'name':
'X', 'emial': 'someone@example.com'}`, `String cannot represent a non string value:
447700900999`, `Value 'x' does not exist in 'Channel' enum`. Answers end up in client
error trackers, so a submitted value (an email, a phone) must not come back. `scrub` rewrites
each such message by its kind, keeping the variable or argument, the path, the expected
type and graphql-core's suggestions (names from the schema); `NamedLiteralErrors` makes a
wrong literal name its argument and path, as a wrong variable does.
"""

import re
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, GraphQLSchema, is_enum_type
from graphql.language import (
    ArgumentNode,
    ValueNode,
    VariableDefinitionNode,
    VisitorAction,
)
from graphql.language.visitor import SKIP
from graphql.pyutils import print_path_list
from graphql.type import GraphQLInputType
from graphql.utilities.validate_input_value import validate_input_literal
from graphql.validation import ValuesOfCorrectTypeRule
from strawberry.extensions import SchemaExtension

NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")

# Each graphql-core wording that quotes the input, and what it becomes.
UNKNOWN_FIELD = re.compile(
    r"not to include unknown field '(?P<field>.*)'"
    r"(?:\.(?P<hint> Did you mean .*?\?) Found|, found): .*\Z",
    re.S,
)
SCALAR_ERROR = re.compile(r", but encountered error '(?P<error>.*)'; found: .*\Z", re.S)
FOUND = re.compile(r", found: .*\Z", re.S)
BUILTIN_SCALAR = re.compile(
    r"(?P<head>(?:Int|Float|String|Boolean|ID) cannot represent [^:]*?value): .*\Z", re.S
)
ENUM_VALUE = re.compile(
    r"Value '.*' does not exist in '(?P<enum>\w+)' enum\.(?P<hint> Did you mean .*\?)?\Z", re.S
)
AT_PATH = re.compile(
    r"\A(?P<who>Variable '\$(?P<name>\w+)'|Argument '(?P<argument>\w+)')"
    r"(?P<default> default value)? has invalid value at (?P<path>(?:\.\w+|\[\d+\])+): "
)
ENUM_TYPE = re.compile(
    r"Enum '(?P<enum>\w+)' cannot represent non-(?P<kind>string|enum) value: .*\Z", re.S
)


def _allowed(schema: GraphQLSchema | None, enum: str) -> str:
    found = schema.get_type(enum) if schema is not None else None
    if found is None or not is_enum_type(found):
        return ""
    return " Expected one of: " + ", ".join(found.values) + "."


def scrub(message: str, schema: GraphQLSchema | None = None) -> str:
    """The message without any part of the input value (see the module docstring)."""

    def unknown_field(match: re.Match[str]) -> str:
        field = match["field"]
        named = f"'{field}'" if NAME.fullmatch(field) else "(not a field name)"
        return f"not to include unknown field {named}." + (match["hint"] or "")

    message = AT_PATH.sub(
        lambda m: (
            f"{m['who']}{m['default'] or ''} has invalid value at "
            f"`{'$' + m['name'] if m['name'] else m['argument']}{m['path']}`: "
        ),
        message,
    )
    message = UNKNOWN_FIELD.sub(unknown_field, message)
    message = SCALAR_ERROR.sub(lambda m: f": {m['error'].rstrip('.')}.", message)
    message = FOUND.sub(".", message)
    message = BUILTIN_SCALAR.sub(lambda m: f"{m['head']}.", message)
    message = ENUM_VALUE.sub(
        lambda m: (
            f"The value is not in enum '{m['enum']}'.{m['hint'] or ''}"
            + _allowed(schema, m["enum"])
        ),
        message,
    )
    return ENUM_TYPE.sub(
        lambda m: (
            f"Enum '{m['enum']}' cannot represent a non-{m['kind']} value."
            + _allowed(schema, m["enum"])
        ),
        message,
    )


class NamedLiteralRule(ValuesOfCorrectTypeRule):
    """ValuesOfCorrectTypeRule, naming the argument (or variable default) and the path,
    with the message scrubbed of the literal."""

    where = "A value"

    def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
        self.where = f"Argument '{node.name.value}'"

    def enter_variable_definition(self, node: VariableDefinitionNode, *_args: Any) -> None:
        self.where = f"Variable '${node.variable.name.value}' default value"

    def is_valid_value_node(
        self, node: ValueNode, input_type: GraphQLInputType | None
    ) -> VisitorAction:
        if input_type:
            schema = self.context.schema

            def on_error(error: GraphQLError, path: list[str | int]) -> None:
                message = f"{self.where} has invalid value{print_path_list(path)}: {error.message}"
                self.report_error(
                    GraphQLError(
                        scrub(message, schema),
                        error.nodes or node,
                    )
                )

            validate_input_literal(
                node, input_type, on_error, None, None, self.context.hide_suggestions
            )
        return SKIP


class NamedLiteralErrors(SchemaExtension):
    """Validates literals with NamedLiteralRule in place of graphql-core's rule."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = tuple(
            NamedLiteralRule if rule is ValuesOfCorrectTypeRule else rule
            for rule in context.validation_rules
        )
        yield
