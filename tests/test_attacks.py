"""Attacks on a public GraphQL endpoint: each is refused clearly, before any SQL runs."""

import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from models import Role
from schema.node import to_global_id
from tests.conftest import Api, Backend, serving

KEY_LOOKUP_ONLY = "only the API key lookup may run before a refusal"


def data_statements(api: Api) -> list[str]:
    return [s for s in api.statements if "api_key" not in s]


async def refused(
    api: Api, query: str, variables: dict[str, Any] | None = None, role: Role = Role.ADMIN
) -> dict[str, Any]:
    """The first error of a refused query, after checking that no data SQL ran."""
    api.statements.clear()
    response = await api.post(query, variables, role=role)
    body = response.json()
    assert body.get("errors"), body
    assert body.get("data") is None, body
    assert data_statements(api) == [], KEY_LOOKUP_ONLY
    assert "Traceback" not in response.text
    return dict(body["errors"][0])


async def test_depth_bomb(api: Api) -> None:
    nested = "customer { touchpoints { edges { node { " * 6 + "id" + " } } } }" * 6
    error = await refused(api, f"{{ touchpoints {{ edges {{ node {{ {nested} }} }} }} }}")
    assert "depth" in error["message"]


async def test_depth_hidden_inside_fragments(api: Api) -> None:
    fragments = "\n".join(
        f"fragment F{i} on Touchpoint {{ customer {{ touchpoints {{ edges {{ node {{ ...F{i + 1} }} }} }} }} }}"
        for i in range(6)
    )
    error = await refused(
        api,
        f"{{ touchpoints {{ edges {{ node {{ ...F0 }} }} }} }}\n{fragments}\n"
        "fragment F6 on Touchpoint { id }",
    )
    assert "depth" in error["message"]


@pytest.mark.parametrize("shape", ["circular", "self"])
async def test_circular_and_self_referencing_fragments(api: Api, shape: str) -> None:
    fragments = (
        "fragment A on Customer { name ...B } fragment B on Customer { id ...A }"
        if shape == "circular"
        else "fragment A on Customer { name ...A }"
    )
    error = await refused(api, "{ customers { edges { node { ...A } } } } " + fragments)
    assert "Cannot spread fragment" in error["message"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_sixteen_aliases_pass_but_a_hundred_or_ten_thousand_do_not(api: Api) -> None:
    sixteen = " ".join(f"a{i}: viewer {{ role }}" for i in range(16))
    assert len(await api.query(f"{{ {sixteen} }}")) == 16
    for count in (100, 10_000):
        many = " ".join(f"a{i}: viewer {{ role }}" for i in range(count))
        response = await api.post(f"{{ {many} }}")
        body = response.json()
        assert body["data"] is None
        assert any(word in body["errors"][0]["message"] for word in ("aliases", "tokens", "bytes"))


async def test_five_thousand_repeated_fields(api: Api) -> None:
    error = await refused(api, "{ viewer { " + "role " * 5000 + "} }")
    assert "token" in error["message"]


async def test_one_megabyte_document_is_refused_before_anything(api: Api) -> None:
    api.statements.clear()
    response = await api.post("{ viewer { role } }" + " " * 1_000_000)
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "DOCUMENT_TOO_LARGE"
    assert api.statements == []


async def test_directive_floods(api: Api) -> None:
    sixty = " ".join(["... @include(if: true) { viewer { role } }"] * 60)
    error = await refused(api, f"{{ {sixty} }}")
    assert error["extensions"]["code"] == "TOO_MANY_DIRECTIVES"
    thousand = " ".join(["@include(if: true)"] * 1000)
    response = await api.post(f"{{ viewer {thousand} {{ role }} }}")
    assert response.json()["data"] is None
    assert len(response.json()["errors"]) <= 101  # graphql-core stops at 100 errors


@pytest.mark.parametrize("first", [101, -1, 0])
async def test_page_sizes_outside_1_to_100(api: Api, first: int) -> None:
    error = await refused(api, f"{{ customers(first: {first}) {{ totalCount }} }}")
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "first"}


async def test_costly_nesting_is_refused_with_its_cost(api: Api) -> None:
    query = """{ customers(first: 100) { edges { node { touchpoints(first: 100) { edges { node {
        customer { tickets(first: 100) { edges { node { subject } } } } } } } } } } }"""
    error = await refused(api, query)
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["cost"] > error["extensions"]["maximum"]


async def test_every_answer_reports_its_cost(api: Api) -> None:
    response = await api.post("{ customers(first: 10) { edges { node { externalIds { id } } } } }")
    cost = response.json()["extensions"]["cost"]
    # customers connection 1 + 10 customers x (node 1 + externalIds 10 estimated)
    assert cost["requested"] == 1 + 10 * (1 + 10)
    assert cost["maximum"] == 25_000 and 0 <= cost["remaining"] <= cost["capacity"]


