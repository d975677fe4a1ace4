"""next-best-actions kept current

Revision ID: d2a6f0c3e815
Revises: 7b3d9e2f4a61
Create Date: 2026-11-30 12:00:00.000000

Adds the stored next-best-actions (one row per action holding for a customer, with its
dismissal) and `customer.actions_next_check_at`. Existing customers are due at once: the
scheduler computes their actions within a round or two of the first server start.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "d2a6f0c3e815"
down_revision: str | None = "7b3d9e2f4a61"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUEUE = ("dismissed_until", "rank", "since", "customer_id", "position")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=16)


def upgrade() -> None:
    op.create_table(
        "next_action",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column(
            "team", _enum("team", "MARKETING", "SALES", "SUPPORT", "PRODUCT"), nullable=False
        ),
        sa.Column("priority", _enum("priority", "LOW", "NORMAL", "HIGH", "URGENT"), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("since", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("dismissed_until", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("dismiss_reason", sa.Text(), nullable=True),
        sa.Column("dismissed_facts", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_next_action_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("customer_id", "kind", name=op.f("pk_next_action")),
    )
    op.create_index("ix_next_action_queue", "next_action", list(QUEUE), unique=False)
    op.create_index("ix_next_action_team_queue", "next_action", ["team", *QUEUE], unique=False)
    op.create_index(
        "ix_next_action_kind_customer_id", "next_action", ["kind", "customer_id"], unique=False
    )
    with op.batch_alter_table("customer") as batch:
        batch.add_column(
            sa.Column(
                "actions_next_check_at", models.types.UTCDateTime(timezone=True), nullable=True
            )
        )
    op.create_index(
        op.f("ix_customer_actions_next_check_at"),
        "customer",
        ["actions_next_check_at"],
        unique=False,
    )
    customer = sa.table(
        "customer",
        sa.column("merged_into_id", sa.Uuid()),
        sa.column("actions_next_check_at", models.types.UTCDateTime(timezone=True)),
    )
    op.execute(
        customer.update()
        .where(customer.c.merged_into_id.is_(None))
        .values(actions_next_check_at=models.types.EPOCH)
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_customer_actions_next_check_at"), table_name="customer")
    with op.batch_alter_table("customer") as batch:
        batch.drop_column("actions_next_check_at")
    op.drop_index("ix_next_action_kind_customer_id", table_name="next_action")
    op.drop_index("ix_next_action_team_queue", table_name="next_action")
    op.drop_index("ix_next_action_queue", table_name="next_action")
    op.drop_table("next_action")
