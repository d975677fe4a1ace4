"""Bulk operations: JSONL exports and imports run as jobs, under the key's role.

An analyst exports every customer with their touchpoints and loads the file with the
json module: every node once, nested nodes linked by `__parentId`, masking as the role
reads. A partner imports a JSONL file twice and finds each event once; per-line errors
come in a downloadable report. URLs work only for the key that asked, until they expire.
"""

import asyncio
import json
from typing import Any

import pytest

from models import Role
from tests.conftest import Api, database, serving

EXPORT = """{ customers { edges { node { id name email
  touchpoints { edges { node { id kind externalId } } } } } } }"""
STATUS = "query($id: ID!) { bulkOperation(id: $id) { id kind status objectCount errorCount fileSize url errorCode completedAt } }"
START_EXPORT = "mutation($q: String!) { bulkExport(query: $q) { bulkOperation { id status } userErrors { field message code } } }"
RECORD = "mutation($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) { created duplicates } }"
BIG_CUSTOMER_EVENTS = 130  # over one nested page: the rest is paged per parent


def _key(api: Api, role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.backend.keys[role]}"}


async def finished(api: Api, operation_id: str, role: Role = Role.ADMIN) -> dict[str, Any]:
    for _ in range(600):
        found = (await api.query(STATUS, {"id": operation_id}, role))["bulkOperation"]
        if found["status"] not in ("CREATED", "RUNNING"):
            return found
        await asyncio.sleep(0.05)
    raise AssertionError("the bulk operation did not finish in 30 s")


async def export(api: Api, query: str, role: Role = Role.ADMIN) -> dict[str, Any]:
    started = (await api.query(START_EXPORT, {"q": query}, role))["bulkExport"]
    assert started["userErrors"] == [], started
    return await finished(api, started["bulkOperation"]["id"], role)


