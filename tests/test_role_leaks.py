"""What a role may not read, it may not learn another way (DOMAIN.md, "Who may see").

Not through a filter, an ordering, a search or a lookup (the matrix below, generated from
schema.permissions.REVEALS for every role), nor through a list that mixes kinds (the
timeline: its edges and its count). Run on SQLite and PostgreSQL; on PostgreSQL the
compiled path answers or declines, and test_compiled_parity replays every query here
through both read paths, byte for byte.
"""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLObjectType,
    get_named_type,
    is_list_type,
    is_non_null_type,
    is_required_argument,
)

from models import Role
from resolvers.changes import encode_position
from schema.node import to_global_id
from schema.permissions import (
    NODE_AREAS,
    PERSONAL_DATA_ROLES,
    READS,
    REVEALS,
    ArgumentRules,
    may_read,
)
from schema.schema import schema
from tests.conftest import Api, Backend, serving

GRAPHQL = schema._schema
# The types whose fields take the arguments checked here (mutations write, and say so).
READ_TYPES = ("Query", "Customer", "Survey", "Ticket", "SurveyResponse", "Touchpoint")
SAMPLES: dict[str, str] = {
    "String": '"x"',
    "Boolean": "true",
    "DateTime": '"2026-01-01T00:00:00Z"',
    "ID": '"' + to_global_id("WebhookEndpoint", uuid.UUID(int=1)) + '"',
}
# Values a rule needs in a shape of its own (a change cursor is no free text).
VALUES: dict[str, str] = {"WebhookDeliveryFilter.eventId": f'"{encode_position(1)}"'}


def owners() -> list[tuple[str, str, GraphQLField]]:
    """(type, field, definition) of every read field that takes arguments."""
    found = []
    for type_name in READ_TYPES:
        graphql_type = GRAPHQL.get_type(type_name)
        assert isinstance(graphql_type, GraphQLObjectType)
        found += [(type_name, name, f) for name, f in graphql_type.fields.items() if f.args]
    return found


def sample(graphql_type: Any) -> str:
    named = get_named_type(graphql_type)
    if isinstance(named, GraphQLEnumType):
        value = next(iter(named.values))
    elif isinstance(named, GraphQLInputObjectType):
        value = (
            "{"
            + ", ".join(
                f"{n}: {sample(f.type)}"
                for n, f in named.fields.items()
                if is_non_null_type(f.type)
            )
            + "}"
        )
    else:
        value = SAMPLES[named.name]
    inner = graphql_type.of_type if is_non_null_type(graphql_type) else graphql_type
    return f"[{value}]" if is_list_type(inner) else value


def rule_uses() -> list[tuple[str, str, str, str, str]]:
    """(rule key, owner type, owner field, argument path, GraphQL arguments) per rule."""
    found = []
    for key in REVEALS:
        for type_name, name, field in owners():
            use = _use(key, type_name, name, field)
            if use is not None:
                found.append((key, type_name, name, *use))
                break
        else:
            raise AssertionError(f"no read field takes {key}")
    return found


def _use(key: str, type_name: str, name: str, field: GraphQLField) -> tuple[str, str] | None:
    rule_type, _, rest = key.partition(".")
    for argument_name, argument in field.args.items():
        named = get_named_type(argument.type)
        chosen: str | None = None
        path = argument_name
        if key == f"{type_name}.{name}({argument_name})":
            chosen = sample(argument.type)
        elif named.name == rule_type and isinstance(named, GraphQLInputObjectType):
            path = f"{argument_name}.{rest}"
            input_field = named.fields[rest]
            chosen = "{" + ", ".join(
                f"{n}: {sample(f.type)}"
                for n, f in named.fields.items()
                if is_non_null_type(f.type) and n != rest
            )
            value = VALUES.get(key) or sample(input_field.type)
            chosen += (", " if chosen != "{" else "") + f"{rest}: {value}}}"
        elif isinstance(named, GraphQLInputObjectType):
            for input_name, input_field in named.fields.items():
                if get_named_type(input_field.type).name == rule_type:
                    path = f"{argument_name}.{input_name}"
                    others = [
                        f"{n}: {sample(f.type)}"
                        for n, f in named.fields.items()
                        if is_non_null_type(f.type) and n != input_name
                    ]
                    chosen = "{" + ", ".join([f"{input_name}: {rest}", *others]) + "}"
        if chosen is None:
            continue
        given = {argument_name: chosen}
        for other, definition in field.args.items():  # required ones (and lookups' pairs)
            if other not in given and (
                is_required_argument(definition) or f"{type_name}.{name}({other})" in REVEALS
            ):
                given[other] = sample(definition.type)
        return path, ", ".join(f"{n}: {v}" for n, v in given.items())
    return None


