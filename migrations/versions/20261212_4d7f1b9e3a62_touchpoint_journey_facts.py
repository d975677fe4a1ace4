"""touchpoint journey facts kept

Revision ID: 4d7f1b9e3a62
Revises: 2c7e9b5a1f48
Create Date: 2026-12-12 12:00:00.000000

Four facts on each touchpoint, kept by database triggers, so `journeyPainPoints`
(resolvers/pain_points.py) adds up the window's touchpoints once, with no distinct count,
no per-touchpoint ticket probe and no scan of every touchpoint before `to`. A *cell* is a
customer's touchpoints at one (stage, channel), ordered by (occurred_at, id).

- `previous_in_cell_at`: when the touchpoint before this one in its cell occurred (null
  for the first). A customer has touchpoints in a cell within [from, to) exactly when one
  of them there has no previous one at or after `from`: counting those rows counts the
  distinct customers.
- `ticket_within_7_days`: the customer opened a ticket 0 < createdAt - occurredAt <= 7
  days after it (DOMAIN.md, ticketRate).
- `previous_ticketed_in_cell_at`: on a touchpoint with `ticket_within_7_days`, when the
  previous such touchpoint in its cell occurred (null otherwise): the same count, for the
  customers who opened a ticket.
- `later_stage_at`: the customer's first touchpoint at any later stage (null for the last
  stage or if none): stalled before `to` exactly when it is null or at or after `to`.

PostgreSQL: a write does not compute them. Any insert, delete or move of a touchpoint
or a ticket marks its customers in `touchpoint_journey_pending` (statement-level
triggers, one upsert per statement, keeping the earliest time the writes may have
changed). The scheduler catches marked customers up a few seconds later
(resolvers/journey_facts.py): `touchpoint_journey_recompute` recomputes their facts from
that time on, writing only the rows whose facts change. Until then `journeyPainPoints`
measures the marked customers from their rows (resolvers/pain_points.py).
A TRUNCATE of `ticket` clears the ticket facts. SQLite (one writer at a time, small
data): row-level triggers keep the facts in the writing transaction itself; nothing is
marked. Filled here for the rows stored.
"""

# ruff: noqa: S608  (SQL built from this file's constants only)
import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.types import UTCDateTime

revision: str = "4d7f1b9e3a62"
down_revision: str | None = "2c7e9b5a1f48"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAGES = ("AWARENESS", "CONSIDERATION", "DECISION", "RETENTION", "ADVOCACY")
WEEK_SECONDS = 7 * 24 * 3600
FACTS = (
    "previous_in_cell_at",
    "ticket_within_7_days",
    "previous_ticketed_in_cell_at",
    "later_stage_at",
)
INDEX = "ix_touchpoint_customer_id_stage_occurred_at_id"
# A PostgreSQL write's customers are caught up this long after it (or by the next read).
PENDING_SECONDS = 5


def _rank(stage: str) -> str:
    """A stage's place in the journey (0 for AWARENESS), on both databases."""
    whens = " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(STAGES))
    return f"(CASE {stage} {whens} END)"


def _cell(p: str, row: str) -> str:
    return (
        f"{p}.customer_id = {row}.customer_id AND {p}.stage = {row}.stage "
        f"AND {p}.channel = {row}.channel"
    )


def _before(p: str, row: str) -> str:
    return f"({p}.occurred_at, {p}.id) < ({row}.occurred_at, {row}.id)"


def _after(p: str, row: str) -> str:
    return f"({p}.occurred_at, {p}.id) > ({row}.occurred_at, {row}.id)"


# ---------------------------------------------------------------- PostgreSQL


def _ticket_within_pg(row: str) -> str:
    # Seconds, not days: a day of interval arithmetic follows the session's time zone.
    return (
        f"EXISTS (SELECT 1 FROM ticket k WHERE k.customer_id = {row}.customer_id "
        f"AND k.created_at > {row}.occurred_at "
        f"AND k.created_at <= {row}.occurred_at + INTERVAL '{WEEK_SECONDS} seconds')"
    )


def _later(stage: str, reach: str) -> str:
    """A row's first later stage, from its customer's first time at each stage."""
    whens = " ".join(
        f"WHEN '{name}' THEN LEAST({', '.join(f'{reach}.at_{i}' for i in range(place + 1, len(STAGES)))})"
        for place, name in enumerate(STAGES[:-1])
    )
    return f"(CASE {stage} {whens} END)"


