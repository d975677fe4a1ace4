"""read audit

Revision ID: 3e8b5d2c7f19
Revises: 4e8b2c6a1f90
Create Date: 2026-12-05 12:00:00.000000

`read_audit_entry`: one row per customer per response that showed that customer's
unmasked email, phone or survey comment (docs/domain.md, "Who may see and do what"),
with indexes for the newest-first list (and pruning), the customer filter (and erasure)
and the key filter.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "3e8b5d2c7f19"
down_revision: str | None = "4e8b2c6a1f90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "read_audit_entry",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("read_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.Uuid(), nullable=True),
        sa.Column("key_name", sa.String(length=100), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "ADMIN",
                "SUPPORT",
                "SALES",
                "MARKETING",
                "ANALYST",
                "PARTNER",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("operation_name", sa.String(length=200), nullable=True),
        sa.Column("customer_id", sa.Uuid(), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_read_audit_entry")),
    )
    with op.batch_alter_table("read_audit_entry", schema=None) as batch_op:
        batch_op.create_index("ix_read_audit_entry_read_at_id", ["read_at", "id"])
        batch_op.create_index(
            "ix_read_audit_entry_customer_id_read_at_id", ["customer_id", "read_at", "id"]
        )
        batch_op.create_index(
            "ix_read_audit_entry_key_name_read_at_id", ["key_name", "read_at", "id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("read_audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_read_audit_entry_key_name_read_at_id")
        batch_op.drop_index("ix_read_audit_entry_customer_id_read_at_id")
        batch_op.drop_index("ix_read_audit_entry_read_at_id")
    op.drop_table("read_audit_entry")
