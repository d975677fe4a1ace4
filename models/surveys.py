"""Surveys (one question of a fixed-scale kind) and their responses."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import metadata as _metadata  # noqa: F401  (naming convention first)
from models.enums import SurveyKind
from models.types import UTCDateTime, enum_column, utc_now


class Survey(SQLModel, table=True):
    __tablename__ = "survey"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    kind: SurveyKind = Field(sa_type=enum_column(SurveyKind, "kind"))
    question: str = Field(sa_type=sa.String(500))
    scale_min: int
    scale_max: int
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, index=True)


class SurveyResponse(SQLModel, table=True):
    __tablename__ = "survey_response"
    __table_args__ = (
        sa.Index(
            "ix_survey_response_customer_id_responded_at_id", "customer_id", "responded_at", "id"
        ),
        sa.Index("ix_survey_response_survey_id_responded_at_id", "survey_id", "responded_at", "id"),
        sa.Index("ix_survey_response_kind_responded_at", "survey_kind", "responded_at"),
        # Metrics read only these columns of a window: index-only scans on PostgreSQL.
        sa.Index(
            "ix_survey_response_responded_at_metrics",
            "responded_at",
            postgresql_include=["survey_kind", "score", "customer_id"],
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    survey_id: uuid.UUID = Field(foreign_key="survey.id")
    # Copied from the survey (a survey's kind never changes) so metrics need no join.
    survey_kind: SurveyKind = Field(sa_type=enum_column(SurveyKind, "survey_kind"))
    customer_id: uuid.UUID = Field(foreign_key="customer.id")
    ticket_id: uuid.UUID | None = Field(default=None, foreign_key="ticket.id", index=True)
    score: int
    comment: str | None = Field(default=None, sa_type=sa.Text)
    responded_at: datetime = Field(sa_type=UTCDateTime)
    # The invitation answered (at most one response per invitation: a double submit is one).
    invitation_id: uuid.UUID | None = Field(
        default=None, foreign_key="survey_invitation.id", unique=True
    )
