"""Trusted documents: a partner key restricted to registered queries (persisted by hash)."""

import hashlib
from pathlib import Path

from api.db import create_session_factory
from models import Role
from resolvers import keys
from tests.conftest import Api
from tests.test_cli import run

DOCUMENT = "query PartnerCustomers { customers(first: 2) { totalCount } }"
HASH = hashlib.sha256(DOCUMENT.encode()).hexdigest()


def persisted(sha256: str, query: str | None = None) -> dict[str, object]:
    body: dict[str, object] = {
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256}}
    }
    if query is not None:
        body["query"] = query
    return body


async def test_a_restricted_key_runs_only_its_registered_documents(writable: Api) -> None:
    sessions = create_session_factory(writable.backend.engine)
    partner = (await keys.create_key(sessions, "partner-acme", Role.PARTNER)).token
    assert await keys.trust_documents(
        sessions, "partner-acme", {"customers.graphql": DOCUMENT}
    ) == [HASH]
    headers = {"Authorization": f"Bearer {partner}"}

    async def send(body: dict[str, object]) -> dict[str, object]:
        response = await writable.client.post("/graphql", json=body, headers=headers)
        return {"status": response.status_code, **response.json()}

    ok = await send(persisted(HASH))
    assert ok["status"] == 200 and ok["data"]["customers"]["totalCount"] >= 0  # type: ignore[index]
    assert (await send(persisted(HASH, DOCUMENT)))["status"] == 200
    for body, code in (
        ({"query": DOCUMENT}, "PERSISTED_QUERY_REQUIRED"),
        ({"query": "{ customers { totalCount } }"}, "PERSISTED_QUERY_REQUIRED"),
        (persisted("0" * 64), "PERSISTED_QUERY_NOT_FOUND"),
        (persisted(HASH, "{ customers(first: 100) { totalCount } }"), "PERSISTED_QUERY_MISMATCH"),
    ):
        refused = await send(body)
        assert refused["status"] == 400
        assert refused["errors"][0]["extensions"]["code"] == code  # type: ignore[index]


async def test_unrestricted_keys_may_use_hashes_and_plain_queries(writable: Api) -> None:
    sessions = create_session_factory(writable.backend.engine)
    issued = await keys.create_key(sessions, "integration", Role.SALES)
    await keys.trust_documents(sessions, "integration", {"c.graphql": DOCUMENT}, only=False)
    headers = {"Authorization": f"Bearer {issued.token}"}
    by_hash = await writable.client.post("/graphql", json=persisted(HASH), headers=headers)
    plain = await writable.client.post(
        "/graphql", json={"query": "{ viewer { role } }"}, headers=headers
    )
    assert by_hash.status_code == plain.status_code == 200
    other = await writable.client.post(
        "/graphql",
        json=persisted(HASH),
        headers={"Authorization": f"Bearer {writable.backend.keys[Role.ADMIN]}"},
    )
    assert other.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


def test_cli_registers_documents_and_prints_their_hashes(tmp_path: Path) -> None:
    db = tmp_path / "trust.db"
    assert run("migrate", db=db).returncode == 0
    assert run("keys", "create", "--name", "p", "--role", "PARTNER", db=db).returncode == 0
    document = tmp_path / "customers.graphql"
    document.write_text(DOCUMENT)
    trusted = run("keys", "trust", "p", str(document), db=db)
    assert trusted.returncode == 0, trusted.stderr
    assert trusted.stdout == f"{HASH}  customers.graphql\n"
    assert run("keys", "trust", "nobody", str(document), db=db).returncode == 1
