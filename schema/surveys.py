"""Surveys (one fixed-scale question) and the scores customers gave."""

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from api.context import Context
from models import Survey as SurveyModel
from models import SurveyResponse as SurveyResponseModel
from resolvers import surveys
from resolvers.pagination import page_request
from schema.convert import from_row
from schema.enums import SurveyKind
from schema.node import Node, to_global_id
from schema.pagination import PAGE_ARGUMENTS_HELP, Connection, connection
from schema.permissions import Area, personal_data_only, reads

if TYPE_CHECKING:
    from schema.customers import Customer
    from schema.tickets import Ticket


@strawberry.input(description="Responses matching every given condition.")
class SurveyResponseFilter:
    kind: list[SurveyKind] | None = None
    from_: datetime | None = strawberry.field(
        default=None, name="from", description="respondedAt >= from."
    )
    to: datetime | None = strawberry.field(default=None, description="respondedAt < to.")

    def query(self) -> surveys.ResponseQuery:
        return surveys.ResponseQuery(
            kinds=tuple(self.kind) if self.kind is not None else None,
            responded_from=self.from_,
            responded_to=self.to,
        )


def response_query(filter: SurveyResponseFilter | None) -> surveys.ResponseQuery:
    return filter.query() if filter is not None else surveys.ResponseQuery()


@strawberry.type(description="One score a customer gave, optionally following up a ticket.")
class SurveyResponse(Node):
    id: strawberry.ID
    score: int = strawberry.field(description="Inside the survey's scale.")
    comment: str | None = strawberry.field(
        description="PII: hidden (null, FORBIDDEN) for roles without personal data.",
        extensions=personal_data_only(),
    )
    responded_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    survey_id: strawberry.Private[uuid.UUID]
    customer_id: strawberry.Private[uuid.UUID]
    ticket_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_model(cls, model: SurveyResponseModel) -> "SurveyResponse":
        return from_row(cls, model, id=to_global_id("SurveyResponse", model.id), db_id=model.id)

    @strawberry.field
    async def survey(self, info: strawberry.Info[Context, None]) -> "Survey":
        survey = await info.context.loaders.survey().load(self.survey_id)
        assert survey is not None, "a response's survey always exists (foreign key)"
        return Survey.from_model(survey)

    @strawberry.field
    async def customer(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated["Customer", strawberry.lazy("schema.customers")]:
        from schema.customers import Customer

        return await Customer.load(info, self.customer_id)

    @strawberry.field(extensions=reads(Area.TICKETS))
    async def ticket(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated["Ticket", strawberry.lazy("schema.tickets")] | None:
        from schema.tickets import Ticket

        if self.ticket_id is None:
            return None
        ticket = await info.context.loaders.ticket().load(self.ticket_id)
        return Ticket.from_model(ticket) if ticket is not None else None


@strawberry.type(description="A question of one kind with the kind's fixed scale.")
class Survey(Node):
    id: strawberry.ID
    kind: SurveyKind
    question: str
    scale_min: int
    scale_max: int
    created_at: datetime
    db_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, model: SurveyModel) -> "Survey":
        return from_row(cls, model, id=to_global_id("Survey", model.id), db_id=model.id)

    @strawberry.field(description="Responses, newest first. " + PAGE_ARGUMENTS_HELP)
    async def responses(
        self,
        info: strawberry.Info[Context, None],
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[SurveyResponse]:
        query = surveys.ResponseQuery()
        page = page_request(first, after, surveys.RESPONSES_NEWEST_FIRST)
        loaders = info.context.loaders
        found = await loaders.response_pages("survey", query, page).load(self.db_id)
        return connection(
            found,
            SurveyResponse.from_model,
            lambda: loaders.response_counts("survey", query).load(self.db_id),
        )


@strawberry.type
class SurveyQueries:
    @strawberry.field(
        description="All surveys, newest first. " + PAGE_ARGUMENTS_HELP,
        extensions=reads(Area.SURVEYS),
    )
    async def surveys(
        self,
        info: strawberry.Info[Context, None],
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Survey]:
        page = page_request(first, after, surveys.SURVEYS_NEWEST_FIRST)
        sessions = info.context.sessions
        found = await surveys.list_surveys(sessions, page)
        return connection(found, Survey.from_model, lambda: surveys.count_surveys(sessions))
