"""list value counts kept

Revision ID: 8b3f1c6d2e57
Revises: 4d7f1b9e3a62
Create Date: 2026-12-13 12:00:00.000000

`list_value_count`: how many records of a root list hold each value of one column, kept
by triggers, so a list whose only filter is that column counts its matches from a few
rows instead of reading every match (resolvers/row_counts.py `kept_value_total`):

- `ticket.status`: every ticket, by status (`tickets(filter: {status: [...]})`, the
  support queue);
- `customer.segment`: customers merged into no other, by segment
  (`customers(filter: {segment: ...})`, the marketing journeys).

PostgreSQL: statement-level triggers over the transition tables for inserts and deletes,
one upsert per value a statement adds or removes, into the connection's own shard
(pg_backend_pid() % 16); row-level triggers for the rare update that moves a row between
values (a status change; a segment change, a merge or an unmerge), their WHEN conditions
evaluated without calling a function for every other update; a TRUNCATE empties what is
kept of its table. SQLite: row-level triggers, one shard.
"""

# ruff: noqa: S608  (SQL built from this file's constants only)
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8b3f1c6d2e57"
down_revision: str | None = "4d7f1b9e3a62"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each kept list: its table, the column counted, and the column that must be NULL for
# a row to be in the list (None: every row is).
KEPT = {
    "ticket.status": ("ticket", "status", None),
    "customer.segment": ("customer", "segment", "merged_into_id"),
}


def _held(name: str, row: str = "") -> str:
    """Whether a row is in list `name`: of `row` (NEW, OLD), or unqualified (a transition
    table's rows, or the table's own)."""
    held = KEPT[name][2]
    if held is None:
        return "TRUE"
    return f"{row}.{held} IS NULL" if row else f"{held} IS NULL"


def _upsert(values: str) -> str:
    """Adds `values` (list_name, value, shard, change rows) to the kept counts."""
    return (
        f"INSERT INTO list_value_count (list_name, value, shard, records) {values} "
        "ON CONFLICT (list_name, value, shard) "
        "DO UPDATE SET records = list_value_count.records + EXCLUDED.records;"
    )


def _postgres_statement_function(name: str) -> str:
    column = KEPT[name][1]
    key = name.replace(".", "_")

    def grouped(rows: str, sign: str) -> str:
        return _upsert(
            f"SELECT '{name}', {column}, pg_backend_pid() % 16, {sign}count(*) FROM {rows} "
            f"WHERE {column} IS NOT NULL AND {_held(name)} GROUP BY {column}"
        )

    return f"""
CREATE FUNCTION list_value_count_{key}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {grouped("new_rows", "")}
  ELSE
    {grouped("old_rows", "-")}
  END IF;
  RETURN NULL;
END $$
"""


def _postgres_row_function(name: str) -> str:
    column = KEPT[name][1]
    key = name.replace(".", "_")
    return f"""
CREATE FUNCTION list_value_count_{key}_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.{column} IS NOT NULL AND {_held(name, "OLD")} THEN
    {_upsert(f"VALUES ('{name}', OLD.{column}, pg_backend_pid() % 16, -1)")}
  END IF;
  IF NEW.{column} IS NOT NULL AND {_held(name, "NEW")} THEN
    {_upsert(f"VALUES ('{name}', NEW.{column}, pg_backend_pid() % 16, 1)")}
  END IF;
  RETURN NULL;
END $$
"""


def _moved(name: str, distinct: str = "IS DISTINCT FROM") -> str:
    """When an update moves a row between counted values (or in or out of the list);
    `distinct`: the dialect's null-safe inequality."""
    _, column, held = KEPT[name]
    moved = f"OLD.{column} {distinct} NEW.{column}"
    if held is not None:
        moved += f" OR ({_held(name, 'OLD')}) <> ({_held(name, 'NEW')})"
    return moved


def _columns(name: str) -> str:
    """The columns an update must set to move a row (the trigger's UPDATE OF list)."""
    _, column, held = KEPT[name]
    return column if held is None else f"{column}, {held}"


POSTGRES_TRUNCATE_FUNCTION = """
CREATE FUNCTION list_value_count_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM list_value_count WHERE list_name LIKE TG_TABLE_NAME || '.%';
  RETURN NULL;
END $$
"""


