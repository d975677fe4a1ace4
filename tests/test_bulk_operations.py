"""Bulk operations: JSONL exports and imports run as jobs, under the key's role.

An analyst exports every customer with their touchpoints and loads the file with the
json module: every node once, nested nodes linked by `__parentId`, masking as the role
reads. A partner imports a JSONL file twice and finds each event once; per-line errors
come in a downloadable report. URLs work only for the key that asked, until they expire.
"""

import asyncio
import contextlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from api.bulk_worker import IMPORT_CHUNK
from api.scheduler import Scheduler, due_work
from api.settings import Settings
from models import Role
from resolvers.bulk.cleanup import bulk_files_due
from schema.node import from_global_id
from tests.conftest import Api, app_logins, clock_at, database, served, serving
from tests.test_ingestion_crash import Server, free_port
from tests.test_subscriptions import next_event, socket, subscribe

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


async def _big_customer(api: Api) -> None:
    """One customer holding more touchpoints than a nested page."""
    created = await api.query(
        'mutation { createCustomer(input: {name: "Big", email: "big.buyer@x.example"}) '
        "{ customer { id } } }"
    )
    ref = {"id": created["createCustomer"]["customer"]["id"]}
    events = app_logins(ref, "bulk-test", [f"big-{n}" for n in range(BIG_CUSTOMER_EVENTS)])
    await api.query(RECORD, {"t": events})


# A small database with one customer holding more touchpoints than a nested page. On
# PostgreSQL an import's lines go through COPY two per progress commit, so the imports
# below run in several chunks, each read and checked while the one before is stored.
bulk = served(
    "bulk",
    6,
    setup=_big_customer,
    paths=lambda directory: {"bulk_dir": str(directory / "files")},
    bulk_operations=True,
    bulk_copy_lines=2,
)


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
        "{ customers(first: 5) { edges { node { id } } } }": "customers(first: ...)",
        "{ customers { edges { node { id touchpoints(first: 2) { edges { node { id } } } } } } }": (
            "customers.touchpoints(first: ...)`: a bulk export reads every node"
        ),
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
    # A read's bad argument is an input problem of the mutation: INVALID, a code of
    # userErrors, not the read's BAD_USER_INPUT.
    window = '{ customers(filter: {createdFrom: "2026-02-01T00:00:00Z", createdTo: "2026-01-01T00:00:00Z"}) { edges { node { id } } } }'
    reversed_window = (await bulk.query(START_EXPORT, {"q": window}))["bulkExport"]
    (problem,) = reversed_window["userErrors"]
    assert problem["field"] == ["query"] and problem["code"] == "INVALID", problem
    assert "`filter.createdFrom` must be before `filter.createdTo`" in problem["message"]


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
        malformed = await bulk.query(cancel, {"id": "nope"}, Role.SALES)
        assert malformed["cancelBulkOperation"] == {
            "bulkOperation": None,
            "userErrors": [{"code": "INVALID_ID"}],
        }
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


async def test_node_reads_a_bulk_operation_for_its_key_only(bulk: Api) -> None:
    done = await export(bulk, "{ customers { edges { node { id } } } }", Role.ANALYST)
    by_node = """query($id: ID!) { node(id: $id) { __typename id
      ... on BulkOperation { kind status objectCount } } }"""
    own = await bulk.query(by_node, {"id": done["id"]}, Role.ANALYST)
    assert own["node"] == {
        "__typename": "BulkOperation",
        "id": done["id"],
        "kind": "EXPORT",
        "status": "COMPLETED",
        "objectCount": done["objectCount"],
    }
    for other in (Role.ADMIN, Role.PARTNER):  # another key's: as if missing
        assert (await bulk.query(by_node, {"id": done["id"]}, other))["node"] is None
    listed = await bulk.query(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [done["id"]]}, Role.SALES
    )
    assert listed["nodes"] == [None]


STAGE = "mutation { stagedUpload { upload { url expiresAt } userErrors { message } } }"
START_IMPORT = """mutation($m: String!, $u: String!) { bulkImport(mutation: $m, uploadUrl: $u) {
  bulkOperation { id status } userErrors { field message code } } }"""


def _event(customer: dict[str, str], external_id: str, channel: str = "APP") -> dict[str, Any]:
    return {
        "customer": customer,
        "occurredAt": "2026-10-02T00:00:00Z",
        "channel": channel,
        "stage": "RETENTION",
        "team": "PRODUCT",
        "kind": "import",
        "source": "bulk-import",
        "externalId": external_id,
    }


