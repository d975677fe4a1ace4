"""Survey and survey-response reads: per survey, per customer and per ticket."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from models import Survey, SurveyKind, SurveyResponse
from resolvers.filters import ColumnFilter, Filter, window
from resolvers.filters import conditions as apply_filters
from resolvers.pagination import (
    Page,
    PageRequest,
    Sessions,
    count_rows,
    count_rows_per_parent,
    fetch_by_ids,
    fetch_grouped,
    fetch_page,
    fetch_pages_per_parent,
    newest_first,
)

SURVEYS_NEWEST_FIRST = newest_first(
    "surveys:createdAt:desc", col(Survey.created_at), col(Survey.id)
)
RESPONSES_NEWEST_FIRST = newest_first(
    "responses:respondedAt:desc", col(SurveyResponse.responded_at), col(SurveyResponse.id)
)


@dataclass(frozen=True)
class ResponseQuery:
    kinds: tuple[SurveyKind, ...] | None = None
    responded_from: datetime | None = None
    responded_to: datetime | None = None


RESPONSE_FILTERS: tuple[Filter, ...] = (
    ColumnFilter("kinds", col(SurveyResponse.survey_kind), "any_of"),
    *window("responded_from", "responded_to", col(SurveyResponse.responded_at)),
)


def conditions(query: ResponseQuery) -> list[ColumnElement[bool]]:
    return apply_filters(RESPONSE_FILTERS, query)


async def list_surveys(sessions: Sessions, page: PageRequest) -> Page[Survey]:
    return await fetch_page(sessions, Survey, [], SURVEYS_NEWEST_FIRST, page)


async def count_surveys(sessions: Sessions) -> int:
    return await count_rows(sessions, Survey, [])


async def surveys_by_ids(sessions: Sessions, ids: Sequence[uuid.UUID]) -> list[Survey | None]:
    return await fetch_by_ids(sessions, Survey, col(Survey.id), ids)


async def responses_by_ids(
    sessions: Sessions, ids: Sequence[uuid.UUID]
) -> list[SurveyResponse | None]:
    return await fetch_by_ids(sessions, SurveyResponse, col(SurveyResponse.id), ids)


PARENT_COLUMNS = {
    "customer": col(SurveyResponse.customer_id),
    "survey": col(SurveyResponse.survey_id),
}


async def response_pages_by_parent(
    sessions: Sessions,
    parent: str,
    query: ResponseQuery,
    page: PageRequest,
    parent_ids: Sequence[uuid.UUID],
) -> list[Page[SurveyResponse]]:
    return await fetch_pages_per_parent(
        sessions,
        SurveyResponse,
        PARENT_COLUMNS[parent],
        parent_ids,
        conditions(query),
        RESPONSES_NEWEST_FIRST,
        page,
    )


async def response_counts_by_parent(
    sessions: Sessions, parent: str, query: ResponseQuery, parent_ids: Sequence[uuid.UUID]
) -> list[int]:
    return await count_rows_per_parent(
        sessions, PARENT_COLUMNS[parent], parent_ids, conditions(query)
    )


async def responses_by_ticket(
    sessions: Sessions, ticket_ids: Sequence[uuid.UUID]
) -> list[list[SurveyResponse]]:
    """All follow-up responses of each ticket (a handful at most), oldest first."""
    statement = (
        sa.select(SurveyResponse)
        .where(col(SurveyResponse.ticket_id).in_(set(ticket_ids)))
        .order_by(col(SurveyResponse.responded_at), col(SurveyResponse.id))
    )
    return await fetch_grouped(sessions, statement, ticket_ids, lambda r: r.ticket_id)
