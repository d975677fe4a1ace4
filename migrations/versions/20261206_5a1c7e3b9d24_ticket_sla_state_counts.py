"""ticket SLA state counts

Revision ID: 5a1c7e3b9d24
Revises: 3e8b5d2c7f19
Create Date: 2026-12-06 12:00:00.000000

`ticket_sla_state_count`: how many tickets have each stored `sla_state`, kept by
triggers on `ticket`, so `tickets(filter: {slaState})` alone counts its matches from a
few rows instead of reading every matching ticket (resolvers/sla.py `maintained_total`).
PostgreSQL: statement-level triggers over the transition tables, one upsert per state a
statement changes, into the connection's own shard (pg_backend_pid() % 16), so writers
on different connections do not queue on one row. SQLite: row-level triggers, one shard.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5a1c7e3b9d24"
down_revision: str | None = "3e8b5d2c7f19"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POSTGRES_FUNCTION = """
CREATE FUNCTION ticket_sla_state_count_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO ticket_sla_state_count (sla_state, shard, tickets)
    SELECT sla_state, pg_backend_pid() % 16, count(*) FROM new_rows
    WHERE sla_state IS NOT NULL GROUP BY sla_state
    ON CONFLICT (sla_state, shard)
    DO UPDATE SET tickets = ticket_sla_state_count.tickets + EXCLUDED.tickets;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO ticket_sla_state_count (sla_state, shard, tickets)
    SELECT sla_state, pg_backend_pid() % 16, -count(*) FROM old_rows
    WHERE sla_state IS NOT NULL GROUP BY sla_state
    ON CONFLICT (sla_state, shard)
    DO UPDATE SET tickets = ticket_sla_state_count.tickets + EXCLUDED.tickets;
  ELSE
    INSERT INTO ticket_sla_state_count (sla_state, shard, tickets)
    SELECT sla_state, pg_backend_pid() % 16, sum(change) FROM (
      SELECT sla_state, -1 AS change FROM old_rows WHERE sla_state IS NOT NULL
      UNION ALL
      SELECT sla_state, 1 AS change FROM new_rows WHERE sla_state IS NOT NULL
    ) AS changed GROUP BY sla_state HAVING sum(change) <> 0
    ON CONFLICT (sla_state, shard)
    DO UPDATE SET tickets = ticket_sla_state_count.tickets + EXCLUDED.tickets;
  END IF;
  RETURN NULL;
END $$
"""
POSTGRES_TRIGGERS = {
    "ticket_sla_state_count_insert": "AFTER INSERT ON ticket REFERENCING NEW TABLE AS new_rows",
    "ticket_sla_state_count_update": (
        "AFTER UPDATE ON ticket REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
    ),
    "ticket_sla_state_count_delete": "AFTER DELETE ON ticket REFERENCING OLD TABLE AS old_rows",
}


def _sqlite_add(state: str, change: str) -> str:
    return (
        f"INSERT INTO ticket_sla_state_count (sla_state, shard, tickets) "  # noqa: S608
        f"VALUES ({state}, 0, {change}) ON CONFLICT (sla_state, shard) "
        f"DO UPDATE SET tickets = tickets + {change};"
    )


SQLITE_TRIGGERS = {
    "ticket_sla_state_count_insert": (
        "AFTER INSERT ON ticket WHEN NEW.sla_state IS NOT NULL BEGIN "
        + _sqlite_add("NEW.sla_state", "1")
        + " END"
    ),
    "ticket_sla_state_count_update_old": (
        "AFTER UPDATE OF sla_state ON ticket "
        "WHEN OLD.sla_state IS NOT NEW.sla_state AND OLD.sla_state IS NOT NULL BEGIN "
        + _sqlite_add("OLD.sla_state", "-1")
        + " END"
    ),
    "ticket_sla_state_count_update_new": (
        "AFTER UPDATE OF sla_state ON ticket "
        "WHEN OLD.sla_state IS NOT NEW.sla_state AND NEW.sla_state IS NOT NULL BEGIN "
        + _sqlite_add("NEW.sla_state", "1")
        + " END"
    ),
    "ticket_sla_state_count_delete": (
        "AFTER DELETE ON ticket WHEN OLD.sla_state IS NOT NULL BEGIN "
        + _sqlite_add("OLD.sla_state", "-1")
        + " END"
    ),
}


def upgrade() -> None:
    op.create_table(
        "ticket_sla_state_count",
        sa.Column("sla_state", sa.String(length=16), nullable=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False),
        sa.Column("tickets", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("sla_state", "shard", name=op.f("pk_ticket_sla_state_count")),
    )
    # Under a lock that keeps writers out, so no ticket write falls between the count
    # and the triggers.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("LOCK TABLE ticket IN SHARE ROW EXCLUSIVE MODE")
        op.execute(POSTGRES_FUNCTION)
        for name, when in POSTGRES_TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER {name} {when} FOR EACH STATEMENT "
                "EXECUTE FUNCTION ticket_sla_state_count_apply()"
            )
    else:
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute(
        "INSERT INTO ticket_sla_state_count (sla_state, shard, tickets) "
        "SELECT sla_state, 0, count(*) FROM ticket WHERE sla_state IS NOT NULL "
        "GROUP BY sla_state"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in POSTGRES_TRIGGERS:
            op.execute(f"DROP TRIGGER {name} ON ticket")
        op.execute("DROP FUNCTION ticket_sla_state_count_apply()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("ticket_sla_state_count")
