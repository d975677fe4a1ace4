"""sla state filter index

Revision ID: 9c4e7a1d3b58
Revises: d2a6f0c3e815
Create Date: 2026-12-02 12:00:00.000000

`tickets(filter: {slaState})` reads the stored `sla_state` of tickets whose state is
settled (computed at or before now, next check still ahead) and applies the rule only to
the others (resolvers/sla.py `state_in`). Tickets get `sla_checked_at` (when `sla_state`
was computed), an index `(sla_state, resolution_due_at, id)` carrying both check times
(index-only counts on PostgreSQL) and one on `sla_checked_at` to find the unsettled.
Tickets with a stored state get this migration's time as their check time: their state
was computed earlier and time alone has not changed it before its next check, so it
holds from now until then; a next check already past leaves them unsettled anyway.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "9c4e7a1d3b58"
down_revision: str | None = "d2a6f0c3e815"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    stamp = models.types.UTCDateTime(timezone=True)
    op.add_column("ticket", sa.Column("sla_checked_at", stamp, nullable=True))
    ticket = sa.table(
        "ticket", sa.column("sla_state", sa.String()), sa.column("sla_checked_at", stamp)
    )
    op.execute(
        sa.update(ticket)
        .where(ticket.c.sla_state.is_not(None))
        .values(sla_checked_at=sa.bindparam("now", datetime.now(UTC), type_=stamp))
    )
    op.create_index(
        "ix_ticket_sla_state_resolution_due_at_id",
        "ticket",
        ["sla_state", "resolution_due_at", "id"],
        postgresql_include=["sla_checked_at", "sla_next_check_at"],
    )
    op.create_index("ix_ticket_sla_checked_at", "ticket", ["sla_checked_at"])


def downgrade() -> None:
    op.drop_index("ix_ticket_sla_checked_at", table_name="ticket")
    op.drop_index("ix_ticket_sla_state_resolution_due_at_id", table_name="ticket")
    op.drop_column("ticket", "sla_checked_at")
