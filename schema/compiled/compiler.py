"""Compiles a read operation into one PostgreSQL statement that returns the `data` JSON.

The statement builds the response as text (no `json` values are parsed on the way:
nested objects and lists are concatenated strings), so PostgreSQL's output goes to the
client as is. Each scope is named after its table (`customer`, `touchpoint`...), so a
field's SQL form refers to `table.column` and correlated subqueries find their parent.

Anything without an SQL form raises `Decline`, and the resolver path answers instead:
the two paths must return byte-identical JSON (tests/test_compiled_parity.py). The SQL
text itself comes from resolvers/compiled/sql_text.py; this module decides which.
"""

import json
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import orjson
import sqlalchemy as sa
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLField,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    is_abstract_type,
    is_enum_type,
    is_leaf_type,
    is_non_null_type,
)
from graphql.execution.values import VariableValues
from strawberry.types.field import StrawberryField

from resolvers.compiled.forms import (
    SQL_FORM,
    SQL_MODEL,
    SQL_NODE_KEY,
    Aggregates,
    ByGlobalId,
    Column,
    CompileContext,
    ConnectionOf,
    Embedded,
    Expression,
    FromRequest,
    Known,
    ListOf,
    Lookup,
    NodeKey,
    Rows,
    Series,
    SqlForm,
    TimelineOf,
    ToOne,
    part_marker,
)
from resolvers.compiled.sql_text import (
    AFTER_TYPES,
    NODE_REF,
    PARENT,
    SCALAR_JSON,
    TIMELINE_OCCURRED_AT,
    TIMELINE_SCOPE,
    after_condition,
    after_value,
    any_of,
    at_clock,
    by_type,
    by_type_array,
    child_of,
    column_ref,
    connection_sql,
    count_where,
    data_statement,
    embedded_object,
    from_items,
    named_rows_array,
    or_null,
    page_edges,
    page_info_fields,
    parent_of,
    read_marked,
    row_by_id,
    rows_array,
    sort_sql,
    sum_of_counts,
    survivor,
    timeline_branch,
    timeline_node,
    timeline_sql,
    timeline_total,
    total_text,
    uses_clock,
)
from resolvers.compiled.sql_values import concat, literal
from resolvers.filters import Filter, Param, column_sql
from resolvers.opaque import cursor_json, global_id_json
from resolvers.pagination import ListRequest, Ordering
from resolvers.row_counts import kept_total_sql
from resolvers.timeline import TIMELINE_ORDERING, visible_sources
from schema.compiled.arguments import ArgumentCheck, Binding, ClockSource, RequestSource
from schema.compiled.collect import FieldCollection
from schema.compiled.outcomes import Decline, Plan, RequestDecline


