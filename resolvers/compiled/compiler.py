"""Compiles a read operation into one PostgreSQL statement that returns the `data` JSON.

The statement builds the response as text (no `json` values are parsed on the way:
nested objects and lists are concatenated strings), so PostgreSQL's output goes to the
client as is. Each scope is named after its table (`customer`, `touchpoint`...), so a
field's SQL form refers to `table.column` and correlated subqueries find their parent.

Anything without an SQL form raises `Decline`, and the resolver path answers instead:
the two paths must return byte-identical JSON (tests/test_compiled_parity.py).
"""

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from graphql import (
    BooleanValueNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    is_abstract_type,
    is_enum_type,
    is_leaf_type,
    is_non_null_type,
)
from graphql.execution.values import VariableValues, get_argument_values
from strawberry.types.field import StrawberryField

from models import Role
from resolvers.compiled.forms import (
    NOW,
    SQL_FORM,
    SQL_MODEL,
    UNANSWERED,
    Column,
    CompileContext,
    ConnectionOf,
    Embedded,
    Expression,
    ListOf,
    Lookup,
    SqlForm,
    TimelineOf,
    ToOne,
)
from resolvers.errors import InputError
from resolvers.filters import Filter, column_sql
from resolvers.pagination import ListRequest, Ordering, SortKey
from resolvers.timeline import TIMELINE_ORDERING, visible_sources


class Decline(Exception):
    """The operation (or this request of it) has no compiled form: use the resolvers."""


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

    def evaluate(self, variables: VariableValues, context: CompileContext) -> Any:
        if self.constant is not None:
            return self.constant
        try:
            raw = get_argument_values(self.field_def, self.node, variables)
            built = self.build(self.converter(raw, self.strawberry_field), context)
        except (InputError, ValueError, TypeError) as error:
            raise Decline(f"arguments of {self.node.name.value}: {error}") from None
        if self.expected is not None and self.signature(built) != self.expected:
            raise Decline(f"{self.node.name.value}: another plan shape for these arguments")
        return built


class ClockSource:
    """The request's clock: what `NOW` in forms' and filters' SQL text binds to."""

    def evaluate(self, variables: VariableValues, context: CompileContext) -> Any:
        return context.now


@dataclass
class Plan:
    """A compiled statement and how to bind its parameters from a request's variables."""

    sql: str
    sources: list[ArgumentSource | ClockSource] = field(default_factory=list)
    parameters: list[tuple[int, Callable[[Any], Any]]] = field(default_factory=list)

    def bind(self, variables: VariableValues, context: CompileContext) -> tuple[Any, ...]:
        built = [source.evaluate(variables, context) for source in self.sources]
        return tuple(extract(built[index]) for index, extract in self.parameters)


def uses_variables(value: ValueNode) -> bool:
    if isinstance(value, VariableNode):
        return True
    if isinstance(value, ListValueNode):
        return any(uses_variables(v) for v in value.values)
    if isinstance(value, ObjectValueNode):
        return any(uses_variables(f.value) for f in value.fields)
    return False


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def concat(parts: Iterable[str | tuple[str]]) -> str:
    """SQL concatenation of parts; literal text comes as 1-tuples and is merged."""
    pieces: list[str] = []
    pending = ""
    for part in parts:
        if isinstance(part, tuple):
            pending += part[0]
            continue
        if pending:
            pieces.append(literal(pending))
            pending = ""
        pieces.append(part)
    if pending:
        pieces.append(literal(pending))
    return "(" + " || ".join(pieces) + ")"


def money_json(cents: str) -> str:
    return f"""('"' || (({cents})::numeric / 100)::numeric(20, 2)::text || '"')"""


def datetime_isoformat(value: str) -> str:
    """Python's `datetime.isoformat()` of a UTC timestamptz (cursor values use it)."""
    return (
        f"(to_char({value} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
        f"CASE WHEN date_trunc('second', {value}) = {value} THEN '' "
        f"ELSE to_char({value} AT TIME ZONE 'UTC', '.US') END || '+00:00')"
    )