# Per customer to recompute: from when on (`since`: the earliest time a write since the
# last catch-up may have changed, from the customer's mark; all time without one) and the
# first time at each stage after the first (index probes).
REACH = f"""
SELECT c.customer_id, coalesce(m.since, '-infinity'::timestamptz) AS since, {
    ", ".join(
        f"(SELECT min(p.occurred_at) FROM touchpoint p WHERE p.customer_id = c.customer_id "
        f"AND p.stage = '{stage}') AS at_{i}"
        for i, stage in enumerate(STAGES)
        if i > 0
    )
}
FROM unnest(customers) AS c(customer_id)
LEFT JOIN touchpoint_journey_pending m ON m.customer_id = c.customer_id
"""


def _seed(row: str, ticketed: bool) -> str:
    """The last (ticketed) row of `row`'s cell before its customer's `since`."""
    flag = " AND q.ticket_within_7_days" if ticketed else ""
    return (
        f"(SELECT q.occurred_at FROM touchpoint q WHERE {_cell('q', row)}{flag} "
        f"AND q.occurred_at < {row}.since ORDER BY q.occurred_at DESC, q.id DESC LIMIT 1)"
    )


# Two statements, writing only the rows whose facts change. First every fact of the rows
# from `since` on (the earlier rows of a cell give the chains their start). Then the first
# later stage of the rows before `since`, for a customer one of whose first times at a
# stage is at or after `since` (a write moved it).
POSTGRES_RECOMPUTE = f"""
CREATE FUNCTION touchpoint_journey_recompute(customers uuid[]) RETURNS void
LANGUAGE sql AS $$
WITH reach AS ({REACH})
UPDATE touchpoint t
SET previous_in_cell_at = x.previous_in_cell_at,
    ticket_within_7_days = x.ticket_within_7_days,
    previous_ticketed_in_cell_at = x.previous_ticketed_in_cell_at,
    later_stage_at = x.later_stage_at
FROM (
  SELECT s.id, s.ticket_within_7_days,
         coalesce(lag(s.occurred_at) OVER cell, {_seed("s", False)}) AS previous_in_cell_at,
         CASE WHEN s.ticket_within_7_days THEN coalesce(
           max(s.occurred_at) FILTER (WHERE s.ticket_within_7_days)
             OVER (cell ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
           {_seed("s", True)}) END AS previous_ticketed_in_cell_at,
         {_later("s.stage", "s")} AS later_stage_at
  FROM (SELECT p.id, p.customer_id, p.stage, p.channel, p.occurred_at, r.since,
               {", ".join(f"r.at_{i}" for i in range(1, len(STAGES)))},
               {_ticket_within_pg("p")} AS ticket_within_7_days
        FROM reach r JOIN touchpoint p
          ON p.customer_id = r.customer_id AND p.occurred_at >= r.since) s
  WINDOW cell AS (PARTITION BY s.customer_id, s.stage, s.channel ORDER BY s.occurred_at, s.id)
) x
WHERE t.id = x.id
  AND ({", ".join(f"t.{f}" for f in FACTS)}) IS DISTINCT FROM ({", ".join(f"x.{f}" for f in FACTS)});
WITH reach AS ({REACH})
UPDATE touchpoint t SET later_stage_at = x.later_stage_at
FROM (
  SELECT p.id, {_later("p.stage", "r")} AS later_stage_at
  FROM reach r JOIN touchpoint p ON p.customer_id = r.customer_id AND p.occurred_at < r.since
  WHERE GREATEST({", ".join(f"r.at_{i}" for i in range(1, len(STAGES)))}) >= r.since
) x
WHERE t.id = x.id AND t.later_stage_at IS DISTINCT FROM x.later_stage_at
$$
"""


def _moved(source: str, key: str) -> str:
    """The customers (before and after) of the rows whose `source` columns changed."""
    changed = " OR ".join(f"o.{c} IS DISTINCT FROM n.{c}" for c in source.split(", "))
    return (
        f"SELECT o.customer_id FROM old_rows o JOIN new_rows n ON n.{key} = o.{key} "
        f"WHERE {changed} UNION "
        f"SELECT n.customer_id FROM old_rows o JOIN new_rows n ON n.{key} = o.{key} "
        f"WHERE {changed}"
    )


