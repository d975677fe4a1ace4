"""queue filter columns: a follow-up's ticket facts, an action's customer segment

Revision ID: 9c4e2a7b5d18
Revises: 3a9d7c5e1f24
Create Date: 2026-12-17 12:00:00.000000

`followUps(filter: {priority | channel | assignee})` tests the follow-up's ticket, and
`nextBestActions(filter: {segment})` the action's customer: each counted its matches
through a join of every follow-up (or action) with the other table (100,000 customers:
20-60 ms). Each queue now keeps a copy of those columns, kept equal to the source row by
triggers (on PostgreSQL and SQLite alike, whoever writes):

- `follow_up.priority`, `channel`, `assignee`: its ticket's; filled when a follow-up is
  inserted, rewritten when the ticket's change.
- `next_action.segment`: its customer's; filled when an action is inserted, rewritten
  when the customer's segment changes (a merge moves no action: the merged customer's
  actions are recomputed under the survivor, and inserted anew).

Each copy leads an index in the queue's order, so a filtered page and its count read
that index alone. Cost for writes: one trigger per inserted follow-up or action (one
lookup by primary key), and for the rare update of a ticket's priority, channel or
assignee or a customer's segment one update of its follow-up or actions.
"""

# ruff: noqa: S608  (SQL built from this file's constants only)
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9c4e2a7b5d18"
down_revision: str | None = "3a9d7c5e1f24"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each copy: (table, its key to the source row, source table, columns copied).
COPIES = {
    "follow_up_ticket": ("follow_up", "ticket_id", "ticket", ("priority", "channel", "assignee")),
    "next_action_customer": ("next_action", "customer_id", "customer", ("segment",)),
}
COLUMNS = {
    "priority": sa.String(length=16),
    "channel": sa.String(length=16),
    "assignee": sa.String(length=200),
    "segment": sa.String(length=64),
}
INDEXES = {
    "ix_follow_up_priority_due_since_ticket_id": (
        "follow_up",
        ["priority", "due_since", "ticket_id"],
    ),
    "ix_follow_up_channel_due_since_ticket_id": (
        "follow_up",
        ["channel", "due_since", "ticket_id"],
    ),
    "ix_follow_up_assignee_due_since_ticket_id": (
        "follow_up",
        ["assignee", "due_since", "ticket_id"],
    ),
    "ix_next_action_segment_queue": (
        "next_action",
        ["segment", "dismissed_until", "rank", "since", "customer_id", "position"],
    ),
}


def _copied(name: str, row: str) -> str:
    """SET text copying the source row's columns onto the copy's rows of `row`."""
    _, key, source, columns = COPIES[name]
    return ", ".join(
        f"{column} = (SELECT {source}.{column} FROM {source} WHERE {source}.id = {row}.{key})"
        for column in columns
    )


def _changed(name: str, distinct: str) -> str:
    columns = COPIES[name][3]
    return " OR ".join(f"OLD.{c} {distinct} NEW.{c}" for c in columns)


def _postgres(name: str) -> list[str]:
    table, key, source, columns = COPIES[name]
    fill = ", ".join(columns)
    into = ", ".join(f"NEW.{c}" for c in columns)
    pushed = ", ".join(f"{c} = NEW.{c}" for c in columns)
    return [
        f"""CREATE FUNCTION {name}_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT {fill} INTO {into} FROM {source} WHERE {source}.id = NEW.{key};
  RETURN NEW;
END $$""",
        f"CREATE TRIGGER {name}_fill BEFORE INSERT OR UPDATE OF {key} ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {name}_fill()",
        f"""CREATE FUNCTION {name}_push() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE {table} SET {pushed} WHERE {table}.{key} = NEW.id;
  RETURN NULL;
END $$""",
        f"CREATE TRIGGER {name}_push AFTER UPDATE OF {', '.join(columns)} ON {source} "
        f"FOR EACH ROW WHEN ({_changed(name, 'IS DISTINCT FROM')}) "
        f"EXECUTE FUNCTION {name}_push()",
    ]


def _sqlite(name: str) -> list[str]:
    table, key, source, columns = COPIES[name]
    pushed = ", ".join(f"{c} = NEW.{c}" for c in columns)
    return [
        f"CREATE TRIGGER {name}_fill AFTER INSERT ON {table} BEGIN "
        f"UPDATE {table} SET {_copied(name, 'NEW')} WHERE {table}.{key} = NEW.{key}; END",
        f"CREATE TRIGGER {name}_refill AFTER UPDATE OF {key} ON {table} BEGIN "
        f"UPDATE {table} SET {_copied(name, 'NEW')} WHERE {table}.{key} = NEW.{key}; END",
        f"CREATE TRIGGER {name}_push AFTER UPDATE OF {', '.join(columns)} ON {source} "
        f"WHEN {_changed(name, 'IS NOT')} BEGIN "
        f"UPDATE {table} SET {pushed} WHERE {table}.{key} = NEW.id; END",
    ]


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, (table, _, source, columns) in COPIES.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.add_column(sa.Column(column, COLUMNS[column], nullable=True))
        if postgres:  # no write falls between the copy and the triggers
            op.execute(f"LOCK TABLE {table}, {source} IN SHARE ROW EXCLUSIVE MODE")
        op.execute(f"UPDATE {table} SET {_copied(name, table)}")
        for statement in _postgres(name) if postgres else _sqlite(name):
            op.execute(statement)
    for index, (table, columns) in INDEXES.items():
        op.create_index(index, table, columns)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for index, (table, _) in INDEXES.items():
        op.drop_index(index, table_name=table)
    for name, (table, _, source, columns) in COPIES.items():
        if postgres:
            op.execute(f"DROP TRIGGER {name}_push ON {source}")
            op.execute(f"DROP TRIGGER {name}_fill ON {table}")
            op.execute(f"DROP FUNCTION {name}_push()")
            op.execute(f"DROP FUNCTION {name}_fill()")
        else:
            for trigger in ("push", "fill", "refill"):
                op.execute(f"DROP TRIGGER {name}_{trigger}")
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.drop_column(column)