async def staged(api: Api, body: bytes, role: Role = Role.ADMIN) -> str:
    upload = (await api.query(STAGE, role=role))["stagedUpload"]["upload"]
    response = await api.client.put(upload["url"], content=body, headers=_key(api, role))
    assert response.status_code == 200, response.text
    return str(upload["url"])


async def run_import(api: Api, body: bytes, role: Role = Role.ADMIN) -> dict[str, Any]:
    url = await staged(api, body, role)
    started = (await api.query(START_IMPORT, {"m": RECORD, "u": url}, role))["bulkImport"]
    assert started["userErrors"] == [], started
    return await finished(api, started["bulkOperation"]["id"], role)


async def _stored(api: Api, customer_id: str) -> list[str]:
    found = await api.query(
        'query($id: ID!) { customer(id: $id) { touchpoints(first: 100, filter: {kind: ["import"]}) '
        "{ edges { node { externalId } } } } }",
        {"id": customer_id},
    )
    return [e["node"]["externalId"] for e in found["customer"]["touchpoints"]["edges"]]


async def test_import_twice_stores_each_event_once(bulk: Api) -> None:
    created = await bulk.query(
        'mutation { createCustomer(input: {name: "Imp", email: "imp@x.example"}) '
        "{ customer { id } } }"
    )
    customer_id = created["createCustomer"]["customer"]["id"]
    ref = {"id": customer_id}
    lines = [{"t": [_event(ref, f"imp-{n}-{k}") for k in range(3)]} for n in range(20)]
    body = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
    for _ in range(2):
        bulk.statements.clear()
        done = await run_import(bulk, body)
        assert done["status"] == "COMPLETED", done
        assert (done["objectCount"], done["errorCount"]) == (20, 0)
        assert await download(bulk, done["url"]) == []  # an empty error report
        copied = any("FROM touchpoint_staging" in s for s in bulk.statements)
        assert copied is (bulk.backend.name == "postgres")  # COPY on PostgreSQL
    # Each line's audit entry, as the mutation's, names the import it came from.
    audited = await bulk.query(
        '{ auditLog(first: 40, filter: {action: ["recordTouchpoints"]}) '
        "{ edges { node { details } } } }"
    )
    entries = [e["node"]["details"] for e in audited["auditLog"]["edges"]]
    assert [e["bulkOperation"] for e in entries[:20]] == [done["id"]] * 20
    assert sum(e["duplicates"] for e in entries[:20]) == 60
    stored = await _stored(bulk, customer_id)
    assert sorted(stored) == sorted(f"imp-{n}-{k}" for n in range(20) for k in range(3))


async def test_a_canceled_import_writes_nothing_more(bulk: Api) -> None:
    """A cancel mid-import: `objectCount` and `errorCount` in its answer are the lines
    done and those of them refused, the events stored are exactly those of the other
    lines, and none is stored after it (a write in progress either finishes before the
    cancel and is counted, or sees it and stores nothing). Two events a line; every
    seventh line names an unknown customer, so it stores nothing."""
    created = await bulk.query(
        'mutation { createCustomer(input: {name: "Cancel", email: "cancel@x.example"}) '
        "{ customer { id } } }"
    )
    ref = {"id": created["createCustomer"]["customer"]["id"]}
    missing = {"email": "nobody-canceled@x.example"}
    lines = 400

    def line(n: int) -> bytes:
        second = missing if n % 7 == 6 else ref
        events = [_event(ref, f"cancel-{n}-a"), _event(second, f"cancel-{n}-b")]
        return json.dumps({"t": events}).encode() + b"\n"

    url = await staged(bulk, b"".join(line(n) for n in range(lines)))
    started = (await bulk.query(START_IMPORT, {"m": RECORD, "u": url}))["bulkImport"]
    operation = started["bulkOperation"]["id"]

    async def stored() -> int:
        async with bulk.backend.engine.connect() as connection:
            found = await connection.execute(
                sa.text("SELECT count(*) FROM touchpoint WHERE external_id LIKE 'cancel-%'")
            )
            return int(found.scalar_one())

    for _ in range(600):
        if await stored() >= 16:
            break
        await asyncio.sleep(0.01)
    cancel = (
        "mutation($id: ID!) { cancelBulkOperation(id: $id) "
        "{ bulkOperation { status objectCount errorCount } userErrors { code } } }"
    )
    canceled = (await bulk.query(cancel, {"id": operation}))["cancelBulkOperation"]
    assert canceled["userErrors"] == []
    assert canceled["bulkOperation"]["status"] == "CANCELED"
    done, failed = canceled["bulkOperation"]["objectCount"], canceled["bulkOperation"]["errorCount"]
    assert 8 <= done < lines
    assert failed == sum(1 for n in range(done) if n % 7 == 6)
    assert await stored() == 2 * (done - failed)
    await asyncio.sleep(1.5)  # the worker's next write sees the cancel
    assert await stored() == 2 * (done - failed)
    state = (await bulk.query(STATUS, {"id": operation}))["bulkOperation"]
    assert (state["status"], state["objectCount"], state["errorCount"]) == (
        "CANCELED",
        done,
        failed,
    )


