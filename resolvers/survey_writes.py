"""Surveys (the scale is fixed by the kind) and the responses customers give."""

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from models import ChangeType, Survey, SurveyKind, SurveyResponse, Ticket
from models.enums import SURVEY_SCALES
from models.types import utc_now
from resolvers import follow_ups, invitations
from resolvers.writes import (
    CustomerRef,
    Write,
    check_length,
    check_not_future,
    fail,
    require_customer,
)


async def create_survey(write: Write, kind: SurveyKind, question: str) -> Survey:
    check_length(question, 500, ["input", "question"], required=True)
    low, high = SURVEY_SCALES[kind]
    survey = Survey(kind=kind, question=question.strip(), scale_min=low, scale_max=high)
    write.session.add(survey)
    await write.session.flush()
    write.audit("createSurvey", [f"Survey:{survey.id}"], kind=kind.value)
    return survey


@dataclass(frozen=True)
class NewResponse:
    survey_id: uuid.UUID
    customer: CustomerRef
    score: int
    ticket_id: uuid.UUID | None = None
    comment: str | None = None
    responded_at: datetime | None = None
    # With a token the survey, customer and ticket are the invitation's (given ones unused).
    invitation_token: str | None = None


async def submit_response(write: Write, data: NewResponse) -> SurveyResponse:
    session = write.session
    check_length(data.comment, 5000, ["input", "comment"])
    check_not_future(data.responded_at, ["input", "respondedAt"])
    invitation_id = None
    if data.invitation_token is not None:
        invitation, answered = await invitations.redeem(session, data.invitation_token)
        if answered is not None:  # submitted before (a double click): the same response
            return answered
        invitation_id = invitation.id
        data = replace(
            data,
            survey_id=invitation.survey_id,
            customer=CustomerRef(id=invitation.customer_id),
            ticket_id=invitation.ticket_id,
        )
    survey = await session.get(Survey, data.survey_id)
    if survey is None:
        raise fail(["input", "surveyId"], "No survey has this id.", "NOT_FOUND")
    if not survey.scale_min <= data.score <= survey.scale_max:
        raise fail(
            ["input", "score"],
            f"{survey.kind.value} scores run from {survey.scale_min} to {survey.scale_max} "
            f"(got {data.score}).",
        )
    customer_id = await require_customer(session, data.customer, ["input", "customer"])
    if data.ticket_id is not None:
        ticket = await session.get(Ticket, data.ticket_id)
        if ticket is None:
            raise fail(["input", "ticketId"], "No ticket has this id.", "NOT_FOUND")
        if ticket.customer_id != customer_id:
            raise fail(["input", "ticketId"], "This ticket belongs to another customer.")
    response = SurveyResponse(
        survey_id=survey.id,
        survey_kind=survey.kind,
        customer_id=customer_id,
        ticket_id=data.ticket_id,
        score=data.score,
        comment=data.comment,
        responded_at=data.responded_at or utc_now(),
        invitation_id=invitation_id,
    )
    session.add(response)
    await session.flush()
    if response.ticket_id is not None:
        await follow_ups.response_linked(session, response.ticket_id, invitation_id)
    write.audit(
        "submitSurveyResponse", [f"SurveyResponse:{response.id}", f"Customer:{customer_id}"]
    )
    write.changed(ChangeType.SURVEY_RESPONSE_RECORDED, response)
    return response
