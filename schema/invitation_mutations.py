"""Sending a survey invitation (SUPPORT, MARKETING, ADMIN): its token is shown once."""

from typing import TYPE_CHECKING

import strawberry

from api.context import Context
from models import ChangeType
from models import SurveyInvitation as SurveyInvitationModel
from resolvers import invitations
from resolvers.writes import Write
from schema.descriptions import PAYLOAD_ERRORS
from schema.effects import STARTS_ACTIONS, effects
from schema.follow_ups import SurveyInvitation
from schema.mutations import CustomerRef, UserError, customer_ref, key_in_input, respond
from schema.permissions import Area

if TYPE_CHECKING:
    pass


@strawberry.input(description="Invite to a survey for a resolved ticket, or a customer.")
class SendSurveyInvitationInput:
    survey_id: strawberry.ID = strawberry.field(description="The survey to answer.")
    ticket_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="A RESOLVED or CLOSED ticket: the invitation follows it up (its "
        "follow-up becomes SENT) and goes to its customer. Give this or `customer`.",
    )
    customer: CustomerRef | None = strawberry.field(
        default=None, description="The customer to invite, for no ticket in particular."
    )


@strawberry.type(description="The invitation and its token, or what was wrong.")
class SurveyInvitationPayload:
    invitation: SurveyInvitation | None = strawberry.field(description="Null on a user error.")
    token: str | None = strawberry.field(
        description="The single-use token for `submitSurveyResponse(input: {invitationToken})`"
        ": shown only here, stored only as a hash; put it in the link you send now."
    )
    user_errors: list[UserError] = strawberry.field(description=PAYLOAD_ERRORS)


@strawberry.type
class InvitationMutations:
    @strawberry.mutation(
        description="Sends a survey invitation (SUPPORT, MARKETING, ADMIN); the token is "
        "valid for 14 days and answers once.",
        extensions=effects(
            Area.SURVEY_INVITATIONS, logs=(ChangeType.SURVEY_INVITATION_SENT, *STARTS_ACTIONS)
        ),
    )
    async def send_survey_invitation(
        self, info: strawberry.Info[Context, None], input: SendSurveyInvitationInput
    ) -> SurveyInvitationPayload:
        async def work(write: Write) -> tuple[SurveyInvitationModel, str]:
            ticket = input.ticket_id
            data = invitations.NewInvitation(
                survey_id=key_in_input(input.survey_id, "Survey", ["input", "surveyId"]),
                ticket_id=key_in_input(ticket, "Ticket", ["input", "ticketId"]) if ticket else None,
                customer=(
                    customer_ref(input.customer, ["input", "customer"])
                    if input.customer is not None
                    else None
                ),
            )
            return await invitations.send_invitation(write, data)

        return await respond(
            info,
            work,
            SurveyInvitationPayload,
            invitation=lambda sent: SurveyInvitation.from_model(sent[0]),
            token=lambda sent: sent[1],
        )
