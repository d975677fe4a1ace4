"""Next-best-actions kept current: one row per action that holds for a customer now."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import metadata as _metadata  # noqa: F401  (naming convention first)
from models.enums import Team, TicketPriority
from models.types import UTCDateTime, enum_column


class NextAction(SQLModel, table=True):
    """An action that holds for a customer (resolvers/actions.py keeps these current).

    `rank` is the priority's urgency (0 = URGENT) and `position` the rule's place in the
    rule table, so the queue and a customer's list order by plain indexed columns. A
    dismissed action keeps its row with `dismissed_until` set (hidden until then) and the
    reason text it had when dismissed (`dismissed_facts`): a different reason means the
    facts behind it changed, and the action shows again at once.

    `start_id` names this start of the action: uuid5 of (customer, kind, since), so the
    same action holding again after it ended is a new start with a new id. It is the
    record id of its ACTION_STARTED change and of `Action.id`.
    """

    __tablename__ = "next_action"
    __table_args__ = (
        # The queue: most urgent first, across customers or per team or kind.
        sa.Index(
            "ix_next_action_queue", "dismissed_until", "rank", "since", "customer_id", "position"
        ),
        sa.Index(
            "ix_next_action_team_queue",
            "team",
            "dismissed_until",
            "rank",
            "since",
            "customer_id",
            "position",
        ),
        sa.Index("ix_next_action_kind_customer_id", "kind", "customer_id"),
        # The queue of one customer segment (its copy below).
        sa.Index(
            "ix_next_action_segment_queue",
            "segment",
            "dismissed_until",
            "rank",
            "since",
            "customer_id",
            "position",
        ),
    )

    customer_id: uuid.UUID = Field(foreign_key="customer.id", primary_key=True)
    kind: str = Field(sa_type=sa.String(32), primary_key=True)
    team: Team = Field(sa_type=enum_column(Team, "team"))
    priority: TicketPriority = Field(sa_type=enum_column(TicketPriority, "priority"))
    rank: int
    position: int
    since: datetime = Field(sa_type=UTCDateTime)
    start_id: uuid.UUID = Field(unique=True, index=True)
    reason: str = Field(sa_type=sa.Text)
    dismissed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    dismiss_reason: str | None = Field(default=None, sa_type=sa.Text)
    dismissed_facts: str | None = Field(default=None, sa_type=sa.Text)
    # A copy of its customer's segment, which the queue filters by: kept equal to the
    # customer's by database triggers (migration 9c4e2a7b5d18), never written here.
    segment: str | None = Field(default=None, sa_type=sa.String(64))
