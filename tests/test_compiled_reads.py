"""The compiled read path: dashboards in one statement, visibly, with every rule kept.

Parity with the resolver path for every stored query is tests/test_compiled_parity.py.
"""

import itertools
import json
import logging
import math
import random
import re
import struct
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import orjson
import pytest
import sqlalchemy as sa
from graphql import parse

from api.db import create_session_factory
from api.migrate import upgrade_engine
from api.observability import JsonFormatter
from models import Role
from resolvers import keys, metrics
from resolvers.compiled.forms import CompileContext
from resolvers.compiled.sql_text import SCALAR_JSON
from schema.compiled.extension import CompiledPlans, fallback_reason
from schema.compiled.plans import Ready
from schema.metrics import DEFINITIONS
from schema.node import from_global_id, raw_to_global_id, to_global_id
from schema.schema import schema
from tests.conftest import Api, Backend, database, new_customer, serving
from tests.test_compiled_parity import comparable, first_difference, is_read
from tests.test_examples import DOCUMENTS, variables_for
from tests.test_migrations import new_database

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
# The hot dashboard queries (docs/performance.md) and the team that runs each.
DASHBOARDS: dict[str, Role] = {
    "support/queue_dashboard": Role.SUPPORT,
    "sales/customer_page": Role.SALES,
    "marketing/journeys_dashboard": Role.MARKETING,
}
KEY_LOOKUP = re.compile(r"FROM api_key", re.IGNORECASE)


@pytest.fixture(scope="module")
async def debug_api(backend: Backend) -> AsyncIterator[Api]:
    async with serving(backend, debug=True) as client:
        yield client


