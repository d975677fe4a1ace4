"""The read audit: every response showing a customer's unmasked email, phone or survey
comment leaves an entry (key, role, customer, fields, when, operation name) that ADMIN
reads with `readAudit`; masked reads leave none; both read paths record alike; entries
outlive erasure (without the person) and are pruned after 400 days.
"""

import asyncio
import json
import logging
import signal
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from api.db import create_session_factory
from api.scheduler import Scheduler
from api.settings import Settings
from api.webhook_worker import WebhookWorker
from models import Role
from resolvers import keys
from resolvers.read_audit import READ_AUDIT_DUE
from schema.node import from_global_id, to_global_id
from schema.schema import schema
from tests.conftest import Api, clock_at, served, serving
from tests.test_bulk_operations import download, export
from tests.test_compiled_reads import compare_pages_with_resolvers
from tests.test_export_cli import cx360
from tests.test_ingestion_crash import Server, free_port
from tests.test_subscriptions import next_event, post, socket, subscribe

ENTRIES = """query($f: ReadAuditFilter, $first: Int, $after: String) {
  readAudit(first: $first, after: $after, filter: $f) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { at keyName role operationName fields customer { id } } } } }"""
LOOKUP = "query SupportLookup { customers(first: 5) { edges { node { id email phone } } } }"
ONE = "query OneCustomer($id: ID!) { customer(id: $id) { id email } }"
QUEUE = """query Queue { tickets(first: 20) { edges { node { id customer { id email phone
  surveyResponses(first: 5) { edges { node { id comment } } } } } } } }"""
NO_PII = (Role.MARKETING, Role.ANALYST, Role.PARTNER)


# A small database of the module's own; bulk jobs run; readPath is reported.
audited = served(
    "read_audit",
    5,
    paths=lambda directory: {"bulk_dir": str(directory / "files")},
    debug=True,
    bulk_operations=True,
)


async def new_key(api: Api, role: Role) -> tuple[str, str]:
    """A key of the test's own, so its entries are told apart by keyName."""
    name = f"audit-{role.value.lower()}-{uuid.uuid4().hex[:8]}"
    sessions = create_session_factory(api.backend.engine)
    return name, (await keys.create_key(sessions, name, role)).token


async def read(api: Api, token: str, query: str, variables: dict[str, Any] | None = None) -> Any:
    response = await api.post(query, variables, key=token)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body


async def entries(api: Api, **condition: Any) -> list[dict[str, Any]]:
    """Every entry matching the filter, newest first, paged through 100 at a time."""
    found: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await api.query(ENTRIES, {"f": condition, "first": 100, "after": after}))[
            "readAudit"
        ]
        found += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            assert page["totalCount"] == len(found)
            return found
        after = page["pageInfo"]["endCursor"]


def shown(
    nodes: list[dict[str, Any]], names: tuple[str, ...]
) -> Counter[tuple[str, tuple[str, ...]]]:
    """(customer id, fields shown unmasked) of customer objects in a response."""
    return Counter(
        (node["id"], tuple(n for n in names if node.get(n) is not None))
        for node in nodes
        if any(node.get(n) is not None for n in names)
    )


def recorded(found: list[dict[str, Any]]) -> Counter[tuple[str, tuple[str, ...]]]:
    return Counter((e["customer"]["id"], tuple(e["fields"])) for e in found)


async def test_an_unmasked_read_records_key_role_customers_fields_and_operation(
    audited: Api,
) -> None:
    for role in (Role.SUPPORT, Role.SALES, Role.ADMIN):
        name, token = await new_key(audited, role)
        bodies = [await read(audited, token, LOOKUP) for _ in range(2)]
        if audited.backend.name == "postgres":  # the compiled statement, then the fast path
            assert [b["extensions"]["readPath"]["path"] for b in bodies] == ["compiled"] * 2
        nodes = [edge["node"] for edge in bodies[0]["data"]["customers"]["edges"]]
        assert any(node["email"] for node in nodes)
        found = await entries(audited, keyName=name)
        expected = shown(nodes, ("email", "phone"))
        assert recorded(found) == expected + expected  # one entry per customer per response
        assert {(e["keyName"], e["role"], e["operationName"]) for e in found} == {
            (name, role.value, "SupportLookup")
        }