# Any insert, delete or move of a touchpoint or a ticket marks its customers as pending
# (due a few seconds later, so a burst of writes is caught up once), in id order, once
# it holds the customers' rows (the order of the lifetime value's trigger). A mark
# already there gets a new version: a catch-up that read the old one keeps the mark
# (resolvers/journey_facts.py). The catch-up's own updates change none of the sources,
# so they mark nothing.
POSTGRES_CHANGED = f"""
CREATE FUNCTION touchpoint_journey_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  customers uuid[];
  since timestamptz[];
BEGIN
  IF TG_TABLE_NAME = 'touchpoint' AND TG_OP = 'INSERT' THEN
    -- New rows change their cells from themselves on, and the rows of earlier stages.
    SELECT array_agg(customer_id ORDER BY customer_id), array_agg(first ORDER BY customer_id)
    INTO customers, since
    FROM (SELECT customer_id, min(occurred_at) AS first FROM new_rows GROUP BY 1) c;
  ELSIF TG_TABLE_NAME = 'ticket' AND TG_OP IN ('INSERT', 'DELETE') THEN
    -- A ticket changes the touchpoints of the 7 days before it, and their cells after.
    IF TG_OP = 'INSERT' THEN
      SELECT array_agg(customer_id ORDER BY customer_id), array_agg(first ORDER BY customer_id)
      INTO customers, since
      FROM (SELECT customer_id, min(created_at) - INTERVAL '{WEEK_SECONDS} seconds' AS first
            FROM new_rows GROUP BY 1) c;
    ELSE
      SELECT array_agg(customer_id ORDER BY customer_id), array_agg(first ORDER BY customer_id)
      INTO customers, since
      FROM (SELECT customer_id, min(created_at) - INTERVAL '{WEEK_SECONDS} seconds' AS first
            FROM old_rows GROUP BY 1) c;
    END IF;
  ELSE
    -- A touchpoint deleted or moved, a ticket moved: all of the customers' facts.
    IF TG_OP = 'DELETE' THEN
      customers := ARRAY(SELECT DISTINCT customer_id FROM old_rows ORDER BY 1);
    ELSIF TG_TABLE_NAME = 'touchpoint' THEN
      customers := ARRAY({_moved("customer_id, stage, channel, occurred_at", "id")} ORDER BY 1);
    ELSE
      customers := ARRAY({_moved("customer_id, created_at", "id")} ORDER BY 1);
    END IF;
    since := array_fill(NULL::timestamptz, ARRAY[cardinality(customers)]);
  END IF;
  IF cardinality(customers) > 0 THEN
    -- The customers first, then their marks, in id order, as every writer takes them
    -- (the lifetime value's trigger locks customers too).
    PERFORM 1 FROM customer WHERE id = ANY (customers) ORDER BY id FOR NO KEY UPDATE;
    INSERT INTO touchpoint_journey_pending AS m (customer_id, due_at, since)
    SELECT c, now() + INTERVAL '{PENDING_SECONDS} seconds', s
    FROM unnest(customers, since) AS u(c, s) ORDER BY c
    ON CONFLICT (customer_id) DO UPDATE
    SET due_at = LEAST(m.due_at, EXCLUDED.due_at), version = m.version + 1,
        since = CASE WHEN m.since IS NULL OR EXCLUDED.since IS NULL THEN NULL
                     ELSE LEAST(m.since, EXCLUDED.since) END;
  END IF;
  RETURN NULL;
END $$
"""
POSTGRES_TICKET_TRUNCATE = """
CREATE FUNCTION touchpoint_journey_tickets_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE touchpoint SET ticket_within_7_days = FALSE, previous_ticketed_in_cell_at = NULL
  WHERE ticket_within_7_days;
  RETURN NULL;
END $$
"""
# The lifetime value's trigger (migration 6b2d8f4c0e35) locked the customers of every
# purchase row an UPDATE touched; the catch-up updates facts on purchase rows, so it
# would wait for every writer of those customers. Now an UPDATE counts only the rows
# whose customer, kind or value changed.
LIFETIME_VALUE = importlib.import_module(
    "migrations.versions.20261207_6b2d8f4c0e35_customer_lifetime_value"
)
_VALUE_MOVED = (
    "JOIN new_rows n ON n.id = o.id WHERE (o.customer_id, o.kind, o.value_cents) "
    "IS DISTINCT FROM (n.customer_id, n.kind, n.value_cents)"
)
_PURCHASE = "{row}.kind = 'purchase' AND {row}.value_cents IS NOT NULL"
POSTGRES_LIFETIME_VALUE = LIFETIME_VALUE.POSTGRES_FUNCTION.replace(
    "CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"
).replace(
    LIFETIME_VALUE._apply(f"{LIFETIME_VALUE.REMOVED} UNION ALL {LIFETIME_VALUE.ADDED}"),
    LIFETIME_VALUE._apply(
        f"SELECT o.customer_id, -o.value_cents AS cents FROM old_rows o {_VALUE_MOVED} "
        f"AND {_PURCHASE.format(row='o')} UNION ALL "
        f"SELECT n.customer_id, n.value_cents AS cents FROM old_rows o {_VALUE_MOVED} "
        f"AND {_PURCHASE.format(row='n')}"
    ),
)
POSTGRES_FUNCTIONS = {
    "touchpoint_journey_recompute(uuid[])": POSTGRES_RECOMPUTE,
    "touchpoint_journey_changed()": POSTGRES_CHANGED,
    "touchpoint_journey_tickets_emptied()": POSTGRES_TICKET_TRUNCATE,
}
POSTGRES_TRIGGERS = {
    "touchpoint_journey_inserted": "AFTER INSERT ON touchpoint REFERENCING NEW TABLE AS "
    "new_rows FOR EACH STATEMENT EXECUTE FUNCTION touchpoint_journey_changed()",
    "touchpoint_journey_deleted": "AFTER DELETE ON touchpoint REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION touchpoint_journey_changed()",
    "touchpoint_journey_updated": "AFTER UPDATE ON touchpoint "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION touchpoint_journey_changed()",
    "touchpoint_journey_ticket_inserted": "AFTER INSERT ON ticket REFERENCING NEW TABLE AS "
    "new_rows FOR EACH STATEMENT EXECUTE FUNCTION touchpoint_journey_changed()",
    "touchpoint_journey_ticket_deleted": "AFTER DELETE ON ticket REFERENCING OLD TABLE AS "
    "old_rows FOR EACH STATEMENT EXECUTE FUNCTION touchpoint_journey_changed()",
    "touchpoint_journey_ticket_updated": "AFTER UPDATE ON ticket "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION touchpoint_journey_changed()",
    "touchpoint_journey_ticket_truncated": "AFTER TRUNCATE ON ticket FOR EACH STATEMENT "
    "EXECUTE FUNCTION touchpoint_journey_tickets_emptied()",
}


