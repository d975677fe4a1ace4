"""One request holds at most `database_connections_per_request` pool connections at once.

`dimensions` (six lists, each its own statement) and the analyst dashboard (every metric
group of `metrics` and `metricsSeries` at once) resolve their fields concurrently, each
through a short session of its own: without a bound, one request checks out as many
connections as it has root fields and groups. The peak is read from the pools'
checkout and checkin events of every engine of the app.
"""

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import Api, Backend, serving

DIMENSIONS = "{ dimensions { segments { value count } channels { value count } ticketChannels "
DIMENSIONS += (
    "{ value count } teams { value count } kinds { value count } sources { value count } } }"
)
DASHBOARD = (
    Path(__file__).resolve().parent.parent / "examples/analyst/cx_dashboard.graphql"
).read_text()
WINDOW = {"from": "2025-01-01T00:00:00Z", "to": "2025-04-01T00:00:00Z", "segment": None}


class Peak:
    """The most connections checked out of the app's pools at one time."""

    def __init__(self) -> None:
        self.now = self.most = 0

    def checkout(self, *_: Any) -> None:
        self.now += 1
        self.most = max(self.most, self.now)

    def checkin(self, *_: Any) -> None:
        self.now -= 1


@contextmanager
def peak_of(api: Api) -> Iterator[Peak]:
    peak = Peak()
    pools = [engine.sync_engine.pool for engine in api.app.state.engines]
    for pool in pools:
        sa.event.listen(pool, "checkout", peak.checkout)
        sa.event.listen(pool, "checkin", peak.checkin)
    try:
        yield peak
    finally:
        for pool in pools:
            sa.event.remove(pool, "checkout", peak.checkout)
            sa.event.remove(pool, "checkin", peak.checkin)


@pytest.fixture(scope="module")
async def bounded(backend: Backend) -> AsyncIterator[Api]:
    async with serving(backend, database_connections_per_request=2) as api:
        yield api


async def _peak(api: Api, query: str, variables: dict[str, Any] | None = None) -> int:
    await api.query(query, variables)  # warm: the key is cached, the pool has connections
    with peak_of(api) as peak:
        await api.query(query, variables)
    return peak.most


@pytest.mark.parametrize(("query", "variables"), [(DIMENSIONS, None), (DASHBOARD, WINDOW)])
async def test_a_request_holds_at_most_its_connections(
    api: Api, bounded: Api, query: str, variables: dict[str, Any] | None
) -> None:
    most = await _peak(api, query, variables)
    print(f"{api.backend.name}: peak {most} connections (default bound 4)")
    assert 1 <= most <= 4 + 1  # + 1: the key lookup's own statement pool
    assert 1 <= await _peak(bounded, query, variables) <= 2 + 1