CURSOR_VALUE: dict[str, Callable[[str], str]] = {
    "datetime": lambda v: f"""('"' || {datetime_isoformat(v)} || '"')""",
    "uuid": lambda v: f"""('"' || {v}::text || '"')""",
    "int": lambda v: f"({v})::text",
    "str": lambda v: f"to_json({v})::text",
    "decimal": money_json,
}
AFTER_TYPES = {
    "datetime": "timestamptz",
    "uuid": "uuid",
    "int": "int",
    "str": "text",
    "decimal": "bigint",
}


def after_value(kind: str, value: Any) -> Any:
    return int(value * 100) if kind == "decimal" else value


def base64url(text_sql: str) -> str:
    """Python's urlsafe_b64encode(...).rstrip("="): replace() chains cost half of translate()."""
    encoded = f"encode(convert_to({text_sql}, 'UTF8'), 'base64')"
    return f"rtrim(replace(replace(replace({encoded}, E'\\n', ''), '+', '-'), '/', '_'), '=')"


def cursor_json(ordering: Ordering, scope: str) -> str:
    """resolvers.pagination.encode_cursor in SQL, from the scope's `_s<i>` sort columns."""
    values: list[str | tuple[str]] = [("[" + json.dumps(ordering.name) + ",[",)]
    for index, key in enumerate(ordering.keys):
        if index:
            values.append((",",))
        values.append(CURSOR_VALUE[key.kind](f"{scope}._s{index}"))
    values.append(("]]",))
    return concat([('"',), base64url(concat(values)), ('"',)])


def sort_sql(key: SortKey) -> str:
    return key.sql or column_sql(key.expression)


def order_sql(keys: Iterable[tuple[str, bool]]) -> str:
    return ", ".join(f"{expr} {'DESC' if descending else 'ASC'}" for expr, descending in keys)


def columns_read(table: str, body: str) -> list[str]:
    """The columns of `table` that SQL text reads, the id always (children correlate on it).

    Scopes are named after their tables, so `table.column` finds them; a nested scope of
    the same table can only add columns, which is harmless.
    """
    found = set(re.findall(rf"\b{table}\.([a-z][a-z0-9_]*)", body))
    return sorted(found | {"id"})


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


