"""Follow-ups of resolved tickets (the queue) and survey invitations.

Follow-ups are ticket data: read with the TICKETS area (not PARTNER). Invitations are
sent by SUPPORT, MARKETING and ADMIN (schema/invitation_mutations.py); reading one needs
the SURVEYS area.
"""

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from api.context import Context
from models import Customer as CustomerModel
from models import FollowUp as FollowUpModel
from models import FollowUpState
from models import Survey as SurveyModel
from models import SurveyInvitation as SurveyInvitationModel
from models import SurveyResponse as SurveyResponseModel
from models import Ticket as TicketModel
from resolvers import follow_ups
from resolvers.compiled.forms import ConnectionOf, ToOne, sql, sql_table
from resolvers.pagination import ListRequest
from schema.convert import from_row
from schema.enums import Channel, TicketPriority, described
from schema.node import Node, to_global_id
from schema.pagination import (
    FILTER_HELP,
    PAGE_ARGUMENTS_HELP,
    After,
    Connection,
    First,
    connection,
)
from schema.permissions import Area, reads
from schema.scalars import any_of, exact_text
from schema.surveys import Survey, SurveyResponse

if TYPE_CHECKING:
    from schema.customers import Customer
    from schema.tickets import Ticket

described(
    FollowUpState,
    "Where a resolved ticket's satisfaction check stands.",
    {
        "DUE": "Resolved, no invitation sent and no response linked yet (within the window).",
        "SENT": "A survey invitation was sent for the ticket.",
        "ANSWERED": "A survey response is linked to the ticket.",
        "MISSED": "The window (7 days by default) passed while it was DUE.",
    },
)


