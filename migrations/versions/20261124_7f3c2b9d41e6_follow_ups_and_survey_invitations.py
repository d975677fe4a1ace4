"""follow-ups and survey invitations

Revision ID: 7f3c2b9d41e6
Revises: 5f2c8e1a9b47
Create Date: 2026-11-24 09:00:00.000000

Adds survey invitations (token stored as a SHA-256 hash), follow-ups per resolved ticket,
the invitation a response answers (unique: a double submit stores one response), and the
change types SURVEY_INVITATION_SENT and FOLLOW_UP_MISSED. Tickets already RESOLVED or
CLOSED get their follow-up from their `resolvedAt` (ANSWERED when a response is linked);
the scheduler turns the overdue ones MISSED on its first round.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "7f3c2b9d41e6"
down_revision: str | None = "5f2c8e1a9b47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_CHANGE_TYPES = (
    "TOUCHPOINT_RECORDED",
    "TICKET_OPENED",
    "TICKET_UPDATED",
    "SURVEY_RESPONSE_RECORDED",
)
NEW_CHANGE_TYPES = (*OLD_CHANGE_TYPES, "SURVEY_INVITATION_SENT", "FOLLOW_UP_MISSED")
CHANGE_TABLES = ("change_event", "webhook_delivery")


def _change_types(values: Sequence[str]) -> None:
    """Replaces the CHECK constraint on each table's change_type column."""
    allowed = ", ".join(f"'{v}'" for v in values)
    for table in CHANGE_TABLES:
        with op.batch_alter_table(table, recreate="always") as batch:
            batch.drop_constraint(op.f(f"ck_{table}_change_type"), type_="check")
            batch.create_check_constraint(
                op.f(f"ck_{table}_change_type"), sa.text(f"change_type IN ({allowed})")
            )


def upgrade() -> None:
    op.create_table(
        "survey_invitation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("survey_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("sent_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_survey_invitation_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["survey.id"], name=op.f("fk_survey_invitation_survey_id_survey")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_survey_invitation_ticket_id_ticket")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_invitation")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_survey_invitation_token_hash")),
    )
    op.create_index(
        "ix_survey_invitation_customer_id_sent_at",
        "survey_invitation",
        ["customer_id", "sent_at"],
        unique=False,
    )
    op.create_index(
        "ix_survey_invitation_sent_at_id", "survey_invitation", ["sent_at", "id"], unique=False
    )
    op.create_index(
        op.f("ix_survey_invitation_ticket_id"), "survey_invitation", ["ticket_id"], unique=False
    )
    op.create_table(
        "follow_up",
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "DUE",
                "SENT",
                "ANSWERED",
                "MISSED",
                name="state",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("due_since", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("invitation_id", sa.Uuid(), nullable=True),
        sa.Column("next_check_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["survey_invitation.id"],
            name=op.f("fk_follow_up_invitation_id_survey_invitation"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_follow_up_ticket_id_ticket")
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_follow_up")),
    )
    op.create_index(
        "ix_follow_up_due_since_ticket_id", "follow_up", ["due_since", "ticket_id"], unique=False
    )
    op.create_index(
        op.f("ix_follow_up_next_check_at"), "follow_up", ["next_check_at"], unique=False
    )
    op.create_index(
        "ix_follow_up_state_due_since_ticket_id",
        "follow_up",
        ["state", "due_since", "ticket_id"],
        unique=False,
    )
    with op.batch_alter_table("survey_response") as batch:
        batch.add_column(sa.Column("invitation_id", sa.Uuid(), nullable=True))
        batch.create_unique_constraint(op.f("uq_survey_response_invitation_id"), ["invitation_id"])
        batch.create_foreign_key(
            op.f("fk_survey_response_invitation_id_survey_invitation"),
            "survey_invitation",
            ["invitation_id"],
            ["id"],
        )
    _change_types(NEW_CHANGE_TYPES)
    ticket = sa.table(
        "ticket",
        sa.column("id", sa.Uuid()),
        sa.column("status", sa.String()),
        sa.column("resolved_at", models.types.UTCDateTime(timezone=True)),
    )
    response = sa.table("survey_response", sa.column("ticket_id", sa.Uuid()))
    answered = sa.exists().where(response.c.ticket_id == ticket.c.id)
    follow_up = sa.table(
        "follow_up",
        sa.column("ticket_id", sa.Uuid()),
        sa.column("state", sa.String()),
        sa.column("due_since", models.types.UTCDateTime(timezone=True)),
        sa.column("expires_at", models.types.UTCDateTime(timezone=True)),
        sa.column("next_check_at", models.types.UTCDateTime(timezone=True)),
    )
    # Seven days (the default window); DUE ones are due for the scheduler at once.
    expires = ticket.c.resolved_at + sa.text("INTERVAL '7 days'")
    if op.get_bind().dialect.name == "sqlite":
        # Whole seconds moved by SQLite's date function, the stored fraction kept as text.
        seconds = sa.func.strftime("%Y-%m-%d %H:%M:%S", ticket.c.resolved_at, "+7 days")
        expires = seconds.op("||")(sa.func.substr(ticket.c.resolved_at, 20))
    op.execute(
        follow_up.insert().from_select(
            ["ticket_id", "state", "due_since", "expires_at", "next_check_at"],
            sa.select(
                ticket.c.id,
                sa.case((answered, "ANSWERED"), else_="DUE"),
                ticket.c.resolved_at,
                expires,
                sa.case(
                    (answered, None),
                    else_=sa.literal(models.types.EPOCH, ticket.c.resolved_at.type),
                ),
            ).where(ticket.c.status.in_(["RESOLVED", "CLOSED"]), ticket.c.resolved_at.is_not(None)),
        )
    )


def downgrade() -> None:
    op.execute(
        sa.text(
            "DELETE FROM change_event WHERE change_type IN "
            "('SURVEY_INVITATION_SENT', 'FOLLOW_UP_MISSED')"
        )
    )
    op.execute(
        sa.text(
            "DELETE FROM webhook_delivery WHERE change_type IN "
            "('SURVEY_INVITATION_SENT', 'FOLLOW_UP_MISSED')"
        )
    )
    _change_types(OLD_CHANGE_TYPES)
    with op.batch_alter_table("survey_response") as batch:
        batch.drop_constraint(
            op.f("fk_survey_response_invitation_id_survey_invitation"), type_="foreignkey"
        )
        batch.drop_constraint(op.f("uq_survey_response_invitation_id"), type_="unique")
        batch.drop_column("invitation_id")
    op.drop_index("ix_follow_up_state_due_since_ticket_id", table_name="follow_up")
    op.drop_index(op.f("ix_follow_up_next_check_at"), table_name="follow_up")
    op.drop_index("ix_follow_up_due_since_ticket_id", table_name="follow_up")
    op.drop_table("follow_up")
    op.drop_index(op.f("ix_survey_invitation_ticket_id"), table_name="survey_invitation")
    op.drop_index("ix_survey_invitation_sent_at_id", table_name="survey_invitation")
    op.drop_index("ix_survey_invitation_customer_id_sent_at", table_name="survey_invitation")
    op.drop_table("survey_invitation")
