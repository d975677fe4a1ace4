"""Numbers at the edge of their types: what cannot be served is refused when written.

GraphQL `Int` is 32-bit signed and money is stored as 64-bit integer cents. Writes that
would make a served number unrepresentable (a ticket duration or count beyond 2^31 - 1,
a purchase value too large to sum) are user errors naming the field; values at the
limit are served, identically by the resolvers and by the compiled PostgreSQL path.
"""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import Api, database, serving

INT_MAX = 2**31 - 1
MAX_VALUE = "999999999999.99"  # the largest purchase value accepted (under 10^12)
CREATE = """mutation { createCustomer(input: {name: "Edge Case"}) { customer { id } } }"""
RECORD = """mutation($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) {
  created userErrors { field message code } } }"""
OPEN = """mutation($c: ID!, $at: DateTime) { openTicket(input: {customer: {id: $c},
  subject: "Edge", channel: EMAIL, createdAt: $at}) { ticket { id } userErrors { field message code } } }"""
RESPOND = """mutation($id: ID!, $at: DateTime) { respondToTicket(id: $id, at: $at) {
  ticket { id } userErrors { field message code } } }"""
CONTACT = """mutation($id: ID!) { recordCustomerContact(id: $id) {
  ticket { contactCount } userErrors { field message code } } }"""
CUSTOMER = """query($id: ID!) { customer(id: $id) { lifetimeValue
  tickets(first: 10) { edges { node { contactCount firstResponseSeconds } } } } }"""
METRICS = """query($s: String!) { metrics(filter: {segment: $s}) { revenue lifetimeValueTotal
  averageLifetimeValue lifetimeValueCustomers firstResponseTime { count mean } } }"""


class Paths:
    """One database served twice: by the resolvers only, and compiled where possible."""

    def __init__(self, resolvers: Api, compiled: Api) -> None:
        self.resolvers, self.compiled = resolvers, compiled

    async def write(self, query: str, variables: dict[str, Any]) -> Any:
        return next(iter((await self.resolvers.query(query, variables)).values()))

    async def read(self, query: str, variables: dict[str, Any], compiles: bool = True) -> Any:
        """The data both paths answer: identical, no errors (metrics have no SQL form)."""
        answers = [await api.post(query, variables) for api in (self.resolvers, self.compiled)]
        bodies = [a.json() for a in answers]
        for body in bodies:
            assert "errors" not in body, body
        assert bodies[0]["data"] == bodies[1]["data"]
        if compiles and self.compiled.backend.name == "postgres":
            assert bodies[1]["extensions"]["readPath"]["path"] == "compiled", bodies[1]
        return bodies[0]["data"]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def paths(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Paths]:
    async with (
        database(request.param, tmp_path_factory.mktemp("ranges"), 3) as found,
        serving(found, compiled_reads=False) as resolvers,
        serving(found, debug=True) as compiled,
    ):
        yield Paths(resolvers, compiled)


async def _customer(paths: Paths, segment: str | None = None) -> str:
    key: str = (await paths.write(CREATE, {}))["customer"]["id"]
    if segment is not None:
        await paths.write(
            """mutation($id: ID!, $s: String!) { updateCustomer(id: $id, input: {segment: $s}) {
            userErrors { field } } }""",
            {"id": key, "s": segment},
        )
    return key


def _event(customer: str, key: str, **fields: Any) -> dict[str, Any]:
    """A purchase event of the customer, other `fields` given; `key` tells it apart."""
    return {
        "customer": {"id": customer},
        "occurredAt": "2026-01-01T00:00:00Z",
        "channel": "WEB",
        "stage": "DECISION",
        "team": "SALES",
        "kind": "purchase",
        "source": "edge",
        "externalId": f"{customer}-{key}",
        **fields,
    }


def _purchase(customer: str, value: str, index: int = 0) -> dict[str, Any]:
    return _event(customer, f"{value}-{index}", value=value, currency="USD")


@pytest.mark.parametrize("value", ["1000000000000", "1E+30", "-1000000000000.00"])
async def test_a_purchase_value_too_large_to_sum_is_refused(paths: Paths, value: str) -> None:
    customer = await _customer(paths)
    result = await paths.write(RECORD, {"t": [_purchase(customer, value)]})
    assert result["created"] == 0
    (error,) = result["userErrors"]
    assert error["field"] == ["touchpoints", "0", "value"] and error["code"] == "INVALID"
    assert "999999999999.99" in error["message"]


async def test_the_largest_purchases_sum_the_same_on_both_paths(paths: Paths) -> None:
    segment = "edge-money"
    customer = await _customer(paths, segment)
    purchases = [_purchase(customer, MAX_VALUE, i) for i in range(20)]
    purchases.append(_purchase(customer, "-" + MAX_VALUE, 99))
    result = await paths.write(RECORD, {"t": purchases})
    assert result["userErrors"] == [] and result["created"] == 21
    read = await paths.read(CUSTOMER, {"id": customer})
    assert read["customer"]["lifetimeValue"] == "18999999999999.81"
    metrics = (await paths.read(METRICS, {"s": segment}, compiles=False))["metrics"]
    assert metrics["revenue"] == metrics["lifetimeValueTotal"] == "18999999999999.81"
    assert metrics["averageLifetimeValue"] == "18999999999999.81"


def _iso(moment: datetime) -> str:
    return moment.isoformat()