async def test_masked_and_hidden_reads_record_nothing(audited: Api) -> None:
    for role in NO_PII:
        name, token = await new_key(audited, role)
        body = await read(audited, token, LOOKUP)
        assert all("***@" in e["node"]["email"] for e in body["data"]["customers"]["edges"])
        if role != Role.PARTNER:  # comments are hidden (FORBIDDEN), never shown
            response = await audited.post(QUEUE, key=token)
            assert any(e["extensions"]["code"] == "FORBIDDEN" for e in response.json()["errors"])
        assert await entries(audited, keyName=name) == []


async def test_only_admin_reads_the_audit(audited: Api) -> None:
    for role in Role:
        response = await audited.post(ENTRIES, {"first": 1}, role)
        body = response.json()
        if role == Role.ADMIN:
            assert "errors" not in body, body
        else:
            assert body["data"] is None
            assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body


async def comment_on(api: Api, customer_id: str, text: str) -> None:
    survey = await api.query(
        'mutation { createSurvey(input: {kind: CSAT, question: "How was it?"}) { survey { id } } }'
    )
    done = await api.query(
        "mutation($s: ID!, $c: ID!, $t: String!) { submitSurveyResponse(input: {surveyId: $s, "
        "customer: {id: $c}, score: 4, comment: $t}) { userErrors { field } } }",
        {"s": survey["createSurvey"]["survey"]["id"], "c": customer_id, "t": text},
    )
    assert done["submitSurveyResponse"]["userErrors"] == []


def summary(found: list[dict[str, Any]]) -> Counter[Any]:
    return Counter((e["customer"]["id"], tuple(e["fields"]), e["operationName"]) for e in found)


async def on_both_paths(
    audited: Api, query: str, variables: dict[str, Any] | None = None
) -> tuple[Any, list[dict[str, Any]]]:
    """The data and the entries the compiled path records for a new SUPPORT key's read,
    after checking the resolver path answers and records the same."""
    async with serving(audited.backend, compiled_reads=False, debug=True) as resolvers:
        answers = {}
        for label, api in (("compiled", audited), ("resolvers", resolvers)):
            name, token = await new_key(audited, Role.SUPPORT)
            body = await read(api, token, query, variables)
            if audited.backend.name == "postgres":
                assert body["extensions"]["readPath"]["path"] == label
            await api.app.state.read_audit.flush()
            answers[label] = (body["data"], await entries(audited, keyName=name))
    (data, on_compiled), (same_data, on_resolvers) = answers["compiled"], answers["resolvers"]
    assert data == same_data
    assert summary(on_compiled) == summary(on_resolvers)
    return data, on_compiled


async def test_objects_by_global_id_record_alike_on_both_paths(audited: Api) -> None:
    """`node` and `nodes` (compiled since issue 16) mark what they show as lists do."""
    listed = await audited.query(
        "{ customers(first: 6) { edges { node { id } } } "
        "touchpoints(first: 2) { edges { node { id } } } }"
    )
    ids = [e["node"]["id"] for e in listed["customers"]["edges"]]
    ids += [e["node"]["id"] for e in listed["touchpoints"]["edges"]]
    query = """query ByIds($id: ID!, $ids: [ID!]!) { node(id: $id) { id ... on Customer { email } }
      nodes(ids: $ids) { id ... on Customer { email phone }
        ... on Touchpoint { customer { id email phone } } } }"""
    data, on_compiled = await on_both_paths(audited, query, {"id": ids[0], "ids": ids})
    people = [data["node"], *(n.get("customer", n) for n in data["nodes"])]
    fields: dict[str, set[str]] = {}  # one entry per customer per response: every field
    for (customer, names), _ in shown(people, ("email", "phone")).items():
        fields.setdefault(customer, set()).update(names)
    expected = {c: tuple(f for f in ("email", "phone") if f in v) for c, v in fields.items()}
    assert {e["customer"]["id"]: tuple(e["fields"]) for e in on_compiled} == expected
    assert len(on_compiled) == len(expected) > 1
    assert {e["operationName"] for e in on_compiled} == {"ByIds"}


