"""recordTouchpoints: idempotent by (source, externalId), all or nothing, stage moves forward."""

import asyncio
import random
import uuid
from typing import Any

from schema.node import to_global_id
from tests.conftest import Api, served

# Like conftest's, with room to queue: SQLite takes one write at a time, and the
# concurrency test below queues 100 batch writes behind each other.
writable = served("writes", 5, request_timeout_seconds=90)


EVENTS = 500  # sent by the concurrent clients below

RECORD = """mutation($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) {
  created duplicates touchpoints { id externalId kind customer { id stage } }
  userErrors { field message code } } }"""


def event(customer: dict[str, Any], external_id: str | None, **fields: Any) -> dict[str, Any]:
    return {
        "customer": customer,
        "occurredAt": "2026-10-05T12:00:00Z",
        "channel": "WEB",
        "stage": "CONSIDERATION",
        "team": "MARKETING",
        "kind": "page_view",
        "source": "web-analytics",
        "externalId": external_id,
        **fields,
    }


async def new_customer(api: Api) -> dict[str, Any]:
    created = await api.query(
        'mutation($e: String!) { createCustomer(input: {name: "Ingest", email: $e, '
        'externalIds: [{source: "crm", id: $e}]}) { customer { id email } } }',
        {"e": f"ingest-{uuid.uuid4().hex}@x.example"},
    )
    return created["createCustomer"]["customer"]


async def record(api: Api, events: list[dict[str, Any]]) -> dict[str, Any]:
    return (await api.query(RECORD, {"t": events}))["recordTouchpoints"]


async def touchpoint_count(api: Api, customer_id: str) -> int:
    data = await api.query(
        "query($id: ID!) { customer(id: $id) { touchpoints { totalCount } } }", {"id": customer_id}
    )
    return data["customer"]["touchpoints"]["totalCount"]


async def test_same_event_is_stored_once_within_a_batch_and_on_resend(writable: Api) -> None:
    customer = await new_customer(writable)
    ref = {"id": customer["id"]}
    key = uuid.uuid4().hex
    batch = [
        event(ref, f"{key}-1"),
        event(ref, f"{key}-2"),
        event(ref, f"{key}-1"),
        event(ref, None),
    ]
    first = await record(writable, batch)
    assert (first["created"], first["duplicates"], first["userErrors"]) == (3, 1, [])
    ids = [t["id"] for t in first["touchpoints"]]
    assert [t["externalId"] for t in first["touchpoints"]] == [
        f"{key}-1",
        f"{key}-2",
        f"{key}-1",
        None,
    ]
    assert ids[0] == ids[2] and len(set(ids)) == 3

    again = await record(writable, batch[:3])
    assert (again["created"], again["duplicates"]) == (0, 3)
    assert [t["id"] for t in again["touchpoints"]] == ids[:3]
    assert await touchpoint_count(writable, customer["id"]) == 3


async def test_customers_are_named_by_id_email_or_external_id(writable: Api) -> None:
    customer = await new_customer(writable)
    refs = [
        {"id": customer["id"]},
        {"email": customer["email"].upper()},
        {"externalId": {"source": "crm", "id": customer["email"]}},
    ]
    result = await record(writable, [event(ref, uuid.uuid4().hex) for ref in refs])
    assert {t["customer"]["id"] for t in result["touchpoints"]} == {customer["id"]}


async def test_a_batch_with_any_bad_item_stores_nothing_and_reports_every_error(
    writable: Api,
) -> None:
    customer = await new_customer(writable)
    ref = {"id": customer["id"]}
    batch = [
        event(ref, uuid.uuid4().hex, occurredAt="2099-01-01T00:00:00Z"),
        event(ref, uuid.uuid4().hex),
        event({"email": "nobody@nowhere.example"}, uuid.uuid4().hex),
        event(ref, uuid.uuid4().hex, value="12.345", currency="usd", sentiment=3.0),
        event({"id": customer["id"], "email": customer["email"]}, uuid.uuid4().hex),
        event({"id": to_global_id("Ticket", uuid.uuid4())}, uuid.uuid4().hex),
    ]
    result = await record(writable, batch)
    assert result["created"] == 0 and result["touchpoints"] == []
    problems = {(tuple(e["field"]), e["code"]) for e in result["userErrors"]}
    assert problems == {
        (("touchpoints", "0", "occurredAt"), "INVALID"),
        (("touchpoints", "2", "customer"), "NOT_FOUND"),
        (("touchpoints", "3", "value"), "INVALID"),
        (("touchpoints", "3", "currency"), "INVALID"),
        (("touchpoints", "3", "sentiment"), "INVALID"),
        (("touchpoints", "4", "customer"), "INVALID"),
        (("touchpoints", "5", "customer", "id"), "NOT_FOUND"),
    }
    assert await touchpoint_count(writable, customer["id"]) == 0


