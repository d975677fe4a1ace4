"""bulk operations: export and import jobs, staged uploads

Revision ID: b7d31e9a5c02
Revises: 7f3c2b9d41e6
Create Date: 2026-11-24 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "b7d31e9a5c02"
down_revision: str | None = "7f3c2b9d41e6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bulk_operation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key_id", sa.Uuid(), nullable=False),
        sa.Column("active_key_id", sa.Uuid(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "EXPORT",
                "IMPORT",
                name="bulk_kind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "CREATED",
                "RUNNING",
                "COMPLETED",
                "FAILED",
                "CANCELED",
                name="bulk_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("upload_id", sa.Uuid(), nullable=True),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.Column("lines_done", sa.BigInteger(), nullable=False),
        sa.Column("object_count", sa.BigInteger(), nullable=False),
        sa.Column("error_count", sa.BigInteger(), nullable=False),
        sa.Column("file_size", sa.BigInteger(), nullable=False),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.String(length=500), nullable=True),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("lease_until", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["key_id"],
            ["api_key.id"],
            name=op.f("fk_bulk_operation_key_id_api_key"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_operation")),
        sa.UniqueConstraint("active_key_id", name=op.f("uq_bulk_operation_active_key_id")),
    )
    with op.batch_alter_table("bulk_operation", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bulk_operation_key_id_created_at", ["key_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_bulk_operation_lease_until"), ["lease_until"], unique=False
        )

    op.create_table(
        "bulk_upload",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key_id", sa.Uuid(), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("expires_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["key_id"],
            ["api_key.id"],
            name=op.f("fk_bulk_upload_key_id_api_key"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_upload")),
    )


def downgrade() -> None:
    op.drop_table("bulk_upload")
    with op.batch_alter_table("bulk_operation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bulk_operation_lease_until"))
        batch_op.drop_index("ix_bulk_operation_key_id_created_at")
    op.drop_table("bulk_operation")
