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
from resolvers.row_counts import KeptDays, KeptValues

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


CHANNELS = ColumnFilter("channels", col(Touchpoint.channel), "any_of")
STAGES = ColumnFilter("stages", col(Touchpoint.stage), "any_of")
TEAMS = ColumnFilter("teams", col(Touchpoint.team), "any_of")
KINDS = ColumnFilter("kinds", col(Touchpoint.kind), "any_of")
FILTERS: tuple[Filter, ...] = (
    CHANNELS,
    STAGES,
    TEAMS,
    KINDS,
    *(OCCURRED := window("occurred_from", "occurred_to", col(Touchpoint.occurred_at))),
)

# `touchpoints` and `Customer.touchpoints`: queries are TouchpointQuery, newest first.
TOUCHPOINTS = Listing(
    "touchpoint",
    Touchpoint,
    FILTERS,
    parents={"customer": col(Touchpoint.customer_id)},
    kept="touchpoint",
    # One of these alone counts from the kept counts per value (migration 6e4a2c8f1d73).
    kept_values=(
        *(
            KeptValues(f"touchpoint.{name}", of)
            for name, of in (
                ("channel", CHANNELS),
                ("stage", STAGES),
                ("team", TEAMS),
                ("kind", KINDS),
            )
        ),
        # The window alone: its whole days kept per UTC day, its partial ones counted.
        KeptDays("touchpoint.occurred_at", *OCCURRED),
    ),
)


async def touchpoints_by_ids(
    sessions: Sessions, ids: Sequence[uuid.UUID]
) -> list[Touchpoint | None]:
    return await fetch_by_ids(sessions, Touchpoint, col(Touchpoint.id), ids)
