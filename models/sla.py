"""SLA policies: targets per ticket priority and an optional business calendar."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import metadata as _metadata  # noqa: F401  (naming convention first)
from models.enums import TicketPriority
from models.types import UTCDateTime, enum_column, utc_now

HOUR = 3600
# The domain's default targets (first response, resolution) in seconds, per priority.
DEFAULT_TARGETS: dict[TicketPriority, tuple[int, int]] = {
    TicketPriority.URGENT: (1 * HOUR, 8 * HOUR),
    TicketPriority.HIGH: (4 * HOUR, 24 * HOUR),
    TicketPriority.NORMAL: (8 * HOUR, 72 * HOUR),
    TicketPriority.LOW: (24 * HOUR, 168 * HOUR),
}


def default_due(target: int, share: float) -> Callable[[Any], datetime]:
    """A column default for rows inserted without SLA times (bulk loads, fixtures): the
    default policy's (no calendar), from the row's createdAt and priority. The app's own
    writes always set them from the stored policy (resolvers/sla.py)."""

    def compute(context: Any) -> datetime:
        row = context.get_current_parameters()
        priority = TicketPriority(row.get("priority") or TicketPriority.NORMAL)
        created_at: datetime = row["created_at"]
        return created_at + timedelta(seconds=DEFAULT_TARGETS[priority][target]) * share

    return compute


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


class TicketSlaStateCount(SQLModel, table=True):
    """How many tickets have each stored `sla_state`, kept by database triggers on
    `ticket` (insert, update, delete; migration 5a1c7e3b9d24), so `tickets(filter:
    {slaState})` counts its matches without reading every matching ticket. A count is
    the sum over its shards: on PostgreSQL each connection adds to its own shard, so
    concurrent ticket writes do not wait on one row."""

    __tablename__ = "ticket_sla_state_count"

    sla_state: str = Field(sa_type=sa.String(16), primary_key=True)
    shard: int = Field(sa_type=sa.SmallInteger, primary_key=True)
    tickets: int = Field(sa_type=sa.BigInteger)