@sql_table(SurveyInvitationModel)
@strawberry.type(description="A survey invitation: its token was shown once, to its sender.")
class SurveyInvitation(Node):
    id: strawberry.ID
    sent_at: datetime = strawberry.field(description="When it was sent.")
    expires_at: datetime = strawberry.field(
        description="Its token is refused from this moment (14 days after sentAt)."
    )
    db_id: strawberry.Private[uuid.UUID]
    survey_id: strawberry.Private[uuid.UUID]
    customer_id: strawberry.Private[uuid.UUID]
    ticket_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_model(cls, model: SurveyInvitationModel) -> "SurveyInvitation":
        return from_row(cls, model, id=to_global_id("SurveyInvitation", model.id), db_id=model.id)

    @strawberry.field(
        description="The survey it invites to answer.",
        metadata=sql(ToOne(SurveyModel, "survey_id")),
    )
    async def survey(self, info: strawberry.Info[Context, None]) -> Survey:
        survey = await info.context.loaders.survey().load(self.survey_id)
        assert survey is not None, "an invitation's survey always exists (foreign key)"
        return Survey.from_model(survey)

    @strawberry.field(
        description="Who is invited.",
        metadata=sql(ToOne(CustomerModel, "customer_id", follow_merges=True)),
    )
    async def customer(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated["Customer", strawberry.lazy("schema.customers")]:
        from schema.customers import Customer

        return await Customer.load(info, self.customer_id)

    @strawberry.field(
        description="The ticket it follows up; null for an invitation to a customer.",
        extensions=reads(Area.TICKETS),
        metadata=sql(ToOne(TicketModel, "ticket_id")),
    )
    async def ticket(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated["Ticket", strawberry.lazy("schema.tickets")] | None:
        from schema.tickets import Ticket

        if self.ticket_id is None:
            return None
        found = await info.context.loaders.ticket().load(self.ticket_id)
        return Ticket.from_model(found) if found is not None else None

    @strawberry.field(
        description="The response given with its token; null until answered.",
        metadata=sql(ToOne(SurveyResponseModel, "id", target_key="invitation_id")),
    )
    async def response(self, info: strawberry.Info[Context, None]) -> SurveyResponse | None:
        found = await info.context.loaders.invitation_response().load(self.db_id)
        return SurveyResponse.from_model(found) if found is not None else None


@sql_table(FollowUpModel)
@strawberry.type(description="A RESOLVED or CLOSED ticket's satisfaction check.")
class FollowUp:
    state: FollowUpState = strawberry.field(description="Kept current by writes and the clock.")
    due_since: datetime = strawberry.field(description="The resolution that started it.")
    expires_at: datetime = strawberry.field(
        description="dueSince + the follow-up window: DUE turns MISSED at this moment."
    )
    ticket_id: strawberry.Private[uuid.UUID]
    invitation_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_model(cls, model: FollowUpModel) -> "FollowUp":
        return cls(
            state=model.state,
            due_since=model.due_since,
            expires_at=model.expires_at,
            ticket_id=model.ticket_id,
            invitation_id=model.invitation_id,
        )

    @strawberry.field(
        description="The resolved ticket.", metadata=sql(ToOne(TicketModel, "ticket_id"))
    )
    async def ticket(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated["Ticket", strawberry.lazy("schema.tickets")]:
        from schema.tickets import Ticket

        found = await info.context.loaders.ticket().load(self.ticket_id)
        assert found is not None, "a follow-up's ticket always exists (foreign key)"
        return Ticket.from_model(found)

    @strawberry.field(
        description="The invitation sent for the ticket; null until one is.",
        extensions=reads(Area.SURVEYS),
        metadata=sql(ToOne(SurveyInvitationModel, "invitation_id")),
    )
    async def invitation(self, info: strawberry.Info[Context, None]) -> SurveyInvitation | None:
        if self.invitation_id is None:
            return None
        found = await info.context.loaders.survey_invitation().load(self.invitation_id)
        return SurveyInvitation.from_model(found) if found is not None else None


async def ticket_follow_up(
    info: strawberry.Info[Context, None], ticket_id: uuid.UUID
) -> FollowUp | None:
    found = await info.context.loaders.follow_up().load(ticket_id)
    return FollowUp.from_model(found) if found is not None else None


@strawberry.input(description="Follow-ups matching every given condition; lists mean any of.")
class FollowUpFilter:
    state: list[FollowUpState] | None = strawberry.field(
        default=None, description="Any of these states."
    )
    priority: list[TicketPriority] | None = strawberry.field(
        default=None, description="Tickets of any of these priorities."
    )
    channel: list[Channel] | None = strawberry.field(
        default=None, description="Tickets of any of these channels."
    )
    assignee: str | None = strawberry.field(
        default=None, description="Tickets assigned to exactly this person."
    )

    def query(self) -> follow_ups.FollowUpQuery:
        return follow_ups.FollowUpQuery(
            states=any_of("state", self.state),
            priorities=any_of("priority", self.priority),
            channels=any_of("channel", self.channel),
            assignee=exact_text(self.assignee),
        )


def follow_up_request(
    first: int | None = None, after: str | None = None, filter: FollowUpFilter | None = None
) -> ListRequest:
    """A page of the follow-up queue, as both read paths take it."""
    query = filter.query() if filter is not None else follow_ups.FollowUpQuery()
    return follow_ups.QUEUE.request(query, follow_ups.QUEUE_ORDER, first, after)


@strawberry.type
class FollowUpQueries:
    @strawberry.field(
        description="Follow-ups of resolved tickets, oldest due first. " + PAGE_ARGUMENTS_HELP,
        extensions=reads(Area.TICKETS),
        metadata=sql(ConnectionOf(follow_ups.QUEUE, lambda a, _: follow_up_request(**a))),
    )
    async def follow_ups(
        self,
        info: strawberry.Info[Context, None],
        first: First = None,
        after: After = None,
        filter: Annotated[
            FollowUpFilter | None, strawberry.argument(description=FILTER_HELP)
        ] = None,
    ) -> Connection[FollowUp]:
        request = follow_up_request(first, after, filter)
        sessions = info.context.sessions
        found = await follow_ups.QUEUE.page(sessions, request)
        return connection(
            found, FollowUp.from_model, lambda: follow_ups.QUEUE.count(sessions, request.query)
        )
