"""The GraphQL documents of bulk jobs: checking what a key sent, and rewriting an export
query into the pages the job runs through the schema (the key's role, masking, limits).

An export query reads one connection at its top; connections may nest in its nodes. The
job pages the top connection with `$first`/`$after`; each node becomes one JSONL line,
its nested connections' nodes lines of their own with `__parentId`. A nested connection
longer than its first page is paged on per parent through `node(id:)` (`follow_up`).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    ArgumentNode,
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
    NamedTypeNode,
    NameNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    parse,
    print_ast,
    validate,
)

from resolvers.writes import fail

PAGE_SIZES = (100, 50, 25, 10, 5, 2, 1)
# Mutations a bulk import may not run: the bulk operations themselves.
NOT_IMPORTABLE = frozenset({"bulkExport", "bulkImport", "cancelBulkOperation", "stagedUpload"})


def _name(value: str) -> NameNode:
    return NameNode(value=value)


def _field(
    name: str,
    selections: Sequence[SelectionNode] = (),
    alias: str | None = None,
    arguments: Sequence[ArgumentNode] = (),
    directives: Sequence[DirectiveNode] = (),
) -> FieldNode:
    return FieldNode(
        name=_name(name),
        alias=_name(alias) if alias else None,
        arguments=tuple(arguments),
        directives=tuple(directives),
        selection_set=SelectionSetNode(selections=tuple(selections)) if selections else None,
    )


def _argument(name: str, value: Any) -> ArgumentNode:
    return ArgumentNode(name=_name(name), value=value)


def _variable(name: str) -> VariableNode:
    return VariableNode(name=_name(name))


def _key(node: FieldNode) -> str:
    return node.alias.value if node.alias else node.name.value


@dataclass
class ConnectionPlan:
    """One connection of the query: where its nodes sit and what nested ones they hold."""

    key: str  # its response key in the parent node (or in `data` at the top)
    children: list["ConnectionPlan"] = field(default_factory=list)
    # Pages one parent's connection on: variables `id` (the parent) and `after`.
    follow_up: str | None = None


@dataclass
class ExportPlan:
    document: str  # variables: `first` (the top page size) and `after`
    top: ConnectionPlan
    page_size: int


def _syntax_checked(schema: GraphQLSchema, text: str, argument: str) -> DocumentNode:
    try:
        document = parse(text)
    except GraphQLError as error:
        raise fail([argument], f"`{argument}` is not valid GraphQL: {error.message}") from None
    problems = validate(schema, document)
    if problems:
        raise fail([argument], f"`{argument}` does not match the schema: {problems[0].message}")
    return document


def _operation(
    document: DocumentNode, kind: OperationType, argument: str
) -> OperationDefinitionNode:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].operation is not kind:
        raise fail([argument], f"`{argument}` must hold exactly one {kind.value} operation.")
    return operations[0]


def _inline_fragments(document: DocumentNode, selections: SelectionSetNode) -> SelectionSetNode:
    """The selection with every fragment spread replaced by its inline fragment."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }

    def inline(selection_set: SelectionSetNode) -> SelectionSetNode:
        result: list[SelectionNode] = []
        for selection in selection_set.selections:
            if isinstance(selection, FragmentSpreadNode):
                fragment = fragments[selection.name.value]
                selection = InlineFragmentNode(
                    type_condition=fragment.type_condition,
                    directives=selection.directives,
                    selection_set=inline(fragment.selection_set),
                )
            elif isinstance(selection, InlineFragmentNode):
                selection = InlineFragmentNode(
                    type_condition=selection.type_condition,
                    directives=selection.directives,
                    selection_set=inline(selection.selection_set),
                )
            elif isinstance(selection, FieldNode) and selection.selection_set is not None:
                selection = _field(
                    selection.name.value,
                    inline(selection.selection_set).selections,
                    selection.alias.value if selection.alias else None,
                    selection.arguments or (),
                    selection.directives or (),
                )
            result.append(selection)
        return SelectionSetNode(selections=tuple(result))

    return inline(selections)


def _connection_type(schema: GraphQLSchema, parent: Any, node: FieldNode) -> Any:
    """The connection type this field returns, or None if it is no connection."""
    fields = getattr(parent, "fields", {})
    definition = fields.get(node.name.value)
    if definition is None:
        return None
    named = get_named_type(definition.type)
    if not isinstance(named, GraphQLObjectType):
        return None
    if "edges" in named.fields and "pageInfo" in named.fields and "first" in definition.args:
        return named
    return None


# A connection's paging arguments: an export's are its own.
PAGING_ARGUMENTS = ("first", "last", "after", "before")


