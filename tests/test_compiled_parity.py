"""Both read paths answer every stored query alike, byte for byte, for every role.

The stored queries are the examples (dashboards included) and every query the other
tests sent (conftest records them; this file runs last). Each runs on a seeded
PostgreSQL database through a resolvers-only server and through a server with the
compiled path; whenever the compiled path answers, its JSON must be byte-identical to the
resolvers' (when it declines, the resolvers answer on both servers). A field
without an SQL form falls back silently: test_compiled_reads pins the dashboards to
the compiled path, and this test requires a share of the queries to compile.
"""

import functools
import json
import os
import re
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse

from api.background import cancel
from models import Role
from schema.node import to_global_id
from tests.conftest import (
    NO_POSTGRES,
    POSTGRES_URL,
    SEED_CUSTOMERS,
    SENT_QUERIES,
    UNLIMITED,
    Api,
    database,
    serving,
)
from tests.test_examples import DOCUMENTS, variables_for

# Both servers write read-audit entries to the one database, each from its own buffer.
# A `readAudit` pair compares alike only if neither buffer is written between its two
# requests (a request that shows an email adds to its server's buffer): the writers'
# timers are stopped, and both buffers are written by hand before such a pair.


async def stop_read_audit_timer(api: Api) -> None:
    await cancel(api.app.state.read_audit_writer.tasks)


async def settle_read_audit(*apis: Api) -> None:
    for api in apis:
        await api.app.state.read_audit.flush()


@pytest.fixture(scope="module")
async def both_paths(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Api, Api]]:
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    async with (
        database("postgres", tmp_path_factory.mktemp("parity"), SEED_CUSTOMERS) as found,
        serving(found, compiled_reads=False, **UNLIMITED) as resolvers,
        serving(found, debug=True, **UNLIMITED) as compiled,
    ):
        for api in (resolvers, compiled):
            await stop_read_audit_timer(api)
        yield resolvers, compiled


def is_read(query: str) -> bool:
    try:
        document = parse(query)
    except GraphQLError:
        return False
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return len(operations) == 1 and operations[0].operation == OperationType.QUERY


@functools.cache
def sent_queries() -> list[tuple[str, str]]:
    """This run's queries; run alone, those the test processes kept in CX360_SENT_QUERIES.
    Read once: the parts that run after the first in the same process replay the same
    list, not the queries the first part itself sent (SENT_QUERIES is no longer empty)."""
    kept = os.environ.get("CX360_SENT_QUERIES")
    if SENT_QUERIES or not kept or not Path(kept).is_dir():
        return list(SENT_QUERIES)
    found: dict[tuple[str, str], None] = {}
    for path in sorted(Path(kept).glob("*.json")):
        found.update(
            {(query, variables): None for query, variables in json.loads(path.read_text())}
        )
    return list(found)


def stored_queries(api: Api) -> list[tuple[str, dict[str, Any]]]:
    found = [(doc, variables_for(api, doc)) for doc in DOCUMENTS.values()]
    found += [(query, json.loads(variables)) for query, variables in sent_queries()]
    unique = {(q, json.dumps(v, sort_keys=True)): (q, v) for q, v in found if is_read(q)}
    return list(unique.values())


def comparable(response: httpx.Response) -> tuple[int, str]:
    """Status and body without the top-level `extensions` (cost and readPath differ by
    design); both are written by orjson, so the cut is exact."""
    text = response.text
    extensions = json.loads(text).get("extensions")
    if extensions is not None:
        tail = ',"extensions":' + orjson.dumps(extensions).decode() + "}"
        assert text.endswith(tail), text[-300:]
        text = text[: -len(tail)] + "}"
    return response.status_code, re.sub(r'"requestId":"\w+"', '"requestId":"*"', text)


def first_difference(expected: str, answer: str) -> str:
    at = next((i for i, (a, b) in enumerate(zip(expected, answer, strict=False)) if a != b), 0)
    return f"resolvers: ...{expected[max(0, at - 80) : at + 120]}\ncompiled:  ...{answer[max(0, at - 80) : at + 120]}"