async def test_both_read_paths_record_alike(audited: Api) -> None:
    """Comments and contact fields of a ticket queue: the compiled statement's marks and
    the resolvers' notes give the same entries (on SQLite both are the resolvers)."""
    first_customer = (
        await audited.query("{ tickets(first: 1) { edges { node { customer { id } } } } }")
    )["tickets"]["edges"][0]["node"]["customer"]["id"]
    await comment_on(audited, first_customer, "The new plan is confusing")
    data, on_compiled = await on_both_paths(audited, QUEUE)
    assert any("comment" in e["fields"] for e in on_compiled)
    # Exactly what the answer shows: contact fields per customer, comments under theirs.
    expected: dict[str, set[str]] = {}
    for edge in data["tickets"]["edges"]:
        customer = edge["node"]["customer"]
        for field in ("email", "phone"):
            if customer[field] is not None:
                expected.setdefault(customer["id"], set()).add(field)
        for response in customer["surveyResponses"]["edges"]:
            if response["node"]["comment"] is not None:
                expected.setdefault(customer["id"], set()).add("comment")
    order = ("email", "phone", "comment")
    assert {e["customer"]["id"]: tuple(e["fields"]) for e in on_compiled} == {
        k: tuple(f for f in order if f in v) for k, v in expected.items()
    }


async def test_filters_and_pages_newest_first(audited: Api) -> None:
    name, token = await new_key(audited, Role.SUPPORT)
    customers = [
        e["node"]["id"]
        for e in (await audited.query("{ customers(first: 3) { edges { node { id } } } }"))[
            "customers"
        ]["edges"]
    ]
    start = datetime(2026, 11, 20, 9, tzinfo=UTC)
    with clock_at(start) as clock:
        for customer in customers:
            await read(audited, token, ONE, {"id": customer})
            clock.move(timedelta(hours=1))
    everything = await entries(audited, keyName=name)
    assert [e["customer"]["id"] for e in everything] == customers[::-1]  # newest first
    assert [e["at"] for e in everything] == [
        (start + timedelta(hours=h)).isoformat() for h in (2, 1, 0)
    ]
    one = await entries(audited, keyName=name, customerId=customers[1])
    assert [e["customer"]["id"] for e in one] == [customers[1]]
    assert len(await entries(audited, customerId=customers[1])) >= 1
    later = (start + timedelta(hours=1)).isoformat()
    assert len(await entries(audited, keyName=name, **{"from": later})) == 2
    assert len(await entries(audited, keyName=name, to=later)) == 1
    assert await entries(audited, keyName="nobody-has-this-name") == []
    # One entry per page, with cursors, to the end.
    seen, after = [], None
    for index in range(3):
        page = (await audited.query(ENTRIES, {"f": {"keyName": name}, "first": 1, "after": after}))[
            "readAudit"
        ]
        assert page["totalCount"] == 3
        assert page["pageInfo"]["hasNextPage"] == (index < 2)
        assert page["pageInfo"]["hasPreviousPage"] == (index > 0)
        seen += [e["node"]["customer"]["id"] for e in page["edges"]]
        after = page["pageInfo"]["endCursor"]
    assert seen == customers[::-1]
    bad = await audited.errors(ENTRIES, {"first": 1, "after": "bm90LWEtY3Vyc29y"})
    assert bad[0]["extensions"]["code"] == "INVALID_CURSOR"


async def test_entries_are_pruned_after_400_days(audited: Api) -> None:
    name, token = await new_key(audited, Role.SUPPORT)
    customer = (await audited.query("{ customers(first: 1) { edges { node { id } } } }"))[
        "customers"
    ]["edges"][0]["node"]["id"]
    state = audited.app.state
    scheduler = Scheduler(Settings(database_url=audited.backend.url), state, [READ_AUDIT_DUE])
    with clock_at(datetime(2026, 11, 21, tzinfo=UTC)) as clock:
        await read(audited, token, ONE, {"id": customer})
        clock.move(timedelta(days=300))
        await read(audited, token, ONE, {"id": customer})
        await state.read_audit.flush()
        clock.move(timedelta(days=100))  # the first is 400 days old: not yet expired
        await scheduler.round()
        assert len(await entries(audited, keyName=name)) == 2
        clock.move(timedelta(days=1))
        pruned = await scheduler.round()
        kept = await entries(audited, keyName=name)
    assert len(pruned[READ_AUDIT_DUE.name]) >= 1
    assert [e["at"] for e in kept] == [datetime(2027, 9, 17, tzinfo=UTC).isoformat()]


