"""live sla state on tickets

Revision ID: 7b3d9e2f4a61
Revises: b7d31e9a5c02
Create Date: 2026-12-01 12:00:00.000000

Tickets get `sla_next_check_at` (the next moment time alone changes their SLA state,
indexed for the scheduler's claims) and `sla_state` (the overall state as of the last
look). Existing tickets get their next future at-risk or due moment, and no state: what
they enter from then on is announced, nothing from before. The change log and webhook
deliveries accept the two new change types TICKET_SLA_AT_RISK and TICKET_SLA_BREACHED.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "7b3d9e2f4a61"
down_revision: str | None = "b7d31e9a5c02"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = (
    "TOUCHPOINT_RECORDED",
    "TICKET_OPENED",
    "TICKET_UPDATED",
    "SURVEY_RESPONSE_RECORDED",
    "SURVEY_INVITATION_SENT",
    "FOLLOW_UP_MISSED",
)
AFTER = (*BEFORE, "TICKET_SLA_AT_RISK", "TICKET_SLA_BREACHED")
TABLES = ("change_event", "webhook_delivery")


def _change_type(values: Sequence[str]) -> sa.Enum:
    return sa.Enum(
        *values, name="change_type", native_enum=False, create_constraint=True, length=24
    )


def _retype(values: Sequence[str], was: Sequence[str]) -> None:
    for table in TABLES:
        if op.get_bind().dialect.name == "sqlite":
            # SQLite changes a CHECK constraint only by copying the table (nothing refers
            # to these two); the column's new type brings the new constraint.
            with op.batch_alter_table(table, recreate="always") as batch:
                batch.alter_column(
                    "change_type", existing_type=_change_type(was), type_=_change_type(values)
                )
        else:
            op.drop_constraint(op.f(f"ck_{table}_change_type"), table, type_="check")
            listed = ", ".join(f"'{v}'" for v in values)
            op.create_check_constraint("change_type", table, sa.text(f"change_type IN ({listed})"))


def _next_moment(
    open_when: sa.ColumnElement[bool],
    at_risk: sa.Column[datetime],
    due: sa.Column[datetime],
    now: sa.BindParameter[datetime],
) -> sa.Case[datetime]:
    return sa.case(
        (sa.not_(open_when), sa.null()),
        (at_risk > now, at_risk),
        (due >= now, due),
        else_=sa.null(),
    )


def upgrade() -> None:
    op.add_column(
        "ticket",
        sa.Column("sla_next_check_at", models.types.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column("ticket", sa.Column("sla_state", sa.String(length=16), nullable=True))
    op.create_index("ix_ticket_sla_next_check_at", "ticket", ["sla_next_check_at"])
    stamp = models.types.UTCDateTime(timezone=True)
    ticket = sa.table(
        "ticket",
        sa.column("status", sa.String()),
        sa.column("first_response_at", stamp),
        sa.column("resolved_at", stamp),
        sa.column("first_response_due_at", stamp),
        sa.column("resolution_due_at", stamp),
        sa.column("first_response_at_risk_at", stamp),
        sa.column("resolution_at_risk_at", stamp),
        sa.column("sla_next_check_at", stamp),
    )
    c = ticket.c
    now = sa.bindparam("now", datetime.now(UTC), type_=stamp)
    first = _next_moment(
        c.first_response_at.is_(None), c.first_response_at_risk_at, c.first_response_due_at, now
    )
    finished = sa.and_(c.status.in_(("RESOLVED", "CLOSED")), c.resolved_at.is_not(None))
    resolution = _next_moment(sa.not_(finished), c.resolution_at_risk_at, c.resolution_due_at, now)
    earlier = sa.case(
        (first.is_(None), resolution),
        (resolution.is_(None), first),
        (first < resolution, first),
        else_=resolution,
    )
    op.execute(sa.update(ticket).values(sla_next_check_at=earlier))
    _retype(AFTER, BEFORE)


def downgrade() -> None:
    op.execute(
        sa.text(
            "DELETE FROM webhook_delivery WHERE change_type IN "
            "('TICKET_SLA_AT_RISK', 'TICKET_SLA_BREACHED')"
        )
    )
    op.execute(
        sa.text(
            "DELETE FROM change_event WHERE change_type IN "
            "('TICKET_SLA_AT_RISK', 'TICKET_SLA_BREACHED')"
        )
    )
    _retype(BEFORE, AFTER)
    op.drop_index("ix_ticket_sla_next_check_at", table_name="ticket")
    op.drop_column("ticket", "sla_state")
    op.drop_column("ticket", "sla_next_check_at")