# The reads the resolvers alone answer, for every role: a bulk operation is read from the
# primary by its own key, with a URL signed in Python; the GDPR export is one JSON
# document built in Python.
NO_SQL_FORM = {
    "Query.bulkOperation has no SQL form",
    "Query.bulkOperations has no SQL form",
    "Query.exportCustomer has no SQL form",
}

# `make test` replays the stored queries in this many parts, one per process (`-n 2` in
# the Makefile): each part is an xdist group, which `--dist loadgroup` sends to a process
# of its own (plain `load` sent both parts, the first two items, to one process).
PARTS = 2


@pytest.mark.parametrize(
    "part", [pytest.param(p, marks=pytest.mark.xdist_group(f"part{p}")) for p in range(PARTS)]
)
async def test_both_paths_answer_every_stored_query_alike(
    both_paths: tuple[Api, Api], part: int
) -> None:
    resolvers, compiled = both_paths
    every = stored_queries(resolvers)
    assert len(every) >= len(DOCUMENTS) - 1
    queries = every[part::PARTS]
    served: Counter[str] = Counter()
    declined: Counter[str] = Counter()  # why the resolvers answered, printed for the curious
    differences = []
    started = time.perf_counter()
    for query, variables in queries:
        for role in Role:
            if "readAudit" in query:
                await settle_read_audit(resolvers, compiled)
            answer = await compiled.post(query, variables, role)
            body = answer.json()
            path = (body.get("extensions") or {}).get("readPath", {}).get("path", "refused")
            served[path] += 1
            if path != "compiled":  # the resolvers answered on both servers: nothing to compare
                reason = body.get("extensions", {}).get("readPath", {}).get("declined", path)
                declined[reason.split(": ", 1)[0]] += 1
                continue
            expected = await resolvers.post(query, variables, role)
            if comparable(expected) != comparable(answer):
                (status_a, text_a), (status_b, text_b) = comparable(expected), comparable(answer)
                differences.append(
                    f"{role.value} {status_a}/{status_b} {query[:200]!r} {variables}\n"
                    + first_difference(text_a, text_b)
                )
    assert not differences, "\n\n".join(differences[:5])
    # A decline is a statement without an SQL form, never a fault of the path itself: a
    # compiled statement that failed (logged as an error) or a plan the compiler got wrong.
    faults = [r for r in declined if "failed" in r or "compiler fault" in r]
    assert not faults, faults
    # Every read field has an SQL form but these; a new field without one shows up here.
    missing = {r for r in declined if r.endswith("has no SQL form")} - NO_SQL_FORM
    assert not missing, missing
    seconds = time.perf_counter() - started
    print(
        f"\nparity: {len(queries)} queries x {len(Role)} roles in {seconds:.0f} s: {dict(served)}"
        f"\ndeclined most: {declined.most_common(12)}"
    )
    # Most test queries exercise metrics, health or writes; a fifth of pairs compiling
    # shows the path is alive (test_compiled_reads pins the dashboards themselves).
    assert served["compiled"] >= 0.15 * sum(served.values()), served


PAGED = {
    "customers": """query($after: String, $field: CustomerOrderField!, $direction: SortDirection!) {
      customers(first: 7, after: $after, orderBy: {field: $field, direction: $direction}) {
        totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        edges { cursor node { id name lifetimeValue createdAt } } } }""",
    "tickets": """query($after: String, $field: TicketOrderField!, $direction: SortDirection!) {
      tickets(first: 7, after: $after, orderBy: {field: $field, direction: $direction}) {
        pageInfo { hasNextPage endCursor }
        edges { cursor node { id priority createdAt firstResponseSeconds } } } }""",
}
TIMELINE = """query($id: ID!, $after: String) { customer(id: $id) {
  timeline(first: 9, after: $after) { pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor occurredAt node { __typename ... on Ticket { id } ... on Touchpoint { id }
      ... on SurveyResponse { id } } } } } }"""