class Compiler:
    def __init__(
        self,
        schema: GraphQLSchema,
        converter: Callable[[dict[str, Any], StrawberryField], dict[str, Any]],
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: VariableValues,
        context: CompileContext,
        check: ArgumentCheck,
    ) -> None:
        self.schema = schema
        self.converter = converter
        self.check = check
        self.operation = operation
        self.variables = variables
        self.context = context
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.plan = Plan(sql="")

    # ------------------------------------------------------------------ entry point
    def compile(self) -> Plan:
        if self.operation.operation != OperationType.QUERY:
            raise Decline("only queries are compiled")
        root = self.schema.query_type
        assert root is not None
        sql = "SELECT " + self.object(root, "", [self.operation.selection_set])
        if NOW in sql:
            self.plan.sources.append(ClockSource())
            clock = self.param(len(self.plan.sources) - 1, "timestamptz", lambda now: now)
            sql = sql.replace(NOW, clock)
        self.plan.sql = sql
        return self.plan

    # ------------------------------------------------------------------ parameters
    def source(
        self,
        field_def: GraphQLField,
        node: FieldNode,
        strawberry_field: StrawberryField,
        build: Callable[[dict[str, Any], CompileContext], Any],
        signature: Callable[[Any], Any] = lambda _: None,
    ) -> tuple[int, Any]:
        source = ArgumentSource(field_def, node, strawberry_field, build, signature, self.converter)
        built = source.evaluate(self.variables, self.context)
        source.expected = signature(built)
        if not any(uses_variables(argument.value) for argument in node.arguments or ()):
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
        return f"${len(self.plan.parameters)}::{sql_type}"

    # ------------------------------------------------------------------ selections
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

    def object(
        self,
        runtime: GraphQLObjectType,
        scope: str,
        selection_sets: Iterable[SelectionSetNode | None],
        fields: dict[str, Callable[[list[FieldNode]], str]] | None = None,
    ) -> str:
        """A JSON object of the selected fields of the scope's row.

        `fields` overrides how some fields read (connection wrappers read aggregates).
        """
        parts: list[str | tuple[str]] = []
        for index, (key, nodes) in enumerate(self.collect(runtime, selection_sets).items()):
            parts.append((("{" if index == 0 else ",") + json.dumps(key) + ":",))
            name = nodes[0].name.value
            if name == "__typename":
                parts.append((json.dumps(runtime.name),))
            elif fields is not None and name in fields:
                parts.append(fields[name](nodes))
            else:
                parts.append(self.field(runtime, scope, nodes))
        if not parts:
            return "'{}'"
        parts.append(("}",))
        return concat(parts)

    @staticmethod
    def sub_selections(nodes: list[FieldNode]) -> list[SelectionSetNode | None]:
        return [n.selection_set for n in nodes]

    # ------------------------------------------------------------------ one field
    def field(self, parent: GraphQLObjectType, scope: str, nodes: list[FieldNode]) -> str:
        node = nodes[0]
        name = node.name.value
        if name.startswith("__"):
            raise Decline("introspection")
        field_def = parent.fields[name]
        definition = (field_def.extensions or {}).get("strawberry-definition")
        if not isinstance(definition, StrawberryField):
            raise Decline(f"{parent.name}.{name} is not a strawberry field")
        value_sql = self.checked(definition, parent.name)
        if node.arguments:
            self.arguments_checked(field_def, node, definition, f"{parent.name}.{name}")
        form: SqlForm | None = definition.metadata.get(SQL_FORM) if definition.metadata else None
        named = get_named_type(field_def.type)
        if is_leaf_type(named):
            return self.leaf(parent, scope, definition, form, field_def.type, value_sql)
        if not isinstance(named, GraphQLObjectType):
            raise Decline(f"{parent.name}.{name} returns an interface or union")
        nullable = not is_non_null_type(field_def.type)
        if isinstance(form, Embedded):
            return self.embedded(form, scope, field_def, definition, named, nodes, nullable)
        if isinstance(form, ToOne):
            return self.to_one(form, scope, named, nodes, nullable)
        if isinstance(form, ListOf):
            return self.list_of(form, scope, named, nodes)
        if isinstance(form, Lookup):
            return self.lookup(form, field_def, definition, named, nodes)
        if isinstance(form, ConnectionOf):
            return self.connection(form, scope, field_def, definition, named, nodes)
        if isinstance(form, TimelineOf):
            return self.timeline(form, scope, field_def, definition, named, nodes)
        raise Decline(f"{parent.name}.{name} has no SQL form")

    def checked(self, definition: StrawberryField, type_name: str) -> Callable[[str], str]:
        """Applies the field's rules for this role: denial declines, masks become SQL.

        Permission classes answer `allows(role)`; masking extensions answer
        `compiled_rule(role)` with True (shown as is), an SQL transform, or None (no
        SQL form for this role). Any other extension is unknown here: decline.
        """
        transform: Callable[[str], str] = lambda value: value  # noqa: E731
        role = self.context.role
        where = f"{type_name}.{definition.name}"
        for extension in definition.extensions:
            permissions = getattr(extension, "permissions", None)
            rule = getattr(extension, "compiled_rule", None)
            if getattr(extension, "checks_arguments", False):
                continue  # `arguments_checked` covers every field with arguments
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

    def leaf(
        self,
        parent: GraphQLObjectType,
        scope: str,
        definition: StrawberryField,
        form: SqlForm | None,
        graphql_type: GraphQLOutputType,
        transform: Callable[[str], str],
    ) -> str:
        model = getattr(parent.extensions.get("strawberry-definition").origin, SQL_MODEL, None)  # type: ignore[union-attr]
        named = get_named_type(graphql_type)
        if isinstance(form, Expression) and form.json:
            return form.sql
        if isinstance(form, Expression):
            value = form.sql
        elif form is None and definition.python_name == "id" and model is not None:
            prefix = literal(f"{parent.name}:")
            return (
                f"""('"' || encode(convert_to({prefix} || {scope}.id::text, 'UTF8'), """
                """'base64') || '"')"""
            )
        elif model is not None and (form is None or isinstance(form, Column)):
            attribute = form.attribute if isinstance(form, Column) else definition.python_name
            attributes = sa.inspect(model).attrs
            if attribute not in attributes:
                raise Decline(f"{parent.name}.{definition.name} has no column")
            value = f"{scope}.{attributes[attribute].columns[0].name}"
        else:
            raise Decline(f"{parent.name}.{definition.name} has no SQL form")
        value = transform(value)
        rendered = self.render(named, value)
        return rendered if is_non_null_type(graphql_type) else f"coalesce({rendered}, 'null')"

    @staticmethod
    def render(named: GraphQLNamedType, value: str) -> str:
        """The JSON text of a scalar, exactly as the resolver path serializes it."""
        if is_enum_type(named) or named.name in ("String", "ID", "DateTime"):
            return f"to_json({value})::text"
        if named.name == "Int":
            return f"({value})::bigint::text"
        if named.name == "Boolean":
            return f"({value})::text"
        if named.name == "Decimal":
            return money_json(value)
        if named.name == "Float":
            # Python writes integral floats as 1.0, PostgreSQL as 1.
            return (
                f"CASE WHEN {value} = trunc({value}) THEN trunc({value})::bigint::text || '.0' "
                f"ELSE ({value})::float8::text END"
            )
        raise Decline(f"scalar {named.name}")

    # ------------------------------------------------------------------ relations
    @staticmethod
    def table(model: type, scope: str) -> str:
        name = str(model.__tablename__)  # type: ignore[attr-defined]
        if name == scope:
            raise Decline(f"{name} nested directly in {name}")
        return name

    @staticmethod
    def survivor(key: str) -> str:
        return f"(SELECT coalesce(m.merged_into_id, m.id) FROM customer AS m WHERE m.id = {key})"

    def to_one(
        self,
        form: ToOne,
        scope: str,
        target: GraphQLObjectType,
        nodes: list[FieldNode],
        nullable: bool,
    ) -> str:
        table = self.table(form.model, scope)
        key = f"{scope}.{form.key}"
        if form.follow_merges:
            key = self.survivor(key)
        body = self.object(target, table, self.sub_selections(nodes))
        found = f"(SELECT {body} FROM {table} WHERE {table}.id = {key})"
        return f"coalesce({found}, 'null')" if nullable else found

    def embedded(
        self,
        form: Embedded,
        scope: str,
        field_def: GraphQLField,
        definition: StrawberryField,
        target: GraphQLObjectType,
        nodes: list[FieldNode],
        nullable: bool,
    ) -> str:
        if form.without_arguments and nodes[0].arguments:

            def no_arguments(arguments: dict[str, Any], _: CompileContext) -> bool:
                if any(value is not None for value in arguments.values()):
                    raise ValueError("an argument is given")
                return True

            self.source(field_def, nodes[0], definition, no_arguments)
        name = form.name or scope
        body = self.object(target, name, self.sub_selections(nodes))
        if form.source is not None:
            body = f"(SELECT {body} FROM {form.source} AS {name})"
        if form.present is not None:
            body = f"CASE WHEN {form.present} THEN {body} END"
        if nullable:
            body = f"coalesce({body}, 'null')"
        if form.stored is not None:  # the marker makes the whole answer void (plans.answered)
            body = f"CASE WHEN {form.stored} THEN {body} ELSE {literal(UNANSWERED)} END"
        return body

    def list_of(
        self, form: ListOf, scope: str, target: GraphQLObjectType, nodes: list[FieldNode]
    ) -> str:
        table = self.table(form.model, scope)
        body = self.object(target, table, self.sub_selections(nodes))
        order = ", ".join(f"{table}.{c}" for c in form.order_by)
        return (
            f"coalesce((SELECT '[' || string_agg({body}, ',' ORDER BY {order}) || ']' "
            f"FROM {table} WHERE {table}.{form.parent_key} = {scope}.id), '[]')"
        )

    def lookup(
        self,
        form: Lookup,
        field_def: GraphQLField,
        definition: StrawberryField,
        target: GraphQLObjectType,
        nodes: list[FieldNode],
    ) -> str:
        source, _ = self.source(field_def, nodes[0], definition, form.keys)
        placeholders = [
            self.param(source, sql_type, lambda keys, i=i: keys[i])  # type: ignore[misc]
            for i, sql_type in enumerate(form.key_types)
        ]
        key = form.key_sql.format(*placeholders)
        if form.follow_merges:
            key = self.survivor(key)
        table = self.table(form.model, "")
        body = self.object(target, table, self.sub_selections(nodes))
        return f"coalesce((SELECT {body} FROM {table} WHERE {table}.id = {key}), 'null')"

    # ------------------------------------------------------------------ connections
    def page_parts(
        self,
        connection: GraphQLObjectType,
        table: str,
        nodes: list[FieldNode],
        ordering: Ordering,
        first: str,
        has_previous: bool,
        node_of: Callable[[GraphQLObjectType, list[FieldNode]], str],
        edge_extras: dict[str, Callable[[list[FieldNode]], str]] | None = None,
        total: str | None = None,
    ) -> str:
        """The connection object, aggregated over the page rows of `table` (`_n` ranks)."""
        cursor = cursor_json(ordering, table)
        edge_type = get_named_type(connection.fields["edges"].type)
        page_info_type = get_named_type(connection.fields["pageInfo"].type)
        assert isinstance(edge_type, GraphQLObjectType)
        assert isinstance(page_info_type, GraphQLObjectType)
        node_type = get_named_type(edge_type.fields["node"].type)
        assert isinstance(node_type, GraphQLObjectType | None) or is_abstract_type(node_type)

        def edges(edge_nodes: list[FieldNode]) -> str:
            edge_fields: dict[str, Callable[[list[FieldNode]], str]] = {
                "cursor": lambda _: cursor,
                "node": lambda n: node_of(node_type, n),  # type: ignore[arg-type]
                **(edge_extras or {}),
            }
            body = self.object(edge_type, table, self.sub_selections(edge_nodes), edge_fields)
            return (
                f"coalesce('[' || string_agg({body}, ',' ORDER BY {table}._n) "
                f"FILTER (WHERE {table}._n <= {first}) || ']', '[]')"
            )

        def page_info(info_nodes: list[FieldNode]) -> str:
            info_fields: dict[str, Callable[[list[FieldNode]], str]] = {
                "hasNextPage": lambda _: f"(count(*) > {first})::text",
                "hasPreviousPage": lambda _: literal("true" if has_previous else "false"),
                # The cursor of one row only (CASE is lazy): the first, and the last shown
                # (`_total` counts the rows before the page's LIMIT).
                "startCursor": lambda _: (
                    f"coalesce(max(CASE WHEN {table}._n = 1 THEN {cursor} END), 'null')"
                ),
                "endCursor": lambda _: (
                    f"coalesce(max(CASE WHEN {table}._n = least({table}._total, {first}) "
                    f"THEN {cursor} END), 'null')"
                ),
            }
            return self.object(page_info_type, table, self.sub_selections(info_nodes), info_fields)

        wrappers: dict[str, Callable[[list[FieldNode]], str]] = {
            "edges": edges,
            "pageInfo": page_info,
        }
        if total is not None:
            wrappers["totalCount"] = lambda _: f"({total})::text"
        return self.object(connection, table, self.sub_selections(nodes), wrappers)

    def after(self, source: int, ordering: Ordering, keys: list[str]) -> str:
        """Rows strictly after the cursor's row (resolvers.pagination.Ordering.after)."""
        values = [
            self.param(
                source,
                AFTER_TYPES[key.kind],
                lambda r, i=i, kind=key.kind: after_value(kind, r.page.after[i]),  # type: ignore[misc]
            )
            for i, key in enumerate(ordering.keys)
        ]
        if len({k.descending for k in ordering.keys}) == 1:
            operator = "<" if ordering.keys[0].descending else ">"
            return f"({', '.join(keys)}) {operator} ({', '.join(values)})"
        clauses = []
        for i, key in enumerate(ordering.keys):
            equal = [f"{keys[j]} = {values[j]}" for j in range(i)]
            beyond = f"{keys[i]} {'<' if key.descending else '>'} {values[i]}"
            clauses.append("(" + " AND ".join([*equal, beyond]) + ")")
        return "(" + " OR ".join(clauses) + ")"

    def conditions(
        self,
        source: int,
        request: ListRequest,
        filters: Sequence[Filter] | None = None,
        apart: list[list[str]] | None = None,
    ) -> list[str]:
        """The filters' SQL; a filter with `sql_apart` (disjoint alternatives, each
        counted through its own index) adds those to `apart` when it is given."""
        where = []
        for item in request.filters if filters is None else filters:
            value = getattr(request.query, item.field)
            if value is None:
                continue

            def param(sql_type: str, extract: Callable[[Any], Any]) -> str:
                return self.param(source, sql_type, lambda r: extract(r.query))

            alternatives = getattr(item, "sql_apart", None)
            if apart is not None and alternatives is not None:
                apart.append(alternatives(value, request.query, param))
                continue
            found = item.sql(value, request.query, param)
            if found is not None:
                where.append(found)
            elif item.condition(value, request.query) is not None:
                raise Decline(f"filter {item.field} has no SQL form")
        return where

    def connection(
        self,
        form: ConnectionOf,
        scope: str,
        field_def: GraphQLField,
        definition: StrawberryField,
        connection: GraphQLObjectType,
        nodes: list[FieldNode],
    ) -> str:
        table = self.table(form.model, scope)
        source, request, first = self.page_source(field_def, nodes[0], definition, form.request)
        apart: list[list[str]] = []
        where = self.conditions(source, request, apart=apart)
        if form.parent_key is not None:
            where.insert(0, f"{table}.{form.parent_key} = {scope}.id")
        where[:0] = form.where
        # One count per alternative of the first filter counted apart, summed (no row
        # matches two): resolvers.pagination.count_rows_apart.
        where += ["(" + " OR ".join(a or ["false"]) + ")" for a in apart[1:]]
        counted = [[*where, a] for a in apart[0]] if apart else [where]
        total = (
            " + ".join(
                f"(SELECT count(*) FROM {table} WHERE {' AND '.join(w) or 'true'})" for w in counted
            )
            or "0"
        )
        where += ["(" + " OR ".join(a or ["false"]) + ")" for a in apart[:1]]
        ordering = request.ordering
        keys = [sort_sql(k) for k in ordering.keys]
        if request.page.after is not None:
            where.append(self.after(source, ordering, keys))
        directions = [k.descending for k in ordering.keys]
        order = order_sql(zip(keys, directions, strict=True))
        page_keys = [f"page._s{i}" for i in range(len(keys))]
        page_order = order_sql(zip(page_keys, directions, strict=True))
        sorts = ", ".join(f"{k} AS _s{i}" for i, k in enumerate(keys))
        body = self.page_parts(
            connection,
            table,
            nodes,
            ordering,
            first,
            request.page.after is not None,
            lambda node_type, n: self.object(node_type, table, self.sub_selections(n)),
            total=total,
        )
        # Only the columns the selection reads (narrow rows sort fast); the page is cut
        # by LIMIT first, so the ranks are computed over at most first + 1 rows.
        columns = ", ".join(f"{table}.{c}" for c in columns_read(table, body))
        limited = (
            f"SELECT {columns}, {sorts} FROM {table} WHERE {' AND '.join(where) or 'true'} "
            f"ORDER BY {order} LIMIT {first} + 1"
        )
        rows = (
            f"SELECT page.*, row_number() OVER (ORDER BY {page_order}) AS _n, "
            f"count(*) OVER () AS _total FROM ({limited}) AS page"
        )
        # GROUP BY (): one row even when only non-aggregates (totalCount) are selected.
        return f"(SELECT {body} FROM ({rows}) AS {table} GROUP BY ())"

    def timeline(
        self,
        form: TimelineOf,
        scope: str,
        field_def: GraphQLField,
        definition: StrawberryField,
        connection: GraphQLObjectType,
        nodes: list[FieldNode],
    ) -> str:
        if scope != "customer":
            raise Decline("a timeline belongs to a customer")
        source, request, first = self.page_source(field_def, nodes[0], definition, form.request)
        # Only the kinds the role may read are listed, built and counted (resolvers.timeline):
        # a union member the role may not read is never compiled, so never declines.
        visible = visible_sources(request.query)
        if not visible:
            raise Decline("this role reads no kind of the timeline")
        # Each selection of `node` becomes a column `_node<i>` that every branch builds from
        # its own row: no second lookup of each event by id.
        node_columns: list[dict[int, str]] = []

        def event(union: GraphQLNamedType, event_nodes: list[FieldNode]) -> str:
            assert is_abstract_type(union), "a timeline node is a union"
            by_model = {
                getattr(t.extensions["strawberry-definition"].origin, SQL_MODEL, None): t
                for t in self.schema.get_possible_types(union)
            }
            node_columns.append(
                {
                    rank: self.object(
                        by_model[kind.entity],
                        str(kind.entity.__tablename__),
                        self.sub_selections(event_nodes),
                    )
                    for rank, kind in visible
                }
            )
            return f"timeline_event._node{len(node_columns) - 1}"

        scopes = []
        for rank, kind in visible:
            where = [f"{column_sql(kind.customer)} = customer.id"]
            where += self.conditions(source, request, kind.filters)
            scopes.append((rank, kind, self.table(kind.entity, scope), where))
        counts = [f"(SELECT count(*) FROM {t} WHERE {' AND '.join(w)})" for _, _, t, w in scopes]
        body = self.page_parts(
            connection,
            "timeline_event",
            nodes,
            TIMELINE_ORDERING,
            first,
            request.page.after is not None,
            event,
            edge_extras={"occurredAt": lambda _: "to_json(timeline_event._s0)::text"},
            total=" + ".join(counts) or "0",
        )
        branches = []
        for rank, kind, table, where in scopes:
            occurred = column_sql(kind.occurred_at)
            keys = [sort_sql(k) for k in kind.ordering.keys]
            if request.page.after is not None:
                where.append(self.after(source, kind.ordering, keys))
            built = "".join(f", {c[rank]} AS _node{i}" for i, c in enumerate(node_columns))
            branches.append(
                f"(SELECT {occurred} AS _s0, {rank} AS _s1, {table}.id AS _s2{built} FROM {table} "
                f"WHERE {' AND '.join(where)} ORDER BY {occurred} DESC, {table}.id DESC "
                f"LIMIT {first} + 1)"
            )
        order = "_s0 DESC, _s1 DESC, _s2 DESC"
        rows = (
            f"SELECT u.*, row_number() OVER (ORDER BY {order}) AS _n, count(*) OVER () AS _total "
            f"FROM ({' UNION ALL '.join(branches)}) AS u ORDER BY {order} LIMIT {first} + 1"
        )
        return f"(SELECT {body} FROM ({rows}) AS timeline_event GROUP BY ())"
