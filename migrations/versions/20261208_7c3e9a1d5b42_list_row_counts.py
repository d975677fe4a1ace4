"""list row counts kept

Revision ID: 7c3e9a1d5b42
Revises: 6b2d8f4c0e35
Create Date: 2026-12-08 12:00:00.000000

`list_row_count`: how many records each root list holds with no filter (`customer` not
merged into another, `touchpoint`, `ticket`: the large root lists), kept by triggers, so
an unfiltered `totalCount` reads a few rows instead of counting every record
(resolvers/row_counts.py). PostgreSQL: statement-level triggers over the transition
tables for inserts and deletes, one upsert per statement into the connection's own shard
(pg_backend_pid() % 16); a row-level trigger on the rare change of
`customer.merged_into_id` (a merge or an unmerge); a TRUNCATE of one of the three tables
empties what is kept of it (also the lifetime values and the SLA state counts). SQLite:
row-level triggers, one shard.
"""

# ruff: noqa: S608  (SQL built from this file's constants only)
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c3e9a1d5b42"
down_revision: str | None = "6b2d8f4c0e35"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each list, its table and which of the table's rows it holds.
LISTS = {
    "customer": ("customer", "merged_into_id IS NULL"),
    "touchpoint": ("touchpoint", "TRUE"),
    "ticket": ("ticket", "TRUE"),
}


def _add(list_name: str, shard: str, change: str) -> str:
    return (
        f"INSERT INTO list_row_count (list_name, shard, records) "
        f"VALUES ('{list_name}', {shard}, {change}) ON CONFLICT (list_name, shard) "
        f"DO UPDATE SET records = list_row_count.records + EXCLUDED.records;"
    )


# TG_ARGV[0]: the list; TG_ARGV[1]: 1 for inserts, -1 for deletes. A customer counts
# only while it is merged into no other.
POSTGRES_FUNCTION = """
CREATE FUNCTION list_row_count_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed bigint;
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF TG_TABLE_NAME = 'customer' THEN
      SELECT count(*) INTO changed FROM new_rows WHERE merged_into_id IS NULL;
    ELSE
      SELECT count(*) INTO changed FROM new_rows;
    END IF;
  ELSE
    IF TG_TABLE_NAME = 'customer' THEN
      SELECT -count(*) INTO changed FROM old_rows WHERE merged_into_id IS NULL;
    ELSE
      SELECT -count(*) INTO changed FROM old_rows;
    END IF;
  END IF;
  IF changed <> 0 THEN
    INSERT INTO list_row_count (list_name, shard, records)
    VALUES (TG_ARGV[0], pg_backend_pid() % 16, changed)
    ON CONFLICT (list_name, shard) DO UPDATE SET records = list_row_count.records + EXCLUDED.records;
  END IF;
  RETURN NULL;
END $$
"""
POSTGRES_MERGE_FUNCTION = """
CREATE FUNCTION list_row_count_merge() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO list_row_count (list_name, shard, records)
  VALUES ('customer', pg_backend_pid() % 16,
          CASE WHEN NEW.merged_into_id IS NULL THEN 1 ELSE -1 END)
  ON CONFLICT (list_name, shard) DO UPDATE SET records = list_row_count.records + EXCLUDED.records;
  RETURN NULL;
END $$
"""
MERGE_WHEN = "(OLD.merged_into_id IS NULL) <> (NEW.merged_into_id IS NULL)"
# TRUNCATE fires no row or insert/delete trigger: what each kept sum of an emptied table
# becomes (the list's count; for touchpoints every lifetime value, migration 6b2d8f4c0e35;
# for tickets the counts per SLA state, migration 5a1c7e3b9d24). SQLite has no TRUNCATE:
# its DELETE without WHERE fires the delete triggers.
POSTGRES_TRUNCATE_FUNCTION = """
CREATE FUNCTION list_row_count_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM list_row_count WHERE list_name = TG_ARGV[0];
  IF TG_TABLE_NAME = 'touchpoint' THEN
    UPDATE customer SET lifetime_value_cents = 0 WHERE lifetime_value_cents <> 0;
  ELSIF TG_TABLE_NAME = 'ticket' THEN
    DELETE FROM ticket_sla_state_count;
  END IF;
  RETURN NULL;
END $$
"""


def _postgres_triggers() -> dict[str, str]:
    found = {}
    for name, (table, _) in LISTS.items():
        found[f"list_row_count_{name}_insert"] = (
            f"AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
            f"EXECUTE FUNCTION list_row_count_apply('{name}')"
        )
        found[f"list_row_count_{name}_delete"] = (
            f"AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
            f"EXECUTE FUNCTION list_row_count_apply('{name}')"
        )
    found["list_row_count_customer_merge"] = (
        f"AFTER UPDATE OF merged_into_id ON customer FOR EACH ROW WHEN ({MERGE_WHEN}) "
        "EXECUTE FUNCTION list_row_count_merge()"
    )
    for name, (table, _) in LISTS.items():
        found[f"list_row_count_{name}_truncate"] = (
            f"AFTER TRUNCATE ON {table} FOR EACH STATEMENT "
            f"EXECUTE FUNCTION list_row_count_truncate('{name}')"
        )
    return found


def _sqlite_triggers() -> dict[str, str]:
    found = {}
    for name, (table, held) in LISTS.items():
        new_held = held.replace("merged_into_id", "NEW.merged_into_id")
        old_held = held.replace("merged_into_id", "OLD.merged_into_id")
        found[f"list_row_count_{name}_insert"] = (
            f"AFTER INSERT ON {table} WHEN {new_held} BEGIN {_add(name, '0', '1')} END"
        )
        found[f"list_row_count_{name}_delete"] = (
            f"AFTER DELETE ON {table} WHEN {old_held} BEGIN {_add(name, '0', '-1')} END"
        )
    change = "CASE WHEN NEW.merged_into_id IS NULL THEN 1 ELSE -1 END"
    found["list_row_count_customer_merge"] = (
        f"AFTER UPDATE OF merged_into_id ON customer WHEN {MERGE_WHEN} "
        f"BEGIN {_add('customer', '0', change)} END"
    )
    return found


def upgrade() -> None:
    op.create_table(
        "list_row_count",
        sa.Column("list_name", sa.String(length=32), nullable=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False),
        sa.Column("records", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("list_name", "shard", name=op.f("pk_list_row_count")),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        # No write falls between the counts and the triggers.
        for table, _ in LISTS.values():
            op.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_MERGE_FUNCTION)
        op.execute(POSTGRES_TRUNCATE_FUNCTION)
        for name, body in _postgres_triggers().items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    else:
        for name, body in _sqlite_triggers().items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    for name, (table, held) in LISTS.items():
        op.execute(
            f"INSERT INTO list_row_count (list_name, shard, records) "
            f"SELECT '{name}', 0, count(*) FROM {table} WHERE {held}"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, body in _postgres_triggers().items():
            table = body.split(" ON ")[1].split()[0]
            op.execute(f"DROP TRIGGER {name} ON {table}")
        op.execute("DROP FUNCTION list_row_count_truncate()")
        op.execute("DROP FUNCTION list_row_count_merge()")
        op.execute("DROP FUNCTION list_row_count_apply()")
    else:
        for name in _sqlite_triggers():
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("list_row_count")