async def test_erasure_keeps_the_entries_but_not_the_person(audited: Api) -> None:
    created = await audited.query(
        'mutation { createCustomer(input: {name: "Ada Erased", email: "ada.erased@x.example", '
        'phone: "+441632960961"}) { customer { id } } }'
    )
    customer = created["createCustomer"]["customer"]["id"]
    name, token = await new_key(audited, Role.SALES)
    await read(
        audited,
        token,
        "query Ada($id: ID!) { customer(id: $id) { email phone } }",
        {"id": customer},
    )
    before = await entries(audited, keyName=name)
    assert [(e["customer"], e["fields"]) for e in before] == [
        ({"id": customer}, ["email", "phone"])
    ]
    erased = await audited.query(
        "mutation($id: ID!) { eraseCustomer(id: $id) { erasedCustomerId userErrors { code } } }",
        {"id": customer},
    )
    assert erased["eraseCustomer"]["userErrors"] == []
    after = await entries(audited, keyName=name)
    assert [(e["customer"], e["fields"], e["operationName"]) for e in after] == [
        (None, ["email", "phone"], "Ada")
    ]
    assert await entries(audited, customerId=customer) == []
    _, key = from_global_id(customer, "id")
    async with audited.backend.engine.connect() as connection:  # the link is gone in storage
        linked = await connection.scalar(
            sa.text("SELECT count(*) FROM read_audit_entry WHERE customer_id = :c"),
            {"c": key.hex if audited.backend.name == "sqlite" else key},
        )
    assert linked == 0


MERGE = """mutation($s: ID!, $m: [ID!]!) {
  mergeCustomers(input: {survivorId: $s, mergedIds: $m}) { userErrors { code } } }"""
UNMERGE = "mutation($id: ID!) { unmergeCustomer(id: $id) { userErrors { code } } }"


async def test_a_customers_entries_include_the_records_merged_into_it(audited: Api) -> None:
    """`readAudit(filter: {customerId})` lists the reads of the customer and of every
    record merged into it, also through a record merged in turn, newest first, paged and
    counted; a merged record's id stands for its survivor; an unmerge takes the record's
    reads back with it."""
    ann, bea, cal = [
        (
            await audited.query(
                "mutation($n: String!, $e: String!) { createCustomer(input: {name: $n, "
                "email: $e}) { customer { id } } }",
                {"n": f"{first} Family", "e": f"{first.lower()}.family@x.example"},
            )
        )["createCustomer"]["customer"]["id"]
        for first in ("Ann", "Bea", "Cal")
    ]
    name, token = await new_key(audited, Role.SUPPORT)
    start = datetime(2026, 11, 20, 9, tzinfo=UTC)
    with clock_at(start) as clock:
        for customer in (ann, bea, cal, ann):  # read at 9, 10, 11 and 12 o'clock
            await read(audited, token, ONE, {"id": customer})
            clock.move(timedelta(hours=1))

    def hours(*offsets: int) -> list[str]:
        return [(start + timedelta(hours=h)).isoformat() for h in offsets]

    async def read_at(customer: str) -> list[str]:
        return [e["at"] for e in await entries(audited, keyName=name, customerId=customer)]

    for survivor, merged in ((bea, ann), (cal, bea)):  # Ann into Bea, then Bea into Cal
        done = await audited.query(MERGE, {"s": survivor, "m": [merged]})
        assert done["mergeCustomers"]["userErrors"] == []
    assert await read_at(cal) == hours(3, 2, 1, 0)
    assert await read_at(bea) == hours(3, 2, 1, 0)  # a merged record's id: its survivor's
    assert await read_at(ann) == hours(3, 2, 1, 0)
    assert {e["customer"]["id"] for e in await entries(audited, keyName=name)} == {cal}
    # One entry per page, with cursors, across the customer's and the merged records'.
    seen, after = [], None
    for index in range(4):
        answer = await audited.post(
            ENTRIES, {"f": {"customerId": cal, "keyName": name}, "first": 1, "after": after}
        )
        body = answer.json()
        if audited.backend.name == "postgres":
            assert body["extensions"]["readPath"] == {"path": "compiled"}, body
        page = body["data"]["readAudit"]
        assert page["totalCount"] == 4 and page["pageInfo"]["hasNextPage"] == (index < 3)
        seen += [edge["node"]["at"] for edge in page["edges"]]
        after = page["pageInfo"]["endCursor"]
    assert seen == hours(3, 2, 1, 0)

    undone = await audited.query(UNMERGE, {"id": bea})  # Bea leaves Cal, with Ann
    assert undone["unmergeCustomer"]["userErrors"] == []
    assert (await read_at(cal), await read_at(bea)) == (hours(2), hours(3, 1, 0))
    assert await read_at(ann) == hours(3, 1, 0)  # merged into Bea again
    undone = await audited.query(UNMERGE, {"id": ann})
    assert undone["unmergeCustomer"]["userErrors"] == []
    assert (await read_at(bea), await read_at(ann)) == (hours(1), hours(3, 0))


