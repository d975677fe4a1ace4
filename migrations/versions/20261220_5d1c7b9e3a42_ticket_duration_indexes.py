"""each ticket duration in order, for exact percentiles without a sort

Revision ID: 5d1c7b9e3a42
Revises: 8e5b3d7a2c16
Create Date: 2026-12-20 12:00:00.000000

Two partial indexes on PostgreSQL (models.tickets.DURATION_INDEXES): the seconds from
`created_at` to `first_response_at`, and to `resolved_at`, in the very text the metrics
statements order by (models.tickets.seconds_between_sql), with both times included so
that a walk reads the index alone. The median and p90 of a wide window are read by
walking them (resolvers/duration_ranks.py). Cost for writes: one more index entry per
ticket when it is first answered and when it is resolved (and one less when reopened).
SQLite has neither index: its percentiles are computed over row numbers.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d1c7b9e3a42"
down_revision: str | None = "8e5b3d7a2c16"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out here, as the migration's own record; the model builds the same text
# (models.tickets.seconds_between_sql), and tests/test_metrics.py checks the statements
# are planned on these indexes.
INDEXES = {
    "ix_ticket_first_response_seconds": "first_response_at",
    "ix_ticket_resolution_seconds": "resolved_at",
}


def _seconds(column: str) -> str:
    interval = f"({column} - created_at)"
    seconds = f"date_part('epoch', {interval})"
    return (
        f"(CASE WHEN abs({seconds}) < 1000000000 "
        f"THEN round({seconds} * 1000000) / 1000000 "
        f"ELSE CAST(EXTRACT(EPOCH FROM {interval}) AS DOUBLE PRECISION) END)"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, column in INDEXES.items():
        op.create_index(
            name,
            "ticket",
            [sa.text(_seconds(column))],
            postgresql_include=["created_at", column],
            postgresql_where=sa.text(f"{column} IS NOT NULL"),
            # Built beforehand with CREATE INDEX CONCURRENTLY (docs/operators.md): kept.
            if_not_exists=True,
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.drop_index(name, table_name="ticket")
