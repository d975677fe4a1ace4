"""The served schema is the committed one, and it keeps every name of the API contract.

The contract and the domain definitions live in the repository (docs/contract.graphql,
docs/domain.md). On the project's own machines the steering copies sit in ../shared; there
one test checks the in-repo copies are byte-identical to them, elsewhere it skips.
"""

from pathlib import Path

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
)

from schema.schema import schema

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "docs" / "contract.graphql"
DOMAIN = ROOT / "docs" / "domain.md"
SHARED = ROOT.parent / "shared"

# Contract names that later issues build; each must shrink to nothing, never grow.
# Every contract name is built now: the set stays empty.
NOT_YET_BUILT: set[str] = set()


KINDS = (
    GraphQLObjectType,
    GraphQLInterfaceType,
    GraphQLInputObjectType,
    GraphQLEnumType,
    GraphQLUnionType,
    GraphQLScalarType,
)


def _kind(named_type: object) -> type:
    return next(kind for kind in KINDS if isinstance(named_type, kind))


def contract_differences(contract: GraphQLSchema, served: GraphQLSchema) -> set[str]:
    """Every contract name missing or retyped in the served schema."""
    found: set[str] = set()
    for name, expected in contract.type_map.items():
        if name.startswith("__"):
            continue
        actual = served.type_map.get(name)
        if actual is None or _kind(actual) is not _kind(expected):
            found.add(name)
            continue
        if isinstance(expected, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            assert isinstance(
                actual, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType
            )
            for field_name, field in expected.fields.items():
                served_field = actual.fields.get(field_name)
                if served_field is None or str(served_field.type) != str(field.type):
                    found.add(f"{name}.{field_name}")
                    continue
                for arg_name, arg in getattr(field, "args", {}).items():
                    served_arg = served_field.args.get(arg_name)  # type: ignore[union-attr]
                    if served_arg is None or str(served_arg.type) != str(arg.type):
                        found.add(f"{name}.{field_name}({arg_name})")
            if isinstance(expected, GraphQLObjectType):
                assert isinstance(actual, GraphQLObjectType)
                missing = {i.name for i in expected.interfaces} - {
                    i.name for i in actual.interfaces
                }
                found.update(f"{name} implements {i}" for i in missing)
        if isinstance(expected, GraphQLEnumType):
            assert isinstance(actual, GraphQLEnumType)
            found.update(f"{name}.{v}" for v in expected.values if v not in actual.values)
        if isinstance(expected, GraphQLUnionType):
            assert isinstance(actual, GraphQLUnionType)
            missing = {t.name for t in expected.types} - {t.name for t in actual.types}
            found.update(f"{name} | {t}" for t in missing)
    return found


def test_committed_schema_is_the_served_schema(repo_root: Path) -> None:
    committed = (repo_root / "schema.graphql").read_text()
    assert committed.strip() == schema.as_str().strip(), (
        "schema.graphql is stale: run `make schema` and commit it"
    )


def test_served_schema_keeps_the_whole_contract_except_what_is_not_built_yet() -> None:
    differences = contract_differences(build_schema(CONTRACT.read_text()), schema._schema)
    assert differences - NOT_YET_BUILT == set(), "contract names lost or retyped"
    assert NOT_YET_BUILT - differences == set(), "built now: remove from NOT_YET_BUILT"


@pytest.mark.skipif(
    not (SHARED / "contract" / "schema.graphql").exists(),
    reason="../shared is not beside this clone: the in-repo copies are the contract",
)
def test_in_repo_contract_and_domain_are_the_steering_copies() -> None:
    assert CONTRACT.read_bytes() == (SHARED / "contract" / "schema.graphql").read_bytes(), (
        "docs/contract.graphql differs from ../shared/contract/schema.graphql: copy it over"
    )
    assert DOMAIN.read_bytes() == (SHARED / "DOMAIN.md").read_bytes(), (
        "docs/domain.md differs from ../shared/DOMAIN.md: copy it over"
    )


def test_the_comparison_notices_a_dropped_field() -> None:
    contract = build_schema("type Query { a: Int, b(x: Int): String }")
    served = build_schema("type Query { a: String, b: String, c: Int }")
    assert contract_differences(contract, served) == {"Query.a", "Query.b(x)"}


def undescribed(served: GraphQLSchema) -> list[str]:
    """Every type, field, argument and enum value without a description (the Docs pane)."""
    missing = []
    for name, named in served.type_map.items():
        if name.startswith("__"):
            continue
        if not named.description:
            missing.append(name)
        for field_name, field in getattr(named, "fields", {}).items():
            if not field.description:
                missing.append(f"{name}.{field_name}")
            missing += [
                f"{name}.{field_name}({a})"
                for a, argument in getattr(field, "args", {}).items()
                if not argument.description
            ]
        missing += [
            f"{name}.{v}"
            for v, value in getattr(named, "values", {}).items()
            if not value.description
        ]
    return missing


def test_every_type_field_argument_and_enum_value_is_described() -> None:
    assert undescribed(schema._schema) == []


def test_the_description_check_notices_a_missing_one() -> None:
    bare = build_schema("type Query { hello(name: String): String }")
    assert undescribed(bare) == ["Query", "Query.hello", "Query.hello(name)"]
