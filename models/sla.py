"""SLA policies: targets per ticket priority and an optional business calendar."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import metadata as _metadata  # noqa: F401  (naming convention first)
from models.enums import TicketPriority
from models.types import UTCDateTime, enum_column, utc_now


class SlaPolicy(SQLModel, table=True):
    """One row per priority an ADMIN has set; a priority without a row has the defaults."""

    __tablename__ = "sla_policy"

    priority: TicketPriority = Field(
        sa_type=enum_column(TicketPriority, "priority"), primary_key=True
    )
    first_response_seconds: int
    resolution_seconds: int
    # The business calendar: all four set, or none (every hour counts).
    calendar_time_zone: str | None = Field(default=None, sa_type=sa.String(64))
    calendar_weekdays: list[int] | None = Field(default=None, sa_type=sa.JSON)
    calendar_opens_at: str | None = Field(default=None, sa_type=sa.String(5))
    calendar_closes_at: str | None = Field(default=None, sa_type=sa.String(5))
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
