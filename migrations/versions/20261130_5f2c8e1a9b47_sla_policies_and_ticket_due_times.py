"""sla policies and ticket due times

Revision ID: 5f2c8e1a9b47
Revises: c4e8a1f20d17
Create Date: 2026-11-30 12:00:00.000000

Existing tickets get the due times of the domain's default policies (no business
calendar: every hour counts), counted from their createdAt; AT_RISK starts when 25 %
of a target's length is left. The defaults as they stood when this was written:
URGENT 1 h / 8 h, HIGH 4 h / 24 h, NORMAL 8 h / 72 h, LOW 24 h / 168 h.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "5f2c8e1a9b47"
down_revision: str | None = "c4e8a1f20d17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HOUR = 3600
# priority -> (first response, resolution) in seconds
DEFAULTS = {
    "URGENT": (1 * HOUR, 8 * HOUR),
    "HIGH": (4 * HOUR, 24 * HOUR),
    "NORMAL": (8 * HOUR, 72 * HOUR),
    "LOW": (24 * HOUR, 168 * HOUR),
}
COLUMNS = {
    # column -> (which target, share of its length after createdAt)
    "first_response_due_at": (0, 1.0),
    "resolution_due_at": (1, 1.0),
    "first_response_at_risk_at": (0, 0.75),
    "resolution_at_risk_at": (1, 0.75),
}


def _seconds(target: int, share: float) -> str:
    cases = " ".join(
        f"WHEN '{priority}' THEN {int(lengths[target] * share)}"
        for priority, lengths in DEFAULTS.items()
    )
    return f"CASE priority {cases} END"


def _later(seconds: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f"created_at + make_interval(secs => {seconds})"
    # SQLite keeps `YYYY-MM-DD HH:MM:SS.ffffff`: shift the whole seconds, keep the fraction.
    return (
        f"datetime(substr(created_at, 1, 19), '+' || ({seconds}) || ' seconds') "
        "|| substr(created_at, 20)"
    )


def upgrade() -> None:
    op.create_table(
        "sla_policy",
        sa.Column(
            "priority",
            sa.Enum(
                "LOW",
                "NORMAL",
                "HIGH",
                "URGENT",
                name="priority",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("first_response_seconds", sa.Integer(), nullable=False),
        sa.Column("resolution_seconds", sa.Integer(), nullable=False),
        sa.Column("calendar_time_zone", sa.String(length=64), nullable=True),
        sa.Column("calendar_weekdays", sa.JSON(), nullable=True),
        sa.Column("calendar_opens_at", sa.String(length=5), nullable=True),
        sa.Column("calendar_closes_at", sa.String(length=5), nullable=True),
        sa.Column("updated_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("priority", name=op.f("pk_sla_policy")),
    )
    dialect = op.get_bind().dialect.name
    for name in COLUMNS:
        # SQLite adds a NOT NULL column only with a default, and rebuilding the table
        # (batch mode) would trip the survey responses' foreign keys: a placeholder
        # default there, overwritten at once below and never used by the app.
        placeholder = "1970-01-01 00:00:00.000000" if dialect == "sqlite" else None
        op.add_column(
            "ticket",
            sa.Column(
                name,
                models.types.UTCDateTime(timezone=True),
                nullable=placeholder is None,
                server_default=placeholder,
            ),
        )
    assignments = ", ".join(
        f"{name} = {_later(_seconds(target, share), dialect)}"
        for name, (target, share) in COLUMNS.items()
    )
    op.execute(f"UPDATE ticket SET {assignments}")  # noqa: S608 (constants only)
    if dialect != "sqlite":
        for name in COLUMNS:
            op.alter_column("ticket", name, nullable=False)
    op.create_index("ix_ticket_first_response_due_at_id", "ticket", ["first_response_due_at", "id"])
    op.create_index("ix_ticket_resolution_due_at_id", "ticket", ["resolution_due_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_ticket_resolution_due_at_id", table_name="ticket")
    op.drop_index("ix_ticket_first_response_due_at_id", table_name="ticket")
    for name in reversed(COLUMNS):
        op.drop_column("ticket", name)
    op.drop_table("sla_policy")