async def with_email(api: Api) -> dict[str, Any]:
    """A customer with an email (not one a test erased)."""
    found = await api.query("{ customers(first: 20) { edges { node { id email } } } }")
    return next(e["node"] for e in found["customers"]["edges"] if e["node"]["email"])


async def test_a_gdpr_export_and_a_bulk_export_record(audited: Api) -> None:
    name, token = await new_key(audited, Role.SUPPORT)
    customer = await with_email(audited)
    await read(
        audited, token, "query Gdpr($id: ID!) { exportCustomer(id: $id) }", {"id": customer["id"]}
    )
    found = await entries(audited, keyName=name)
    assert found and all(e["operationName"] == "Gdpr" for e in found)
    assert [e["fields"][0] for e in found if e["customer"]["id"] == customer["id"]] == ["email"]

    audited.backend.keys[Role.SUPPORT], previous = token, audited.backend.keys[Role.SUPPORT]
    try:
        done = await export(audited, "{ customers { edges { node { id email } } } }", Role.SUPPORT)
        assert done["status"] == "COMPLETED", done
        lines = await download(audited, done["url"], Role.SUPPORT)
    finally:
        audited.backend.keys[Role.SUPPORT] = previous
    exported = {line["id"] for line in lines if line.get("email")}
    assert exported
    bulk = [e for e in await entries(audited, keyName=name) if e["operationName"] != "Gdpr"]
    # Once each: the job's pages, not its dry run (whose first node nobody is shown).
    assert sorted(e["customer"]["id"] for e in bulk) == sorted(exported)
    assert {(e["role"], tuple(e["fields"])) for e in bulk} == {("SUPPORT", ("email",))}


