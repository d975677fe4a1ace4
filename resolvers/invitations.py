"""Survey invitations: a single-use token shown once, stored as its SHA-256 hash.

`send_invitation` (for a ticket, or for a customer) stores the invitation and returns
the token once; it never reads back. A response submitted with the token is linked to
the invitation's survey, customer and ticket (`redeem`). The invitation row is locked
while its response is looked up or stored, and survey_response.invitation_id is unique,
so a double submit (even two at once) stores one response and both get it back.
"""

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import ChangeType, Customer, Survey, SurveyInvitation, SurveyResponse, Ticket
from models.enums import FINISHED_STATUSES
from models.types import utc_now
from resolvers import follow_ups
from resolvers.locks import FOR_NO_KEY_UPDATE
from resolvers.pagination import Sessions
from resolvers.writes import CustomerRef, Write, fail, require_customer

VALID_FOR = timedelta(days=14)
TOKEN_PREFIX = "inv_"  # noqa: S105 (a prefix, no secret)
TOKEN_FIELD = ("input", "invitationToken")


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewInvitation:
    survey_id: uuid.UUID
    ticket_id: uuid.UUID | None = None
    customer: CustomerRef | None = None


async def send_invitation(write: Write, data: NewInvitation) -> tuple[SurveyInvitation, str]:
    """The invitation and its token (the only time the token exists outside the caller)."""
    session = write.session
    if (data.ticket_id is None) == (data.customer is None):
        raise fail(["input"], "Give either `ticketId` or `customer`, not both and not neither.")
    survey = await session.get(Survey, data.survey_id)
    if survey is None:
        raise fail(["input", "surveyId"], "No survey has this id.", "NOT_FOUND")
    ticket: Ticket | None = None
    if data.ticket_id is not None:
        ticket = await session.get(Ticket, data.ticket_id, with_for_update=FOR_NO_KEY_UPDATE)
        if ticket is None:
            raise fail(["input", "ticketId"], "No ticket has this id.", "NOT_FOUND")
        if ticket.status not in FINISHED_STATUSES:
            raise fail(
                ["input", "ticketId"],
                f"This ticket is {ticket.status.value}; invite after it is RESOLVED or CLOSED.",
            )
        customer_id = ticket.customer_id
        owner = await session.get(Customer, customer_id)
        if owner is not None and owner.erased_at is not None:
            raise fail(
                ["input", "ticketId"],
                "This ticket's customer was erased; erased customers are not invited.",
                "ERASED",
            )
    else:
        assert data.customer is not None
        customer_id = await require_customer(session, data.customer, ["input", "customer"])
    token, now = new_token(), utc_now()
    invitation = SurveyInvitation(
        survey_id=survey.id,
        customer_id=customer_id,
        ticket_id=ticket.id if ticket is not None else None,
        token_hash=token_hash(token),
        sent_at=now,
        expires_at=now + VALID_FOR,
    )
    session.add(invitation)
    await session.flush()
    if ticket is not None:
        await follow_ups.invitation_sent(session, ticket.id, invitation.id)
    targets = [f"SurveyInvitation:{invitation.id}", f"Customer:{customer_id}"]
    if ticket is not None:
        targets.append(f"Ticket:{ticket.id}")
    write.audit("sendSurveyInvitation", targets)
    write.changed(ChangeType.SURVEY_INVITATION_SENT, invitation)
    return invitation, token


async def redeem(
    session: AsyncSession, token: str
) -> tuple[SurveyInvitation, SurveyResponse | None]:
    """The token's invitation (locked) and the response already given with it, if any."""
    statement = (
        sa.select(SurveyInvitation)
        .where(col(SurveyInvitation.token_hash) == token_hash(token))
        .with_for_update(key_share=True)
    )
    invitation = (await session.execute(statement)).scalar_one_or_none()
    if invitation is None:
        raise fail(TOKEN_FIELD, "`invitationToken` is not a valid invitation token.", "NOT_FOUND")
    answered = await session.scalar(
        sa.select(SurveyResponse).where(col(SurveyResponse.invitation_id) == invitation.id)
    )
    if answered is None and invitation.expires_at <= utc_now():
        raise fail(
            TOKEN_FIELD,
            f"`invitationToken` expired at {invitation.expires_at.isoformat()}; "
            "send a new invitation.",
            "EXPIRED",
        )
    return invitation, answered


async def invitations_by_ids(
    sessions: Sessions, ids: Sequence[uuid.UUID]
) -> list[SurveyInvitation | None]:
    async with sessions() as session:
        statement = sa.select(SurveyInvitation).where(col(SurveyInvitation.id).in_(list(set(ids))))
        found = {i.id: i for i in (await session.execute(statement)).scalars()}
    return [found.get(key) for key in ids]


async def responses_by_invitations(
    sessions: Sessions, ids: Sequence[uuid.UUID]
) -> list[SurveyResponse | None]:
    async with sessions() as session:
        statement = sa.select(SurveyResponse).where(
            col(SurveyResponse.invitation_id).in_(list(set(ids)))
        )
        found = {r.invitation_id: r for r in (await session.execute(statement)).scalars()}
    return [found.get(key) for key in ids]