async def download(api: Api, url: str, role: Role = Role.ADMIN) -> list[dict[str, Any]]:
    response = await api.client.get(url, headers=_key(api, role))
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.text.splitlines()]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def bulk(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A small database with one customer holding more touchpoints than a nested page."""
    directory = tmp_path_factory.mktemp("bulk")
    async with (
        database(request.param, directory, 6) as found,
        serving(found, bulk_dir=str(directory / "files")) as api,
    ):
        created = await api.query(
            'mutation { createCustomer(input: {name: "Big", email: "big.buyer@x.example"}) '
            "{ customer { id } } }"
        )
        ref = {"id": created["createCustomer"]["customer"]["id"]}
        events = [
            {
                "customer": ref,
                "occurredAt": "2026-10-01T00:00:00Z",
                "channel": "APP",
                "stage": "RETENTION",
                "team": "PRODUCT",
                "kind": "app_login",
                "source": "bulk-test",
                "externalId": f"big-{n}",
            }
            for n in range(BIG_CUSTOMER_EVENTS)
        ]
        await api.query(RECORD, {"t": events})
        yield api


async def _expected(api: Api) -> dict[str, int]:
    """Every customer's id and touchpoint count, as a paged query reads them."""
    found = await api.query(
        "{ customers(first: 100) { edges { node { id touchpoints { totalCount } } } } }"
    )
    return {
        e["node"]["id"]: e["node"]["touchpoints"]["totalCount"] for e in found["customers"]["edges"]
    }


async def test_export_customers_with_touchpoints_as_jsonl(bulk: Api) -> None:
    expected = await _expected(bulk)
    done = await export(bulk, EXPORT)
    assert done["status"] == "COMPLETED", done
    lines = await download(bulk, done["url"])
    assert done["objectCount"] == len(lines) > 0
    customers = [line for line in lines if "__parentId" not in line]
    children = [line for line in lines if "__parentId" in line]
    assert {c["id"] for c in customers} == set(expected)
    assert len(customers) == len(expected)  # each once
    assert all("touchpoints" not in c for c in customers)
    ids = [line["id"] for line in lines]
    assert len(ids) == len(set(ids)), "a node was written twice"
    per_parent: dict[str, int] = {}
    for child in children:
        assert child["__parentId"] in expected
        per_parent[child["__parentId"]] = per_parent.get(child["__parentId"], 0) + 1
    assert per_parent == {k: v for k, v in expected.items() if v}
    assert max(per_parent.values()) >= BIG_CUSTOMER_EVENTS
    assert any("@" in c["email"] and "***" not in c["email"] for c in customers)


async def test_marketing_export_masks_emails(bulk: Api) -> None:
    done = await export(bulk, "{ customers { edges { node { id email } } } }", Role.MARKETING)
    assert done["status"] == "COMPLETED", done
    lines = await download(bulk, done["url"], Role.MARKETING)
    assert lines and all("***@" in line["email"] for line in lines)
    assert "big.buyer" not in json.dumps(lines)


async def test_download_refused_for_another_key_and_after_expiry(bulk: Api) -> None:
    done = await export(bulk, "{ customers { edges { node { id } } } }", Role.ANALYST)
    other = await bulk.client.get(done["url"], headers=_key(bulk, Role.ADMIN))
    assert other.status_code == 403
    assert other.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    anonymous = await bulk.client.get(done["url"])
    assert anonymous.status_code == 401
    forged = await bulk.client.get(
        done["url"].replace("signature=", "signature=0"), headers=_key(bulk, Role.ANALYST)
    )
    assert forged.status_code == 403
    expired = (
        done["url"].split("?")[0] + "?expires=1&signature=" + done["url"].split("signature=")[1]
    )
    refused = await bulk.client.get(expired, headers=_key(bulk, Role.ANALYST))
    assert refused.status_code == 403


async def test_export_refusals_name_the_query(bulk: Api) -> None:
    cases = {
        "{ viewer { role } }": "not a connection",
        "{ customers { edges { node { id } } } tickets { edges { node { id } } } }": "exactly one",
        "{ customers { nope } }": "does not match",
        "query($n: Int) { customers(first: $n) { edges { node { id } } } }": "no variables",
        "{ customers { edges { node { id ": "not valid GraphQL",
    }
    for query, words in cases.items():
        found = (await bulk.query(START_EXPORT, {"q": query}))["bulkExport"]
        assert found["bulkOperation"] is None
        (error,) = found["userErrors"]
        assert error["field"] == ["query"] and words in error["message"], (query, error)
    denied = (
        await bulk.query(START_EXPORT, {"q": "{ tickets { edges { node { id } } } }"}, Role.PARTNER)
    )["bulkExport"]
    assert denied["userErrors"][0]["code"] == "FORBIDDEN"


async def test_one_running_job_per_key_and_cancel(bulk: Api) -> None:
    worker = bulk.app.state.bulk_worker
    await worker.close()  # nothing runs: the job stays CREATED
    try:
        first = (await bulk.query(START_EXPORT, {"q": EXPORT}, Role.SALES))["bulkExport"]
        assert first["userErrors"] == []
        second = (await bulk.query(START_EXPORT, {"q": EXPORT}, Role.SALES))["bulkExport"]
        assert second["bulkOperation"] is None
        assert second["userErrors"][0]["code"] == "CONFLICT"
        other = await bulk.query(STATUS, {"id": first["bulkOperation"]["id"]}, Role.SUPPORT)
        assert other["bulkOperation"] is None  # another key's: as if missing
        cancel = "mutation($id: ID!) { cancelBulkOperation(id: $id) { bulkOperation { status url } userErrors { code } } }"
        refused = await bulk.query(cancel, {"id": first["bulkOperation"]["id"]}, Role.SUPPORT)
        assert refused["cancelBulkOperation"]["userErrors"][0]["code"] == "NOT_FOUND"
        canceled = await bulk.query(cancel, {"id": first["bulkOperation"]["id"]}, Role.SALES)
        assert canceled["cancelBulkOperation"]["bulkOperation"] == {
            "status": "CANCELED",
            "url": None,
        }
        again = (await bulk.query(START_EXPORT, {"q": EXPORT}, Role.SALES))["bulkExport"]
        assert again["userErrors"] == []
        listed = await bulk.query(
            "{ bulkOperations(first: 10) { totalCount edges { node { id status } } } }",
            role=Role.SALES,
        )
        assert listed["bulkOperations"]["totalCount"] == 2
        assert [e["node"]["status"] for e in listed["bulkOperations"]["edges"]] == [
            "CREATED",
            "CANCELED",
        ]
    finally:
        await worker.start()
    done = await finished(bulk, again["bulkOperation"]["id"], Role.SALES)
    assert done["status"] == "COMPLETED"