async def test_batch_size_is_1_to_1000(writable: Api) -> None:
    empty = await record(writable, [])
    assert empty["userErrors"][0]["field"] == ["touchpoints"]
    customer = await new_customer(writable)
    too_many = await record(writable, [event({"id": customer["id"]}, None)] * 1001)
    assert "1 to 1000" in too_many["userErrors"][0]["message"]


async def test_stage_moves_forward_never_back(writable: Api) -> None:
    customer = await new_customer(writable)
    ref = {"id": customer["id"]}
    result = await record(
        writable, [event(ref, None, stage="DECISION"), event(ref, None, stage="AWARENESS")]
    )
    assert result["touchpoints"][-1]["customer"]["stage"] == "DECISION"
    later = await record(writable, [event(ref, None, stage="CONSIDERATION")])
    assert later["touchpoints"][0]["customer"]["stage"] == "DECISION"
    advocacy = await record(writable, [event(ref, None, stage="ADVOCACY", kind="referral")])
    assert advocacy["touchpoints"][0]["customer"]["stage"] == "ADVOCACY"


async def test_purchases_feed_lifetime_value_exactly(writable: Api) -> None:
    customer = await new_customer(writable)
    ref = {"id": customer["id"]}
    await record(
        writable,
        [
            event(ref, uuid.uuid4().hex, kind="purchase", value="0.10", currency="USD"),
            event(ref, uuid.uuid4().hex, kind="purchase", value="0.20", currency="USD"),
            event(ref, uuid.uuid4().hex, kind="refund_note", value="5.00", currency="USD"),
        ],
    )
    data = await writable.query(
        "query($id: ID!) { customer(id: $id) { lifetimeValue } }", {"id": customer["id"]}
    )
    assert data["customer"]["lifetimeValue"] == "0.30"


async def test_20_concurrent_clients_with_overlapping_batches_store_each_event_once(
    writable: Api,
) -> None:
    customer = await new_customer(writable)
    ref = {"id": customer["id"]}
    prefix = uuid.uuid4().hex
    # 500 events in windows of 12 to 100: the same overlap as 2,000 in windows of 50 to 400
    # had (a window holds a ninth of the events on average, each event is in ~11 of the 100
    # windows), with a quarter of the rows to write.
    events = [event(ref, f"{prefix}-{n}") for n in range(EVENTS)]
    created_total = 0

    async def client(number: int) -> int:
        rnd = random.Random(number)
        created = 0
        for _ in range(5):  # overlapping windows of the same events, retried
            start = rnd.randrange(0, EVENTS - EVENTS // 20)
            window = rnd.randrange(EVENTS // 40, EVENTS // 5)
            result = await record(writable, events[start : start + window])
            created += result["created"]
        return created

    results = await asyncio.gather(*(client(n) for n in range(20)))
    created_total = sum(results)
    # Whatever the clients missed, a final full pass fills in; nothing may be stored twice.
    created_total += (await record(writable, events))["created"]
    assert created_total == EVENTS
    assert await touchpoint_count(writable, customer["id"]) == EVENTS


async def test_concurrent_batches_over_many_customers_in_any_order_all_succeed(
    writable: Api,
) -> None:
    """Four clients send batches over the same 30 customers, each batch in its own random
    order, events overlapping between clients (purchases among them, so the lifetime-value
    triggers lock customers too): every batch is stored, none is refused as a conflict."""
    customers = [{"id": (await new_customer(writable))["id"]} for _ in range(30)]
    prefix = uuid.uuid4().hex
    pool = [
        event(
            customers[n % 30],
            f"{prefix}-{n}",
            kind="purchase" if n % 3 == 0 else "page_view",
            value="1.00" if n % 3 == 0 else None,
            currency="USD" if n % 3 == 0 else None,
        )
        for n in range(900)
    ]

    async def client(number: int) -> list[Any]:
        rnd = random.Random(number)
        problems = []
        for _ in range(4):
            batch = rnd.sample(pool, 300)
            answer = await writable.query(
                "mutation($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) "
                "{ created userErrors { message code } } }",
                {"t": batch},
            )
            problems += answer["recordTouchpoints"]["userErrors"]
        return problems

    found = await asyncio.gather(*(client(n) for n in range(4)))
    assert [p for problems in found for p in problems] == []
