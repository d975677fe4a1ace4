"""Argument binding and plan constraints: what a plan needs from each request.

A field's arguments become an `ArgumentSource`: evaluated once while compiling (their
shape picks the SQL) and again for every request that reuses the plan (their values
become bind parameters), declining when a request's arguments would need another shape.
The role's rules on a field (denied, masked) and on its arguments are checked here too.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    GraphQLField,
    GraphQLSchema,
    ListValueNode,
    ObjectValueNode,
    ValueNode,
    VariableNode,
)
from graphql.execution.values import VariableValues, get_argument_values
from strawberry.types.field import StrawberryField

from models import Role
from resolvers.compiled.forms import CompileContext, FromRequest
from resolvers.compiled.sql_text import placeholder
from resolvers.errors import InputError
from resolvers.pagination import ListRequest
from schema.compiled.outcomes import Decline, Plan, RequestDecline

# Refuses arguments that test fields the role may not read (schema.permissions
# check_arguments): (schema, role, `Type.field`, field, converted arguments).
ArgumentCheck = Callable[[GraphQLSchema, Role, str, StrawberryField, dict[str, Any]], None]


@dataclass
class ArgumentSource:
    """Turns a field's arguments into what its form needs, again for every request."""

    field_def: GraphQLField
    node: FieldNode
    strawberry_field: StrawberryField
    build: Callable[[dict[str, Any], CompileContext], Any]
    signature: Callable[[Any], Any]
    converter: Callable[[dict[str, Any], StrawberryField], dict[str, Any]]
    expected: Any = None
    # Arguments written as literals build the same value for every request: kept.
    constant: Any = None
    # What it builds depends on more than the arguments (the request's clock).
    per_request: bool = False

    def evaluate(self, variables: VariableValues, context: CompileContext) -> Any:
        if self.constant is not None:
            return self.constant
        try:
            raw = get_argument_values(self.field_def, self.node, variables)
            built = self.build(self.converter(raw, self.strawberry_field), context)
        except (InputError, ValueError, TypeError) as error:
            reason = f"arguments of {self.node.name.value}: {error}"
            # Values from variables may differ next time: this request's decline only.
            # Literal arguments decline every request of the operation alike.
            if any(uses_variables(argument.value) for argument in self.node.arguments or ()):
                raise RequestDecline(reason) from None
            raise Decline(reason) from None
        if self.expected is not None and self.signature(built) != self.expected:
            raise RequestDecline(f"{self.node.name.value}: another plan shape for these arguments")
        return built


class ClockSource:
    """The request's clock: what `NOW` in forms' and filters' SQL text binds to."""

    def evaluate(self, variables: VariableValues, context: CompileContext) -> Any:
        return context.now


@dataclass(frozen=True)
class RequestSource:
    """A value of the request's key (forms.FromRequest), bound for each request."""

    value: FromRequest

    def evaluate(self, variables: VariableValues, context: CompileContext) -> Any:
        return getattr(context, self.value.value)


def uses_variables(value: ValueNode) -> bool:
    if isinstance(value, VariableNode):
        return True
    if isinstance(value, ListValueNode):
        return any(uses_variables(v) for v in value.values)
    if isinstance(value, ObjectValueNode):
        return any(uses_variables(f.value) for f in value.fields)
    return False


def list_signature(request: ListRequest) -> Any:
    """What of a list's arguments shapes its SQL (the rest are bind parameters)."""

    def shape(value: Any) -> Any:
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str):
            return bool(value)
        return True

    return (
        request.ordering.name,
        request.page.after is None,
        tuple(shape(getattr(request.query, f.field)) for f in request.filters),
    )


class Binding:
    """The plan being built: its argument sources and bind parameters, and the role's rules."""

    def __init__(
        self,
        schema: GraphQLSchema,
        converter: Callable[[dict[str, Any], StrawberryField], dict[str, Any]],
        variables: VariableValues,
        context: CompileContext,
        check: ArgumentCheck,
    ) -> None:
        self.schema = schema
        self.converter = converter
        self.check = check
        self.variables = variables
        self.context = context
        self.plan = Plan(sql="")

    def source(
        self,
        field_def: GraphQLField,
        node: FieldNode,
        strawberry_field: StrawberryField,
        build: Callable[[dict[str, Any], CompileContext], Any],
        signature: Callable[[Any], Any] = lambda _: None,
        per_request: bool = False,
    ) -> tuple[int, Any]:
        """The arguments as a source; `per_request`: what they build depends on more than
        the arguments (the request's clock), so it is built for every request."""
        source = ArgumentSource(
            field_def,
            node,
            strawberry_field,
            build,
            signature,
            self.converter,
            per_request=per_request,
        )
        built = source.evaluate(self.variables, self.context)
        source.expected = signature(built)
        literal = not any(uses_variables(argument.value) for argument in node.arguments or ())
        if literal and not per_request:
            source.constant = built
        self.plan.sources.append(source)
        return len(self.plan.sources) - 1, built

    def page_source(
        self,
        field_def: GraphQLField,
        node: FieldNode,
        definition: StrawberryField,
        build: Callable[[dict[str, Any], CompileContext], ListRequest],
    ) -> tuple[int, ListRequest, str]:
        """A list's arguments as a source, its request now, and its page size parameter."""
        source, request = self.source(field_def, node, definition, build, list_signature)
        return source, request, self.param(source, "int", lambda r: r.page.first)

    def param(self, source: int, sql_type: str, extract: Callable[[Any], Any]) -> str:
        self.plan.parameters.append((source, extract))
        return placeholder(len(self.plan.parameters), sql_type)

    def checked(self, definition: StrawberryField, where: str) -> Callable[[str], str]:
        """Applies the field's rules for this role: denial declines, masks become SQL.

        Permission classes answer `allows(role)`; masking extensions answer
        `compiled_rule(role)` with True (shown as is), an SQL transform, or None (no
        SQL form for this role). Any other extension is unknown here: decline.
        """
        transform: Callable[[str], str] = lambda value: value  # noqa: E731
        role = self.context.role
        for extension in definition.extensions:
            permissions = getattr(extension, "permissions", None)
            rule = getattr(extension, "compiled_rule", None)
            if getattr(extension, "checks_arguments", False):
                continue  # `arguments_checked` covers every field with arguments
            if getattr(extension, "compiled_mark", None) is not None:
                continue  # the read audit's mark: the compiler's `leaf` writes it
            if permissions is not None:
                if not all(p.allows(role) for p in permissions):
                    raise Decline(f"{where} is denied to this role")
            elif rule is not None:
                found = rule(role)
                if found is None:
                    raise Decline(f"{where} has no SQL form for this role")
                if found is not True:
                    transform = found
            else:
                raise Decline(f"{where}: {type(extension).__name__}")
        return transform

    def arguments_checked(
        self, field_def: GraphQLField, node: FieldNode, definition: StrawberryField, owner: str
    ) -> None:
        """An argument testing a field the role may not read declines, for every request
        (the resolvers then refuse it, naming the argument): schema.permissions.REVEALS."""
        schema, check_arguments = self.schema, self.check

        def check(arguments: dict[str, Any], context: CompileContext) -> None:
            check_arguments(schema, context.role, owner, definition, arguments)

        self.source(field_def, node, definition, check)
