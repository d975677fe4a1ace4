"""ticket priority order indexes per status

Revision ID: 5b8d2f6a9c31
Revises: 8b3f1c6d2e57
Create Date: 2026-12-14 12:00:00.000000

The two priority-order indexes again (rank, then `created_at`, `id`; one per direction),
each led by the status. A page filtered by statuses in priority order (the support queue:
NEW, OPEN, PENDING) reads each status from its part of the index, merged in order
(resolvers/listing.py SplitByValue). Through the indexes without the status it first
stepped over every finished ticket of a higher priority, a number that grows with the
data (100,000 customers: 6,203 index entries for a page of 50).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5b8d2f6a9c31"
down_revision: str | None = "8b3f1c6d2e57"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As it was written when this migration was (models/tickets.py PRIORITY_RANK_INDEXED).
RANK = (
    "(CASE priority WHEN 'LOW' THEN 0 WHEN 'NORMAL' THEN 1 WHEN 'HIGH' THEN 2 "
    "WHEN 'URGENT' THEN 3 END)"
)
INDEXES = {
    "ix_ticket_status_priority_rank_created_at_id": f"status, {RANK}, created_at, id",
    "ix_ticket_status_priority_rank_desc_created_at_id": f"status, {RANK} DESC, created_at, id",
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON ticket ({columns})")


def downgrade() -> None:
    for name in INDEXES:
        op.execute(f"DROP INDEX {name}")
