"""Support tickets and their lifecycle timestamps."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import metadata as _metadata  # noqa: F401  (naming convention first)
from models.enums import PRIORITY_ORDER, Channel, TicketPriority, TicketStatus
from models.sla import default_due
from models.types import UTCDateTime, enum_column, utc_now

# A priority's rank (LOW 0 ... URGENT 3), as `tickets(orderBy: PRIORITY)` sorts by it
# (resolvers/tickets.py PRIORITY_RANK writes the same expression, so these indexes serve).
PRIORITY_RANK_INDEXED = (
    "(CASE priority "
    + " ".join(f"WHEN '{p.value}' THEN {rank}" for rank, p in enumerate(PRIORITY_ORDER))
    + " END)"
)

# Below this many seconds (31.7 years) date_part's float is within 0.25 microseconds of
# the exact value, so rounding it to whole microseconds gives them back exactly.
FLOAT_EPOCH_EXACT_BELOW = 1e9


def seconds_between_sql(start: str, end: str) -> str:
    """PostgreSQL: the seconds from SQL `start` to SQL `end` as the float nearest the
    exact value (resolvers/metrics.py `seconds_between`, where the steps are explained).
    The durations' indexes below are built on this same text, so that statements
    ordering by it read them in order. Each operand appears several times: give columns."""
    interval = f"({end} - {start})"
    seconds = f"date_part('epoch', {interval})"
    return (
        f"(CASE WHEN abs({seconds}) < {FLOAT_EPOCH_EXACT_BELOW:.0f} "
        f"THEN round({seconds} * 1000000) / 1000000 "
        f"ELSE CAST(EXTRACT(EPOCH FROM {interval}) AS DOUBLE PRECISION) END)"
    )


# A ticket duration (seconds from `created_at` to the column), by metric: the name of
# the PostgreSQL index that holds every ticket's duration in order, and the column. The
# percentiles of a wide window are read by walking it (resolvers/duration_ranks.py).
DURATION_INDEXES: dict[str, tuple[str, str]] = {
    "response": ("ix_ticket_first_response_seconds", "first_response_at"),
    "resolution": ("ix_ticket_resolution_seconds", "resolved_at"),
}


def _duration_index(name: str, column: str) -> sa.Index:
    # created_at and the column included: the walk reads the index alone (PostgreSQL
    # considers an index-only scan only when every column the query reads is in it).
    return sa.Index(
        name,
        sa.text(seconds_between_sql("created_at", column)),
        postgresql_include=["created_at", column],
        postgresql_where=sa.text(f"{column} IS NOT NULL"),
        info={"expression": True},  # not compared by alembic check (migrations/env.py)
    ).ddl_if(dialect="postgresql")


class Ticket(SQLModel, table=True):
    __tablename__ = "ticket"
    __table_args__ = (
        sa.Index("ix_ticket_customer_id_created_at_id", "customer_id", "created_at", "id"),
        sa.Index("ix_ticket_created_at_id", "created_at", "id"),
        sa.Index("ix_ticket_status_created_at", "status", "created_at"),
        # PRIORITY orders, each direction (within a priority: oldest first, then id).
        sa.Index(
            "ix_ticket_priority_rank_created_at_id",
            sa.text(PRIORITY_RANK_INDEXED),
            "created_at",
            "id",
            info={"expression": True},  # not compared by alembic check (migrations/env.py)
        ),
        sa.Index(
            "ix_ticket_priority_rank_desc_created_at_id",
            sa.text(f"{PRIORITY_RANK_INDEXED} DESC"),
            "created_at",
            "id",
            info={"expression": True},
        ),
        # The same orders within one status: a page filtered by statuses reads one
        # status at a time, merged in order (resolvers/listing.py SplitByValue), instead
        # of stepping over the tickets of the other statuses (the open support queue).
        sa.Index(
            "ix_ticket_status_priority_rank_created_at_id",
            "status",
            sa.text(PRIORITY_RANK_INDEXED),
            "created_at",
            "id",
            info={"expression": True},
        ),
        sa.Index(
            "ix_ticket_status_priority_rank_desc_created_at_id",
            "status",
            sa.text(f"{PRIORITY_RANK_INDEXED} DESC"),
            "created_at",
            "id",
            info={"expression": True},
        ),
        # SLA: ordering by due time (keyset with id) and the state filters (resolvers/sla.py).
        sa.Index("ix_ticket_first_response_due_at_id", "first_response_due_at", "id"),
        sa.Index("ix_ticket_resolution_due_at_id", "resolution_due_at", "id"),
        # The scheduler's claims of tickets whose SLA state time alone changes next.
        sa.Index("ix_ticket_sla_next_check_at", "sla_next_check_at"),
        # `slaState` filters: settled tickets by stored state in due order, and the few
        # whose stored state is not (yet) the state now (resolvers/sla.py `state_in`).
        sa.Index(
            "ix_ticket_sla_state_resolution_due_at_id",
            "sla_state",
            "resolution_due_at",
            "id",
            postgresql_include=["sla_checked_at", "sla_next_check_at"],
        ),
        sa.Index("ix_ticket_sla_checked_at", "sla_checked_at"),
        # Metrics read only these columns of a window: index-only scans on PostgreSQL.
        sa.Index(
            "ix_ticket_created_at_metrics",
            "created_at",
            postgresql_include=[
                "status",
                "channel",
                "customer_id",
                "contact_count",
                "reopen_count",
                "first_response_at",
                "resolved_at",
            ],
        ),
        # Each duration in order (DURATION_INDEXES): exact percentiles without a sort.
        *(_duration_index(name, column) for name, column in DURATION_INDEXES.values()),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    customer_id: uuid.UUID = Field(foreign_key="customer.id")
    subject: str = Field(sa_type=sa.String(300))
    channel: Channel = Field(sa_type=enum_column(Channel, "channel"))
    status: TicketStatus = Field(
        default=TicketStatus.NEW, sa_type=enum_column(TicketStatus, "status")
    )
    priority: TicketPriority = Field(
        default=TicketPriority.NORMAL, sa_type=enum_column(TicketPriority, "priority")
    )
    assignee: str | None = Field(default=None, sa_type=sa.String(200), index=True)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    first_response_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    contact_count: int = Field(default=1)
    reopen_count: int = Field(default=0)
    # SLA due times and the instants from which a target is AT_RISK (at most 25 % of its
    # length left in working time), stored when the ticket is opened and whenever its
    # priority or its priority's policy changes (resolvers/sla.py).
    first_response_due_at: datetime = Field(
        sa_type=UTCDateTime, sa_column_kwargs={"default": default_due(0, 1)}
    )
    resolution_due_at: datetime = Field(
        sa_type=UTCDateTime, sa_column_kwargs={"default": default_due(1, 1)}
    )
    first_response_at_risk_at: datetime = Field(
        sa_type=UTCDateTime, sa_column_kwargs={"default": default_due(0, 0.75)}
    )
    resolution_at_risk_at: datetime = Field(
        sa_type=UTCDateTime, sa_column_kwargs={"default": default_due(1, 0.75)}
    )
    # Live SLA (resolvers/sla_live.py): the next moment time alone changes the ticket's SLA
    # state (null: never; rows inserted without it are first looked at when the first
    # response would turn AT_RISK), and the overall state as of the last look, so a state
    # is announced once each time it is entered.
    sla_next_check_at: datetime | None = Field(
        default=None, sa_type=UTCDateTime, sa_column_kwargs={"default": default_due(0, 0.75)}
    )
    sla_state: str | None = Field(default=None, sa_type=sa.String(16))
    # When `sla_state` was computed: it is the state at any now from here until the next
    # check, which is what `tickets(filter: {slaState})` reads (resolvers/sla.py).
    sla_checked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