def read_path(body: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = body["extensions"]["readPath"]
    return found


async def dashboard_variables(api: Api) -> dict[str, Any]:
    top = await api.query(
        "{ customers(first: 1, orderBy: {field: LIFETIME_VALUE, direction: DESC}) "
        "{ edges { node { id } } } }"
    )
    return {"id": top["customers"]["edges"][0]["node"]["id"], "segment": "smb"}


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
async def test_dashboards_are_compiled_into_one_statement(debug_api: Api, name: str) -> None:
    if debug_api.backend.name != "postgres":
        pytest.skip("the compiled path is PostgreSQL's; SQLite always uses the resolvers")
    variables = await dashboard_variables(debug_api)
    query = (EXAMPLES / f"{name}.graphql").read_text()
    debug_api.statements.clear()
    response = await debug_api.post(query, variables, DASHBOARDS[name])
    body = response.json()
    assert "errors" not in body, body["errors"]
    assert read_path(body) == {"path": "compiled"}, f"{name} is no longer compiled"
    operation = [s for s in debug_api.statements if not KEY_LOOKUP.search(s)]
    assert len(operation) == 1, operation
    assert len(response.content) > 10_000  # a real dashboard, not an empty answer

    # Asked again, the known plan answers with one statement that also checks the key,
    # and the same bytes (but for the budget left, which the first request spent from).
    debug_api.statements.clear()
    again = await debug_api.post(query, variables, DASHBOARDS[name])
    assert len(debug_api.statements) == 1, debug_api.statements
    assert KEY_LOOKUP.search(debug_api.statements[0])
    assert without_remaining(again.json()) == without_remaining(body)
    assert again.content.startswith(b'{"data":') and b'"remaining":' in again.content


def without_remaining(body: dict[str, Any]) -> dict[str, Any]:
    body["extensions"]["cost"].pop("remaining")
    return body


async def test_a_known_plan_still_checks_the_key_and_the_budget_each_time(
    backend: Backend,
) -> None:
    """A revoked key stops at once, a key restricted since stays restricted, and an
    empty budget answers 429, even for a document and key the fast path knows."""
    if backend.name != "postgres":
        pytest.skip("the compiled path is PostgreSQL's")
    sessions = create_session_factory(backend.engine)
    name = f"fast-{uuid.uuid4().hex[:8]}"
    issued = await keys.create_key(sessions, name, Role.SALES)
    query = "query Few { customers(first: 3) { edges { node { name } } } }"
    async with serving(backend, rate_limit_capacity=100, rate_limit_per_second=0.01) as api:
        for _ in range(2):
            answer = await api.post(query, key=issued.token)
            assert (
                answer.status_code == 200 and len(answer.json()["data"]["customers"]["edges"]) == 3
            )
        api.statements.clear()
        assert (await api.post(query, key=issued.token)).status_code == 200
        assert len(api.statements) == 1  # the fast path answered

        costly = "query Many { customers(first: 100) { edges { node { name } } } }"
        await api.post(costly, key=issued.token)  # known now; the budget cannot pay again
        limited = await api.post(costly, key=issued.token)
        assert limited.status_code == 429, limited.text
        assert limited.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"

        api.statements.clear()
        await keys.revoke_key(sessions, name)  # while the fast path knows the key
        revoked = await api.post(query, key=issued.token)
        assert revoked.status_code == 401, revoked.text
        assert len(api.statements) == 1  # refused by the same one statement
        assert "Traceback" not in revoked.text

        other = f"fast-{uuid.uuid4().hex[:8]}"
        restricted_key = await keys.create_key(sessions, other, Role.SALES)
        for _ in range(2):
            assert (await api.post(query, key=restricted_key.token)).status_code == 200
        await keys.trust_documents(sessions, other, {"few": query}, only=True)
        restricted = await api.post(query, key=restricted_key.token)
        assert restricted.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_REQUIRED"


@pytest.mark.parametrize("watched", [False, True], ids=["driver", "sqlalchemy"])
async def test_the_fast_path_answers_as_the_resolvers_and_survives_dropped_connections(
    tmp_path: Path, watched: bool
) -> None:
    """As deployed (no statement listeners) known reads go to asyncpg's connection
    directly; with listeners (tracing, statement counts) through SQLAlchemy. Either way
    each customer's page is the bytes the resolvers give for it, for two customers in
    turn (values bound per request), and after PostgreSQL drops every pooled connection
    of the server (a restart, a failover, a reaper) every request is still answered: a
    request that met a dead connection is handed to the full pipeline, not refused."""
    async with database("postgres", tmp_path, 4) as fresh:
        page = (EXAMPLES / "sales/customer_page.graphql").read_text()
        ids = [to_global_id("Customer", c["id"]) for c in fresh.data.customers[:2]]
        async with serving(fresh, debug=True, compiled_reads=False) as resolvers:
            wanted = [
                (await resolvers.post(page, {"id": i}, Role.SALES)).json()["data"] for i in ids
            ]
        assert wanted[0] != wanted[1]
        async with serving(fresh, watched=watched, debug=True) as api:
            for _ in range(3):
                for customer, data in zip(ids, wanted, strict=True):
                    body = (await api.post(page, {"id": customer}, Role.SALES)).json()
                    assert read_path(body)["path"] == "compiled"
                    assert body["data"] == data
            for _ in range(2):
                async with fresh.engine.connect() as admin:
                    dropped = await admin.scalar(
                        sa.text(
                            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                        )
                    )
                assert dropped
                for _ in range(12):
                    answer = await api.post(page, {"id": ids[0]}, Role.SALES)
                    assert answer.status_code == 200, answer.text
                    assert answer.json()["data"] == wanted[0]


ANALYST_DASHBOARD = """query($from: DateTime!, $to: DateTime!) {
  metrics(filter: {from: $from, to: $to}) { nps ticketVolume firstResponseTime { median p90 } }
  metricsSeries(interval: MONTH, filter: {from: $from, to: $to}) { start metrics { nps revenue } }
  journeyFunnel(filter: {from: $from, to: $to}) { stage reached conversion }
  journeyPainPoints(filter: {from: $from, to: $to}) { stage channel touchpoints stalled } }"""


@pytest.mark.parametrize("watched", [False, True], ids=["driver", "sqlalchemy"])
async def test_root_figures_may_use_parallel_workers_and_pages_not(
    tmp_path: Path, watched: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plan of figures over every record is fetched with no row limit (asyncpg's
    `fetch`), so PostgreSQL may run it with parallel workers; a page's plan keeps the
    one-row limit (`fetchrow`), which runs it in one process (resolvers/compiled/
    statement.py, `_fetch_row`), on its first request and on the fast path alike. Either
    way the answer is the resolvers' bytes, as deployed (driver) and under statement
    listeners (SQLAlchemy's cursors, which fetch without a limit)."""
    fetched: list[tuple[str, str]] = []
    for method in ("fetch", "fetchrow"):
        original = getattr(asyncpg.Connection, method)

        async def spy(self: Any, sql: str, *args: Any, _o: Any = original, _m: str = method) -> Any:
            fetched.append((_m, sql))
            return await _o(self, sql, *args)

        monkeypatch.setattr(asyncpg.Connection, method, spy)
    async with database("postgres", tmp_path, 30) as fresh:
        window = {"from": "2025-12-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"}
        customer = {"id": to_global_id("Customer", fresh.data.customers[0]["id"])}
        page = (EXAMPLES / "sales/customer_page.graphql").read_text()
        asked = [
            (ANALYST_DASHBOARD, window, Role.ANALYST, True),
            (page, customer, Role.SALES, False),
            ("{ metrics { nps } customers(first: 2) { totalCount } }", {}, Role.ADMIN, True),
            (
                "{ customers(first: 2) { edges { node { metrics { nps } } } } }",
                {},
                Role.ADMIN,
                False,
            ),
        ]
        async with serving(fresh, debug=True, compiled_reads=False) as resolvers:
            wanted = [(await resolvers.post(q, v, r)).text for q, v, r, _ in asked]
        async with serving(fresh, watched=watched, debug=True) as api:
            for (query, variables, role, parallel), expected in zip(asked, wanted, strict=True):
                for _ in range(2):  # the second time through the fast path's known plan
                    body = (await api.post(query, variables, role)).json()
                    assert read_path(body)["path"] == "compiled", body
                    assert body["data"] == json.loads(expected)["data"]
                assert all(body["data"].values()), body
                plans = [p for key, p in api.app.state.plans.cache.plans.items() if key[0] == query]
                assert plans and {plan.parallel for plan in plans} == {parallel}, query
                methods = [m for m, sql in fetched if any(p.sql in sql for p in plans)]
                if watched:
                    assert methods == [], methods
                else:  # the first request's statement, then the fast path's, keyed
                    assert methods == ["fetch" if parallel else "fetchrow"] * 2, methods


async def test_the_customer_timeline_compiles_all_three_kinds(debug_api: Api) -> None:
    if debug_api.backend.name != "postgres":
        pytest.skip("the compiled path is PostgreSQL's")
    variables = await dashboard_variables(debug_api)
    response = await debug_api.post(
        (EXAMPLES / "sales/customer_page.graphql").read_text(), variables, Role.SALES
    )
    body = response.json()
    assert read_path(body)["path"] == "compiled"
    edges = body["data"]["customer"]["timeline"]["edges"]
    kinds = {e["node"]["__typename"] for e in edges}
    assert kinds == {"Touchpoint", "Ticket", "SurveyResponse"}
    times = [e["occurredAt"] for e in edges]
    assert times == sorted(times, reverse=True)


async def test_sqlite_and_python_only_fields_stay_on_the_resolvers(debug_api: Api) -> None:
    query = "{ bulkOperations(first: 2) { edges { node { status url } } } }"
    body = (await debug_api.post(query)).json()
    assert "errors" not in body
    path = read_path(body)
    assert path["path"] == "resolvers"
    if debug_api.backend.name == "postgres":
        assert path["declined"] == "Query.bulkOperations has no SQL form"
    else:
        assert "not PostgreSQL" in path["declined"]
    # Operators see the same reason, counted, on /metrics.
    metrics = (await debug_api.client.get("/metrics")).text
    label = re.escape(path["declined"].split(": ", 1)[0])
    assert re.search(rf'cx360_compiled_fallbacks_total\{{reason="{label}"\}} [1-9]', metrics)


# The proactive lists of bench/proactive.py: stored health, SLA states at the request's now.
AT_RISK_CUSTOMERS = """{ customers(filter: {healthLevel: AT_RISK}, first: 50) {
  totalCount edges { node { name health { score level reasons } } } } }"""
SLA_TICKETS = """query($states: [SlaState!]) { tickets(filter: {slaState: $states},
  orderBy: {field: RESOLUTION_DUE, direction: ASC}, first: 20) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { node { id status customer { name }
    sla { state firstResponseState resolutionState firstResponseDueAt resolutionDueAt
      secondsToNextDue policy { priority firstResponseSeconds resolutionSeconds
        calendar { timeZone weekdays opensAt closesAt } } } } } } }"""


async def test_stored_health_and_ticket_sla_are_compiled(debug_api: Api) -> None:
    """`health` without asOf reads the stored columns and `Ticket.sla` its row at the
    request's now, in one statement (test_compiled_parity compares the bytes); the
    slaState filter alone counts from the kept per-state counts."""
    if debug_api.backend.name != "postgres":
        pytest.skip("the compiled path is PostgreSQL's")
    body = (await debug_api.post(AT_RISK_CUSTOMERS, role=Role.ANALYST)).json()
    assert read_path(body) == {"path": "compiled"}, body
    found = body["data"]["customers"]
    assert found["totalCount"] > 0
    assert {e["node"]["health"]["level"] for e in found["edges"]} == {"AT_RISK"}
    assert all(e["node"]["health"]["reasons"] for e in found["edges"])

    for states in (["AT_RISK", "BREACHED"], ["ON_TRACK"], ["MET", "BREACHED", "AT_RISK"]):
        debug_api.statements.clear()
        body = (await debug_api.post(SLA_TICKETS, {"states": states}, Role.SUPPORT)).json()
        assert read_path(body) == {"path": "compiled"}, body
        edges = body["data"]["tickets"]["edges"]
        assert {e["node"]["sla"]["state"] for e in edges} <= set(states)
        assert edges or states == ["ON_TRACK"]  # the seed's tickets are mostly old
        dues = [e["node"]["sla"]["resolutionDueAt"] for e in edges]
        assert dues == sorted(dues)
        statement = next(s for s in debug_api.statements if "sla_state" in s)
        # Counted from the per-state counts the database keeps (resolvers/sla.py).
        assert "FROM ticket_sla_state_count" in statement


HEALTH_AS_OF = """query($at: DateTime) { customers(first: 100) { edges { node { id
  health(asOf: $at) { score level reasons } now: health { level score reasons } } } } }"""


async def test_health_as_of_any_moment_compiles_to_the_resolvers_bytes(debug_api: Api) -> None:
    """`health(asOf:)` is computed in SQL by the resolvers' own expressions (compiled from
    resolvers/health.py): every customer's score, level and reasons at moments before,
    inside and after the seed's data, written in several ways, are the resolvers' bytes;
    every rule fires somewhere, so the words of each reason are compared."""
    if debug_api.backend.name != "postgres":
        pytest.skip("the compiled path is PostgreSQL's")
    moments = [
        None,
        "2026-01-01",
        "2026-01-01T00:00:00+00:00",
        "2026-06-15T12:30:00+05:30",
        "2026-10-01T09:00:00Z",
        "2026-11-20T00:00:00Z",
        "2027-06-01T00:00:00Z",
        "2001-01-01T00:00:00Z",
    ]
    reasons: set[str] = set()
    async with serving(debug_api.backend, compiled_reads=False) as resolvers:
        for role in (Role.ANALYST, Role.SUPPORT, Role.ADMIN):
            for at in moments:
                data = await compare_with_resolvers(
                    debug_api, resolvers, HEALTH_AS_OF, {"at": at}, role
                )
                for edge in data["customers"]["edges"]:
                    reasons.update(
                        re.sub(r"\d+", "N", r) for r in edge["node"]["health"]["reasons"]
                    )
    assert reasons >= {
        "N ticket open for more than N hours",
        "N tickets open for more than N hours",
        "latest NPS score N (detractor)",
        "latest CSAT score N (dissatisfied)",
        "no touchpoint in the last N days",
    }, reasons


async def test_health_not_yet_stored_is_computed_in_sql(debug_api: Api) -> None:
    """A customer whose health was never stored (e.g. right after the migration, before
    the scheduler's first look): the compiled statement computes it at the request's now,
    as the resolvers do."""
    if debug_api.backend.name != "postgres":
        pytest.skip("the compiled path is PostgreSQL's")
    query = """query($id: ID!) { customer(id: $id) { name health { score level reasons } } }"""
    variables = await dashboard_variables(debug_api)
    stored = await debug_api.post(query, variables, Role.ANALYST)
    assert read_path(stored.json()) == {"path": "compiled"}
    _, key = from_global_id(variables["id"], "id")
    async with debug_api.backend.engine.begin() as connection:
        before = await connection.scalar(
            sa.text("SELECT health_updated_at FROM customer WHERE id = :id"), {"id": key}
        )
        await connection.execute(
            sa.text("UPDATE customer SET health_updated_at = NULL WHERE id = :id"), {"id": key}
        )
    try:
        for _ in range(2):  # the second time through the fast path's known plan
            computed = (await debug_api.post(query, variables, Role.ANALYST)).json()
            assert "errors" not in computed, computed
            assert read_path(computed) == {"path": "compiled"}, computed
            assert computed["data"] == stored.json()["data"]
    finally:
        async with debug_api.backend.engine.begin() as connection:
            await connection.execute(
                sa.text("UPDATE customer SET health_updated_at = :at WHERE id = :id"),
                {"id": key, "at": before},
            )


async def test_mutations_run_on_the_resolvers_and_leave_no_plan(debug_api: Api) -> None:
    """Only queries reach the compiler: a mutation is not coerced for it, nor cached."""
    if debug_api.backend.name != "postgres":
        pytest.skip("the compiled path is PostgreSQL's; SQLite always uses the resolvers")
    app: Any = debug_api.client._transport.app  # type: ignore[attr-defined]
    plans = app.state.plans.cache.plans
    before = len(plans)
    mutation = "mutation($id: ID!) { rotateWebhookSecret(id: $id) { userErrors { code } } }"
    for variables in ({"id": "not-an-id"}, {"id": "not-an-id", "unused": 1}):
        body = (await debug_api.post(mutation, variables)).json()
        assert body["data"]["rotateWebhookSecret"]["userErrors"] == [{"code": "INVALID_ID"}]
        assert read_path(body) == {"path": "resolvers", "declined": "only queries are compiled"}
    assert len(plans) == before


async def test_a_denied_field_gets_the_standard_error(debug_api: Api) -> None:
    query = "{ customers(first: 2) { edges { node { name tickets(first: 1) { totalCount } } } } }"
    body = (await debug_api.post(query, role=Role.PARTNER)).json()
    assert read_path(body)["path"] == "resolvers"
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}


async def test_personal_data_is_masked_in_sql_for_roles_without_it(debug_api: Api) -> None:
    """Emails are masked in SQL; phones read the mask kept beside them (resolvers.masks)."""
    query = "{ customers(first: 20) { edges { node { email phone } } } }"
    body = (await debug_api.post(query, role=Role.MARKETING)).json()
    if debug_api.backend.name == "postgres":
        assert read_path(body)["path"] == "compiled"
    nodes = [e["node"] for e in body["data"]["customers"]["edges"]]
    emails = [n["email"] for n in nodes]
    assert emails and all(re.fullmatch(r".\*\*\*@[\w.-]+", e) for e in emails), emails
    phones = [n["phone"] for n in nodes if n["phone"] is not None]
    assert {p[:3] for p in phones} == {"+1 ", "+44"}, phones
    assert all(re.fullmatch(r"\+\d{1,3} ••• ••• \d{3}", p) for p in phones), phones


async def test_a_cached_plan_binds_each_requests_values(debug_api: Api) -> None:
    query = """query Seg($s: String, $n: Int) {
      customers(first: $n, filter: {segment: $s}) { totalCount edges { node { segment } } } }"""
    answers = {}
    for segment, n in (("smb", 3), ("enterprise", 7), ("smb", 1)):
        body = (await debug_api.post(query, {"s": segment, "n": n})).json()
        edges = body["data"]["customers"]["edges"]
        assert len(edges) == n and {e["node"]["segment"] for e in edges} == {segment}
        answers.setdefault(segment, set()).add(body["data"]["customers"]["totalCount"])
    assert len(answers["smb"]) == 1 and answers["smb"] != answers["enterprise"]


async def test_limits_apply_before_the_compiled_path(debug_api: Api) -> None:
    query = """{ customers(first: 100) { edges { node { touchpoints(first: 100) {
      edges { node { customer { touchpoints(first: 100) { totalCount } } } } } } } } }"""
    errors = await debug_api.errors(query)
    assert errors[0]["extensions"]["code"] == "QUERY_TOO_COSTLY"


async def test_the_serving_path_is_logged_and_counted(
    debug_api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    expected = "compiled" if debug_api.backend.name == "postgres" else "resolvers"
    with caplog.at_level(logging.INFO):
        await debug_api.query("{ touchpoints(first: 2) { edges { node { kind } } } }")
    lines = [r for r in caplog.records if r.name == "cx360.requests"]
    assert json.loads(JsonFormatter().format(lines[-1]))["read_path"] == expected
    metrics = (await debug_api.client.get("/metrics")).text
    assert re.search(rf'cx360_read_path_total\{{path="{expected}"\}} [1-9]', metrics)


ORDERED_BY_PRIORITY = """query($d: SortDirection!) {
  tickets(first: 5, orderBy: {field: PRIORITY, direction: $d}) { edges { node { id } } } }"""


@pytest.mark.parametrize("compiled", [False, True], ids=["resolvers", "compiled"])
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_priority_orders_read_their_index(
    backend: Backend, compiled: bool, direction: str
) -> None:
    """Both read paths write the priority's rank as the PRIORITY indexes hold it
    (migration 9e5f2b7c4a16), so the database can read a page from them: with sorting
    priced out, the plan of the page's statement uses the index of that direction."""
    if compiled and backend.name != "postgres":
        pytest.skip("the compiled path is PostgreSQL's")
    sent: list[tuple[str, Any]] = []
    async with serving(backend, compiled_reads=compiled) as api:
        for engine in api.app.state.engines:
            sa.event.listen(
                engine.sync_engine,
                "before_cursor_execute",
                lambda _c, _cur, statement, parameters, *_: sent.append((statement, parameters)),
            )
        await api.query(ORDERED_BY_PRIORITY, {"d": direction})
    (statement, parameters), *_ = [s for s in sent if "CASE ticket.priority" in s[0]]
    wanted = "ix_ticket_priority_rank_" + ("desc_" if direction == "DESC" else "")
    async with backend.engine.connect() as connection:
        if backend.name == "postgres":
            await connection.exec_driver_sql("SET LOCAL enable_sort = off")
            await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            explain = "EXPLAIN "
        else:
            explain = "EXPLAIN QUERY PLAN "
        plan = " ".join(
            str(row[-1])
            for row in await connection.exec_driver_sql(explain + statement, parameters)
        )
    assert re.search(rf"{wanted}created_at_id\b", plan), plan
    assert "TEMP B-TREE" not in plan and " Sort " not in plan, plan


QUEUE_BY_PRIORITY = """query($d: SortDirection!, $s: [TicketStatus!]) {
  tickets(first: 3, orderBy: {field: PRIORITY, direction: $d}, filter: {status: $s}) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id status priority } } } }"""


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_a_status_queue_in_priority_order_reads_each_status_apart(
    debug_api: Api, direction: str
) -> None:
    """The support queue (statuses in priority order): the compiled page reads each
    status asked for from its part of the (status, rank, ...) index (migration
    5b8d2f6a9c31), merged, and no other status, even in the plan PostgreSQL keeps for
    every set of values (a generic plan); pages and cursors are the resolvers' bytes."""
    if debug_api.backend.name != "postgres":
        pytest.skip("the compiled path is PostgreSQL's")
    async with serving(debug_api.backend, compiled_reads=False) as resolvers:
        for statuses in (["NEW", "OPEN", "PENDING"], ["CLOSED"], ["OPEN", "RESOLVED"]):
            variables: dict[str, Any] = {"d": direction, "s": statuses}
            data = await compare_with_resolvers(
                debug_api, resolvers, QUEUE_BY_PRIORITY, variables, Role.SUPPORT
            )
            after = data["tickets"]["pageInfo"]["endCursor"]
            query = QUEUE_BY_PRIORITY.replace("filter:", "after: $a, filter:").replace(
                "$s: [TicketStatus!])", "$s: [TicketStatus!], $a: String)"
            )
            await compare_with_resolvers(
                debug_api, resolvers, query, {**variables, "a": after}, Role.SUPPORT
            )
    debug_api.statements.clear()
    sent: list[tuple[str, Any]] = []
    for engine in debug_api.app.state.engines:
        sa.event.listen(
            engine.sync_engine,
            "before_cursor_execute",
            lambda _c, _cur, statement, parameters, *_: sent.append((statement, parameters)),
        )
    await debug_api.query(QUEUE_BY_PRIORITY, {"d": direction, "s": ["NEW", "OPEN"]})
    (statement, parameters), *_ = [s for s in sent if "CASE ticket.priority" in s[0]]
    wanted = "ix_ticket_status_priority_rank_" + ("desc_" if direction == "DESC" else "")

    def quoted(value: Any) -> str:  # an EXECUTE argument; the statement casts each one
        if value is None:
            return "NULL"
        if isinstance(value, list):
            return "'{" + ",".join(str(v) for v in value) + "}'"
        return "'" + str(value).replace("'", "''") + "'"

    async with debug_api.backend.engine.connect() as connection:
        await connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
        name = f"queue_page_{uuid.uuid4().hex}"
        await connection.exec_driver_sql(f"PREPARE {name} AS {statement}")
        arguments = ", ".join(quoted(p) for p in parameters)
        plan = " ".join(
            str(row[0])
            for row in await connection.exec_driver_sql(
                f"EXPLAIN (ANALYZE, COSTS OFF) EXECUTE {name}({arguments})"
            )
        )
        await connection.exec_driver_sql(f"DEALLOCATE {name}")
    scans = re.findall(rf"Index Scan using {wanted}created_at_id", plan)
    assert len(scans) == 5, plan  # a branch per status
    assert plan.count("never executed") >= 3, plan  # the statuses not asked for
    assert " Sort " not in plan.replace("Sort Key", ""), plan


# Lists whose count reads a parameter of its own (a count kept per value, the SLA filter
# alone), asked without `totalCount`: the statement must not hold that parameter unused.
WITHOUT_TOTALS = [
    "{ tickets(first: 2, filter: {status: [OPEN]}) { edges { node { id } } } }",
    """{ tickets(first: 2, orderBy: {field: PRIORITY, direction: DESC},
         filter: {status: [OPEN, NEW]}) { pageInfo { hasNextPage endCursor } } }""",
    '{ customers(first: 2, filter: {segment: "smb"}) { edges { cursor } } }',
    "{ tickets(first: 2, filter: {slaState: [BREACHED]}) { edges { node { id } } } }",
    '{ touchpoints(first: 2, filter: {from: "2026-10-03T05:00:00+02:00"}) { edges { cursor } } }',
    "{ tickets(first: 2, filter: {priority: [URGENT]}) { edges { node { id } } } }",
]
# Root lists whose only filter the database counts: per value, or per UTC day for a
# window (its whole days kept, its partial first and last days counted).
KEPT_TOTALS = [
    "{ touchpoints(first: 3, filter: {channel: [WEB, EMAIL]}) { totalCount } }",
    '{ touchpoints(first: 3, filter: {kind: ["purchase"]}) { totalCount } }',
    "{ touchpoints(first: 3, filter: {team: [SUPPORT], stage: [RETENTION]}) { totalCount } }",
    """{ a: touchpoints(first: 3, filter: {from: "2026-10-03T05:00:00+02:00"}) { totalCount }
         b: touchpoints(first: 3, filter: {to: "2026-10-20T00:00:00Z"}) { totalCount }
         c: touchpoints(first: 3, filter: {from: "2026-09-03T13:30:00Z", to: "2026-10-20T07:00:00Z"}) {
              totalCount edges { node { occurredAt } } }
         d: touchpoints(first: 3, filter: {from: "2026-10-03T01:00:00Z", to: "2026-10-03T23:00:00Z"}) {
              totalCount } }""",
    """{ a: tickets(first: 3, filter: {from: "2026-09-03T13:30:00Z", to: "2026-10-20T07:00:00Z"}) {
              totalCount }
         b: tickets(first: 3, filter: {priority: [HIGH, URGENT]}) { totalCount }
         c: tickets(first: 3, filter: {channel: [CHAT]}) { totalCount } }""",
]


@pytest.mark.parametrize("query", KEPT_TOTALS)
async def test_totals_from_kept_counts_compile_to_the_resolvers_bytes(
    debug_api: Api, query: str
) -> None:
    """`totalCount` of a list filtered by one kept dimension or by a time window alone
    reads the counts the database keeps, on both paths alike (a team and a stage
    together count their matches)."""
    if debug_api.backend.name != "postgres":
        pytest.skip("the compiled path is PostgreSQL's")
    debug_api.statements.clear()
    async with serving(debug_api.backend, compiled_reads=False) as resolvers:
        data = await compare_with_resolvers(debug_api, resolvers, query, {}, Role.ADMIN)
    assert all(found["totalCount"] > 0 for found in data.values()), data


@pytest.mark.parametrize("query", WITHOUT_TOTALS)
async def test_lists_counted_apart_compile_without_their_total(debug_api: Api, query: str) -> None:
    """A root list whose `totalCount` would read a parameter of its own (the counts kept
    per status or segment, the SLA filter's), asked without `totalCount`: compiled, with
    the resolvers' bytes (the unused parameter had failed the statement)."""
    if debug_api.backend.name != "postgres":
        pytest.skip("the compiled path is PostgreSQL's")
    async with serving(debug_api.backend, compiled_reads=False) as resolvers:
        await compare_with_resolvers(debug_api, resolvers, query, {}, Role.ADMIN)


async def test_a_first_request_with_bad_values_leaves_the_plan_to_the_next(
    debug_api: Api,
) -> None:
    """An operation whose first request has an argument out of range answers that one
    with the resolvers' error, and the next request with good values compiles: the
    decline was that request's, not the operation's (it had been kept as its plan)."""
    if debug_api.backend.name != "postgres":
        pytest.skip("the compiled path is PostgreSQL's")
    query = f"""query Queue{uuid.uuid4().hex[:8]}($first: Int!) {{
      tickets(first: $first, filter: {{status: [OPEN]}}) {{ totalCount edges {{ node {{ id }} }} }} }}"""
    for bad in (101, 0):
        body = (await debug_api.post(query, {"first": bad}, Role.SUPPORT)).json()
        assert body["errors"][0]["extensions"]["argument"] == "first", body
        assert read_path(body)["path"] == "resolvers"
        good = (await debug_api.post(query, {"first": 5}, Role.SUPPORT)).json()
        assert "errors" not in good and read_path(good) == {"path": "compiled"}, good


# Shapes the examples do not hold, each compiled since issue 16: JSON traits, phones (kept
# masks for roles without personal data), the caller's key, metric definitions, and
# objects by global id of every type (interfaces at the root).
SHAPES = {
    "traits": """query($id: ID!) { customer(id: $id) { attributes phone
      touchpoints(first: 3) { edges { node { attributes } } } } }""",
    "phones": "{ customers(first: 30) { edges { node { name phone attributes } } } }",
    "viewer": "{ viewer { __typename role keyName } me: viewer { role } }",
    "definitions": "{ definitions { name definition } again: definitions { __typename name } }",
    "node": """query($id: ID!) { node(id: $id) { __typename id
      ... on Customer { name email phone attributes stage }
      ... on Ticket { subject status customer { name } }
      ... on Touchpoint { kind attributes } ... on SurveyResponse { score }
      ... on Survey { surveyKind: kind question } } }""",
    "nodes": """query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ...Named
      ... on Touchpoint { kind customer { ...Named } } } }
      fragment Named on Customer { name phone }""",
    "dimensions": """{ dimensions { segments { value count } channels { __typename count }
      ticketChannels { value } teams { value count } kinds { count value } sources { value count } }
      again: dimensions { segments { count } } }""",
    "sla policies": """{ slaPolicies { priority firstResponseSeconds resolutionSeconds
      calendar { timeZone weekdays opensAt closesAt } } again: slaPolicies { priority } }""",
    # The proactive queues and what hangs off them (compiled since the second pass).
    "follow-ups": """{ followUps(first: 20) { totalCount pageInfo { hasNextPage endCursor }
      edges { cursor node { state dueSince expiresAt
        ticket { id subject priority followUp { state } }
        invitation { id sentAt expiresAt survey { id kind } customer { name email }
          ticket { id } response { id score } } } } }
      due: followUps(first: 5, filter: {state: [DUE], priority: [HIGH, URGENT],
        channel: [EMAIL, CHAT, PHONE, WEB]}) { totalCount edges { node { ticket { priority } } } }
      mine: followUps(first: 5, filter: {assignee: "alex@support"}) { totalCount } }""",
    "actions": """{ nextBestActions(first: 20) { totalCount pageInfo { hasNextPage endCursor }
      edges { cursor node { id kind team priority reason since
        customer { name phone nextBestActions { id kind } } } } }
      sales: nextBestActions(first: 5, filter: {team: [SALES, SUPPORT], segment: "smb",
        kind: [SAVE_AT_RISK, RESOLVE_SLA_RISK], priority: [HIGH, URGENT]}) {
        totalCount edges { node { kind customer { segment } } } }
      customers(first: 10, filter: {hasAction: RE_ENGAGE}) { totalCount
        edges { node { name nextBestActions { kind team since } } } } }""",
    "pain points": """{ journeyPainPoints { stage channel touchpoints customers sentiment
        sentimentTouchpoints sentimentSum negativeShare negativeTouchpoints ticketRate
        ticketCustomers stalled stalledCustomers }
      worst: journeyPainPoints(filter: {segment: "smb", from: "2025-06-01T00:00:00Z"},
        orderBy: {field: STALLED, direction: DESC}) { stage channel stalled }
      team: journeyPainPoints(filter: {team: SUPPORT, channel: EMAIL},
        orderBy: {field: SENTIMENT, direction: ASC}) { stage sentiment negativeShare } }""",
}
# Reads that still leave every role to the resolvers: none since the series and funnel.
NOT_YET_COMPILED: set[str] = set()
DENIED = re.compile(r"is denied to this role|may not use")


def shape_variables(api: Api) -> list[tuple[str, str, dict[str, Any]]]:
    """Each shape with variables from the seed: `node` once per type of object."""
    data = api.backend.data
    customer = to_global_id("Customer", data.customers[0]["id"])
    ids = {
        "Customer": customer,
        "Ticket": to_global_id("Ticket", data.tickets[0]["id"]),
        "Touchpoint": to_global_id("Touchpoint", data.touchpoints[0]["id"]),
        "SurveyResponse": to_global_id("SurveyResponse", data.responses[0]["id"]),
        "Survey": to_global_id("Survey", data.surveys[0]["id"]),
        "unknown type": raw_to_global_id(f"Nothing:{data.customers[1]['id']}"),
        "no such customer": to_global_id("Customer", data.tickets[1]["id"]),
    }
    found = [
        (name, SHAPES[name], {})
        for name in (
            "phones",
            "viewer",
            "definitions",
            "dimensions",
            "sla policies",
            "follow-ups",
            "actions",
            "pain points",
        )
    ]
    found.append(("traits", SHAPES["traits"], {"id": customer}))
    found += [(f"node {kind}", SHAPES["node"], {"id": value}) for kind, value in ids.items()]
    found.append(("nodes", SHAPES["nodes"], {"ids": list(ids.values())}))
    found.append(("nodes of customers", SHAPES["nodes"], {"ids": [customer, ids["Touchpoint"]]}))
    found.append(("no nodes", SHAPES["nodes"], {"ids": []}))
    return found


async def test_every_stored_read_compiles_for_every_role_that_may_read_all_of_it(
    debug_api: Api,
) -> None:
    """Every example query and every shape above, for every role: the compiled path
    answers, unless the role may not read part of it (a field or argument denied, a
    FORBIDDEN error) or it reads metrics (NOT_YET_COMPILED, empty now). test_compiled_parity
    replays them all (this test sends them) and compares the bytes."""
    if debug_api.backend.name != "postgres":
        pytest.skip("the compiled path is PostgreSQL's")
    reads = [
        (path.stem, document, variables_for(debug_api, document))
        for path, document in sorted(DOCUMENTS.items())
        if is_read(document)
    ]
    compiled: dict[str, set[Role]] = {}
    wrong = []
    for name, query, variables in [*reads, *shape_variables(debug_api)]:
        for role in Role:
            body = (await debug_api.post(query, variables, role)).json()
            path = read_path(body)
            if path["path"] == "compiled":
                assert "errors" not in body, (name, role, body["errors"])
                compiled.setdefault(name, set()).add(role)
                continue
            codes = {e["extensions"].get("code") for e in body.get("errors", [])}
            reason = path.get("declined", f"no plan tried: {body.get('errors')}")
            if "FORBIDDEN" in codes or DENIED.search(reason):
                continue
            if fallback_reason(reason) not in NOT_YET_COMPILED:
                wrong.append(f"{name} as {role.value}: {reason}")
    assert not wrong, "\n".join(wrong)
    everyone = set(Role)
    every_role = ("traits", "phones", "viewer", "definitions", "node Customer", "no nodes")
    for name in (*every_role, "nodes of customers", "node unknown type", "node no such customer"):
        assert compiled[name] == everyone, (name, compiled.get(name))
    for name in ("node Ticket", "node SurveyResponse", "node Survey", "nodes"):
        assert compiled[name] == everyone - {Role.PARTNER}, (name, compiled.get(name))


async def test_the_viewer_is_each_keys_own_on_a_shared_plan(backend: Backend) -> None:
    """One plan serves every key of a role: the key's name is bound for each request,
    on the first answer and on the fast path's known plan alike."""
    if backend.name != "postgres":
        pytest.skip("the compiled path is PostgreSQL's")
    sessions = create_session_factory(backend.engine)
    tag = uuid.uuid4().hex[:6]
    names = [f"viewer-{tag}-a", f"viewer-{tag}-ü'\"\\b"]
    issued = [await keys.create_key(sessions, name, Role.ANALYST) for name in names]
    async with serving(backend, debug=True) as api:
        for _ in range(2):  # the second round through the fast path
            for name, key in zip(names, issued, strict=True):
                answer = await api.post(SHAPES["viewer"], key=key.token)
                body = answer.json()
                assert body["data"]["viewer"] == {
                    "__typename": "Viewer",
                    "role": "ANALYST",
                    "keyName": name,
                }, body
                assert answer.content.startswith(b'{"data":{"viewer":')
                assert read_path(body) == {"path": "compiled"}


async def test_a_type_by_id_without_sql_form_is_left_to_the_resolvers_saying_why(
    debug_api: Api,
) -> None:
    """`node` compiles per type: a type with no SQL form (a bulk operation, read from the
    primary by its key's owner) leaves its ids to the resolvers, and says so; tickets
    still compile."""
    if debug_api.backend.name != "postgres":
        pytest.skip("the compiled path is PostgreSQL's")
    query = """query($id: ID!) { node(id: $id) { id
      ... on BulkOperation { kind } ... on Ticket { status } } }"""
    data = debug_api.backend.data
    operation = to_global_id("BulkOperation", uuid.uuid4())
    body = (await debug_api.post(query, {"id": operation}, Role.ANALYST)).json()
    assert body["data"] == {"node": None} and "errors" not in body, body
    assert read_path(body) == {
        "path": "resolvers",
        "declined": "a part of the answer only the resolvers give: "
        "BulkOperation by id (no SQL form)",
    }
    ticket = to_global_id("Ticket", data.tickets[0]["id"])
    body = (await debug_api.post(query, {"id": ticket}, Role.ANALYST)).json()
    assert read_path(body) == {"path": "compiled"} and body["data"]["node"]["status"]


async def test_a_malformed_id_in_nodes_is_named_by_its_position(debug_api: Api) -> None:
    """The resolvers answer it (null with INVALID_ID at ["nodes", 1]); the reason the
    compiled path gives in debug mode names the same `ids[1]`."""
    if debug_api.backend.name != "postgres":
        pytest.skip("the compiled path is PostgreSQL's")
    ticket = to_global_id("Ticket", debug_api.backend.data.tickets[0]["id"])
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    body = (await debug_api.post(query, {"ids": [ticket, "%%%"]}, Role.ANALYST)).json()
    assert body["data"]["nodes"] == [{"id": ticket}, None]
    (error,) = body["errors"]
    assert error["path"] == ["nodes", 1] and error["extensions"]["code"] == "INVALID_ID"
    assert "`ids[1]`" in error["message"]
    declined = read_path(body)["declined"]
    assert declined.startswith("arguments of nodes: ") and "`ids[1]`" in declined, declined


SURVEY_METRICS = """nps npsResponses promoters passives detractors
  csat csatResponses csatSatisfied ces cesResponses cesScoreSum"""
# Every metric (DEFINITIONS), the duration statistics in full.
DURATIONS = {"firstResponseTime": "{ count mean median p90 }", "resolutionTime": "{ p90 count }"}
COMPILED_METRICS = " ".join(f"{name} {DURATIONS.get(name, '')}" for name in DEFINITIONS)
CUSTOMER_METRICS = f"""query($id: ID!, $filter: MetricsFilter) {{ customer(id: $id) {{
  name metrics(filter: $filter) {{ {COMPILED_METRICS} }} }} }}"""
ROOT_METRICS = f"""query($filter: MetricsFilter) {{
  metrics(filter: $filter) {{ __typename {COMPILED_METRICS} }} }}"""


def survey_windows(moments: list[Any]) -> list[dict[str, Any] | None]:
    """Filters around a customer's survey responses: none, each half-open half split at a
    response (from inclusive, to exclusive), one exactly from its first response, an
    empty window, both segments, and the filters survey responses do not carry."""
    first, middle = moments[0].isoformat(), moments[len(moments) // 2].isoformat()
    return [
        None,
        {},
        {"from": middle},
        {"to": middle},
        {"from": first, "to": middle},
        {"from": "2100-01-01T00:00:00+00:00"},
        {"segment": "smb"},
        {"segment": "enterprise"},
        {"channel": "EMAIL", "team": "SUPPORT"},
        {"channel": "PHONE", "from": first},
    ]


async def test_customer_metrics_compile_to_the_resolvers_bytes(debug_api: Api) -> None:
    """Customer.metrics on the compiled path, every metric: the resolvers' bytes for every
    window and filter, for a customer with many survey responses and one with none."""
    if debug_api.backend.name != "postgres":
        pytest.skip("the compiled path is PostgreSQL's")
    data = debug_api.backend.data
    counts = Counter(r["customer_id"] for r in data.responses)
    busiest = counts.most_common(1)[0][0]
    silent = next(c["id"] for c in data.customers if c["id"] not in counts)
    moments = sorted(r["responded_at"] for r in data.responses if r["customer_id"] == busiest)
    windows = survey_windows(moments)
    answers: dict[tuple[Any, str], dict[str, Any]] = {}
    async with serving(debug_api.backend, compiled_reads=False) as resolvers:
        for customer in (busiest, silent):
            for window in windows:
                variables = {"id": to_global_id("Customer", customer), "filter": window}
                expected = await resolvers.post(CUSTOMER_METRICS, variables, Role.MARKETING)
                answer = await debug_api.post(CUSTOMER_METRICS, variables, Role.MARKETING)
                body = answer.json()
                assert read_path(body) == {"path": "compiled"}, (window, body)
                assert comparable(answer) == comparable(expected), first_difference(
                    comparable(expected)[1], comparable(answer)[1]
                )
                answers[customer, json.dumps(window)] = body["data"]["customer"]["metrics"]
    everything = answers[busiest, "null"]
    assert everything["npsResponses"] + everything["csatResponses"] > 0
    assert everything["cesResponses"] == sum(
        1 for r in data.responses if r["customer_id"] == busiest and r["survey_kind"] == "CES"
    )
    # Half-open windows split at a response count each response once.
    halves = [answers[busiest, json.dumps(w)] for w in windows[2:4]]
    for name in ("npsResponses", "csatResponses", "cesResponses", "cesScoreSum"):
        assert halves[0][name] + halves[1][name] == everything[name], name
    for name in SURVEY_METRICS.split():  # `from` its first response: every response before
        assert answers[busiest, json.dumps(windows[4])][name] == halves[1][name], name
    assert everything["ticketVolume"] == sum(1 for t in data.tickets if t["customer_id"] == busiest)
    nothing = {"nps": None, "csat": None, "ces": None, "npsResponses": 0, "cesScoreSum": 0}
    empty = {"ticketVolume": 0, "resolutionRate": None, "firstContactResolutionRate": None}
    empty["firstResponseTime"] = {"count": 0, "mean": None, "median": None, "p90": None}
    assert empty.items() <= answers[busiest, json.dumps(windows[5])].items()
    for key in ((busiest, json.dumps(windows[5])), (silent, "null")):
        assert nothing.items() <= answers[key].items(), answers[key]
    own = next(c["segment"] for c in data.customers if c["id"] == busiest)
    other = "enterprise" if own == "smb" else "smb"
    assert answers[busiest, json.dumps({"segment": own})] == everything
    assert answers[busiest, json.dumps({"segment": other})]["npsResponses"] == 0
    # Survey responses carry neither channel nor team: those filters leave them as they are.
    for name in SURVEY_METRICS.split():
        assert answers[busiest, json.dumps(windows[8])][name] == everything[name]
    by_email = sum(
        1 for t in data.tickets if t["customer_id"] == busiest and t["channel"] == "EMAIL"
    )
    assert answers[busiest, json.dumps(windows[8])]["ticketVolume"] == by_email


async def test_root_survey_metrics_compile_and_other_metrics_say_why_not(debug_api: Api) -> None:
    if debug_api.backend.name != "postgres":
        pytest.skip("the compiled path is PostgreSQL's")
    moments = sorted(r["responded_at"] for r in debug_api.backend.data.responses)
    async with serving(debug_api.backend, compiled_reads=False) as resolvers:
        for window in survey_windows(moments):
            expected = await resolvers.post(ROOT_METRICS, {"filter": window}, Role.ANALYST)
            answer = await debug_api.post(ROOT_METRICS, {"filter": window}, Role.ANALYST)
            assert read_path(answer.json()) == {"path": "compiled"}, answer.json()
            assert comparable(answer) == comparable(expected), first_difference(
                comparable(expected)[1], comparable(answer)[1]
            )
    # A window ending before it starts is the resolvers' user error, as before.
    body = (
        await debug_api.post(
            ROOT_METRICS,
            {"filter": {"from": moments[-1].isoformat(), "to": moments[0].isoformat()}},
        )
    ).json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
    assert read_path(body)["path"] == "resolvers"
    # PARTNER may not read metrics: the field is refused as the resolvers refuse it.
    customer = to_global_id("Customer", debug_api.backend.data.customers[0]["id"])
    body = (await debug_api.post(CUSTOMER_METRICS, {"id": customer}, Role.PARTNER)).json()
    assert body["data"]["customer"] is None or body["data"]["customer"]["metrics"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert read_path(body)["path"] == "resolvers"


@pytest.mark.parametrize(
    ("name", "role"),
    [("marketing/customer_360", Role.MARKETING), ("sales/customer_360", Role.SALES)],
)
async def test_the_customer_pages_with_metrics_are_compiled_into_one_statement(
    debug_api: Api, name: str, role: Role
) -> None:
    """The customer pages that ask for the customer's metrics (marketing: `nps csat`;
    sales: with ticket volume and response time), each as its team: one statement, the
    resolvers' bytes."""
    if debug_api.backend.name != "postgres":
        pytest.skip("the compiled path is PostgreSQL's")
    query = (EXAMPLES / f"{name}.graphql").read_text()
    variables = await dashboard_variables(debug_api)
    debug_api.statements.clear()
    answer = await debug_api.post(query, variables, role)
    body = answer.json()
    assert "errors" not in body and read_path(body) == {"path": "compiled"}, body
    # One statement builds the page (with the key's check when the plan was known before).
    assert len([s for s in debug_api.statements if not KEY_LOOKUP.search(s)]) <= 1
    assert len([s for s in debug_api.statements if "metric_surveys" in s]) == 1
    assert body["data"]["customer"]["metrics"]["nps"] is not None
    async with serving(debug_api.backend, compiled_reads=False) as resolvers:
        expected = await resolvers.post(query, variables, role)
    assert comparable(answer) == comparable(expected)


async def test_the_average_lifetime_value_rounds_in_sql_as_decimal_does(backend: Backend) -> None:
    """Half to even at a cent, a negative average that rounds to zero as "-0.00", null
    without customers: the compiled path's JSON equals the resolvers' Decimal's."""
    if backend.name != "postgres":
        pytest.skip("the compiled path is PostgreSQL's")
    totals = [0, 1, 2, 3, 5, 6, 7, 10, 15, 25, 12345, 99999999999999]
    pairs = [(t, n) for t in totals + [-t for t in totals] for n in (0, 1, 2, 3, 4, 6, 8, 7)]
    rows = ", ".join(f"({t}::bigint, {n}::bigint, {i})" for i, (t, n) in enumerate(pairs))
    statement = (
        f"SELECT {metrics.average_money_json('v.t', 'v.n')} FROM (VALUES {rows}) AS v(t, n, i) "
        "ORDER BY v.i"
    )
    async with backend.engine.connect() as connection:
        found = [row[0] for row in await connection.exec_driver_sql(statement)]
    for (t, n), text in zip(pairs, found, strict=True):
        average = metrics.LifetimeFigures(n, (Decimal(t) / 100).quantize(Decimal("0.01"))).average
        assert text == ("null" if average is None else json.dumps(str(average))), (t, n, text)
    answers = dict(zip(pairs, found, strict=True))
    assert answers[-1, 3] == '"-0.00"' and answers[10, 4] == '"0.02"'  # 2.5 cents: to even


SERIES = f"""query($interval: Interval!, $filter: MetricsFilter) {{
  metrics(filter: $filter) {{ ticketVolume npsResponses revenue }}
  metricsSeries(interval: $interval, filter: $filter) {{ __typename start end
    metrics {{ __typename {COMPILED_METRICS} }} again: metrics {{ ticketVolume }} }} }}"""
# Windows starting and ending mid-bucket and crossing month ends (a non-UTC offset
# among them), a series without `from` (the default look-back) or without either end
# (up to now), a window in the future (every bucket empty), and the filters.
SERIES_CASES: list[tuple[str, dict[str, Any] | None]] = [
    ("DAY", {"from": "2026-09-28T15:30:00Z", "to": "2026-10-03T06:00:00Z"}),
    ("DAY", {"to": "2026-10-02T12:00:00Z", "segment": "smb"}),
    ("WEEK", {"from": "2026-07-29T12:00:00Z", "to": "2026-10-02T00:00:00Z"}),
    ("WEEK", {"from": "2026-08-31T00:00:00Z", "to": "2026-10-01T00:00:00Z", "channel": "EMAIL"}),
    ("MONTH", {"from": "2026-01-15T08:00:00+02:00", "to": "2026-11-01T00:00:00Z"}),
    ("MONTH", {"to": "2026-11-01T00:00:00Z", "team": "MARKETING", "channel": "WEB"}),
    ("MONTH", {"from": "2026-03-31T23:00:00Z", "segment": "enterprise", "channel": "PHONE"}),
    ("MONTH", None),
    ("WEEK", {"from": "2100-01-01T00:00:00Z", "to": "2100-02-15T00:00:00Z"}),
]


async def compare_with_resolvers(
    api: Api, resolvers: Api, query: str, variables: dict[str, Any], role: Role
) -> dict[str, Any]:
    """The compiled path answers, with the resolvers' bytes; its `data`."""
    expected = await resolvers.post(query, variables, role)
    answer = await api.post(query, variables, role)
    body = answer.json()
    assert "errors" not in body and read_path(body) == {"path": "compiled"}, (variables, body)
    assert comparable(answer) == comparable(expected), first_difference(
        comparable(expected)[1], comparable(answer)[1]
    )
    found: dict[str, Any] = body["data"]
    return found


async def compare_pages_with_resolvers(
    api: Api,
    resolvers: Api,
    query: str,
    variables: dict[str, Any],
    role: Role,
    first: int,
    pages: int,
) -> list[dict[str, Any]]:
    """`compare_with_resolvers` for pages of `first` through the cursors of the query's
    one root connection, up to `pages` pages; the connections read."""
    found: list[dict[str, Any]] = []
    after = None
    for _ in range(pages):
        data = await compare_with_resolvers(
            api, resolvers, query, {**variables, "first": first, "after": after}, role
        )
        page = next(iter(data.values()))
        found.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    return found


async def test_metrics_series_compile_to_the_resolvers_bytes(debug_api: Api) -> None:
    """metricsSeries on the compiled path, every metric of every bucket: the resolvers'
    bytes for each interval, window and filter; the buckets cover the window whole, in
    calendar buckets, and their figures add up to the window's."""
    if debug_api.backend.name != "postgres":
        pytest.skip("the compiled path is PostgreSQL's")
    answers = []
    async with serving(debug_api.backend, compiled_reads=False) as resolvers:
        for interval, window in SERIES_CASES:
            variables = {"interval": interval, "filter": window}
            data = await compare_with_resolvers(
                debug_api, resolvers, SERIES, variables, Role.ANALYST
            )
            answers.append(data)
            buckets = data["metricsSeries"]
            for bucket, following in itertools.pairwise(buckets):
                assert bucket["end"] == following["start"], buckets
            for bucket in buckets:
                assert bucket["start"].endswith("T00:00:00+00:00"), bucket
                assert bucket["again"]["ticketVolume"] == bucket["metrics"]["ticketVolume"]
            if window and "from" in window and "to" in window:
                # The windows' parts, counted once each: the window's own figures.
                for name in ("ticketVolume", "npsResponses"):
                    total = sum(b["metrics"][name] for b in buckets)
                    assert total == data["metrics"][name], (interval, window, name)
                revenue = sum(Decimal(b["metrics"]["revenue"]) for b in buckets)
                assert revenue == Decimal(data["metrics"]["revenue"])
    days = answers[0]["metricsSeries"]
    assert [b["start"][:10] for b in days] == [
        "2026-09-28",
        "2026-09-29",
        "2026-09-30",
        "2026-10-01",
        "2026-10-02",
        "2026-10-03",  # the bucket `to` (06:00) falls in
    ]
    weeks = answers[2]["metricsSeries"]
    assert weeks[0]["start"] == "2026-07-27T00:00:00+00:00"  # the Monday before `from`
    assert weeks[-1]["end"] == "2026-10-05T00:00:00+00:00"
    assert sum(b["metrics"]["ticketVolume"] for b in weeks) > 0
    months = answers[4]["metricsSeries"]
    assert months[0]["start"] == "2026-01-01T00:00:00+00:00" and len(months) == 10
    assert len(answers[5]["metricsSeries"]) == 12  # the default look-back: 12 months
    future = answers[-1]["metricsSeries"]
    assert len(future) == 7 and all(b["metrics"]["ticketVolume"] == 0 for b in future)
    assert all(b["metrics"]["nps"] is None for b in future)


# Selections reading one duration, the other, both, or none: the compiled statement sorts
# only for the durations a selection reads (resolvers/metrics.figures_sources).
DURATION_SELECTIONS = [
    "ticketVolume resolutionRate",
    "resolutionTime { median p90 }",
    "firstResponseTime { count mean } ticketVolume",
    "firstResponseTime { p90 } resolutionTime { count mean median p90 } ticketVolume",
]


@pytest.mark.parametrize("selection", DURATION_SELECTIONS)
async def test_metrics_reading_some_durations_compile_to_the_resolvers_bytes(
    debug_api: Api, selection: str
) -> None:
    """The year's metrics and a monthly series, each reading some of the duration
    statistics (or none): the resolvers' bytes, which compute them all."""
    if debug_api.backend.name != "postgres":
        pytest.skip("the compiled path is PostgreSQL's")
    query = f"""query($filter: MetricsFilter) {{ metrics(filter: $filter) {{ {selection} }}
      metricsSeries(interval: MONTH, filter: $filter) {{ start metrics {{ {selection} }} }} }}"""
    window = {"from": "2026-01-01T00:00:00Z", "to": "2026-11-01T00:00:00Z"}
    async with serving(debug_api.backend, compiled_reads=False) as resolvers:
        for variables in ({"filter": window}, {"filter": {**window, "channel": "EMAIL"}}):
            data = await compare_with_resolvers(
                debug_api, resolvers, query, variables, Role.ANALYST
            )
            assert data["metrics"], data


FUNNEL = """query($filter: MetricsFilter) {
  journeyFunnel(filter: $filter) { __typename stage reached conversion }
  again: journeyFunnel(filter: $filter) { reached } }"""


async def test_the_journey_funnel_compiles_to_the_resolvers_bytes(debug_api: Api) -> None:
    if debug_api.backend.name != "postgres":
        pytest.skip("the compiled path is PostgreSQL's")
    filters: list[dict[str, Any] | None] = [
        None,
        {"from": "2026-08-01T00:00:00Z", "to": "2026-11-01T00:00:00Z"},
        {"from": "2026-10-01T00:00:00Z", "segment": "smb"},
        {"to": "2026-06-01T00:00:00Z", "channel": "WEB", "team": "MARKETING"},
        {"team": "SUPPORT", "segment": "enterprise"},
        {"from": "2100-01-01T00:00:00Z"},
    ]
    async with serving(debug_api.backend, compiled_reads=False) as resolvers:
        found = [
            await compare_with_resolvers(
                debug_api, resolvers, FUNNEL, {"filter": f}, Role.MARKETING
            )
            for f in filters
        ]
    everyone = found[0]["journeyFunnel"]
    assert [s["stage"] for s in everyone] == [
        "AWARENESS",
        "CONSIDERATION",
        "DECISION",
        "RETENTION",
        "ADVOCACY",
    ]
    assert everyone[0]["conversion"] is None and everyone[0]["reached"] > everyone[-1]["reached"]
    touched = {t["customer_id"] for t in debug_api.backend.data.touchpoints}
    assert everyone[0]["reached"] == len(touched)
    for step, previous in zip(everyone[1:], everyone, strict=False):
        assert step["conversion"] == step["reached"] / previous["reached"]
    assert [s["reached"] for s in found[0]["again"]] == [s["reached"] for s in everyone]
    empty = found[-1]["journeyFunnel"]
    assert [(s["reached"], s["conversion"]) for s in empty] == [(0, None)] * 5


async def test_series_and_funnel_refusals_stay_the_resolvers(debug_api: Api) -> None:
    """A window ending before it starts, or too many buckets: the resolvers' user error;
    PARTNER may not read either: FORBIDDEN, from the resolvers."""
    if debug_api.backend.name != "postgres":
        pytest.skip("the compiled path is PostgreSQL's")
    backwards = {"from": "2026-10-01T00:00:00Z", "to": "2026-09-01T00:00:00Z"}
    too_long = {"from": "2020-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}
    for query, variables in (
        (SERIES, {"interval": "WEEK", "filter": backwards}),
        (SERIES, {"interval": "DAY", "filter": too_long}),
        (FUNNEL, {"filter": backwards}),
    ):
        body = (await debug_api.post(query, variables, Role.ANALYST)).json()
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
        assert read_path(body)["path"] == "resolvers"
    for query, variables in ((SERIES, {"interval": "MONTH"}), (FUNNEL, {})):
        body = (await debug_api.post(query, variables, Role.PARTNER)).json()
        assert body["data"] is None or not any(body["data"].values()), body
        assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}
        assert read_path(body)["path"] == "resolvers"


def test_a_series_plan_takes_its_buckets_from_each_requests_clock() -> None:
    """A series written with literal arguments and no `to` ends at each request's clock:
    its plan builds the buckets again for every request, never keeps the first's."""
    plans = CompiledPlans()
    plans.attach(schema)
    assert plans.cache is not None
    query = '{ metricsSeries(interval: DAY, filter: {from: "2026-10-01"}) { start } }'
    starts = []
    for day in (3, 9):
        now = datetime(2026, 10, day, 12, tzinfo=UTC)
        ready = plans.cache.prepare(
            query, parse(query), None, {}, CompileContext(Role.ANALYST, now)
        )
        assert isinstance(ready, Ready), ready
        arrays = [p for p in ready.parameters if isinstance(p, list)]
        starts.append(arrays[0])
    assert len(starts[0]) == 3 and len(starts[1]) == 9, starts
    assert starts[1][-1] == datetime(2026, 10, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "role"),
    [("analyst/cx_dashboard", Role.ANALYST), ("marketing/journey_funnel", Role.MARKETING)],
)
async def test_the_metrics_dashboards_are_compiled_into_one_statement(
    debug_api: Api, name: str, role: Role
) -> None:
    """The analyst's CX dashboard (metrics, a weekly series, definitions) and marketing's
    journey funnel (funnel, metrics, a monthly series): one statement, the resolvers' bytes."""
    if debug_api.backend.name != "postgres":
        pytest.skip("the compiled path is PostgreSQL's")
    query = (EXAMPLES / f"{name}.graphql").read_text()
    variables = variables_for(debug_api, query)
    debug_api.statements.clear()
    async with serving(debug_api.backend, compiled_reads=False) as resolvers:
        data = await compare_with_resolvers(debug_api, resolvers, query, variables, role)
    assert len([s for s in debug_api.statements if not KEY_LOOKUP.search(s)]) <= 1
    assert len(data["metricsSeries"]) > 1
    assert any(b["metrics"]["revenue"] != "0.00" for b in data["metricsSeries"])


def floats_to_write() -> list[float]:
    """Random bit patterns (every exponent), random decimals from 1e-20 to 1e20, integral
    values from 1e16 to 1e21, and the edges where PostgreSQL's and Python's layouts part
    (1e-05, 1e15, 1e16, 2^63, integral values past 2^63 whose text has a 17th digit)."""
    edges = [0.0, -0.0, 1e-05, -5e-05, 1.234e-06, 9.99e-05, 1e-4, 1e15, 1.5e15, 1e15 + 0.5]
    edges += [1e16, 9.999999999999998e15, 5.299064834871378e16, 2.0**63, 1e19, 5e-324, 0.1]
    edges += [1.7976931348623157e308, 1.0 / 3, 100.0, 123456789012345.6]
    edges += [9.9456428017024e19, 3.995393526464768e19, 5.35547446738432e20, 1e21, 2.0**1023]
    chosen = random.Random(16)
    values = list(edges)
    while len(values) < 20_000:
        value = struct.unpack("d", struct.pack("Q", chosen.getrandbits(64)))[0]
        if math.isfinite(value):
            values.append(value)
    values += [chosen.uniform(-1, 1) * 10.0 ** chosen.randint(-20, 20) for _ in range(10_000)]
    values += [float(chosen.randrange(10**16, 10**21)) for _ in range(5_000)]
    return values


async def floats_written_wrong(engine: Any, values: list[float]) -> list[tuple[float, str]]:
    """(value, text) of each value whose compiled Float text is not orjson's."""
    statement = sa.text(
        f"SELECT {SCALAR_JSON['Float']('x')} FROM unnest(CAST(:values AS float8[])) "
        "WITH ORDINALITY AS u(x, i) ORDER BY i"
    )
    async with engine.connect() as connection:
        written = (await connection.execute(statement, {"values": values})).scalars().all()
    return [(v, w) for v, w in zip(values, written, strict=True) if w != orjson.dumps(v).decode()]


async def test_every_float_is_written_as_the_resolvers_write_it(backend: Backend) -> None:
    """The compiled path's Float text equals orjson's (the resolvers' writer) for every
    magnitude (`floats_to_write`)."""
    if backend.name != "postgres":
        pytest.skip("the compiled path is PostgreSQL's")
    wrong = await floats_written_wrong(backend.engine, floats_to_write())
    assert not wrong, wrong[:5]


async def test_floats_are_written_alike_on_a_database_set_to_fewer_digits(
    tmp_path: Path,
) -> None:
    """A database (or role) whose `extra_float_digits` is 0 has PostgreSQL write 15
    digits (0.1 + 0.2 as 0.3): every connection the server opens sets it back to 1, so
    the compiled path's Float text stays the resolvers' (orjson's)."""
    async with new_database("postgres", tmp_path) as engine:
        await upgrade_engine(engine)
        async with engine.connect() as connection:
            await connection.execute(
                sa.text(f'ALTER DATABASE "{engine.url.database}" SET extra_float_digits = 0')
            )
            await connection.commit()
        await engine.dispose()  # the setting holds for connections opened from now on
        async with engine.connect() as connection:
            shown = await connection.scalar(sa.text("SHOW extra_float_digits"))
        assert shown == "1"
        wrong = await floats_written_wrong(engine, [0.1 + 0.2, 1.0 / 3, *floats_to_write()])
        assert not wrong, wrong[:5]


AUDIT_PAGE = """query($first: Int, $after: String, $f: AuditLogFilter) {
  auditLog(first: $first, after: $after, filter: $f) { totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { occurredAt keyName role action targetIds details } } } }"""


async def test_the_audit_log_compiles_to_the_resolvers_bytes(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """`auditLog` for ADMIN, every filter and paged with cursors: the resolvers' bytes
    (target ids as global ids, details as stored); other roles are refused alike."""
    async with (
        database("postgres", tmp_path_factory.mktemp("audit"), 3) as found,
        serving(found, debug=True) as api,
        serving(found, compiled_reads=False) as resolvers,
    ):
        written = []
        for n in range(4):
            written.append(await new_customer(api, f"Audited{n}"))
        merged = await api.query(
            "mutation($s: ID!, $m: [ID!]!) { mergeCustomers(input: {survivorId: $s, "
            "mergedIds: $m}) { userErrors { code } } }",
            {"s": written[0], "m": written[1:3]},
        )
        assert merged["mergeCustomers"]["userErrors"] == []
        await api.query(
            'mutation { createSurvey(input: {kind: NPS, question: "Recommend us?"}) '
            "{ survey { id } } }"
        )
        log = (await api.query(AUDIT_PAGE, {"first": 100}))["auditLog"]
        moments = sorted(e["node"]["occurredAt"] for e in log["edges"])
        assert log["totalCount"] >= 6 and any(
            len(e["node"]["targetIds"]) == 3 for e in log["edges"]
        )
        filters: list[dict[str, Any] | None] = [
            None,
            {"action": ["createCustomer"]},
            {"action": ["mergeCustomers", "createSurvey"], "keyName": "test-admin"},
            {"keyName": "nobody"},
            {"targetId": written[1]},
            {"targetId": written[0], "action": ["mergeCustomers"]},
            {"from": moments[2]},
            {"to": moments[3], "from": "2000-01-01"},
        ]
        for window in filters:
            await compare_pages_with_resolvers(
                api, resolvers, AUDIT_PAGE, {"f": window}, Role.ADMIN, first=2, pages=4
            )
        target_only = await api.query(AUDIT_PAGE, {"f": {"targetId": written[1]}})
        assert {e["node"]["action"] for e in target_only["auditLog"]["edges"]} == {
            "createCustomer",
            "mergeCustomers",
        }
        for role in (Role.ANALYST, Role.SUPPORT):
            refused = (await api.post(AUDIT_PAGE, {"first": 1}, role)).json()
            expected = (await resolvers.post(AUDIT_PAGE, {"first": 1}, role)).json()
            assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
            assert refused["errors"] == expected["errors"]
        bad = (await api.post(AUDIT_PAGE, {"f": {"targetId": "nope"}}, Role.ADMIN)).json()
        assert bad["errors"][0]["message"].startswith("`filter.targetId`"), bad