async def test_import_reports_errors_per_line(bulk: Api) -> None:
    created = await bulk.query(
        'mutation { createCustomer(input: {name: "Err", email: "err@x.example"}) '
        "{ customer { id } } }"
    )
    ref = {"id": created["createCustomer"]["customer"]["id"]}
    missing = {"email": "nobody-at-all@x.example"}
    lines = [
        json.dumps({"t": [_event(ref, "ok-1")]}),
        "this is not json",
        json.dumps({"t": [_event(ref, "bad-channel", channel="PIGEON")]}),
        "",
        json.dumps({"t": [_event(missing, "no-customer")]}),
        json.dumps({"t": [_event(ref, "ok-2")]}),
    ]
    done = await run_import(bulk, "\n".join(lines).encode() + b"\n")
    assert done["status"] == "COMPLETED", done
    assert (done["objectCount"], done["errorCount"]) == (6, 3)
    report = await download(bulk, done["url"])
    assert [r["line"] for r in report] == [2, 3, 5]
    assert all(r["message"] for r in report)
    # Names the place and what is accepted, never the value sent (it may be personal data).
    message = report[1]["message"]
    assert "$t[0].channel" in message and "EMAIL" in message and "PIGEON" not in message
    assert report[2]["path"][:2] == ["touchpoints", "0"] and report[2]["code"] == "NOT_FOUND"
    assert sorted(await _stored(bulk, ref["id"])) == ["ok-1", "ok-2"]


async def test_import_refusals_name_the_field(bulk: Api, tmp_path: Any) -> None:
    url = await staged(bulk, b'{"t": []}\n')

    async def refused(mutation: str, upload_url: str, role: Role = Role.ADMIN) -> dict[str, Any]:
        found = (await bulk.query(START_IMPORT, {"m": mutation, "u": upload_url}, role))[
            "bulkImport"
        ]
        assert found["bulkOperation"] is None
        (error,) = found["userErrors"]
        return dict(error)

    unknown = await refused("mutation { noSuchMutation { x } }", url)
    assert unknown["field"] == ["mutation"] and "noSuchMutation" in unknown["message"]
    assert (await refused("{ viewer { role } }", url))["field"] == ["mutation"]
    assert (await refused(RECORD, url, Role.ANALYST))["code"] == "FORBIDDEN"
    assert (await refused(RECORD, "/bulk/uploads/nope"))["field"] == ["uploadUrl"]
    assert (await refused(RECORD, url, Role.SALES))["code"] == "NOT_FOUND"  # another key's
    expired = url.split("expires=")[0] + "expires=1&signature=" + url.split("signature=")[1]
    assert (await refused(RECORD, expired))["field"] == ["uploadUrl"]
    empty = (await bulk.query(STAGE))["stagedUpload"]["upload"]["url"]
    assert "PUT the file first" in (await refused(RECORD, empty))["message"]


async def test_upload_size_limit_and_owner(tmp_path: Any) -> None:
    async with (
        database("sqlite", tmp_path, 1) as found,
        serving(
            found, bulk_dir=str(tmp_path / "files"), bulk_upload_max_bytes=100, bulk_operations=True
        ) as api,
    ):
        upload = (await api.query(STAGE))["stagedUpload"]["upload"]
        other = await api.client.put(upload["url"], content=b"{}\n", headers=_key(api, Role.SALES))
        assert other.status_code == 403
        too_large = await api.client.put(
            upload["url"], content=b"x" * 101, headers=_key(api, Role.ADMIN)
        )
        assert too_large.status_code == 413
        assert too_large.json()["errors"][0]["extensions"]["code"] == "FILE_TOO_LARGE"

        async def chunks() -> Any:  # no Content-Length: the limit holds while streaming
            for _ in range(5):
                yield b"y" * 30

        streamed = await api.client.put(
            upload["url"], content=chunks(), headers=_key(api, Role.ADMIN)
        )
        assert streamed.status_code == 413
        assert list((tmp_path / "files" / "uploads").iterdir()) == []


