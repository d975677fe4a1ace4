"""CX360_DATABASE_REPLICA_URL: reads go to the replica, a mutation reads the primary.

The "replica" here is a second database seeded alike that does not replicate: whatever
a read finds (or misses) shows which database answered it.
"""

import pytest

from models import Role
from tests.conftest import POSTGRES_URL, database, serving

CREATE = """mutation($e: String!) { createCustomer(input: {name: "Fresh", email: $e}) {
  customer { id name email } userErrors { message } } }"""
LOOKUP = "query($id: ID!) { customer(id: $id) { name } }"
LOOKUP_SLOW = "query($id: ID!) { customer(id: $id) { name health { level } } }"


async def test_reads_go_to_the_replica_and_mutations_read_the_primary(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    if not POSTGRES_URL:
        pytest.skip("replicas are a PostgreSQL setting; CX360_TEST_POSTGRES_URL is not set")
    async with (
        database("postgres", tmp_path_factory.mktemp("primary"), 3) as primary,
        database("postgres", tmp_path_factory.mktemp("replica"), 3) as replica,
        serving(primary, database_replica_url=replica.url) as api,
    ):
        # Keys exist on the primary only: the key lookup reads the primary.
        created = (await api.query(CREATE, {"e": "fresh@example.com"}, Role.SALES))[
            "createCustomer"
        ]
        assert created["userErrors"] == []
        assert created["customer"]["name"] == "Fresh"  # read back from the primary
        new_id = created["customer"]["id"]
        # Both read paths go to the replica, which never got the write.
        assert (await api.query(LOOKUP, {"id": new_id}))["customer"] is None
        assert (await api.query(LOOKUP_SLOW, {"id": new_id}))["customer"] is None
        existing = (await api.query("{ customers(first: 1) { edges { node { id } } } }"))[
            "customers"
        ]["edges"][0]["node"]["id"]
        assert (await api.query(LOOKUP, {"id": existing}))["customer"]["name"]
