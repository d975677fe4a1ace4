"""ticket priority order indexes

Revision ID: 9e5f2b7c4a16
Revises: 7c3e9a1d5b42
Create Date: 2026-12-09 12:00:00.000000

Two expression indexes on the priority's rank (LOW 0 ... URGENT 3), then `created_at`,
`id`: one per direction of `tickets(orderBy: {field: PRIORITY})`, whose keys are the rank
(either direction), then the oldest first, then the id. The page of 50 then reads 50 index
entries instead of sorting every ticket.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "9e5f2b7c4a16"
down_revision: str | None = "7c3e9a1d5b42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As it was written when this migration was (models/tickets.py PRIORITY_RANK_INDEXED).
RANK = (
    "(CASE priority WHEN 'LOW' THEN 0 WHEN 'NORMAL' THEN 1 WHEN 'HIGH' THEN 2 "
    "WHEN 'URGENT' THEN 3 END)"
)
INDEXES = {
    "ix_ticket_priority_rank_created_at_id": f"{RANK}, created_at, id",
    "ix_ticket_priority_rank_desc_created_at_id": f"{RANK} DESC, created_at, id",
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON ticket ({columns})")


def downgrade() -> None:
    for name in INDEXES:
        op.execute(f"DROP INDEX {name}")
