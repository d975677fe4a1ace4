"""Survey and survey-response reads: per survey, per customer and per ticket."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col

from models import Survey, SurveyKind, SurveyResponse
from resolvers.filters import ColumnFilter, Filter, window
from resolvers.listing import Listing
from resolvers.pagination import Sessions, fetch_by_ids, fetch_grouped, newest_first

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

# `surveys`: no filters (query None), newest first.
SURVEYS = Listing("survey", Survey, ())
# `Customer.surveyResponses` and `Survey.responses`: queries are ResponseQuery, newest first.
RESPONSES = Listing(
    "response",
    SurveyResponse,
    RESPONSE_FILTERS,
    parents={
        "customer": col(SurveyResponse.customer_id),
        "survey": col(SurveyResponse.survey_id),
    },
)


async def surveys_by_ids(sessions: Sessions, ids: Sequence[uuid.UUID]) -> list[Survey | None]:
    return await fetch_by_ids(sessions, Survey, col(Survey.id), ids)


async def responses_by_ids(
    sessions: Sessions, ids: Sequence[uuid.UUID]
) -> list[SurveyResponse | None]:
    return await fetch_by_ids(sessions, SurveyResponse, col(SurveyResponse.id), ids)


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
