"""Statements per request depend on the query's shape, never on how many rows it returns."""

import asyncio
import gc
import logging
from collections.abc import AsyncIterator

import pytest

from tests.conftest import Api, Backend, serving


@pytest.fixture(scope="module")
async def api(backend: Backend) -> AsyncIterator[Api]:
    """The resolver path: on PostgreSQL the compiled path would answer dashboards itself."""
    async with serving(backend, compiled_reads=False) as client:
        yield client


DASHBOARD = """query($n: Int!) {
  customers(first: $n, orderBy: {field: LIFETIME_VALUE, direction: DESC}) {
    totalCount
    edges { node {
      id name stage lifetimeValue externalIds { source id }
      touchpoints(first: 10) { totalCount edges { node { kind occurredAt customer { id } } } }
      tickets(first: 5, filter: {status: [NEW, OPEN, PENDING, RESOLVED, CLOSED]}) {
        totalCount edges { node { subject status surveyResponses { score survey { kind } } } }
      }
      surveyResponses(first: 5) { edges { node { score ticket { id } } } }
      timeline(first: 10) { edges { occurredAt node {
        __typename ... on Ticket { status } ... on Touchpoint { kind } ... on SurveyResponse { score }
      } } }
    } }
  }
}"""


async def statements_for(api: Api, customers: int) -> tuple[int, int]:
    api.statements.clear()
    data = await api.query(DASHBOARD, {"n": customers})
    return len(api.statements), len(data["customers"]["edges"])


async def test_dashboard_statement_count_is_the_same_for_1_and_100_customers(api: Api) -> None:
    one, returned_one = await statements_for(api, 1)
    hundred, returned_hundred = await statements_for(api, 100)
    assert (returned_one, returned_hundred) == (1, 100)
    assert one == hundred, api.statements
    # key lookup, customers page, customers total; then one batched statement each for
    # externalIds, lifetimeValue, touchpoints page, touchpoints total, touchpoint.customer,
    # tickets page, tickets total, ticket.surveyResponses, response.survey, surveyResponses
    # page, response.ticket; and three for the timeline (one per kind).
    assert hundred == 17


async def test_the_compiled_path_answers_the_dashboard_in_one_statement(backend: Backend) -> None:
    if backend.name != "postgres":
        pytest.skip("the compiled path is PostgreSQL's")
    async with serving(backend) as compiled:
        first_one, _ = await statements_for(compiled, 1)
        one, _ = await statements_for(compiled, 1)
        hundred, returned = await statements_for(compiled, 100)
    assert returned == 100
    # The first time: the key lookup, then the whole response in one statement. Once
    # the key and the document are known, one statement checks the key and answers.
    assert first_one == 2
    assert one == hundred == 1


@pytest.mark.parametrize("n", [3, 50])
async def test_nodes_batches_ids_of_each_type_into_one_statement(api: Api, n: int) -> None:
    from schema.node import to_global_id

    ids = [to_global_id("Touchpoint", t["id"]) for t in api.backend.data.touchpoints[:n]]
    api.statements.clear()
    data = await api.query("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids})
    assert [node["id"] for node in data["nodes"]] == ids
    assert len(api.statements) == 2  # key lookup + one batched touchpoint fetch


CUSTOMER_METRICS = """query($n: Int!) { customers(first: $n) { edges { node {
  health { score level reasons }
  metrics(filter: {from: "2026-01-01T00:00:00Z"}) {
    nps csat ticketVolume firstResponseTime { median } churnRate revenue averageLifetimeValue }
} } } }"""


async def test_customer_metrics_and_health_cost_the_same_for_1_and_100_customers(api: Api) -> None:
    counts = []
    for n in (1, 100):
        api.statements.clear()
        data = await api.query(CUSTOMER_METRICS, {"n": n})
        assert len(data["customers"]["edges"]) == n
        counts.append(len(api.statements))
    # key lookup, customers page (health is stored on the row: no statement of its own),
    # and one statement per metric group asked for (surveys, tickets, customers, revenue,
    # two for lifetime value)
    assert counts == [8, 8]


ENDED_EARLY = """query($filter: MetricsFilter) {
  metrics(filter: $filter) { ticketVolume npsResponses revenue }
  metricsSeries(interval: DAY, filter: $filter) { start }
}"""


async def test_a_request_ended_by_a_field_error_sends_no_statement_after_its_answer(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """Over 400 daily buckets is a user error on `metricsSeries`, which nulls the whole
    answer while its sibling `metrics` has loads queued: graphql-core answers at once
    (graphql-python/graphql-core#269), and those loads are dropped, not sent after the
    answer; nothing is logged as an error for them."""
    window = {"from": "2025-01-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"}
    api.statements.clear()
    response = await api.post(ENDED_EARLY, {"filter": window})
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
    answered = len(api.statements)
    await asyncio.sleep(0.5)
    assert api.statements[answered:] == []
    gc.collect()  # a task whose exception nobody retrieved is logged when collected
    await asyncio.sleep(0)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    # The same loads in a request that succeeds are still sent and answered.
    data = await api.query(ENDED_EARLY.replace("DAY", "MONTH"), {"filter": window})
    assert data["metrics"]["ticketVolume"] > 0
