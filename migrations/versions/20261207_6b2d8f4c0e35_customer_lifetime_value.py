"""customer lifetime value kept

Revision ID: 6b2d8f4c0e35
Revises: 5a1c7e3b9d24
Create Date: 2026-12-07 12:00:00.000000

`customer.lifetime_value_cents`: the sum of the customer's purchase touchpoints'
values (docs/domain.md `lifetimeValue`), kept by triggers on `touchpoint`, with an index
`(lifetime_value_cents, id)` so `customers(orderBy: {field: LIFETIME_VALUE})` reads a page
from the index instead of summing every customer's purchases. PostgreSQL:
statement-level triggers over the transition tables, the touched customers locked in id
order first (as the app's writes lock them), one UPDATE per statement. SQLite:
row-level triggers.
"""

# ruff: noqa: S608  (SQL built from this file's constants only)
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6b2d8f4c0e35"
down_revision: str | None = "5a1c7e3b9d24"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PURCHASE = "kind = 'purchase' AND value_cents IS NOT NULL"


def _apply(changes: str) -> str:
    """Lock the customers of `changes` (customer_id, cents) in id order, then add."""
    return f"""
    PERFORM 1 FROM customer WHERE id IN (SELECT customer_id FROM ({changes}) AS c)
      ORDER BY id FOR NO KEY UPDATE;
    UPDATE customer SET lifetime_value_cents = customer.lifetime_value_cents + change.cents
    FROM (SELECT customer_id, sum(cents) AS cents FROM ({changes}) AS c
          GROUP BY customer_id HAVING sum(cents) <> 0) AS change
    WHERE customer.id = change.customer_id;"""


ADDED = f"SELECT customer_id, value_cents AS cents FROM new_rows WHERE {PURCHASE}"
REMOVED = f"SELECT customer_id, -value_cents AS cents FROM old_rows WHERE {PURCHASE}"
POSTGRES_FUNCTION = f"""
CREATE FUNCTION customer_lifetime_value_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN {_apply(ADDED)}
  ELSIF TG_OP = 'DELETE' THEN {_apply(REMOVED)}
  ELSE {_apply(f"{REMOVED} UNION ALL {ADDED}")}
  END IF;
  RETURN NULL;
END $$
"""
POSTGRES_TRIGGERS = {
    "customer_lifetime_value_insert": "AFTER INSERT ON touchpoint REFERENCING NEW TABLE AS new_rows",
    "customer_lifetime_value_update": (
        "AFTER UPDATE ON touchpoint REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
    ),
    "customer_lifetime_value_delete": (
        "AFTER DELETE ON touchpoint REFERENCING OLD TABLE AS old_rows"
    ),
}


def _sqlite_add(row: str, sign: str) -> str:
    return (
        f"UPDATE customer SET lifetime_value_cents = lifetime_value_cents {sign} "
        f"{row}.value_cents WHERE id = {row}.customer_id;"
    )


def _when(row: str) -> str:
    return f"{row}.kind = 'purchase' AND {row}.value_cents IS NOT NULL"


SQLITE_TRIGGERS = {
    "customer_lifetime_value_insert": (
        f"AFTER INSERT ON touchpoint WHEN {_when('NEW')} BEGIN {_sqlite_add('NEW', '+')} END"
    ),
    "customer_lifetime_value_update_old": (
        "AFTER UPDATE OF customer_id, kind, value_cents ON touchpoint "
        f"WHEN {_when('OLD')} BEGIN {_sqlite_add('OLD', '-')} END"
    ),
    "customer_lifetime_value_update_new": (
        "AFTER UPDATE OF customer_id, kind, value_cents ON touchpoint "
        f"WHEN {_when('NEW')} BEGIN {_sqlite_add('NEW', '+')} END"
    ),
    "customer_lifetime_value_delete": (
        f"AFTER DELETE ON touchpoint WHEN {_when('OLD')} BEGIN {_sqlite_add('OLD', '-')} END"
    ),
}


def upgrade() -> None:
    with op.batch_alter_table("customer") as batch:
        batch.add_column(
            sa.Column("lifetime_value_cents", sa.BigInteger(), server_default="0", nullable=False)
        )
    op.create_index(
        "ix_customer_lifetime_value_cents_id", "customer", ["lifetime_value_cents", "id"]
    )
    if op.get_bind().dialect.name == "postgresql":
        # No touchpoint write falls between the sums and the triggers.
        op.execute("LOCK TABLE touchpoint IN SHARE ROW EXCLUSIVE MODE")
        op.execute(POSTGRES_FUNCTION)
        for name, when in POSTGRES_TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER {name} {when} FOR EACH STATEMENT "
                "EXECUTE FUNCTION customer_lifetime_value_apply()"
            )
    else:
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute(
        "UPDATE customer SET lifetime_value_cents = coalesce((SELECT sum(value_cents) "
        f"FROM touchpoint WHERE touchpoint.customer_id = customer.id AND {PURCHASE}), 0)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in POSTGRES_TRIGGERS:
            op.execute(f"DROP TRIGGER {name} ON touchpoint")
        op.execute("DROP FUNCTION customer_lifetime_value_apply()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_index("ix_customer_lifetime_value_cents_id", table_name="customer")
    with op.batch_alter_table("customer") as batch:
        batch.drop_column("lifetime_value_cents")
