"""touchpoint and ticket value counts kept

Revision ID: 6e4a2c8f1d73
Revises: 5b8d2f6a9c31
Create Date: 2026-12-15 12:00:00.000000

`touchpoints(filter: ...)` by channel, stage, team or kind alone, and `tickets(filter:
...)` by priority or channel alone, counted every match for `totalCount`: at 100,000
customers a touchpoint filter took 260-285 ms (a scan of 2 million touchpoints), a
ticket filter 35-38 ms (bench/lists.py). `list_value_count` (migration 8b3f1c6d2e57) now
also keeps, per value, the touchpoints by each of those four columns and the tickets by
each of those two (`touchpoint.channel`, ..., `ticket.priority`, `ticket.channel`), so
such a list counts from a few rows (resolvers/row_counts.py `KeptValues`).

PostgreSQL: per table, one statement-level trigger for inserts and one for deletes over
all its columns (one upsert statement per inserting or deleting statement, a row per
value it adds or removes, into the connection's own shard), a row-level trigger for the
rare update that changes one of them (its WHEN evaluated without calling a function for
every other update), and the TRUNCATE function of 8b3f1c6d2e57 for touchpoint. SQLite:
row-level triggers.
"""

# ruff: noqa: S608  (SQL built from this file's constants only)
from collections.abc import Sequence

from alembic import op

revision: str = "6e4a2c8f1d73"
down_revision: str | None = "5b8d2f6a9c31"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each table's columns now counted per value (`<table>.<column>` entries).
DIMENSIONS = {"touchpoint": ("channel", "stage", "team", "kind"), "ticket": ("priority", "channel")}
# Each table's time column, counted per UTC day (`<table>.<column>` entries, values
# 'YYYY-MM-DD'): a window's whole days are summed from them.
DAYS = {"touchpoint": "occurred_at", "ticket": "created_at"}
# Tables whose TRUNCATE trigger does not exist yet (migration 8b3f1c6d2e57 made ticket's).
TRUNCATED = ("touchpoint",)


def _counted(table: str, row: str = "", sqlite: bool = False) -> list[tuple[str, str, str]]:
    """(entry name, column, value expression) of every count kept for `table`; `row`:
    qualify the columns (OLD, NEW)."""
    prefix = f"{row}." if row else ""
    found = [
        (f"{table}.{column}", column, f"{prefix}{column}" + ("" if sqlite else "::text"))
        for column in DIMENSIONS[table]
    ]
    time = DAYS[table]
    day = (
        f"substr({prefix}{time}, 1, 10)"
        if sqlite
        else f"to_char({prefix}{time} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
    )
    found.append((f"{table}.{time}", time, day))
    return found


def _upsert(values: str) -> str:
    """Adds `values` (list_name, value, shard, change rows) to the kept counts."""
    return (
        f"INSERT INTO list_value_count (list_name, value, shard, records) {values} "
        "ON CONFLICT (list_name, value, shard) "
        "DO UPDATE SET records = list_value_count.records + EXCLUDED.records;"
    )


def _grouped(table: str, rows: str, sign: str, shard: str, sqlite: bool = False) -> str:
    """Every kept count's values in `rows`, counted: one SELECT per count, unioned."""
    return " UNION ALL ".join(
        f"SELECT '{name}', {value}, {shard}, {sign}count(*) FROM {rows} "
        f"WHERE {column} IS NOT NULL GROUP BY {value}"
        for name, column, value in _counted(table, sqlite=sqlite)
    )


def _statement_function(table: str) -> str:
    shard = "pg_backend_pid() % 16"
    return f"""
CREATE FUNCTION list_value_count_{table}_dimensions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {_upsert(_grouped(table, "new_rows", "", shard))}
  ELSE
    {_upsert(_grouped(table, "old_rows", "-", shard))}
  END IF;
  RETURN NULL;
END $$
"""


def _moves(table: str, row: str, sign: str) -> str:
    return " UNION ALL ".join(
        f"SELECT '{name}', {value}, pg_backend_pid() % 16, {sign}1 "
        f"WHERE {row}.{column} IS NOT NULL AND OLD.{column} IS DISTINCT FROM NEW.{column}"
        for name, column, value in _counted(table, row)
    )


