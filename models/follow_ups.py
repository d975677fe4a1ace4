"""Follow-ups of resolved tickets and the survey invitations that ask for feedback."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import metadata as _metadata  # noqa: F401  (naming convention first)
from models.enums import FollowUpState
from models.types import UTCDateTime, enum_column


class FollowUp(SQLModel, table=True):
    """A RESOLVED or CLOSED ticket's satisfaction check; gone when the ticket reopens."""

    __tablename__ = "follow_up"
    __table_args__ = (
        # The queue: oldest due first, by state or across states.
        sa.Index("ix_follow_up_state_due_since_ticket_id", "state", "due_since", "ticket_id"),
        sa.Index("ix_follow_up_due_since_ticket_id", "due_since", "ticket_id"),
        # Filtered by the ticket's priority, channel or assignee (their copies below).
        *(
            sa.Index(f"ix_follow_up_{column}_due_since_ticket_id", column, "due_since", "ticket_id")
            for column in ("priority", "channel", "assignee")
        ),
    )

    ticket_id: uuid.UUID = Field(foreign_key="ticket.id", primary_key=True)
    state: FollowUpState = Field(sa_type=enum_column(FollowUpState, "state"))
    due_since: datetime = Field(sa_type=UTCDateTime)  # the resolution that started it
    expires_at: datetime = Field(sa_type=UTCDateTime)  # DUE turns MISSED at this moment
    invitation_id: uuid.UUID | None = Field(default=None, foreign_key="survey_invitation.id")
    # When the scheduler next looks at it (expires_at while DUE; null otherwise).
    next_check_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    # Copies of its ticket's priority, channel and assignee, which the queue filters by:
    # kept equal to the ticket's by database triggers (migration 9c4e2a7b5d18), whoever
    # writes; never written here (null in a new instance until read back).
    priority: str | None = Field(default=None, sa_type=sa.String(16))
    channel: str | None = Field(default=None, sa_type=sa.String(16))
    assignee: str | None = Field(default=None, sa_type=sa.String(200))


class SurveyInvitation(SQLModel, table=True):
    """An invitation to answer a survey; its token is stored only as a SHA-256 hash."""

    __tablename__ = "survey_invitation"
    __table_args__ = (
        sa.Index("ix_survey_invitation_sent_at_id", "sent_at", "id"),
        sa.Index("ix_survey_invitation_customer_id_sent_at", "customer_id", "sent_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    survey_id: uuid.UUID = Field(foreign_key="survey.id")
    customer_id: uuid.UUID = Field(foreign_key="customer.id")
    ticket_id: uuid.UUID | None = Field(default=None, foreign_key="ticket.id", index=True)
    token_hash: str = Field(sa_type=sa.String(64), unique=True)
    sent_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