# ---------------------------------------------------------------- SQLite


def _microseconds_sqlite(moment: str) -> str:
    """Whole microseconds since the epoch of a stored timestamp (resolvers/metrics.py)."""
    seconds = f"CAST(strftime('%s', substr({moment}, 1, 19)) AS INTEGER)"
    fraction = f"CAST(substr({moment} || '000000', 21, 6) AS INTEGER)"
    return f"({seconds} * 1000000 + {fraction})"


def _ticket_within_sqlite(row: str) -> str:
    gap = f"{_microseconds_sqlite('k.created_at')} - {_microseconds_sqlite(f'{row}.occurred_at')}"
    return (
        f"EXISTS (SELECT 1 FROM ticket k WHERE k.customer_id = {row}.customer_id "
        f"AND k.created_at > {row}.occurred_at AND {gap} <= {WEEK_SECONDS * 1_000_000})"
    )


def _facts_sqlite(row: str, where: str) -> list[str]:
    """Sets the facts of the rows `where` selects (`row` names them in the subqueries)."""
    previous = (
        f"(SELECT max(p.occurred_at) FROM touchpoint p "
        f"WHERE {_cell('p', row)} AND {_before('p', row)})"
    )
    later = (
        f"(SELECT min(p.occurred_at) FROM touchpoint p WHERE p.customer_id = {row}.customer_id "
        f"AND {_rank('p.stage')} > {_rank(f'{row}.stage')})"
    )
    ticketed = (
        f"CASE WHEN ticket_within_7_days THEN (SELECT max(p.occurred_at) FROM touchpoint p "
        f"WHERE {_cell('p', row)} AND p.ticket_within_7_days AND {_before('p', row)}) END"
    )
    # Two statements: the second reads the flags the first wrote.
    return [
        f"UPDATE touchpoint SET previous_in_cell_at = {previous}, "
        f"ticket_within_7_days = {_ticket_within_sqlite(row)}, later_stage_at = {later} "
        f"WHERE {where}",
        f"UPDATE touchpoint SET previous_ticketed_in_cell_at = {ticketed} WHERE {where}",
    ]


def _recompute_sqlite(customer: str) -> str:
    return "".join(f"{s}; " for s in _facts_sqlite("touchpoint", f"customer_id = {customer}"))


