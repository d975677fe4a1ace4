"""Apollo Federation 2 subgraph (CX360_FEDERATION=1): a router reads our entities."""

from collections.abc import AsyncIterator

import pytest

from models import Role
from schema.federation import remove_entity_keys
from schema.node import to_global_id
from tests.conftest import Api, Backend, serving

ENTITIES = """query($r: [_Any!]!) {
  _entities(representations: $r) {
    __typename
    ... on Customer { id name }
    ... on Ticket { id subject }
  }
}"""


@pytest.fixture(scope="module")
async def subgraph(backend: Backend) -> AsyncIterator[Api]:
    try:
        async with serving(backend, federation=True) as client:
            yield client
    finally:
        # This process goes on to serve the plain schema (test_schema_contract checks it).
        remove_entity_keys()


async def test_the_sdl_declares_customer_and_ticket_as_entities(subgraph: Api) -> None:
    sdl = (await subgraph.query("{ _service { sdl } }"))["_service"]["sdl"]
    assert '@link(url: "https://specs.apollo.dev/federation/v2.7"' in sdl
    assert 'type Customer implements Node @key(fields: "id"' in sdl
    assert 'type Ticket implements Node @key(fields: "id"' in sdl


async def test_entities_resolve_in_order_in_one_statement_per_type(subgraph: Api) -> None:
    data = subgraph.backend.data
    customers = [to_global_id("Customer", c["id"]) for c in data.customers[:3]]
    tickets = [to_global_id("Ticket", t["id"]) for t in data.tickets[:2]]
    representations = [
        {"__typename": "Customer", "id": customers[0]},
        {"__typename": "Ticket", "id": tickets[0]},
        {"__typename": "Customer", "id": customers[1]},
        {"__typename": "Customer", "id": customers[2]},
        {"__typename": "Ticket", "id": tickets[1]},
    ]
    subgraph.statements.clear()
    found = (await subgraph.query(ENTITIES, {"r": representations}))["_entities"]
    assert [e["id"] for e in found] == [r["id"] for r in representations]
    assert found[0]["name"] == data.customers[0]["name"]
    assert found[1]["subject"] == data.tickets[0]["subject"]
    # the key lookup, then one batched statement for customers and one for tickets
    assert len(subgraph.statements) == 3, subgraph.statements


async def test_entity_reads_keep_the_roles_rules(subgraph: Api) -> None:
    ticket = to_global_id("Ticket", subgraph.backend.data.tickets[0]["id"])
    response = await subgraph.post(
        ENTITIES, {"r": [{"__typename": "Ticket", "id": ticket}]}, Role.PARTNER
    )
    body = response.json()
    assert body["data"]["_entities"] == [None]
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
