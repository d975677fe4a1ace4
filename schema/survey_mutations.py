"""Creating surveys and submitting responses."""

import uuid
from datetime import datetime
from typing import Any

import strawberry

from api.context import Context
from models import ChangeType
from resolvers import survey_writes
from resolvers.writes import Write
from schema.convert import from_input
from schema.effects import STARTS_ACTIONS, effects
from schema.enums import SurveyKind
from schema.mutations import (
    NO_CUSTOMER,
    CustomerRef,
    UserError,
    customer_ref,
    key_in_input,
    respond,
)
from schema.permissions import Area
from schema.surveys import Survey, SurveyResponse


@strawberry.input(description="The scale follows the kind: NPS 0-10, CSAT 1-5, CES 1-7.")
class CreateSurveyInput:
    kind: SurveyKind
    question: str


@strawberry.type
class SurveyPayload:
    survey: Survey | None
    user_errors: list[UserError]


@strawberry.input
class SurveyResponseInput:
    survey_id: strawberry.ID
    customer: CustomerRef
    ticket_id: strawberry.ID | None = strawberry.field(
        default=None, description="The ticket this follows up; it must be the customer's."
    )
    score: int
    comment: str | None = None
    responded_at: datetime | None = strawberry.field(default=None, description="Defaults to now.")
    invitation_token: str | None = strawberry.field(
        default=None,
        description="The token of a survey invitation: the response is linked to the "
        "invitation, and its survey, customer and ticket are the invitation's (those given "
        "are not used). Sent again, the same response comes back, stored once. An expired "
        "or unknown token is a user error on this field.",
    )


@strawberry.type
class SurveyResponsePayload:
    survey_response: SurveyResponse | None
    user_errors: list[UserError]


@strawberry.type
class SurveyMutations:
    @strawberry.mutation(extensions=effects(Area.SURVEYS, logs=()))
    async def create_survey(
        self, info: strawberry.Info[Context, None], input: CreateSurveyInput
    ) -> SurveyPayload:
        return await respond(
            info,
            lambda w: survey_writes.create_survey(w, input.kind, input.question),
            SurveyPayload,
            survey=Survey.from_model,
        )

    @strawberry.mutation(
        description="The score must lie inside the survey's scale.",
        extensions=effects(
            Area.SURVEY_RESPONSES, logs=(ChangeType.SURVEY_RESPONSE_RECORDED, *STARTS_ACTIONS)
        ),
    )
    async def submit_survey_response(
        self, info: strawberry.Info[Context, None], input: SurveyResponseInput
    ) -> SurveyResponsePayload:
        async def work(write: Write) -> Any:
            if input.invitation_token is not None:  # the invitation names all three
                data = from_input(
                    survey_writes.NewResponse,
                    input,
                    survey_id=uuid.UUID(int=0),
                    customer=NO_CUSTOMER,
                    ticket_id=None,
                )
            else:
                ticket = input.ticket_id
                data = from_input(
                    survey_writes.NewResponse,
                    input,
                    survey_id=key_in_input(input.survey_id, "Survey", ["input", "surveyId"]),
                    customer=customer_ref(input.customer, ["input", "customer"]),
                    ticket_id=key_in_input(ticket, "Ticket", ["input", "ticketId"])
                    if ticket
                    else None,
                )
            return await survey_writes.submit_response(write, data)

        return await respond(
            info, work, SurveyResponsePayload, survey_response=SurveyResponse.from_model
        )