def _sqlite_insert() -> str:
    new_facts = "".join(f"{s}; " for s in _facts_sqlite("NEW", "id = NEW.id"))
    mine = "(SELECT ticket_within_7_days FROM touchpoint WHERE id = NEW.id)"
    return (
        f"AFTER INSERT ON touchpoint BEGIN {new_facts} "
        f"UPDATE touchpoint SET previous_in_cell_at = NEW.occurred_at "
        f"WHERE id = (SELECT p.id FROM touchpoint p WHERE {_cell('p', 'NEW')} "
        f"AND {_after('p', 'NEW')} ORDER BY p.occurred_at, p.id LIMIT 1); "
        f"UPDATE touchpoint SET previous_ticketed_in_cell_at = NEW.occurred_at "
        f"WHERE {mine} AND id = (SELECT p.id FROM touchpoint p WHERE {_cell('p', 'NEW')} "
        f"AND p.ticket_within_7_days AND {_after('p', 'NEW')} "
        f"ORDER BY p.occurred_at, p.id LIMIT 1); "
        f"UPDATE touchpoint SET later_stage_at = NEW.occurred_at "
        f"WHERE customer_id = NEW.customer_id AND {_rank('stage')} < {_rank('NEW.stage')} "
        f"AND (later_stage_at IS NULL OR later_stage_at > NEW.occurred_at); END"
    )


def _sqlite_triggers() -> dict[str, str]:
    touchpoint_moved = " OR ".join(
        f"OLD.{c} IS NOT NEW.{c}" for c in ("customer_id", "stage", "channel", "occurred_at")
    )
    ticket_moved = "OLD.customer_id IS NOT NEW.customer_id OR OLD.created_at IS NOT NEW.created_at"
    both = f"{_recompute_sqlite('OLD.customer_id')} {_recompute_sqlite('NEW.customer_id')}"
    return {
        "touchpoint_journey_inserted": _sqlite_insert(),
        "touchpoint_journey_deleted": "AFTER DELETE ON touchpoint "
        f"BEGIN {_recompute_sqlite('OLD.customer_id')} END",
        "touchpoint_journey_updated": "AFTER UPDATE OF customer_id, stage, channel, occurred_at "
        f"ON touchpoint WHEN {touchpoint_moved} BEGIN {both} END",
        "touchpoint_journey_ticket_inserted": "AFTER INSERT ON ticket "
        f"BEGIN {_recompute_sqlite('NEW.customer_id')} END",
        "touchpoint_journey_ticket_deleted": "AFTER DELETE ON ticket "
        f"BEGIN {_recompute_sqlite('OLD.customer_id')} END",
        "touchpoint_journey_ticket_updated": "AFTER UPDATE OF customer_id, created_at ON ticket "
        f"WHEN {ticket_moved} BEGIN {both} END",
    }


def upgrade() -> None:
    op.add_column("touchpoint", sa.Column("previous_in_cell_at", UTCDateTime(timezone=True)))
    op.add_column(
        "touchpoint",
        sa.Column("ticket_within_7_days", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "touchpoint", sa.Column("previous_ticketed_in_cell_at", UTCDateTime(timezone=True))
    )
    op.add_column("touchpoint", sa.Column("later_stage_at", UTCDateTime(timezone=True)))
    op.create_index(INDEX, "touchpoint", ["customer_id", "stage", "occurred_at", "id"])
    op.create_table(
        "touchpoint_journey_pending",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("due_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("since", UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_touchpoint_journey_pending")),
    )
    op.create_index(
        op.f("ix_touchpoint_journey_pending_due_at"), "touchpoint_journey_pending", ["due_at"]
    )
    if op.get_bind().dialect.name == "postgresql":
        # No write falls between the facts filled here and the triggers.
        op.execute("LOCK TABLE touchpoint, ticket IN SHARE ROW EXCLUSIVE MODE")
        assert POSTGRES_LIFETIME_VALUE != LIFETIME_VALUE.POSTGRES_FUNCTION
        op.execute(POSTGRES_LIFETIME_VALUE)
        for body in POSTGRES_FUNCTIONS.values():
            op.execute(body)
        for name, body in POSTGRES_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
        op.execute(
            "SELECT touchpoint_journey_recompute(ARRAY(SELECT DISTINCT customer_id "
            "FROM touchpoint))"
        )
    else:
        for name, body in _sqlite_triggers().items():
            op.execute(f"CREATE TRIGGER {name} {body}")
        for statement in _facts_sqlite("touchpoint", "TRUE"):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, body in POSTGRES_TRIGGERS.items():
            table = body.split(" ON ")[1].split()[0]
            op.execute(f"DROP TRIGGER {name} ON {table}")
        for signature in POSTGRES_FUNCTIONS:
            op.execute(f"DROP FUNCTION {signature}")
        op.execute(
            LIFETIME_VALUE.POSTGRES_FUNCTION.replace(
                "CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"
            )
        )
    else:
        for name in _sqlite_triggers():
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("touchpoint_journey_pending")
    op.drop_index(INDEX, table_name="touchpoint")
    # ALTER TABLE ... DROP COLUMN on both databases (SQLite 3.35+), no batch rebuild.
    for fact in reversed(FACTS):
        op.drop_column("touchpoint", fact)