def _postgres_triggers() -> dict[str, tuple[str, str]]:
    """Each trigger's table and definition."""
    found: dict[str, tuple[str, str]] = {}
    for name, (table, _, _) in KEPT.items():
        key = name.replace(".", "_")
        found[f"list_value_count_{key}_insert"] = (
            table,
            f"AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
            f"EXECUTE FUNCTION list_value_count_{key}()",
        )
        found[f"list_value_count_{key}_delete"] = (
            table,
            f"AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
            f"EXECUTE FUNCTION list_value_count_{key}()",
        )
        found[f"list_value_count_{key}_move"] = (
            table,
            f"AFTER UPDATE OF {_columns(name)} ON {table} FOR EACH ROW "
            f"WHEN ({_moved(name)}) EXECUTE FUNCTION list_value_count_{key}_move()",
        )
    for table in sorted({table for table, _, _ in KEPT.values()}):
        found[f"list_value_count_{table}_truncate"] = (
            table,
            f"AFTER TRUNCATE ON {table} FOR EACH STATEMENT "
            "EXECUTE FUNCTION list_value_count_truncate()",
        )
    return found


def _sqlite_triggers() -> dict[str, str]:
    found = {}
    for name, (table, column, _) in KEPT.items():
        key = name.replace(".", "_")

        def add(row: str, change: str, name: str = name, column: str = column) -> str:
            return _upsert(f"VALUES ('{name}', {row}.{column}, 0, {change})")

        old_held = f"OLD.{column} IS NOT NULL AND {_held(name, 'OLD')}"
        new_held = f"NEW.{column} IS NOT NULL AND {_held(name, 'NEW')}"
        found[f"list_value_count_{key}_insert"] = (
            f"AFTER INSERT ON {table} WHEN {new_held} BEGIN {add('NEW', '1')} END"
        )
        found[f"list_value_count_{key}_delete"] = (
            f"AFTER DELETE ON {table} WHEN {old_held} BEGIN {add('OLD', '-1')} END"
        )
        moved = _moved(name, "IS NOT")
        found[f"list_value_count_{key}_move_old"] = (
            f"AFTER UPDATE OF {_columns(name)} ON {table} WHEN ({moved}) AND {old_held} "
            f"BEGIN {add('OLD', '-1')} END"
        )
        found[f"list_value_count_{key}_move_new"] = (
            f"AFTER UPDATE OF {_columns(name)} ON {table} WHEN ({moved}) AND {new_held} "
            f"BEGIN {add('NEW', '1')} END"
        )
    return found


def upgrade() -> None:
    op.create_table(
        "list_value_count",
        sa.Column("list_name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False),
        sa.Column("records", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("list_name", "value", "shard", name=op.f("pk_list_value_count")),
    )
    if op.get_bind().dialect.name == "postgresql":
        # No write falls between the counts and the triggers.
        for table in sorted({table for table, _, _ in KEPT.values()}):
            op.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        for name in KEPT:
            op.execute(_postgres_statement_function(name))
            op.execute(_postgres_row_function(name))
        op.execute(POSTGRES_TRUNCATE_FUNCTION)
        for trigger, (_, body) in _postgres_triggers().items():
            op.execute(f"CREATE TRIGGER {trigger} {body}")
    else:
        for trigger, body in _sqlite_triggers().items():
            op.execute(f"CREATE TRIGGER {trigger} {body}")
    for name, (table, column, _) in KEPT.items():
        op.execute(
            f"INSERT INTO list_value_count (list_name, value, shard, records) "
            f"SELECT '{name}', {column}, 0, count(*) FROM {table} "
            f"WHERE {column} IS NOT NULL AND {_held(name)} GROUP BY {column}"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for trigger, (table, _) in _postgres_triggers().items():
            op.execute(f"DROP TRIGGER {trigger} ON {table}")
        op.execute("DROP FUNCTION list_value_count_truncate()")
        for name in KEPT:
            key = name.replace(".", "_")
            op.execute(f"DROP FUNCTION list_value_count_{key}_move()")
            op.execute(f"DROP FUNCTION list_value_count_{key}()")
    else:
        for trigger in _sqlite_triggers():
            op.execute(f"DROP TRIGGER {trigger}")
    op.drop_table("list_value_count")