RULE_USES = rule_uses()


def document(type_name: str, name: str, arguments: str) -> tuple[str, list[Any]]:
    """A query using the arguments, and the path of the field that takes them."""
    returned = get_named_type(GRAPHQL.get_type(type_name).fields[name].type)
    fields = getattr(returned, "fields", {})
    selection = " { totalCount }" if "totalCount" in fields else (" { __typename }" * bool(fields))
    inner = f"{name}({arguments}){selection}"
    if type_name == "Query":
        return "{ " + inner + " }", [name]
    lists = {"Customer": "customers", "Survey": "surveys", "Ticket": "tickets"}
    if type_name in lists:
        outer = lists[type_name]
        return (
            "{ " + outer + "(first: 1) { edges { node { " + inner + " } } } }",
            [outer, "edges", 0, "node", name],
        )
    pytest.skip(f"no list reaches {type_name}")


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(
    ("key", "type_name", "name", "path", "arguments"),
    RULE_USES,
    ids=[use[0] for use in RULE_USES],
)
async def test_every_argument_is_refused_to_roles_that_may_not_read_what_it_tests(
    api: Api, role: Role, key: str, type_name: str, name: str, path: str, arguments: str
) -> None:
    query, field_path = document(type_name, name, arguments)
    response = await api.post(query, role=role)
    assert response.status_code == 200, response.text
    result = response.json()
    argument_ok = all(may_read(GRAPHQL, role, f) for f in REVEALS[key])
    field_ok = may_read(GRAPHQL, role, f"{type_name}.{name}")
    if field_ok and type_name != "Query":
        field_ok = may_read(GRAPHQL, role, f"Query.{document(type_name, name, '')[1][0]}")
    errors = result.get("errors", [])
    if argument_ok and field_ok:
        assert not errors, (key, role, errors)
        return
    refused = [e for e in errors if e["extensions"]["code"] == "FORBIDDEN"]
    assert refused, (key, role, result)
    assert refused[0]["path"] == field_path[: len(refused[0]["path"])], refused
    if not argument_ok:  # the argument is checked first, and named
        assert refused[0]["path"] == field_path, refused
        assert refused[0]["extensions"]["argument"] == path, refused
        assert f"`{path}" in refused[0]["message"], refused
    else:
        assert "argument" not in refused[0]["extensions"], refused


def test_every_filter_ordering_and_lookup_argument_is_declared() -> None:
    """A new filter field, ordering value or lookup cannot ship without its rule."""
    for type_name, name, field in owners():
        checked = False
        for argument_name, argument in field.args.items():
            named = get_named_type(argument.type)
            if isinstance(named, GraphQLInputObjectType):
                checked = True
                ordering = named.name.endswith("Order")
                for input_name, input_field in named.fields.items():
                    inner = get_named_type(input_field.type)
                    if ordering and input_name == "direction":
                        continue  # reveals nothing the order does not
                    if ordering and isinstance(inner, GraphQLEnumType):
                        for value in inner.values:
                            assert f"{inner.name}.{value}" in REVEALS, (inner.name, value)
                    else:
                        assert f"{named.name}.{input_name}" in REVEALS, (named.name, input_name)
            elif f"{type_name}.{name}({argument_name})" in REVEALS:
                checked = True
        if checked:
            definition = field.extensions["strawberry-definition"]
            assert any(isinstance(e, ArgumentRules) for e in definition.extensions), (
                f"{type_name}.{name} takes checked arguments but has no ArgumentRules"
            )


# ------------------------------------------------------------------ the reported leaks


def _segment_of_an_at_risk_customer(api: Api) -> str:
    return str(api.backend.data.customers[0]["segment"])


async def test_health_level_cannot_be_counted_by_a_role_that_may_not_read_health(
    api: Api,
) -> None:
    query = """query($s: String!, $l: HealthLevel!) {
      customers(filter: {segment: $s, healthLevel: $l}) { totalCount } }"""
    segment = _segment_of_an_at_risk_customer(api)
    for level in ("AT_RISK", "WATCH", "HEALTHY"):
        variables = {"s": segment, "l": level}
        partner = (await api.post(query, variables, role=Role.PARTNER)).json()
        assert partner["data"] is None, partner
        (error,) = partner["errors"]
        assert error["extensions"] == {"code": "FORBIDDEN", "argument": "filter.healthLevel"}
        assert error["path"] == ["customers"]
        assert "filter.healthLevel" in error["message"]
        analyst = await api.query(query, variables, role=Role.ANALYST)
        assert analyst["customers"]["totalCount"] >= 0