async def test_old_files_are_deleted_and_their_urls_gone(bulk: Api) -> None:
    """After CX360_BULK_FILE_RETENTION_HOURS the scheduler deletes an export's file and
    an uploaded file: the download URL then answers 410 GONE, `url` is null, and the
    upload cannot be imported any more."""
    state = bulk.app.state
    config = state.bulk
    settings = Settings(database_url=bulk.backend.url, bulk_dir=str(config.root))
    kinds = {kind.name for kind in due_work(settings)}
    assert {"bulk_operation_files", "bulk_upload_files"} <= kinds  # the server runs them
    scheduler = Scheduler(settings, state, bulk_files_due(config.root, config.retention))
    with clock_at(datetime.now(UTC)) as clock:
        done = await export(bulk, "{ customers { edges { node { id } } } }", Role.SUPPORT)
        upload = await staged(bulk, b'{"t": []}\n', Role.SUPPORT)
        kept = config.root / "operations" / f"{from_global_id(done['id'], 'id')[1]}.jsonl"
        clock.move(config.retention - timedelta(minutes=1))
        await scheduler.round()  # older operations' files may go, not this one's yet
        assert kept.exists()
        assert (await download(bulk, done["url"], Role.SUPPORT)) is not None

        clock.move(timedelta(minutes=2))
        applied = await scheduler.round()
        assert len(applied["bulk_operation_files"]) >= 1 and not kept.exists()
        gone = await bulk.client.get(done["url"], headers=_key(bulk, Role.SUPPORT))
        assert gone.status_code == 410
        error = gone.json()["errors"][0]
        assert error["extensions"]["code"] == "GONE"
        assert "CX360_BULK_FILE_RETENTION_HOURS" in error["message"]
        status = await bulk.query(STATUS, {"id": done["id"]}, Role.SUPPORT)
        assert status["bulkOperation"]["status"] == "COMPLETED"
        assert status["bulkOperation"]["url"] is None

        uploads = config.root / "uploads"
        assert len(list(uploads.iterdir())) >= 1  # kept until its URL expired + retention
        clock.move(timedelta(seconds=config.url_ttl_seconds))
        await scheduler.round()
        assert list(uploads.iterdir()) == []
        refused = await bulk.query(START_IMPORT, {"m": RECORD, "u": upload}, Role.SUPPORT)
        (problem,) = refused["bulkImport"]["userErrors"]
        assert problem["field"] == ["uploadUrl"] and problem["code"] == "GONE"
        assert (await scheduler.round())["bulk_operation_files"] == []  # nothing left


# Enough lines for the kill to land mid-job: on PostgreSQL a chunk of IMPORT_CHUNK lines
# is one COPY of a few milliseconds, and 200 lines were all stored between two polls.
KILL_LINES_OF = {"sqlite": 200, "postgres": 2000}
FINISHED = "subscription { bulkOperationFinished { id status objectCount } }"


