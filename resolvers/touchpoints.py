"""Touchpoint reads: newest first, for everyone or per customer."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from models import Channel, JourneyStage, Team, Touchpoint
from resolvers.filters import ColumnFilter, Filter, window
from resolvers.filters import conditions as apply_filters
from resolvers.pagination import (
    Page,
    PageRequest,
    Sessions,
    count_rows,
    count_rows_per_parent,
    fetch_by_ids,
    fetch_page,
    fetch_pages_per_parent,
    newest_first,
)

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


def conditions(query: TouchpointQuery) -> list[ColumnElement[bool]]:
    return apply_filters(FILTERS, query)


async def list_touchpoints(
    sessions: Sessions, query: TouchpointQuery, page: PageRequest
) -> Page[Touchpoint]:
    return await fetch_page(sessions, Touchpoint, conditions(query), NEWEST_FIRST, page)


async def count_touchpoints(sessions: Sessions, query: TouchpointQuery) -> int:
    return await count_rows(sessions, Touchpoint, conditions(query))


async def touchpoint_pages_by_customer(
    sessions: Sessions, query: TouchpointQuery, page: PageRequest, customer_ids: Sequence[uuid.UUID]
) -> list[Page[Touchpoint]]:
    return await fetch_pages_per_parent(
        sessions,
        Touchpoint,
        col(Touchpoint.customer_id),
        customer_ids,
        conditions(query),
        NEWEST_FIRST,
        page,
    )


async def touchpoint_counts_by_customer(
    sessions: Sessions, query: TouchpointQuery, customer_ids: Sequence[uuid.UUID]
) -> list[int]:
    return await count_rows_per_parent(
        sessions, col(Touchpoint.customer_id), customer_ids, conditions(query)
    )


async def touchpoints_by_ids(
    sessions: Sessions, ids: Sequence[uuid.UUID]
) -> list[Touchpoint | None]:
    return await fetch_by_ids(sessions, Touchpoint, col(Touchpoint.id), ids)
