"""Touchpoint reads: newest first, for everyone or per customer."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col

from models import Channel, JourneyStage, Team, Touchpoint
from resolvers.filters import ColumnFilter, Filter, window
from resolvers.listing import Listing
from resolvers.pagination import Sessions, fetch_by_ids, newest_first

NEWEST_FIRST = newest_first(
    "touchpoints:occurredAt:desc", col(Touchpoint.occurred_at), col(Touchpoint.id)
)


@dataclass(frozen=True)
class TouchpointQuery:
    channels: tuple[Channel, ...] | None = None
    stages: tuple[JourneyStage, ...] | None = None
    teams: tuple[Team, ...] | None = None
    kinds: tuple[str, ...] | None = None
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None


FILTERS: tuple[Filter, ...] = (
    ColumnFilter("channels", col(Touchpoint.channel), "any_of"),
    ColumnFilter("stages", col(Touchpoint.stage), "any_of"),
    ColumnFilter("teams", col(Touchpoint.team), "any_of"),
    ColumnFilter("kinds", col(Touchpoint.kind), "any_of"),
    *window("occurred_from", "occurred_to", col(Touchpoint.occurred_at)),
)

# `touchpoints` and `Customer.touchpoints`: queries are TouchpointQuery, newest first.
TOUCHPOINTS = Listing(
    "touchpoint",
    Touchpoint,
    FILTERS,
    parents={"customer": col(Touchpoint.customer_id)},
    kept="touchpoint",
)


async def touchpoints_by_ids(
    sessions: Sessions, ids: Sequence[uuid.UUID]
) -> list[Touchpoint | None]:
    return await fetch_by_ids(sessions, Touchpoint, col(Touchpoint.id), ids)