async def test_the_export_command_records_under_its_key_before_it_exits(
    audited: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cx360 export` runs the job in its own process: its reads are entries under the
    key it ran as, written when the command ends (the flush interval is long here)."""
    name, _ = await new_key(audited, Role.SUPPORT)
    query = tmp_path / "emails.graphql"
    query.write_text("{ customers { edges { node { id email } } } }", encoding="utf-8")
    out = tmp_path / "emails.jsonl"
    monkeypatch.setenv("CX360_READ_AUDIT_FLUSH_SECONDS", "60")
    args = ("export", "--query", str(query), "--out", str(out), "--key", name)
    result = await cx360(audited, *args, directory=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    exported = [line["id"] for line in lines if line.get("email")]
    assert exported
    found = await entries(audited, keyName=name)
    assert sorted(e["customer"]["id"] for e in found) == sorted(exported)
    assert {(e["role"], tuple(e["fields"])) for e in found} == {("SUPPORT", ("email",))}


async def test_a_subscription_event_records_and_a_stopping_server_writes_its_buffer(
    audited: Api,
) -> None:
    """The event is recorded under its operation; SIGTERM writes what was still buffered
    (the flush interval is long here, so only the shutdown flush can have written it)."""
    backend = audited.backend
    name, token = await new_key(audited, Role.SUPPORT)
    server = Server(backend.url, free_port())
    server.env.update(CX360_READ_AUDIT_FLUSH_SECONDS="60", CX360_SCHEDULER="0")
    await server.start()
    try:
        customer = await with_email(audited)
        async with socket(server, token) as ws:
            await subscribe(
                ws,
                "subscription Watch { ticketChanged { subject customer { id email } } }",
                {},
            )
            opened = await post(
                server,
                backend.keys[Role.ADMIN],
                "mutation($c: ID!) { openTicket(input: {customer: {id: $c}, subject: "
                '"Audit me", channel: CHAT}) { ticket { id } } }',
                {"c": customer["id"]},
            )
            assert opened["data"]["openTicket"]["ticket"]["id"]
            event = await next_event(ws, 30)  # a loaded machine delivers slowly
        assert event["payload"]["data"]["ticketChanged"]["customer"] == customer
        assert server.process is not None
        server.process.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then re-raises the signal (exit status -15).
        await asyncio.wait_for(server.process.wait(), 30)
    finally:
        await server.kill()
    found = await entries(audited, keyName=name)
    assert [(e["customer"]["id"], e["fields"], e["operationName"]) for e in found] == [
        (customer["id"], ["email"], "Watch")
    ]


async def test_a_webhook_payload_records_under_the_renderer_and_the_endpoints_role(
    audited: Api,
) -> None:
    """Payloads are rendered once per role (api/webhook_worker.py) and sent to every
    endpoint of that role: recorded as key `webhooks`, operation `WebhookPayload`."""
    ticket = audited.backend.data.tickets[0]
    worker = WebhookWorker(Settings(database_url=audited.backend.url), schema, audited.app.state)
    before = len(await entries(audited, keyName="webhooks"))
    payloads = await worker.render(Role.SALES, "Ticket", [ticket["id"]])
    rendered = payloads[ticket["id"]]
    email = rendered.data["customer"]["email"]
    assert email is not None and "***" not in email
    found = (await entries(audited, keyName="webhooks"))[: len(payloads)]
    assert len(await entries(audited, keyName="webhooks")) == before + 1
    assert [(e["role"], e["operationName"]) for e in found] == [("SALES", "WebhookPayload")]
    assert "email" in found[0]["fields"]
    # What the delivery keeps as shown is what the renderer's read recorded.
    customer = from_global_id(found[0]["customer"]["id"], "id")[1]
    assert rendered.shown == {str(customer): found[0]["fields"]}
    masked = await worker.render(Role.MARKETING, "Ticket", [ticket["id"]])
    assert "***" in masked[ticket["id"]].data["customer"]["email"]
    assert masked[ticket["id"]].shown == {}
    assert len(await entries(audited, keyName="webhooks")) == before + 1


async def test_an_action_started_payload_records_its_customer(audited: Api) -> None:
    """ACTION_STARTED deliveries carry the customer (email, phone): recorded alike."""
    found = await audited.query(
        "{ customers(first: 100) { edges { node { id email nextBestActions { id } } } } }"
    )
    holding = [
        (edge["node"]["id"], action["id"])
        for edge in found["customers"]["edges"]
        if edge["node"]["email"]
        for action in edge["node"]["nextBestActions"]
    ]
    assert holding, "the seed has customers with an action holding"
    customer, action = holding[0]
    worker = WebhookWorker(Settings(database_url=audited.backend.url), schema, audited.app.state)
    before = await entries(audited, keyName="webhooks")
    payloads = await worker.render(Role.SUPPORT, "Action", [from_global_id(action, "id")[1]])
    (rendered,) = payloads.values()
    payload = rendered.data
    assert payload["customer"]["id"] == customer and "***" not in payload["customer"]["email"]
    new = (await entries(audited, keyName="webhooks"))[: -len(before) or None]
    assert [(e["customer"]["id"], e["role"], e["operationName"]) for e in new] == [
        (customer, "SUPPORT", "WebhookPayload")
    ]
    assert "email" in new[0]["fields"]
    assert rendered.shown == {str(from_global_id(customer, "id")[1]): new[0]["fields"]}


async def test_a_field_the_endpoints_role_may_not_read_is_null_and_not_logged(
    audited: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """A survey response rendered for MARKETING, which may not read comments: the comment
    is null in the payload, as the docs say, and no warning is logged for it (one was, at
    every such delivery, with nothing in it but a placeholder)."""
    response = next(r for r in audited.backend.data.responses if r.get("comment"))
    worker = WebhookWorker(Settings(database_url=audited.backend.url), schema, audited.app.state)
    with caplog.at_level(logging.WARNING, logger="cx360.webhooks"):
        rendered = await worker.render(Role.MARKETING, "SurveyResponse", [response["id"]])
        shown = await worker.render(Role.SUPPORT, "SurveyResponse", [response["id"]])
    assert rendered[response["id"]].data["comment"] is None
    assert rendered[response["id"]].shown == {}
    assert shown[response["id"]].data["comment"] == response["comment"]
    assert "comment" in next(iter(shown[response["id"]].shown.values()))
    assert not [r for r in caplog.records if r.name == "cx360.webhooks"], caplog.records


AUDIT_PAGE = """query($f: ReadAuditFilter, $first: Int, $after: String) {
  readAudit(first: $first, after: $after, filter: $f) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { at keyName role operationName fields
      customer { id name segment } } } } }"""


async def test_the_read_audit_compiles_to_the_resolvers_bytes(audited: Api) -> None:
    """`readAudit` on the compiled path: this process's pending entries first (a read just
    made is listed at once), then every filter paged through the cursors, with the
    entry's customer, are the resolvers' bytes."""
    if audited.backend.name != "postgres":
        pytest.skip("the compiled path is PostgreSQL's")
    name, token = await new_key(audited, Role.SUPPORT)
    customer = await with_email(audited)
    await read(audited, token, ONE, {"id": customer["id"]})
    answer = (await audited.post(AUDIT_PAGE, {"f": {"keyName": name}})).json()
    assert answer["extensions"]["readPath"] == {"path": "compiled"}, answer
    (entry,) = [e["node"] for e in answer["data"]["readAudit"]["edges"]]
    assert (entry["customer"]["id"], entry["fields"], entry["operationName"]) == (
        customer["id"],
        ["email"],
        "OneCustomer",
    )
    await read(audited, token, LOOKUP)
    # The entry's customer merged into another: both paths show the survivor.
    survivor = await audited.query(
        'mutation { createCustomer(input: {name: "Survivor"}) { customer { id } } }'
    )
    survivor_id = survivor["createCustomer"]["customer"]["id"]
    merged = await audited.query(
        "mutation($s: ID!, $m: [ID!]!) { mergeCustomers(input: {survivorId: $s, "
        "mergedIds: $m}) { userErrors { code } } }",
        {"s": survivor_id, "m": [customer["id"]]},
    )
    assert merged["mergeCustomers"]["userErrors"] == []
    shown = await audited.query(AUDIT_PAGE, {"f": {"keyName": name}})
    assert {e["node"]["customer"]["id"] for e in shown["readAudit"]["edges"]} >= {survivor_id}
    async with serving(audited.backend, compiled_reads=False) as resolvers:
        await audited.post(AUDIT_PAGE, {"first": 1})  # this process's entries written
        listed = (await resolvers.query(AUDIT_PAGE, {"first": 100}))["readAudit"]["edges"]
        moments = sorted(e["node"]["at"] for e in listed)
        filters: list[dict[str, Any] | None] = [
            None,
            {"keyName": name},
            {"customerId": customer["id"]},
            {"customerId": customer["id"], "keyName": name},
            {"customerId": survivor_id},  # the merged record's entries too, read apart
            {"from": moments[len(moments) // 2]},
            {"to": moments[-2], "from": "2000-01-01"},
            {"customerId": to_global_id("Ticket", uuid.uuid4())},  # another type's: none
        ]
        for condition in filters:
            await compare_pages_with_resolvers(
                audited, resolvers, AUDIT_PAGE, {"f": condition}, Role.ADMIN, first=3, pages=5
            )
        for bad in ({"customerId": "nope"}, {"from": "2026-02-01", "to": "2026-01-01"}):
            got = (await audited.post(AUDIT_PAGE, {"f": bad})).json()
            expected = (await resolvers.post(AUDIT_PAGE, {"f": bad})).json()
            assert got["errors"] and got["errors"] == expected["errors"], got