# The proactive queues, each paged three deep under every kind of filter (their own
# columns, and the linked ticket's or customer's), and the actions found again by id.
QUEUES = {
    "followUps": """query($after: String, $filter: FollowUpFilter) {
      followUps(first: 7, after: $after, filter: $filter) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { cursor node { state dueSince ticket { id priority channel } invitation { id } } } } }""",
    "nextBestActions": """query($after: String, $filter: ActionFilter) {
      nextBestActions(first: 7, after: $after, filter: $filter) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { cursor node { id kind team priority since customer { id segment } } } } }""",
}
QUEUE_FILTERS: dict[str, list[dict[str, Any] | None]] = {
    "followUps": [
        None,
        {"state": ["ANSWERED", "MISSED"]},
        {"priority": ["HIGH", "URGENT"]},
        {"channel": ["EMAIL", "CHAT"], "state": ["MISSED"]},
        {"assignee": "nobody@support"},
    ],
    "nextBestActions": [
        None,
        {"team": ["SUPPORT"]},
        {"segment": "smb"},
        {"segment": "enterprise", "team": ["SALES", "MARKETING"], "priority": ["HIGH", "LOW"]},
        {"kind": ["RE_ENGAGE", "SAVE_AT_RISK"]},
    ],
}
ACTIONS_BY_ID = """query($ids: [ID!]!) { nodes(ids: $ids) { __typename id
  ... on Action { kind reason customer { name nextBestActions { id } } } } }"""
HAS_ACTION = """query($kind: ActionKind) { customers(first: 5, filter: {hasAction: $kind}) {
  totalCount edges { node { name nextBestActions { kind team } } } } }"""


async def test_the_proactive_queues_page_alike_under_every_filter(
    both_paths: tuple[Api, Api],
) -> None:
    resolvers, compiled = both_paths
    found: dict[str, int] = {}
    action_ids: list[str] = []
    for name, query in QUEUES.items():
        for given in QUEUE_FILTERS[name]:
            after = None
            for _page in range(3):
                variables = {"filter": given, "after": after}
                expected = await resolvers.post(query, variables, Role.SUPPORT)
                answer = await compiled.post(query, variables, Role.SUPPORT)
                assert answer.json()["extensions"]["readPath"] == {"path": "compiled"}, name
                assert comparable(expected) == comparable(answer), first_difference(
                    comparable(expected)[1], comparable(answer)[1]
                )
                page = expected.json()["data"][name]
                found[f"{name} {given}"] = page["totalCount"]
                if name == "nextBestActions":
                    action_ids += [e["node"]["id"] for e in page["edges"]]
                after = page["pageInfo"]["endCursor"]
                if not page["pageInfo"]["hasNextPage"]:
                    break
    # The seed holds follow-ups and actions of every kind these filters ask.
    assert found["followUps None"] > 21 and found["nextBestActions None"] > 21, found
    assert sum(1 for total in found.values() if total > 0) >= 8, found
    for role in (Role.ANALYST, Role.PARTNER):
        variables = {"ids": action_ids[:20]}
        expected = await resolvers.post(ACTIONS_BY_ID, variables, role)
        answer = await compiled.post(ACTIONS_BY_ID, variables, role)
        assert comparable(expected) == comparable(answer), role
        if role == Role.ANALYST:
            assert answer.json()["extensions"]["readPath"] == {"path": "compiled"}
            assert all(n["kind"] for n in answer.json()["data"]["nodes"])
    for kind in ("RESOLVE_SLA_RISK", "RE_ENGAGE", "ASK_FOR_REFERRAL", None):
        expected = await resolvers.post(HAS_ACTION, {"kind": kind}, Role.SALES)
        answer = await compiled.post(HAS_ACTION, {"kind": kind}, Role.SALES)
        assert answer.json()["extensions"]["readPath"] == {"path": "compiled"}, kind
        assert comparable(expected) == comparable(answer), kind