async def test_ticket_durations_stay_within_int(paths: Paths) -> None:
    customer = await _customer(paths, "edge-time")
    now = datetime.now(UTC).replace(microsecond=0)
    too_old = await paths.write(OPEN, {"c": customer, "at": _iso(now - timedelta(days=30000))})
    assert too_old["ticket"] is None
    assert [e["field"] for e in too_old["userErrors"]] == [["input", "createdAt"]]

    created = now - timedelta(seconds=INT_MAX) + timedelta(minutes=1)
    ticket = (await paths.write(OPEN, {"c": customer, "at": _iso(created)}))["ticket"]["id"]
    late = await paths.write(
        RESPOND, {"id": ticket, "at": _iso(created + timedelta(seconds=INT_MAX + 1))}
    )
    assert [e["field"] for e in late["userErrors"]] == [["at"]]
    at_limit = await paths.write(
        RESPOND, {"id": ticket, "at": _iso(created + timedelta(seconds=INT_MAX))}
    )
    assert at_limit["userErrors"] == []
    read = await paths.read(CUSTOMER, {"id": customer})
    (edge,) = read["customer"]["tickets"]["edges"]
    assert edge["node"]["firstResponseSeconds"] == INT_MAX
    stats = (await paths.read(METRICS, {"s": "edge-time"}, compiles=False))["metrics"][
        "firstResponseTime"
    ]
    assert stats == {"count": 1, "mean": float(INT_MAX)}


async def test_a_contact_count_at_the_int_limit_takes_no_more(paths: Paths) -> None:
    customer = await _customer(paths)
    ticket = (await paths.write(OPEN, {"c": customer, "at": None}))["ticket"]["id"]
    engine = sa.ext.asyncio.create_async_engine(paths.resolvers.backend.url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                sa.text("UPDATE ticket SET contact_count = :n"), {"n": INT_MAX - 1}
            )
    finally:
        await engine.dispose()
    first = await paths.write(CONTACT, {"id": ticket})
    assert first == {"ticket": {"contactCount": INT_MAX}, "userErrors": []}
    refused = await paths.write(CONTACT, {"id": ticket})
    assert refused["ticket"] is None
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [(["id"], "INVALID")]
    read = await paths.read(CUSTOMER, {"id": customer})
    assert read["customer"]["tickets"]["edges"][0]["node"]["contactCount"] == INT_MAX


# Free JSON traits at their edges: nesting, key order, unicode and escapes, floats
# Python and orjson write differently (1e-05, 1e-07), 64-bit integers, empty and null.
TRAITS: dict[str, Any] = {
    "z": 1,
    "a": {"b": [1, 2.5, None, True, False, {"ü": 'é\u2028😀"\\/\x01\x7f\t'}], "": {}},
    "ключ": "значение",
    "max": 2**64 - 1,
    "min": -(2**63),
    "small": 0.00001,
    "smaller": 1e-7,
    "tiny": 5e-324,
    "large": 1e300,
    "whole": 1.0,
    "negative zero": -0.0,
    "empty": {},
    "list": [],
    "null": None,
}
UPDATE_TRAITS = """mutation($id: ID!, $a: JSON) { updateCustomer(id: $id, input: {attributes: $a})
  { customer { attributes } userErrors { field message code } } }"""
TRAITS_READ = """query($id: ID!) { customer(id: $id) { attributes
  touchpoints(first: 5) { edges { node { attributes } } } } }"""


def _traits_event(customer: str, attributes: Any, number: int) -> dict[str, Any]:
    return _event(customer, f"traits-{number}", kind="page_view", attributes=attributes)


async def test_json_traits_are_sent_alike_byte_for_byte(paths: Paths) -> None:
    """Both paths send a JSON value's exact bytes: the compiled path the stored text, the
    resolvers what they parse from it (models.types.json_text writes it as they do)."""
    from tests.test_compiled_parity import comparable, first_difference

    for attributes in (TRAITS, {}, None):
        customer = await _customer(paths)
        written = await paths.write(UPDATE_TRAITS, {"id": customer, "a": attributes})
        assert written == {"customer": {"attributes": attributes}, "userErrors": []}
        events = [_traits_event(customer, attributes, 0), _traits_event(customer, {}, 1)]
        assert (await paths.write(RECORD, {"t": events}))["created"] == 2
        read = await paths.read(TRAITS_READ, {"id": customer})
        assert read["customer"]["attributes"] == attributes
        answers = [
            comparable(await api.post(TRAITS_READ, {"id": customer}))
            for api in (paths.resolvers, paths.compiled)
        ]
        assert answers[0] == answers[1], first_difference(answers[0][1], answers[1][1])
        assert '"ключ":"значение"' in answers[0][1] or attributes is not TRAITS


@pytest.mark.parametrize("value", [2**64, -(2**63) - 1, {"deep": [10**30]}])
async def test_json_traits_json_cannot_read_back_are_refused(paths: Paths, value: Any) -> None:
    customer = await _customer(paths)
    written = await paths.write(UPDATE_TRAITS, {"id": customer, "a": {"n": value}})
    (error,) = written["userErrors"]
    assert error["field"] == ["input", "attributes"] and error["code"] == "INVALID", error
    result = await paths.write(RECORD, {"t": [_traits_event(customer, {"n": value}, 0)]})
    assert result["created"] == 0
    (error,) = result["userErrors"]
    assert error["field"] == ["touchpoints", "0", "attributes"], error