class Compiler(FieldCollection, Binding):
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
        FieldCollection.__init__(self, schema, document, variables)
        Binding.__init__(self, schema, converter, variables, context, check)
        self.operation = operation

    # ------------------------------------------------------------------ entry point
    def compile(self) -> Plan:
        """The plan of a query operation (schema/compiled/plans.py lets only queries in)."""
        root = self.schema.query_type
        assert root is not None
        sql = data_statement(self.object(root, "", [self.operation.selection_set]))
        if uses_clock(sql):  # the request's clock, one parameter of every request
            self.plan.sources.append(ClockSource())
            clock = self.param(len(self.plan.sources) - 1, "timestamptz", lambda now: now)
            sql = at_clock(sql, clock)
        # Every parameter made must be read: PostgreSQL cannot type one the statement
        # does not use, and the statement would fail on every request. A compiler fault;
        # declined (and kept) here, so the resolvers answer quietly instead.
        for number in range(1, len(self.plan.parameters) + 1):
            if not re.search(rf"\${number}::", sql):
                raise Decline(f"parameter ${number} is made but not read (a compiler fault)")
        self.plan.sql = sql
        return self.plan

    # ------------------------------------------------------------------ selections
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
            return literal("{}")
        parts.append(("}",))
        return concat(parts)

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
        where = f"{parent.name}.{name}"  # as the schema names it, for reasons
        value_sql = self.checked(definition, where)
        if node.arguments:
            self.arguments_checked(field_def, node, definition, f"{parent.name}.{name}")
        form: SqlForm | None = definition.metadata.get(SQL_FORM) if definition.metadata else None
        named = get_named_type(field_def.type)
        if is_leaf_type(named):
            return self.leaf(parent, scope, definition, form, field_def.type, value_sql, where)
        if isinstance(form, ByGlobalId) and is_abstract_type(named):
            return self.by_global_id(form, field_def, definition, named, nodes)
        if not isinstance(named, GraphQLObjectType):
            raise Decline(f"{parent.name}.{name} returns an interface or union")
        if isinstance(form, Known):
            return self.known(form, named, nodes)
        nullable = not is_non_null_type(field_def.type)
        if isinstance(form, Embedded):
            return self.embedded(form, scope, named, nodes, nullable)
        if isinstance(form, ToOne):
            return self.to_one(form, scope, named, nodes, nullable)
        if isinstance(form, ListOf):
            return self.list_of(form, scope, named, nodes)
        if isinstance(form, Rows):
            body = self.object(named, form.name, self.sub_selections(nodes))
            return named_rows_array(body, form.source, form.name, form.order)
        if isinstance(form, Lookup):
            return self.lookup(form, field_def, definition, named, nodes)
        if isinstance(form, ConnectionOf):
            return self.connection(form, scope, field_def, definition, named, nodes)
        if isinstance(form, TimelineOf):
            return self.timeline(form, scope, field_def, definition, named, nodes)
        if isinstance(form, Aggregates):
            return self.aggregates(form, scope, field_def, definition, named, nodes)
        if isinstance(form, Series):
            return self.series(form, scope, field_def, definition, named, nodes)
        raise Decline(f"{parent.name}.{name} has no SQL form")

    def leaf(
        self,
        parent: GraphQLObjectType,
        scope: str,
        definition: StrawberryField,
        form: SqlForm | None,
        graphql_type: GraphQLOutputType,
        transform: Callable[[str], str],
        where: str,
    ) -> str:
        model = getattr(parent.extensions.get("strawberry-definition").origin, SQL_MODEL, None)  # type: ignore[union-attr]
        named = get_named_type(graphql_type)
        if isinstance(form, Expression) and form.json:
            # The SQL gives the field's JSON text itself (a list): nothing to render, and
            # no masking rule can apply to it.
            if transform("") != "":
                raise Decline(f"{where} is masked for this role")
            return self.marked(definition, scope, form.sql)
        if isinstance(form, Expression):
            value = form.sql
        elif form is None and definition.python_name == "id" and model is not None:
            return global_id_json(parent.name, scope)
        elif model is not None and (form is None or isinstance(form, Column)):
            attribute = form.attribute if isinstance(form, Column) else definition.python_name
            attributes = sa.inspect(model).attrs
            if attribute not in attributes:
                raise Decline(f"{where} has no column")
            value = column_ref(scope, attributes[attribute].columns[0].name)
        else:
            raise Decline(f"{where} has no SQL form")
        value = transform(value)
        rendered = self.marked(definition, scope, self.render(named, value))
        return rendered if is_non_null_type(graphql_type) else or_null(rendered)

    def marked(self, definition: StrawberryField, scope: str, rendered: str) -> str:
        """The value's JSON text after the read audit's mark, if it has one."""
        mark = self.read_mark(definition, scope)
        if mark is not None:  # a null value (no text) loses its mark too: nothing was shown
            rendered = read_marked(mark, rendered)
        return rendered

    def read_mark(self, definition: StrawberryField, scope: str) -> str | None:
        """The read audit's mark before a personal value shown to this role (its
        extension's `compiled_mark`), stripped from the text before it is sent."""
        for extension in definition.extensions:
            rule = getattr(extension, "compiled_mark", None)
            mark = rule(self.context.role) if rule is not None else None
            if mark is not None:
                return str(mark(scope))
        return None

    @staticmethod
    def render(named: GraphQLNamedType, value: str) -> str:
        """The JSON text of a scalar, exactly as the resolver path serializes it."""
        as_json = SCALAR_JSON.get("enum" if is_enum_type(named) else named.name)
        if as_json is None:
            raise Decline(f"scalar {named.name}")
        return as_json(value)

    # ------------------------------------------------------------------ known objects
    def known(self, form: Known, target: GraphQLObjectType, nodes: list[FieldNode]) -> str:
        """Objects known without a table (forms.Known): their JSON text in the statement."""
        found = form.values(self.context)

        def one(row: dict[str, Any]) -> str:
            def leaf(field_def: GraphQLField) -> Callable[[list[FieldNode]], str]:
                return lambda field_nodes: self.known_leaf(target, field_def, field_nodes, row)

            fields = {name: leaf(field_def) for name, field_def in target.fields.items()}
            return self.object(target, "", self.sub_selections(nodes), fields)

        if not isinstance(found, list):
            return one(found)
        items: list[str | tuple[str]] = []
        for row in found:
            items += [(",",) if items else ("[",), one(row)]
        return concat([*items, ("]",)]) if items else literal("[]")

    def known_leaf(
        self,
        parent: GraphQLObjectType,
        field_def: GraphQLField,
        nodes: list[FieldNode],
        row: dict[str, Any],
    ) -> str:
        definition = (field_def.extensions or {}).get("strawberry-definition")
        named = get_named_type(field_def.type)
        where = f"{parent.name}.{nodes[0].name.value}"
        if not isinstance(definition, StrawberryField) or not is_leaf_type(named):
            raise Decline(f"{where} has no SQL form")
        if self.checked(definition, where)("") != "" or nodes[0].arguments:
            raise Decline(f"{where} is masked for this role or takes arguments")
        value = row.get(definition.python_name)
        if isinstance(value, FromRequest):
            self.plan.sources.append(RequestSource(value))
            bound = self.param(len(self.plan.sources) - 1, "text", lambda v: v)
            return self.render(named, bound)
        if value is None:
            return literal("null")
        return literal(orjson.dumps(named.serialize(value)).decode())

    # ------------------------------------------------------------------ objects by global id
    def by_global_id(
        self,
        form: ByGlobalId,
        field_def: GraphQLField,
        definition: StrawberryField,
        interface: GraphQLNamedType,
        nodes: list[FieldNode],
    ) -> str:
        """`node(id:)` or `nodes(ids:)`: each id's row, by the type its id names."""
        source, found = self.source(
            field_def, nodes[0], definition, form.ids, lambda ids: isinstance(ids, list)
        )
        if isinstance(found, list):
            type_names = self.param(source, "text[]", lambda ids: [t for t, _ in ids])
            keys = self.param(source, "uuid[]", lambda ids: [k for _, k in ids])
            each = self.by_type(form, interface, nodes, f"{NODE_REF}.type_name", f"{NODE_REF}.key")
            return by_type_array(each, type_names, keys)
        type_name = self.param(source, "text", lambda pair: pair[0])
        key = self.param(source, "uuid", lambda pair: pair[1])
        return self.by_type(form, interface, nodes, type_name, key)

    def by_type(
        self,
        form: ByGlobalId,
        interface: GraphQLNamedType,
        nodes: list[FieldNode],
        type_name: str,
        key: str,
    ) -> str:
        branches: dict[str, str | None] = {}
        refusals: list[Decline] = []
        for runtime in self.schema.get_possible_types(interface):  # type: ignore[arg-type]
            origin = runtime.extensions["strawberry-definition"].origin
            model = getattr(origin, SQL_MODEL, None)
            branches[runtime.name] = None
            if model is None:
                self.plan.left.append(f"{runtime.name} by id (no SQL form)")
                continue
            if not form.readable(self.context.role, runtime.name):
                self.plan.left.append(f"{runtime.name} by id (denied to this role)")
                continue
            kept = len(self.plan.sources), len(self.plan.parameters)
            try:
                table = self.table(model, "")
                body = self.object(runtime, table, self.sub_selections(nodes))
            except RequestDecline:
                raise  # this request's values, not this type: never kept in the plan
            except Decline as refusal:  # this type only: its parameters go with it
                del self.plan.sources[kept[0] :], self.plan.parameters[kept[1] :]
                refusals.append(refusal)
                self.plan.left.append(f"{runtime.name} by id ({refusal})")
                continue
            row_key = survivor(key) if runtime.name in form.follow_merges else key
            node_key: NodeKey = getattr(origin, SQL_NODE_KEY)
            found = row_by_id(body, table, row_key, node_key.column, node_key.where)
            branches[runtime.name] = or_null(found)
        if all(branch is None for branch in branches.values()):
            raise refusals[0] if refusals else Decline(f"no type of {interface.name} compiles")
        return by_type(type_name, branches)

    # ------------------------------------------------------------------ relations
    @staticmethod
    def table(model: type, scope: str) -> str:
        name = str(model.__tablename__)  # type: ignore[attr-defined]
        if name == scope:
            raise Decline(f"{name} nested directly in {name}")
        return name

    def to_one(
        self,
        form: ToOne,
        scope: str,
        target: GraphQLObjectType,
        nodes: list[FieldNode],
        nullable: bool,
    ) -> str:
        table = self.table(form.model, scope)
        key = column_ref(scope, form.key)
        if form.follow_merges:
            key = survivor(key)
        body = self.object(target, table, self.sub_selections(nodes))
        found = row_by_id(body, table, key, form.target_key, form.where)
        return or_null(found) if nullable else found

    def embedded(
        self,
        form: Embedded,
        scope: str,
        target: GraphQLObjectType,
        nodes: list[FieldNode],
        nullable: bool,
    ) -> str:
        """An object read from the scope's own row or a one-row source (forms.Embedded)."""
        name = form.name or scope
        body = self.object(target, name, self.sub_selections(nodes))
        return embedded_object(body, form.source, name, form.present, nullable)

    def aggregates(
        self,
        form: Aggregates,
        scope: str,
        field_def: GraphQLField,
        definition: StrawberryField,
        target: GraphQLObjectType,
        nodes: list[FieldNode],
    ) -> str:
        """Figures over the scope's records or all, in the arguments' window (forms.Aggregates).
        Figures over all make the plan `parallel` (one heavy aggregation per request); a
        series does not: its buckets are correlated statements, one process each way."""
        source, built = self.source(
            field_def, nodes[0], definition, form.scope, lambda b: frozenset(form.parts(b))
        )
        body = self.object(target, scope, self.sub_selections(nodes))
        given = form.parts(built)
        if form.rows is not None:
            body = form.rows(body, frozenset(given))
        parent = column_ref(scope, "id") if form.of_parent else None
        self.plan.parallel |= parent is None
        sql = from_items(body, form.sources(body, frozenset(given), parent))
        return self.bind_parts(source, form, given, sql)

    def series(
        self,
        form: Series,
        scope: str,
        field_def: GraphQLField,
        definition: StrawberryField,
        target: GraphQLObjectType,
        nodes: list[FieldNode],
    ) -> str:
        """One object per bucket, each with the figures of its window (forms.Series)."""
        aggregates = form.aggregates
        source, built = self.source(
            field_def,
            nodes[0],
            definition,
            aggregates.scope,
            lambda b: frozenset(aggregates.parts(b)),
            per_request=True,
        )
        given = aggregates.parts(built)
        figures_type = get_named_type(target.fields[form.figures].type)
        assert isinstance(figures_type, GraphQLObjectType)

        def figures(figure_nodes: list[FieldNode]) -> str:
            body = self.object(figures_type, scope, self.sub_selections(figure_nodes))
            return from_items(body, aggregates.sources(body, frozenset(given), None))

        bucket = self.object(target, scope, self.sub_selections(nodes), {form.figures: figures})
        return self.bind_parts(source, aggregates, given, form.rows(bucket))

    def bind_parts(
        self, source: int, form: Aggregates, given: dict[str, tuple[str, Any]], sql: str
    ) -> str:
        """SQL text with the markers of the scope's parts bound to each request's values."""
        for name, (sql_type, _) in given.items():
            if part_marker(name) in sql:  # a part no figure read reads binds nothing
                value = self.param(source, sql_type, lambda b, n=name: form.parts(b)[n][1])  # type: ignore[misc]
                sql = sql.replace(part_marker(name), value)
        return sql

    def list_of(
        self, form: ListOf, scope: str, target: GraphQLObjectType, nodes: list[FieldNode]
    ) -> str:
        table = str(form.model.__tablename__)  # type: ignore[attr-defined]
        body = self.object(target, table, self.sub_selections(nodes))
        parent, beside = (PARENT, parent_of(scope)) if table == scope else (scope, "")
        where = " AND ".join([child_of(column_ref(table, form.parent_key), parent), *form.where])
        return rows_array(body, table, form.order_by, where, beside)

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
            key = survivor(key)
        table = self.table(form.model, "")
        body = self.object(target, table, self.sub_selections(nodes))
        return or_null(row_by_id(body, table, key))

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
        total: Callable[[], str] | None = None,
    ) -> str:
        """The connection object, aggregated over the page rows of `table` (`_n` ranks);
        `total` makes `totalCount`'s SQL, called only if it is selected."""
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
            return page_edges(body, table, first)

        def page_info(info_nodes: list[FieldNode]) -> str:
            info_fields: dict[str, Callable[[list[FieldNode]], str]] = {
                name: lambda _, sql=sql: sql  # type: ignore[misc]
                for name, sql in page_info_fields(table, cursor, first, has_previous).items()
            }
            return self.object(page_info_type, table, self.sub_selections(info_nodes), info_fields)

        wrappers: dict[str, Callable[[list[FieldNode]], str]] = {
            "edges": edges,
            "pageInfo": page_info,
        }
        if total is not None:
            wrappers["totalCount"] = lambda _: total_text(total())
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
        return after_condition(keys, values, [k.descending for k in ordering.keys])

    def query_param(self, source: int) -> Param:
        """A parameter maker for filters (resolvers/filters.Param): `extract` reads the
        value from the source's list query."""

        def param(sql_type: str, extract: Callable[[Any], Any]) -> str:
            return self.param(source, sql_type, lambda r: extract(r.query))

        return param

    def conditions(
        self,
        source: int,
        request: ListRequest,
        filters: Sequence[Filter] | None = None,
        apart: list[list[str]] | None = None,
        totals: list[Callable[[], str] | None] | None = None,
    ) -> list[str]:
        """The filters' SQL; a filter with `sql_apart` (disjoint alternatives, each
        counted through its own index) adds those to `apart` when it is given, and to
        `totals` its `sql_total` (the count of what it alone matches, made when called:
        its parameters exist only if the count is selected) or None."""
        where = []
        for item in request.filters if filters is None else filters:
            value = getattr(request.query, item.field)
            if value is None:
                continue

            param = self.query_param(source)
            alternatives = getattr(item, "sql_apart", None)
            if apart is not None and alternatives is not None:
                apart.append(alternatives(value, request.query, param))
                if totals is not None:
                    alone = getattr(item, "sql_total", None)
                    totals.append(
                        (lambda a=alone, v=value, p=param: a(v, request.query, p))  # type: ignore[misc]
                        if alone
                        else None
                    )
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
        self.plan.writes_pending_read_audit |= form.writes_pending_read_audit
        source, request, first = self.page_source(field_def, nodes[0], definition, form.request)
        apart: list[list[str]] = []
        totals: list[Callable[[], str] | None] = []
        where = self.conditions(source, request, apart=apart, totals=totals)
        # A root list without a filter counts from what the database keeps, if it keeps
        # that count (resolvers.row_counts), as the resolvers do.
        unfiltered = form.parent_column is None and not where and not apart
        # Each total is made only if `totalCount` is selected (page_parts): a parameter
        # that only a total reads must not exist otherwise (PostgreSQL cannot type a
        # parameter the statement does not use).
        kept: Callable[[], str] | None = None
        if unfiltered and form.listing.kept:
            kept_sql = kept_total_sql(form.listing.kept)
            kept = lambda: kept_sql  # noqa: E731
        # A root list whose only filter is counted per value by the database counts from
        # those counts (resolvers.row_counts.KeptValues), as the resolvers do.
        kept_value = form.listing.kept_value(request.query) if form.parent_column is None else None
        if kept_value is not None:
            kept = lambda: kept_value.total_sql(request.query, self.query_param(source))  # noqa: E731
        if form.parent_column is not None:
            where.insert(0, child_of(form.parent_column, scope))
        where[:0] = form.where
        # One count per alternative of the first filter counted apart, summed (no row
        # matches two): resolvers.pagination.count_rows_apart. The page query ORs them.
        # A filter counted apart that is the only condition may count from what the
        # database keeps (resolvers.sla.maintained_total), as the resolvers do.
        alone = totals[0] if len(apart) == 1 and not where else None
        where += [any_of(a) for a in apart[1:]]
        # A root page whose filter its listing splits reads each part as its own page,
        # merged (resolvers.listing.Split): a value list whose order has an index per
        # value, one value at a time.
        split = form.listing.split_by
        branches = (
            split.branches(request, self.query_param(source))
            if split is not None and form.parent_column is None
            else []
        )
        total: Callable[[], str]
        if kept is not None:
            total = kept
        elif alone is not None:
            total = alone
        else:  # over the page's own conditions and parameters, as they are now
            if apart:
                counted = sum_of_counts([(table, [*where, a]) for a in apart[0]])
            elif branches:  # one count per value, each from its index, as the page reads
                counted = sum_of_counts([(table, [*where, b]) for b in branches])
            else:
                counted = count_where(table, where)
            total = lambda: counted  # noqa: E731
        where += [any_of(a) for a in apart[:1]]
        ordering = request.ordering
        keys = [sort_sql(k) for k in ordering.keys]
        if request.page.after is not None:
            where.append(self.after(source, ordering, keys))
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
        directions = [k.descending for k in ordering.keys]
        mapper: sa.orm.Mapper[Any] = sa.inspect(form.model)
        primary_key = [column.name for column in mapper.primary_key]
        return connection_sql(body, table, keys, directions, where, first, branches, primary_key)

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
            return timeline_node(len(node_columns) - 1)

        scopes = []
        for rank, kind in visible:
            where = [child_of(column_sql(kind.customer), scope)]
            where += self.conditions(source, request, kind.filters)
            scopes.append((rank, kind, self.table(kind.entity, scope), where))
        body = self.page_parts(
            connection,
            TIMELINE_SCOPE,
            nodes,
            TIMELINE_ORDERING,
            first,
            request.page.after is not None,
            event,
            edge_extras={"occurredAt": lambda _: TIMELINE_OCCURRED_AT},
            total=lambda: timeline_total([(t, w) for _, _, t, w in scopes]),
        )
        branches = []
        for rank, kind, table, where in scopes:
            occurred = column_sql(kind.occurred_at)
            keys = [sort_sql(k) for k in kind.ordering.keys]
            if request.page.after is not None:
                where.append(self.after(source, kind.ordering, keys))
            built = [c[rank] for c in node_columns]
            branches.append(timeline_branch(occurred, rank, table, built, where, first))
        return timeline_sql(body, branches, first)