def _row_function(table: str) -> str:
    return f"""
CREATE FUNCTION list_value_count_{table}_dimensions_move() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  {_upsert(_moves(table, "OLD", "-"))}
  {_upsert(_moves(table, "NEW", ""))}
  RETURN NULL;
END $$
"""


def _columns(table: str) -> tuple[str, ...]:
    return (*DIMENSIONS[table], DAYS[table])


def _changed(table: str, distinct: str) -> str:
    return " OR ".join(f"OLD.{c} {distinct} NEW.{c}" for c in _columns(table))


def _postgres_triggers() -> dict[str, tuple[str, str]]:
    """Each trigger's table and definition."""
    found: dict[str, tuple[str, str]] = {}
    for table in DIMENSIONS:
        columns = _columns(table)
        name = f"list_value_count_{table}_dimensions"
        found[f"{name}_insert"] = (
            table,
            f"AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
            f"EXECUTE FUNCTION {name}()",
        )
        found[f"{name}_delete"] = (
            table,
            f"AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
            f"EXECUTE FUNCTION {name}()",
        )
        found[f"{name}_move"] = (
            table,
            f"AFTER UPDATE OF {', '.join(columns)} ON {table} FOR EACH ROW "
            f"WHEN ({_changed(table, 'IS DISTINCT FROM')}) EXECUTE FUNCTION {name}_move()",
        )
    for table in TRUNCATED:
        found[f"list_value_count_{table}_truncate"] = (
            table,
            f"AFTER TRUNCATE ON {table} FOR EACH STATEMENT "
            "EXECUTE FUNCTION list_value_count_truncate()",
        )
    return found


def _sqlite_each(table: str, row: str, change: str, moved_only: bool) -> str:
    statements = []
    for name, column, value in _counted(table, row, sqlite=True):
        condition = f"{row}.{column} IS NOT NULL"
        if moved_only:
            condition += f" AND OLD.{column} IS NOT NEW.{column}"
        statements.append(_upsert(f"SELECT '{name}', {value}, 0, {change} WHERE {condition}"))
    return " ".join(statements)


def _sqlite_triggers() -> dict[str, str]:
    found = {}
    for table in DIMENSIONS:
        columns = _columns(table)
        name = f"list_value_count_{table}_dimensions"
        found[f"{name}_insert"] = (
            f"AFTER INSERT ON {table} BEGIN {_sqlite_each(table, 'NEW', '1', False)} END"
        )
        found[f"{name}_delete"] = (
            f"AFTER DELETE ON {table} BEGIN {_sqlite_each(table, 'OLD', '-1', False)} END"
        )
        found[f"{name}_move"] = (
            f"AFTER UPDATE OF {', '.join(columns)} ON {table} "
            f"WHEN ({_changed(table, 'IS NOT')}) BEGIN "
            f"{_sqlite_each(table, 'OLD', '-1', True)} {_sqlite_each(table, 'NEW', '1', True)} "
            "END"
        )
    return found


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # No write falls between the counts and the triggers.
        for table in DIMENSIONS:
            op.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        for table in DIMENSIONS:
            op.execute(_statement_function(table))
            op.execute(_row_function(table))
        for trigger, (_, body) in _postgres_triggers().items():
            op.execute(f"CREATE TRIGGER {trigger} {body}")
        for table in DIMENSIONS:
            op.execute(_upsert(_grouped(table, table, "", "0")))
    else:
        for trigger, body in _sqlite_triggers().items():
            op.execute(f"CREATE TRIGGER {trigger} {body}")
        for table in DIMENSIONS:
            op.execute(_upsert(_grouped(table, table, "", "0", sqlite=True)))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for trigger, (table, _) in _postgres_triggers().items():
            op.execute(f"DROP TRIGGER {trigger} ON {table}")
        for table in DIMENSIONS:
            op.execute(f"DROP FUNCTION list_value_count_{table}_dimensions_move()")
            op.execute(f"DROP FUNCTION list_value_count_{table}_dimensions()")
    else:
        for trigger in _sqlite_triggers():
            op.execute(f"DROP TRIGGER {trigger}")
    for table in DIMENSIONS:
        names = ", ".join(f"'{name}'" for name, _, _ in _counted(table))
        op.execute(f"DELETE FROM list_value_count WHERE list_name IN ({names})")
