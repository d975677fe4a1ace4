"""Surveys (one fixed-scale question) and the scores customers gave."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from api.context import Context
from models import Customer as CustomerModel
from models import Survey as SurveyModel
from models import SurveyResponse as SurveyResponseModel
from models import Ticket as TicketModel
from resolvers import surveys
from resolvers.compiled.forms import ConnectionOf, ToOne, sql, sql_table
from resolvers.pagination import ListRequest
from schema.convert import from_row
from schema.enums import SurveyKind
from schema.node import Node, to_global_id
from schema.pagination import (
    FILTER_HELP,
    PAGE_ARGUMENTS_HELP,
    After,
    Connection,
    First,
    list_connection,
    under,
)
from schema.permissions import Area, ReadAudited, personal_data_only, reads
from schema.scalars import any_of, ordered_window

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
        ordered_window(self.from_, self.to)
        return surveys.ResponseQuery(
            kinds=any_of("kind", self.kind),
            responded_from=self.from_,
            responded_to=self.to,
        )


def response_query(filter: SurveyResponseFilter | None) -> surveys.ResponseQuery:
    return filter.query() if filter is not None else surveys.ResponseQuery()


def response_request(
    first: int | None = None,
    after: str | None = None,
    filter: SurveyResponseFilter | None = None,
) -> ListRequest:
    """A page of survey responses, newest first, as both read paths take it."""
    return surveys.RESPONSES.request(
        response_query(filter), surveys.RESPONSES_NEWEST_FIRST, first, after
    )


def survey_request(first: int | None = None, after: str | None = None) -> ListRequest:
    """A page of surveys, newest first, as both read paths take it."""
    return surveys.SURVEYS.request(None, surveys.SURVEYS_NEWEST_FIRST, first, after)


@sql_table(SurveyResponseModel)
@strawberry.type(description="One score a customer gave, optionally following up a ticket.")
class SurveyResponse(Node):
    id: strawberry.ID
    score: int = strawberry.field(description="Inside the survey's scale.")
    comment: str | None = strawberry.field(
        description="PII: hidden (null, FORBIDDEN) for roles without personal data.",
        extensions=[
            *personal_data_only(),
            ReadAudited(
                "comment",
                lambda response: response.customer_id,
                lambda scope: f"{scope}.customer_id",
            ),
        ],
    )
    responded_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    survey_id: strawberry.Private[uuid.UUID]
    customer_id: strawberry.Private[uuid.UUID]
    ticket_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_model(cls, model: SurveyResponseModel) -> "SurveyResponse":
        return from_row(cls, model, id=to_global_id("SurveyResponse", model.id), db_id=model.id)

    @strawberry.field(metadata=sql(ToOne(SurveyModel, "survey_id")))
    async def survey(self, info: strawberry.Info[Context, None]) -> "Survey":
        survey = await info.context.loaders.survey().load(self.survey_id)
        assert survey is not None, "a response's survey always exists (foreign key)"
        return Survey.from_model(survey)

    @strawberry.field(metadata=sql(ToOne(CustomerModel, "customer_id", follow_merges=True)))
    async def customer(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated["Customer", strawberry.lazy("schema.customers")]:
        from schema.customers import Customer

        return await Customer.load(info, self.customer_id)

    @strawberry.field(extensions=reads(Area.TICKETS), metadata=sql(ToOne(TicketModel, "ticket_id")))
    async def ticket(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated["Ticket", strawberry.lazy("schema.tickets")] | None:
        from schema.tickets import Ticket

        if self.ticket_id is None:
            return None
        ticket = await info.context.loaders.ticket().load(self.ticket_id)
        return Ticket.from_model(ticket) if ticket is not None else None


def responses_of(
    parent: str, filtered: bool = True
) -> Callable[..., Awaitable[Connection[SurveyResponse]]]:
    """`Customer.surveyResponses` ("customer") and `Survey.responses` ("survey", no
    `filter` argument): one body, read under the parent the field names."""

    async def resolve(
        root: object,
        info: strawberry.Info[Context, None],
        first: First = None,
        after: After = None,
        filter: Annotated[
            SurveyResponseFilter | None, strawberry.argument(description=FILTER_HELP)
        ] = None,
    ) -> Connection[SurveyResponse]:
        request = response_request(first, after, filter)
        return await list_connection(
            info, surveys.RESPONSES, request, SurveyResponse.from_model, under(parent, root)
        )

    async def unfiltered(
        root: object, info: strawberry.Info[Context, None], first: First = None, after: After = None
    ) -> Connection[SurveyResponse]:
        return await resolve(root, info, first, after)

    return resolve if filtered else unfiltered


@sql_table(SurveyModel)
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

    responses = strawberry.field(
        resolver=responses_of("survey", filtered=False),
        description="Responses, newest first. " + PAGE_ARGUMENTS_HELP,
        metadata=sql(
            ConnectionOf(surveys.RESPONSES, lambda a, _: response_request(**a), parent="survey")
        ),
    )


@strawberry.type
class SurveyQueries:
    @strawberry.field(
        description="All surveys, newest first. " + PAGE_ARGUMENTS_HELP,
        extensions=reads(Area.SURVEYS),
        metadata=sql(ConnectionOf(surveys.SURVEYS, lambda a, _: survey_request(**a))),
    )
    async def surveys(
        self,
        info: strawberry.Info[Context, None],
        first: First = None,
        after: After = None,
    ) -> Connection[Survey]:
        request = survey_request(first, after)
        return await list_connection(info, surveys.SURVEYS, request, Survey.from_model)
