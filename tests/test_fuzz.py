"""Fuzzing: documents generated from the whole schema never crash the server.

hypothesis-graphql builds valid queries and mutations from the served schema; each is
sent over HTTP with an ADMIN key. Clear refusals (limits, user errors) are fine; a 5xx,
an "Unexpected error." or a crash is a finding. `make fuzz` runs many more examples.
"""

import os
from datetime import UTC, datetime

from graphql import StringValueNode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema

from schema.schema import schema
from tests.conftest import UNLIMITED, Api, served

EXAMPLES = int(os.environ.get("CX360_FUZZ_EXAMPLES", "60"))
SCALARS = {
    "DateTime": st.datetimes(
        # The whole range Python has: the ends (year 1, year 9999) are where look-backs
        # and series steps overflowed.
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.just(UTC),
    ).map(lambda moment: StringValueNode(value=moment.isoformat())),
    "Decimal": st.decimals(min_value=-(10**6), max_value=10**6, places=2).map(
        lambda amount: StringValueNode(value=str(amount))
    ),
    "JSON": st.just(StringValueNode(value="{}")),
}


def documents(count: int) -> list[str]:
    found: list[str] = []

    @settings(
        max_examples=count, database=None, deadline=None, suppress_health_check=list(HealthCheck)
    )
    @given(from_schema(schema.as_str(), custom_scalars=SCALARS))
    def collect(document: str) -> None:
        found.append(document)

    collect()
    return found


fuzzed = served("fuzz", 20, **UNLIMITED)


async def test_generated_documents_never_crash_the_server(fuzzed: Api) -> None:
    sent = documents(EXAMPLES)
    assert len(sent) >= EXAMPLES // 2
    for document in sent:
        response = await fuzzed.post(document)
        assert response.status_code < 500, (document, response.text)
        body = response.json()
        for error in body.get("errors") or []:
            assert error["extensions"]["code"] != "INTERNAL_SERVER_ERROR", (document, error)
            assert "Unexpected error" not in error["message"], (document, error)
