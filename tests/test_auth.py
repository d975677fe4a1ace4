"""Every request needs a valid bearer key; the IDE page and probes do not."""

from datetime import UTC, datetime, timedelta

from api.db import create_session_factory
from models import Role
from resolvers import keys
from tests.conftest import Api

VIEWER = "{ viewer { role keyName } }"


async def test_viewer_tells_the_role_of_each_key(api: Api) -> None:
    for role in Role:
        data = await api.query(VIEWER, role=role)
        assert data["viewer"] == {"role": role.value, "keyName": f"test-{role.value.lower()}"}


async def test_missing_malformed_and_unknown_keys_get_401_with_a_json_error(api: Api) -> None:
    cases = [
        {},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer cx360_not-a-real-key"},
    ]
    for headers in cases:
        response = await api.client.post("/graphql", json={"query": VIEWER}, headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["www-authenticate"].startswith("Bearer")
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "UNAUTHENTICATED"
        assert "Authorization" in error["message"] or "key" in error["message"]


async def test_revoked_and_expired_keys_are_refused_on_their_next_request(api: Api) -> None:
    sessions = create_session_factory(api.backend.engine)
    issued = await keys.create_key(sessions, "soon-revoked", Role.ANALYST)
    assert (await api.post(VIEWER, key=issued.token)).status_code == 200
    assert await keys.revoke_key(sessions, "soon-revoked") == 1
    assert (await api.post(VIEWER, key=issued.token)).status_code == 401

    expired = await keys.create_key(
        sessions, "expired", Role.ANALYST, expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    assert (await api.post(VIEWER, key=expired.token)).status_code == 401


async def test_keys_are_stored_only_as_digests(api: Api) -> None:
    sessions = create_session_factory(api.backend.engine)
    issued = await keys.create_key(sessions, "digest-check", Role.PARTNER)
    stored = next(k for k in await keys.list_keys(sessions) if k.name == "digest-check")
    assert stored.key_hash == keys.digest(issued.token) != issued.token
    assert issued.token not in {stored.key_prefix, stored.key_hash}


async def test_graphiql_page_loads_without_a_key_but_queries_over_get_need_one(api: Api) -> None:
    page = await api.client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()
    query = await api.client.get("/graphql", params={"query": VIEWER})
    assert query.status_code == 401


async def test_health_and_readiness_probes(api: Api) -> None:
    assert (await api.client.get("/healthz")).json() == {"status": "ok"}
    ready = await api.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["database"] == "ok"
