"""customer health kept current

Revision ID: c4e8a1f20d17
Revises: 451c6992bb3e
Create Date: 2026-11-23 09:00:00.000000

Existing customers get the neutral stored health and are due at once: the scheduler
(api/scheduler.py) computes each within a round or two of the first server start.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "c4e8a1f20d17"
down_revision: str | None = "451c6992bb3e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("customer") as batch:
        batch.add_column(
            sa.Column("health_score", sa.Integer(), server_default="100", nullable=False)
        )
        batch.add_column(
            sa.Column("health_level", sa.String(length=8), server_default="HEALTHY", nullable=False)
        )
        batch.add_column(sa.Column("health_reasons", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("health_updated_at", models.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column(
                "health_next_check_at", models.types.UTCDateTime(timezone=True), nullable=True
            )
        )
    op.create_index(
        "ix_customer_health_level_created_at_id",
        "customer",
        ["health_level", "created_at", "id"],
        unique=False,
    )
    op.create_index("ix_customer_health_score_id", "customer", ["health_score", "id"], unique=False)
    op.create_index(
        op.f("ix_customer_health_next_check_at"),
        "customer",
        ["health_next_check_at"],
        unique=False,
    )
    customer = sa.table(
        "customer",
        sa.column("merged_into_id", sa.Uuid()),
        sa.column("health_next_check_at", models.types.UTCDateTime(timezone=True)),
    )
    op.execute(
        customer.update()
        .where(customer.c.merged_into_id.is_(None))
        .values(health_next_check_at=models.types.EPOCH)
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_customer_health_next_check_at"), table_name="customer")
    op.drop_index("ix_customer_health_score_id", table_name="customer")
    op.drop_index("ix_customer_health_level_created_at_id", table_name="customer")
    with op.batch_alter_table("customer") as batch:
        batch.drop_column("health_next_check_at")
        batch.drop_column("health_updated_at")
        batch.drop_column("health_reasons")
        batch.drop_column("health_level")
        batch.drop_column("health_score")