async def test_paging_with_cursors_matches_for_every_order(both_paths: tuple[Api, Api]) -> None:
    """Cursors are the subtlest part (times, money, ranks): page 3 pages deep both ways."""
    resolvers, compiled = both_paths
    orders = {
        "customers": [
            (f, d) for f in ("CREATED_AT", "NAME", "LIFETIME_VALUE") for d in ("ASC", "DESC")
        ],
        "tickets": [(f, d) for f in ("CREATED_AT", "PRIORITY") for d in ("ASC", "DESC")],
    }
    top = await resolvers.query(
        "{ customers(first: 1, orderBy: {field: LIFETIME_VALUE, direction: DESC}) "
        "{ edges { node { id } } } }"
    )
    runs = [
        (PAGED[name], {"field": field, "direction": direction}, name)
        for name, pairs in orders.items()
        for field, direction in pairs
    ]
    runs.append((TIMELINE, {"id": top["customers"]["edges"][0]["node"]["id"]}, "timeline"))
    for query, fixed, name in runs:
        after = None
        for _page in range(3):
            variables = {**fixed, "after": after}
            expected = await resolvers.post(query, variables)
            answer = await compiled.post(query, variables)
            assert answer.json()["extensions"]["readPath"]["path"] == "compiled", name
            assert comparable(expected) == comparable(answer), first_difference(
                comparable(expected)[1], comparable(answer)[1]
            )
            data = expected.json()["data"]
            found = data["customer"]["timeline"] if name == "timeline" else data[name]
            after = found["pageInfo"]["endCursor"]
            assert after is not None


PAIN_POINTS = """query($f: MetricsFilter, $o: PainPointOrder) { journeyPainPoints(filter: $f,
  orderBy: $o) { stage channel sentiment sentimentSum negativeShare touchpoints } }"""


async def test_small_floats_read_alike(both_paths: tuple[Api, Api]) -> None:
    """Floats below 1e-4 are written as orjson writes them (0.00001, 1.234e-6), not as
    PostgreSQL does (1e-05, 1.234e-06). Runs last: it writes touchpoints of its own, in a
    window no other touchpoint falls in."""
    resolvers, compiled = both_paths
    customer = resolvers.backend.data.customers[0]["id"]
    sentiments = {
        "SMS": [-0.00005],
        "EMAIL": [0.00001],
        "WEB": [0.000001234],
        "CHAT": [2.23e-7, 1e-7],
    }
    touchpoints = [
        {
            "customer": {"id": to_global_id("Customer", customer)},
            "stage": "ADVOCACY",
            "channel": channel,
            "team": "SALES",
            "kind": "note",
            "source": "small-floats",
            "externalId": f"small-{channel}-{i}",
            "sentiment": value,
            "occurredAt": f"2001-01-0{i + 2}T10:00:00Z",
        }
        for channel, values in sentiments.items()
        for i, value in enumerate(values)
    ]
    written = await resolvers.query(
        "mutation($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) "
        "{ created userErrors { message } } }",
        {"t": touchpoints},
    )
    assert written["recordTouchpoints"] == {"created": len(touchpoints), "userErrors": []}
    window = {"from": "2001-01-01T00:00:00Z", "to": "2001-02-01T00:00:00Z"}
    for order in (None, {"field": "SENTIMENT", "direction": "ASC"}):
        variables = {"f": window, "o": order}
        expected = await resolvers.post(PAIN_POINTS, variables, Role.ANALYST)
        answer = await compiled.post(PAIN_POINTS, variables, Role.ANALYST)
        assert answer.json()["extensions"]["readPath"] == {"path": "compiled"}
        assert comparable(expected) == comparable(answer), first_difference(
            comparable(expected)[1], comparable(answer)[1]
        )
        text = comparable(answer)[1]
        assert '"sentiment":0.00001,' in text and '"sentiment":1.234e-6,' in text, text
        assert '"sentiment":-0.00005,' in text and '"sentimentSum":3.23e-7,' in text, text