@pytest.mark.parametrize("role", list(Role))
async def test_customer_by_email_is_for_roles_with_personal_data(api: Api, role: Role) -> None:
    row = next(c for c in api.backend.data.customers if c["email"])
    query = "query($e: String!) { customerByEmail(email: $e) { name } }"
    for email in (row["email"], f"nobody-{uuid.uuid4().hex}@example.com"):
        result = (await api.post(query, {"e": email}, role=role)).json()
        if role in PERSONAL_DATA_ROLES:
            found = result["data"]["customerByEmail"]
            assert found == ({"name": row["name"]} if email == row["email"] else None)
            continue
        # The same refusal whether or not the address is a customer's.
        assert result["data"] == {"customerByEmail": None}, result
        (error,) = result["errors"]
        assert error["extensions"] == {"code": "FORBIDDEN", "argument": "email"}


async def test_search_matches_emails_only_for_roles_with_personal_data(api: Api) -> None:
    row = next(c for c in api.backend.data.customers if c["email"])
    term = row["email"].split("@")[0]  # only in the email
    query = "query($t: String!) { customers(filter: {search: $t}) { totalCount } }"
    for role in Role:
        count = (await api.query(query, {"t": term}, role=role))["customers"]["totalCount"]
        assert (count >= 1) == (role in PERSONAL_DATA_ROLES), (role, count)


# ------------------------------------------------------------------ the timeline

TIMELINE = """query($c: ID!) { customer(id: $c) { timeline(first: 100) { totalCount
  edges { node { __typename ... on Touchpoint { kind } ... on Ticket { subject } } } } } }"""
TOUCHPOINTS_ONLY = """query($c: ID!) { customer(id: $c) { timeline(first: 5) {
  edges { node { ... on Touchpoint { kind channel } } } } } }"""


def _mixed_customer(backend: Backend) -> tuple[dict[str, Any], dict[str, int]]:
    """A customer with touchpoints, tickets and survey responses (under 100 events)."""
    data = backend.data
    for customer in data.customers:
        counts = {
            "Touchpoint": sum(t["customer_id"] == customer["id"] for t in data.touchpoints),
            "Ticket": sum(t["customer_id"] == customer["id"] for t in data.tickets),
            "SurveyResponse": sum(r["customer_id"] == customer["id"] for r in data.responses),
        }
        if all(counts.values()) and sum(counts.values()) < 100:
            return customer, counts
    raise AssertionError("the seed has no customer with every kind")


@pytest.fixture(scope="module")
async def debug_api(backend: Backend) -> AsyncIterator[Api]:
    async with serving(backend, debug=True) as client:
        yield client


@pytest.mark.parametrize("role", list(Role))
async def test_the_timeline_shows_and_counts_only_the_kinds_a_role_may_read(
    debug_api: Api, role: Role
) -> None:
    customer, counts = _mixed_customer(debug_api.backend)
    variables = {"c": to_global_id("Customer", customer["id"])}
    response = await debug_api.post(TIMELINE, variables, role=role)
    body = response.json()
    assert "errors" not in body, body
    timeline = body["data"]["customer"]["timeline"]
    visible = {kind for kind in counts if NODE_AREAS[kind] in READS[role]}
    shown = {edge["node"]["__typename"] for edge in timeline["edges"]}
    assert shown == visible
    assert timeline["totalCount"] == sum(counts[k] for k in visible)
    assert len(timeline["edges"]) == timeline["totalCount"]
    if debug_api.backend.name == "postgres":  # the compiled path answers it, for every role
        assert body["extensions"]["readPath"]["path"] == "compiled", body["extensions"]


async def test_a_partner_reads_the_touchpoints_of_a_timeline(api: Api) -> None:
    customer, counts = _mixed_customer(api.backend)
    variables = {"c": to_global_id("Customer", customer["id"])}
    found = await api.query(TOUCHPOINTS_ONLY, variables, role=Role.PARTNER)
    edges = found["customer"]["timeline"]["edges"]
    assert len(edges) == min(5, counts["Touchpoint"])
    assert all(set(edge["node"]) == {"kind", "channel"} for edge in edges)
