"""bulk file retention

Revision ID: 4e8b2c6a1f90
Revises: 3e8b5c1f7a90
Create Date: 2026-12-03 12:00:00.000000

Bulk files (export lines, import error reports, uploaded files) are deleted by the
scheduler once `CX360_BULK_FILE_RETENTION_HOURS` have passed: operations and uploads get
`files_expire_at` (when, indexed: the scheduler's due column) and `files_deleted_at`
(when it did: the download answers 410 GONE). Rows from before this migration get no
expiry: their files stay until deleted by hand.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "4e8b2c6a1f90"
down_revision: str | None = "3e8b5c1f7a90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("bulk_operation", "bulk_upload")


def upgrade() -> None:
    stamp = models.types.UTCDateTime(timezone=True)
    for table in TABLES:
        op.add_column(table, sa.Column("files_expire_at", stamp, nullable=True))
        op.add_column(table, sa.Column("files_deleted_at", stamp, nullable=True))
        op.create_index(f"ix_{table}_files_expire_at", table, ["files_expire_at"])


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_files_expire_at", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("files_deleted_at")
            batch.drop_column("files_expire_at")