@contextlib.asynccontextmanager
async def killable(found: Any, tmp_path: Any, **env: str) -> Any:
    """A real `cx360 serve` (jobs' leases of 1 s, `env` more CX360_* variables) and an
    ADMIN client of it; killed after."""
    server = Server(found.url, free_port())
    server.env.update(CX360_BULK_DIR=str(tmp_path / "files"), CX360_BULK_LEASE_SECONDS="1", **env)
    await server.start()
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{server.port}",
            timeout=10,
            headers={"Authorization": f"Bearer {found.keys[Role.ADMIN]}"},
        ) as client:

            async def ask(query: str, variables: dict[str, Any] | None = None) -> Any:
                response = await client.post(
                    "/graphql", json={"query": query, "variables": variables or {}}
                )
                body = response.json()
                assert "errors" not in body, body
                return body["data"]

            yield server, client, ask
    finally:
        await server.kill()


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_import_survives_kill_9(tmp_path: Any, kind: str) -> None:
    """A real `cx360 serve` is SIGKILLed mid-import and restarted: in the end the
    job COMPLETES, a bulkOperationFinished subscriber hears it, and every line's event
    is stored exactly once. On PostgreSQL the lines go through COPY, IMPORT_CHUNK lines
    per progress commit here, so the kill lands mid-job there too."""
    lines = KILL_LINES_OF[kind]
    async with database(kind, tmp_path, 1) as found:
        token = found.keys[Role.ADMIN]
        chunks = {"CX360_BULK_COPY_LINES": str(IMPORT_CHUNK)}
        async with (
            killable(found, tmp_path, **chunks) as (server, client, ask),
            contextlib.AsyncExitStack() as sockets,
        ):
            created = await ask(
                'mutation { createCustomer(input: {name: "K", email: "k@x.example"}) '
                "{ customer { id } } }"
            )
            ref = {"id": created["createCustomer"]["customer"]["id"]}
            body = b"".join(
                json.dumps({"t": [_event(ref, f"kill-{n}")]}).encode() + b"\n" for n in range(lines)
            )
            upload = (await ask(STAGE))["stagedUpload"]["upload"]["url"]
            assert (await client.put(upload, content=body)).status_code == 200
            started = await ask(START_IMPORT, {"m": RECORD, "u": upload})
            operation = started["bulkImport"]["bulkOperation"]["id"]
            kills = 0
            deadline = asyncio.get_running_loop().time() + 180  # a loaded machine
            while asyncio.get_running_loop().time() < deadline:
                state = (await ask(STATUS, {"id": operation}))["bulkOperation"]
                if state["status"] == "COMPLETED":
                    break
                assert state["status"] in ("CREATED", "RUNNING"), state
                if kills == 0 and state["objectCount"] >= IMPORT_CHUNK:
                    await server.kill()  # mid-job, between or inside chunks
                    kills += 1
                    await server.start()
                    ws = await sockets.enter_async_context(socket(server, token))
                    await subscribe(ws, FINISHED, {})
                await asyncio.sleep(0.2)
            else:
                raise AssertionError("the import did not complete in 180 s")
            assert kills == 1, "the server should have been killed mid-import"
            assert (state["objectCount"], state["errorCount"]) == (lines, 0)
            heard = await next_event(ws, 10)
            assert heard["type"] == "next", heard
            assert heard["payload"]["data"]["bulkOperationFinished"] == {
                "id": operation,
                "status": "COMPLETED",
                "objectCount": lines,
            }
        async with found.engine.connect() as connection:
            stored = (
                await connection.execute(
                    sa.text(
                        "SELECT count(*), count(DISTINCT external_id), count(DISTINCT "
                        "recorded_at) FROM touchpoint WHERE source = 'bulk-import'"
                    )
                )
            ).one()
        assert tuple(stored)[:2] == (lines, lines)
        if kind == "postgres":  # stored a chunk at a time (one statement, one recorded_at)
            assert stored[2] <= 2 * lines // IMPORT_CHUNK
        else:  # a line at a time
            assert stored[2] > lines // 2


TOUCHPOINTS = "{ touchpoints { edges { node { id kind occurredAt customer { id } } } } }"


async def test_export_survives_kill_9(tmp_path: Any) -> None:
    """`cx360 serve` is SIGKILLed mid-export and restarted: the job resumes from its
    committed page (its count never goes back), and the file it serves in the end is
    byte for byte an uninterrupted export's: every line exactly once."""
    async with (
        database("sqlite", tmp_path, 120) as found,
        killable(found, tmp_path) as (server, client, ask),
    ):
        started = await ask(START_EXPORT, {"q": TOUCHPOINTS})
        operation = started["bulkExport"]["bulkOperation"]["id"]
        counts: list[int] = []
        kills = 0
        deadline = asyncio.get_running_loop().time() + 120
        while asyncio.get_running_loop().time() < deadline:
            state = (await ask(STATUS, {"id": operation}))["bulkOperation"]
            counts.append(state["objectCount"])
            if state["status"] == "COMPLETED":
                break
            assert state["status"] in ("CREATED", "RUNNING"), state
            if kills == 0 and state["objectCount"] >= 200:
                await server.kill()  # mid-job: lines written after the last commit are cut
                kills += 1
                await server.start()
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the export did not complete in 120 s")
        assert kills == 1, "the server should have been killed mid-export"
        assert counts == sorted(counts), "the job started over instead of resuming"
        resumed = await client.get(state["url"])
        assert resumed.status_code == 200
        again = await ask(START_EXPORT, {"q": TOUCHPOINTS})
        second = again["bulkExport"]["bulkOperation"]["id"]
        for _ in range(600):
            fresh = (await ask(STATUS, {"id": second}))["bulkOperation"]
            if fresh["status"] == "COMPLETED":
                break
            await asyncio.sleep(0.1)
        uninterrupted = await client.get(fresh["url"])
        assert resumed.content == uninterrupted.content
        ids = [json.loads(line)["id"] for line in resumed.content.splitlines()]
        assert len(ids) == len(set(ids)) == state["objectCount"] > 200