class _Rewriter:
    def __init__(self, schema: GraphQLSchema, nested_size: int) -> None:
        self.schema = schema
        self.nested_size = nested_size
        self.node_types = {
            t.name for t in schema.get_implementations(_node_interface(schema)).objects
        }

    def connection(
        self, node: FieldNode, parent: Any, first: Any, after: Any, path: str
    ) -> tuple[FieldNode, ConnectionPlan]:
        """The connection field rewritten to select edges.node and pageInfo, paged by us."""
        connection = _connection_type(self.schema, parent, node)
        edge_type = get_named_type(connection.fields["edges"].type)
        node_type = get_named_type(edge_type.fields["node"].type)
        chosen: list[SelectionNode] = []
        for edges in node.selection_set.selections if node.selection_set else ():
            if isinstance(edges, FieldNode) and edges.name.value == "edges" and edges.selection_set:
                for item in edges.selection_set.selections:
                    if isinstance(item, FieldNode) and item.name.value == "node":
                        chosen.extend(item.selection_set.selections if item.selection_set else ())
        if not chosen:
            raise fail(
                ["query"],
                f"Select the nodes of `{path}`: `{path} {{ edges {{ node {{ ... }} }} }}`.",
            )
        plan = ConnectionPlan(_key(node))
        selections = self.node_selection(
            SelectionSetNode(selections=tuple(chosen)), node_type, plan, path
        )
        for argument in node.arguments or ():
            if argument.name.value in PAGING_ARGUMENTS:
                raise fail(
                    ["query"],
                    f"`{path}({argument.name.value}: ...)`: a bulk export reads every node "
                    "and pages by itself; leave out first, last, after and before (narrow "
                    "the list with its filter instead).",
                )
        arguments = list(node.arguments or ())
        arguments.append(_argument("first", first))
        if after is not None:
            arguments.append(_argument("after", after))
        page_info = _field("pageInfo", [_field("hasNextPage"), _field("endCursor")])
        rewritten = _field(
            node.name.value,
            [_field("edges", [_field("node", selections.selections)]), page_info],
            alias=node.alias.value if node.alias else None,
            arguments=arguments,
        )
        return rewritten, plan

    def node_selection(
        self, selections: SelectionSetNode, node_type: Any, plan: ConnectionPlan, path: str
    ) -> SelectionSetNode:
        def walk(selection_set: SelectionSetNode, parent: Any, top: bool) -> SelectionSetNode:
            result: list[SelectionNode] = []
            for selection in selection_set.selections:
                if isinstance(selection, InlineFragmentNode):
                    condition = selection.type_condition
                    target = self.schema.get_type(condition.name.value) if condition else parent
                    inner = walk(selection.selection_set, target, top)
                    result.append(
                        InlineFragmentNode(
                            type_condition=condition,
                            directives=selection.directives,
                            selection_set=inner,
                        )
                    )
                    continue
                assert isinstance(selection, FieldNode)
                child_path = f"{path}.{_key(selection)}"
                if _connection_type(self.schema, parent, selection) is not None:
                    if not top:
                        raise fail(
                            ["query"],
                            f"`{child_path}`: a nested connection must be a field of a "
                            "connection's node, not of an object inside it.",
                        )
                    if parent.name not in self.node_types:
                        raise fail(
                            ["query"],
                            f"`{child_path}` is on {parent.name}, which has no id to link "
                            "its nodes to (`__parentId`).",
                        )
                    nested, child = self.connection(
                        selection,
                        parent,
                        IntValueNode(value=str(self.nested_size)),
                        None,
                        child_path,
                    )
                    child.follow_up = self.follow_up(selection, parent.name, child_path)
                    plan.children.append(child)
                    result.append(nested)
                    continue
                if selection.selection_set is not None:
                    named = get_named_type(parent.fields[selection.name.value].type)
                    inner = walk(selection.selection_set, named, False)
                    selection = _field(
                        selection.name.value,
                        inner.selections,
                        selection.alias.value if selection.alias else None,
                        selection.arguments or (),
                        selection.directives or (),
                    )
                result.append(selection)
            return SelectionSetNode(selections=tuple(result))

        walked = walk(selections, node_type, True)
        if plan.children:  # the lines of nested nodes name this one by id
            ids = [s for s in walked.selections if isinstance(s, FieldNode) and _key(s) == "id"]
            if any(s.name.value != "id" for s in ids):
                raise fail(["query"], f"`{path}`: the alias `id` is taken by another field.")
            if not ids:
                walked = SelectionSetNode(selections=(_field("id"), *walked.selections))
        return walked

    def follow_up(self, node: FieldNode, parent_type: str, path: str) -> str:
        """`node(id: $id) { ... on Parent { <connection>(first: N, after: $after) } }`."""
        rewritten, _ = _Rewriter(self.schema, self.nested_size).connection(
            node,
            self.schema.get_type(parent_type),
            IntValueNode(value=str(self.nested_size)),
            _variable("after"),
            path,
        )
        inline = InlineFragmentNode(
            type_condition=NamedTypeNode(name=_name(parent_type)),
            directives=(),
            selection_set=SelectionSetNode(selections=(rewritten,)),
        )
        lookup = _field("node", [inline], arguments=[_argument("id", _variable("id"))])
        return f"query BulkExportPage($id: ID!, $after: String) {{ {print_ast(lookup)} }}"


