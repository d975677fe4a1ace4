"""recordTouchpoints answered around strawberry's argument conversion (api/fast_writes.py)
gives the same bytes as the full pipeline: for valid batches, duplicates, user errors,
variables GraphQL refuses, refused roles and other selections; the fast path is taken
for the plain shape, and what it stores is what the full pipeline stores."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from api.fast_writes import FastWrites
from models import Role, Touchpoint
from schema.node import to_global_id
from tests.conftest import Api, Backend, database, serving
from tests.test_touchpoint_ingestion import event

RECORD = """mutation Record($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) {
  created duplicates userErrors { field message code } } }"""
WITH_IDS = """mutation($batch: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $batch) {
  userErrors { code message } touchpoints { id } duplicates created } }"""
NOT_PLAIN = """mutation($t: [TouchpointInput!]!) { r: recordTouchpoints(touchpoints: $t) {
  created touchpoints { id externalId } } }"""


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def both(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Api, Api, Backend]]:
    """One database served twice: fast writes on, and off. A bucket that refills at once
    keeps `extensions.cost.remaining` the same on both."""
    limits = {"rate_limit_per_second": 10**9, "request_timeout_seconds": 90}
    async with (
        database(request.param, tmp_path_factory.mktemp("fast"), 3) as found,
        serving(found, **limits) as fast,
        serving(found, fast_writes=False, **limits) as slow,
    ):
        yield fast, slow, found


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """One entry per request the fast path looked at: True when it answered."""
    seen: list[bool] = []
    original = FastWrites.answer

    async def spy(self: FastWrites, *args: Any) -> Any:
        found = await original(self, *args)
        seen.append(found is not None)
        return found

    monkeypatch.setattr(FastWrites, "answer", spy)
    return seen


async def _post(api: Api, query: str, variables: Any, role: Role = Role.ADMIN) -> httpx.Response:
    return await api.client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {api.backend.keys[role]}"},
    )


def _refs(backend: Backend) -> list[dict[str, Any]]:
    first, second, third = backend.data.customers[:3]
    return [
        {"id": to_global_id("Customer", first["id"])},
        {"email": second["email"].upper()},
        {"id": to_global_id("Customer", third["id"])},
    ]


def _valid(backend: Backend, tag: str, size: int) -> list[dict[str, Any]]:
    refs = _refs(backend)
    events = []
    for n in range(size):
        extra: dict[str, Any] = {}
        if n % 7 == 0:
            extra = {"value": "19.90", "currency": "EUR", "summary": "bought ünïcode ✓"}
        if n % 11 == 0:
            extra["sentiment"] = 1 if n % 2 else -0.25
            extra["attributes"] = {"plan": "pro", "seats": n}
        if n % 13 == 0:
            extra["stage"] = "RETENTION"
        events.append(event(refs[n % 3], f"{tag}-{n % (size - 3)}", **extra))
    events.append(event(refs[0], None))  # no key: always stored
    return events


async def _same(
    both: tuple[Api, Api, Backend],
    query: str,
    fast_variables: Any,
    slow_variables: Any,
    role: Role = Role.ADMIN,
) -> bytes:
    fast, slow, _ = both
    answered = await _post(fast, query, fast_variables, role)
    expected = await _post(slow, query, slow_variables, role)
    assert (answered.status_code, answered.content) == (expected.status_code, expected.content)
    return answered.content


async def test_valid_batches_same_answer_and_same_rows(
    both: tuple[Api, Api, Backend], taken: list[bool]
) -> None:
    backend = both[2]
    tag = uuid.uuid4().hex[:8]
    batch = {"t": _valid(backend, f"f{tag}", 1000)[:1000]}
    other = {"t": _valid(backend, f"s{tag}", 1000)[:1000]}
    body = await _same(both, RECORD, batch, other)
    assert b'"created":997,"duplicates":3,"userErrors":[]' in body
    assert taken == [True]
    # Sent again, to either path: every event a duplicate, the same ids in the same order.
    again = await _same(both, WITH_IDS, {"batch": batch["t"]}, {"batch": batch["t"]})
    assert b'"duplicates":1000,"created":0' in again and again.count(b'"id":') == 1000
    assert taken == [True, True]
    # Either path stored the same rows (but for their keys' tags) and one audit entry.
    count = sa.text(
        "SELECT count(*), count(DISTINCT customer_id), sum(value_cents), "
        "count(attributes), sum(sentiment) FROM touchpoint WHERE external_id LIKE :p"
    )
    audits = sa.text(
        "SELECT count(*) FROM audit_entry WHERE action = 'recordTouchpoints' "
        "AND CAST(target_ids AS TEXT) LIKE :id"
    )
    by_key = sa.select(Touchpoint.id)  # type: ignore[call-overload]
    async with backend.engine.connect() as connection:
        stored = [
            tuple((await connection.execute(count, {"p": f"{p}{tag}-%"})).one()) for p in "fs"
        ]
        first_ids = [
            (
                await connection.execute(by_key.where(Touchpoint.external_id == f"{p}{tag}-0"))
            ).scalar_one()
            for p in "fs"
        ]
        audited = [
            (await connection.execute(audits, {"id": f"%{key}%"})).scalar_one() for key in first_ids
        ]
    assert stored[0] == stored[1] and stored[0][:2] == (997, 3)
    assert audited == [1, 1]


async def test_user_errors_same_answer(both: tuple[Api, Api, Backend], taken: list[bool]) -> None:
    backend = both[2]
    refs = _refs(backend)
    ticket = to_global_id("Ticket", uuid.uuid4())
    bad = [
        event(refs[0], "ue-1", occurredAt="2999-01-01T00:00:00Z"),
        event(refs[1], "ue-2", kind="  "),
        event(refs[2], "ue-3", value="1.005", currency="usd"),
        event(refs[0], "ue-4", value="5"),
        event(refs[0], "ue-5", sentiment=2.5, attributes=[1, 2]),
        event({"email": "nobody@nowhere.example"}, "ue-6"),
        event({"id": ticket}, "ue-7"),
        event({"id": "not-an-id"}, "ue-8"),
        event({"id": refs[0]["id"], "email": "x@y.example"}, "ue-9"),
        event({}, "ue-10"),
        event(refs[1], "x" * 300, source="s" * 65),
        event(refs[2], "ue-11"),  # fine, but the batch stores nothing
    ]
    body = await _same(both, RECORD, {"t": bad}, {"t": bad})
    assert body.count(b'"field":') == 14 and b'"created":0' in body
    assert await _same(both, RECORD, {"t": []}, {"t": []})  # 1 to 1000 per call
    too_many = [event(refs[0], f"many-{n}") for n in range(1001)]
    assert b"1000" in await _same(both, RECORD, {"t": too_many}, {"t": too_many})
    assert taken == [True, True, True]


REFUSED_BY_GRAPHQL: dict[str, Any] = {
    "unknown enum name": {"channel": "PIGEON"},
    "enum value in lower case": {"channel": "web"},
    "missing required field": {"kind": None},
    "unknown field": {"colour": "red"},
    "bool for Float": {"sentiment": True},
    "number for String": {"kind": 5},
    "float for Decimal": {"value": 12.5, "currency": "USD"},
    "not a date-time": {"occurredAt": "yesterday"},
    "date-time without offset": {"occurredAt": "2026-10-05T12:00:00"},
    "number for ID": {"customer": {"id": 12}},
    "unknown ref field": {"customer": {"phone": "+1"}},
    "external id without source": {"customer": {"externalId": {"id": "a"}}},
}


@pytest.mark.parametrize("case", sorted(REFUSED_BY_GRAPHQL))
async def test_variables_graphql_refuses_same_answer(
    both: tuple[Api, Api, Backend], taken: list[bool], case: str
) -> None:
    refs = _refs(both[2])
    sent = {**event(refs[0], f"gql-{case}"), **REFUSED_BY_GRAPHQL[case]}
    sent = {k: v for k, v in sent.items() if v is not None}
    variables = {"t": [event(refs[1], "ok"), sent]}
    body = await _same(both, RECORD, variables, variables)
    assert b"Traceback" not in body
    assert (b'"errors"' in body) is (case != "number for ID")  # GraphQL's ID takes an Int
    assert taken == [False]


async def test_other_shapes_and_roles_same_answer(
    both: tuple[Api, Api, Backend], taken: list[bool]
) -> None:
    refs = _refs(both[2])
    tag = uuid.uuid4().hex[:8]

    def one(path: str, n: int) -> list[dict[str, Any]]:  # each path stores its own event
        return [event(refs[0], f"{tag}-{path}-{n}")]

    await _same(both, RECORD, {"t": one("f", 1)}, {"t": one("s", 1)}, Role.ANALYST)
    await _same(both, RECORD, {"t": None}, {"t": None})
    await _same(both, RECORD, {"t": one("f", 2)[0]}, {"t": one("s", 2)[0]})  # a list of one
    await _same(both, RECORD, {"t": [None]}, {"t": [None]})
    await _same(both, RECORD, {"t": one("f", 3), "extra": 1}, {"t": one("s", 3), "extra": 1})
    assert taken == [False] * 5
    await _same(both, RECORD, {"t": one("f", 4)}, {"t": one("s", 4)}, Role.PARTNER)
    assert taken[-1] is True
    fast = both[0]
    answered = await _post(fast, NOT_PLAIN, {"t": one("f", 4)})  # not plain: strawberry
    assert taken[-1] is False and answered.json()["data"]["r"]["created"] == 0
    revoked = await fast.client.post(
        "/graphql",
        json={"query": RECORD, "variables": {"t": one("f", 5)}},
        headers={"Authorization": "Bearer nope"},
    )
    assert revoked.status_code == 401