async def test_json_batches_are_refused(api: Api) -> None:
    api.statements.clear()
    response = await api.client.post(
        "/graphql",
        json=[{"query": "{ viewer { role } }"}] * 2,
        headers={"Authorization": f"Bearer {api.backend.keys[Role.ADMIN]}"},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BATCH_NOT_SUPPORTED"
    assert api.statements == []


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
async def test_non_json_posts_change_nothing(writable: Api, content_type: str) -> None:
    writable.statements.clear()
    response = await writable.client.post(
        "/graphql",
        content=b'{"query": "mutation { createSurvey(input: {kind: NPS, question: \\"q\\"}) { survey { id } } }"}',
        headers={
            "Authorization": f"Bearer {writable.backend.keys[Role.ADMIN]}",
            "Content-Type": content_type,
        },
    )
    assert response.status_code == 415
    assert writable.statements == []


async def test_mutations_over_get_are_refused(writable: Api) -> None:
    writable.statements.clear()
    response = await writable.client.get(
        "/graphql",
        params={
            "query": 'mutation { createSurvey(input: {kind: NPS, question: "q"}) { survey { id } } }'
        },
        headers={"Authorization": f"Bearer {writable.backend.keys[Role.ADMIN]}"},
    )
    assert response.status_code in (400, 405)
    assert data_statements(writable) == [], KEY_LOOKUP_ONLY
    queried = await writable.client.get(
        "/graphql",
        params={"query": "{ viewer { role } }"},
        headers={"Authorization": f"Bearer {writable.backend.keys[Role.ADMIN]}"},
    )
    assert queried.json()["data"] == {"viewer": {"role": "ADMIN"}}


async def test_tampered_ids(api: Api) -> None:
    forged = [
        to_global_id("ApiKey", uuid.uuid4()),
        to_global_id("Customer", uuid.uuid4()),
        "Q3VzdG9tZXI6bm90LWEtdXVpZA==",
    ]  # "Customer:not-a-uuid"
    data = await api.query(
        "query($a: ID!, $b: ID!) { a: node(id: $a) { id } b: node(id: $b) { id } }",
        {"a": forged[0], "b": forged[1]},
    )
    assert data == {"a": None, "b": None}
    api.statements.clear()
    body = (await api.post("query($c: ID!) { node(id: $c) { id } }", {"c": forged[2]})).json()
    assert body["data"] == {"node": None}
    assert body["errors"][0]["extensions"]["code"] == "INVALID_ID"
    assert data_statements(api) == [], KEY_LOOKUP_ONLY


@pytest.fixture
async def tight(api: Api) -> AsyncIterator[Api]:
    """A server whose keys may spend 60 cost, regaining 1 per second."""
    async with serving(api.backend, rate_limit_capacity=60, rate_limit_per_second=1) as tight_api:
        yield tight_api


async def test_rate_limit_refuses_with_retry_after(tight: Api) -> None:
    query = "{ customers(first: 5) { edges { node { externalIds { id } } } } }"  # cost 56
    first = await tight.post(query)
    assert first.json()["extensions"]["cost"]["remaining"] == 4
    tight.statements.clear()
    second = await tight.post(query)
    assert second.status_code == 429
    assert int(second.headers["Retry-After"]) >= 50
    error = second.json()["errors"][0]
    assert (
        error["extensions"]["code"] == "RATE_LIMITED"
        and error["extensions"]["retryAfterSeconds"] >= 50
    )
    assert data_statements(tight) == [], KEY_LOOKUP_ONLY
    other_key = await tight.post(query, role=Role.ANALYST)  # budgets are per key
    assert other_key.status_code == 200


REDIS_URL = os.environ.get("CX360_TEST_REDIS_URL")


async def test_workers_share_one_budget_through_redis(api: Api) -> None:
    if not REDIS_URL:
        pytest.skip(
            "CX360_TEST_REDIS_URL is not set: no Redis to share budgets through (CI sets it)"
        )
    query = "{ customers(first: 5) { edges { node { externalIds { id } } } } }"  # cost 56
    prefix_key = api.backend.keys[Role.SALES]
    settings = {"rate_limit_capacity": 100, "rate_limit_per_second": 0.5, "redis_url": REDIS_URL}
    # Buckets are keyed by API key id, fresh for every test session: no state to clear.
    async with serving(api.backend, **settings) as one, serving(api.backend, **settings) as two:
        assert (await one.post(query, key=prefix_key)).status_code == 200
        refused_elsewhere = await two.post(query, key=prefix_key)
        assert refused_elsewhere.status_code == 429


async def test_production_hides_introspection_and_suggestions_but_not_from_analysts(
    api: Api,
) -> None:
    async with serving(api.backend, environment="production") as production:
        introspect = "{ __schema { queryType { name } } }"
        for role in (Role.PARTNER, Role.SUPPORT, Role.MARKETING):
            error = await refused(production, introspect, role=role)
            assert error["extensions"]["code"] == "INTROSPECTION_DISABLED"
        assert (await production.query(introspect, role=Role.ADMIN))["__schema"]
        assert (await production.query(introspect, role=Role.ANALYST))["__schema"]
        typo = (await production.post("{ viewer { rol } }")).json()["errors"][0]["message"]
        assert "Did you mean" not in typo
        page = await production.client.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 401  # no GraphiQL page in production by default
    development = (await api.post("{ viewer { rol } }")).json()["errors"][0]["message"]
    assert "Did you mean" in development


async def test_requests_over_the_time_limit_are_cancelled(api: Api) -> None:
    async with serving(api.backend, request_timeout_seconds=0.000001) as hurried:
        response = await hurried.post(
            "{ customers(first: 100) { totalCount edges { node { id } } } }"
        )
    assert response.status_code == 504
    assert response.json()["errors"][0]["extensions"]["code"] == "TIMEOUT"


async def test_postgres_stops_statements_at_the_time_limit(backend: Backend) -> None:
    if backend.name != "postgres":
        pytest.skip("statement_timeout is a PostgreSQL server setting")
    async with serving(backend, request_timeout_seconds=7) as api:
        app_engine = api.client._transport.app.state.engine  # type: ignore[attr-defined]
        async with app_engine.connect() as connection:
            import sqlalchemy as sa

            assert (await connection.execute(sa.text("SHOW statement_timeout"))).scalar() == "7s"


async def test_health_probes_need_no_key(api: Api) -> None:
    async with httpx.AsyncClient(transport=api.client._transport, base_url="http://x") as anonymous:
        assert (await anonymous.get("/healthz")).status_code == 200