def _node_interface(schema: GraphQLSchema) -> Any:
    found = schema.get_type("Node")
    assert found is not None
    return found


def plan_export(schema: GraphQLSchema, text: str, fits: Callable[[str, int], bool]) -> ExportPlan:
    """The export's page document; `fits(document, first)`: within the query cost limit."""
    document = _syntax_checked(schema, text, "query")
    operation = _operation(document, OperationType.QUERY, "query")
    if operation.variable_definitions:
        raise fail(["query"], "A bulk export query takes no variables: write values inline.")
    selections = _inline_fragments(document, operation.selection_set).selections
    fields = [s for s in selections if isinstance(s, FieldNode) and s.name.value != "__typename"]
    if len(fields) != 1 or len(selections) != len(fields):
        raise fail(["query"], "A bulk export query reads exactly one field at its top.")
    (top,) = fields
    query_type = schema.query_type
    if _connection_type(schema, query_type, top) is None:
        raise fail(
            ["query"],
            f"`{top.name.value}` is not a connection: a bulk export reads a list field "
            "such as `customers { edges { node { ... } } }`.",
        )
    # Larger pages first, the top and nested sizes kept in balance; the first that fits.
    pairs = sorted(
        ((size, nested) for size in PAGE_SIZES for nested in PAGE_SIZES),
        key=lambda pair: (min(pair), pair[0]),
        reverse=True,
    )
    for size, nested in pairs:
        rewritten, plan = _Rewriter(schema, nested).connection(
            top, query_type, _variable("first"), _variable("after"), _key(top)
        )
        if not plan.children and nested != PAGE_SIZES[0]:
            continue  # no nested connection: one page size to choose
        page = f"query BulkExport($first: Int!, $after: String) {{ {print_ast(rewritten)} }}"
        if fits(page, size) and all(fits(f, 1) for f in _follow_ups(plan)):
            return ExportPlan(page, plan, size)
    raise fail(["query"], "This query costs more than one request may, even a node at a time.")


def _follow_ups(plan: ConnectionPlan) -> list[str]:
    found = [c.follow_up for c in plan.children if c.follow_up]
    for child in plan.children:
        found.extend(_follow_ups(child))
    return found


USER_ERRORS = "bulkUserErrors_"


def import_document(schema: GraphQLSchema, text: str) -> tuple[str, str]:
    """The mutation's response key, and the document the job runs per line: the same, with
    the payload's `userErrors` selected (aliased), so every line's errors are reported."""
    name = plan_import(schema, text)
    document = parse(text)
    operation = _operation(document, OperationType.MUTATION, "mutation")
    (top,) = operation.selection_set.selections
    assert isinstance(top, FieldNode)
    mutation_type = schema.mutation_type
    assert mutation_type is not None
    payload = get_named_type(mutation_type.fields[name].type)
    if isinstance(payload, GraphQLObjectType) and "userErrors" in payload.fields:
        errors = _field(
            "userErrors", [_field("field"), _field("message"), _field("code")], USER_ERRORS
        )
        selections = top.selection_set.selections if top.selection_set else ()
        top = _field(
            name,
            (*selections, errors),
            top.alias.value if top.alias else None,
            top.arguments or (),
            top.directives or (),
        )
    rewritten = OperationDefinitionNode(
        operation=operation.operation,
        name=operation.name,
        variable_definitions=operation.variable_definitions,
        directives=operation.directives,
        selection_set=SelectionSetNode(selections=(top,)),
    )
    definitions = tuple(rewritten if d is operation else d for d in document.definitions)
    return _key(top), print_ast(DocumentNode(definitions=definitions))


def plan_import(schema: GraphQLSchema, text: str) -> str:
    """The mutation's field name, once the document is one mutation of one field."""
    document = _syntax_checked(schema, text, "mutation")
    operation = _operation(document, OperationType.MUTATION, "mutation")
    fields = [s for s in operation.selection_set.selections if isinstance(s, FieldNode)]
    if len(fields) != 1 or len(operation.selection_set.selections) != 1:
        raise fail(["mutation"], "A bulk import runs exactly one mutation field.")
    name = fields[0].name.value
    if name in NOT_IMPORTABLE:
        raise fail(["mutation"], f"`{name}` cannot run in a bulk import.")
    return name
