"""action started changes

Revision ID: 3e8b5c1f7a90
Revises: 9c4e7a1d3b58
Create Date: 2026-12-03 12:00:00.000000

Next-best-actions get `start_id` (uuid5 of customer, kind and `since`: one id per start
of an action, unique), the record id of the new change type ACTION_STARTED, which the
change log and webhook deliveries now accept. Stored actions get the id of the start they
are in; what starts from then on is announced, nothing from before.
"""

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "3e8b5c1f7a90"
down_revision: str | None = "9c4e7a1d3b58"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = (
    "TOUCHPOINT_RECORDED",
    "TICKET_OPENED",
    "TICKET_UPDATED",
    "SURVEY_RESPONSE_RECORDED",
    "SURVEY_INVITATION_SENT",
    "FOLLOW_UP_MISSED",
    "TICKET_SLA_AT_RISK",
    "TICKET_SLA_BREACHED",
)
AFTER = (*BEFORE, "ACTION_STARTED")
TABLES = ("change_event", "webhook_delivery")
# As resolvers.actions.start_id, frozen here: these ids are stored.
START_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://cx360.example/next-best-action")
BATCH = 1000


def _start_id(customer_id: uuid.UUID, kind: str, since: datetime) -> uuid.UUID:
    return uuid.uuid5(START_NAMESPACE, f"{customer_id}/{kind}/{since.isoformat()}")


def _change_type(values: Sequence[str]) -> sa.Enum:
    return sa.Enum(
        *values, name="change_type", native_enum=False, create_constraint=True, length=24
    )


def _retype(values: Sequence[str], was: Sequence[str]) -> None:
    for table in TABLES:
        if op.get_bind().dialect.name == "sqlite":
            # SQLite changes a CHECK constraint only by copying the table (nothing refers
            # to these two); the column's new type brings the new constraint.
            with op.batch_alter_table(table, recreate="always") as batch:
                batch.alter_column(
                    "change_type", existing_type=_change_type(was), type_=_change_type(values)
                )
        else:
            op.drop_constraint(op.f(f"ck_{table}_change_type"), table, type_="check")
            listed = ", ".join(f"'{v}'" for v in values)
            op.create_check_constraint("change_type", table, sa.text(f"change_type IN ({listed})"))


def upgrade() -> None:
    with op.batch_alter_table("next_action") as batch:
        batch.add_column(sa.Column("start_id", sa.Uuid(), nullable=True))
    stamp = models.types.UTCDateTime(timezone=True)
    action = sa.table(
        "next_action",
        sa.column("customer_id", sa.Uuid()),
        sa.column("kind", sa.String()),
        sa.column("since", stamp),
        sa.column("start_id", sa.Uuid()),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(action.c.customer_id, action.c.kind, action.c.since)).all()
    for start in range(0, len(rows), BATCH):
        connection.execute(
            action.update()
            .where(action.c.customer_id == sa.bindparam("key"), action.c.kind == sa.bindparam("k"))
            .values(start_id=sa.bindparam("start")),
            [
                {"key": key, "k": kind, "start": _start_id(key, kind, since)}
                for key, kind, since in rows[start : start + BATCH]
            ],
        )
    with op.batch_alter_table("next_action") as batch:
        batch.alter_column("start_id", existing_type=sa.Uuid(), nullable=False)
    op.create_index("ix_next_action_start_id", "next_action", ["start_id"], unique=True)
    _retype(AFTER, BEFORE)


def downgrade() -> None:
    for table in TABLES:
        rows = sa.table(table, sa.column("change_type", sa.String()))
        op.execute(sa.delete(rows).where(rows.c.change_type == "ACTION_STARTED"))
    _retype(BEFORE, AFTER)
    op.drop_index("ix_next_action_start_id", table_name="next_action")
    with op.batch_alter_table("next_action") as batch:
        batch.drop_column("start_id")
