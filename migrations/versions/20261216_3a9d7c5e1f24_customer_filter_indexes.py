"""customer filter indexes: unmerged, churned, search

Revision ID: 3a9d7c5e1f24
Revises: 6e4a2c8f1d73
Create Date: 2026-12-16 12:00:00.000000

Every `customers` list reads customers merged into no other, so a filter that matches
most of them (`createdTo`, `churned`) counted its matches through `created_at` and then
looked at each row for `merged_into_id` (100,000 customers: 38-52 ms). Partial indexes
on (`created_at`, `id`) over the unmerged customers, and over the churned and the not
churned among them, count those from the index alone and give the default order's page.

`search` (a case-insensitive substring of name, company and, for roles with personal
data, email) read every customer (111 ms). On PostgreSQL with the `pg_trgm` extension
(part of PostgreSQL's contrib; trusted, so a database owner may create it), a trigram
GIN index over the three lower-cased columns serves it. Where the extension cannot be
created, the migration says so and goes on: the search answers the same, unindexed.
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3a9d7c5e1f24"
down_revision: str | None = "6e4a2c8f1d73"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNMERGED = "merged_into_id IS NULL"
PARTIAL = {
    "ix_customer_unmerged_created_at_id": UNMERGED,
    "ix_customer_churned_created_at_id": f"{UNMERGED} AND churned_at IS NOT NULL",
    "ix_customer_not_churned_created_at_id": f"{UNMERGED} AND churned_at IS NULL",
}
SEARCH = "ix_customer_search_trigram"
SEARCHED = ("name", "company", "email")


def upgrade() -> None:
    for name, where in PARTIAL.items():
        op.create_index(
            name,
            "customer",
            ["created_at", "id"],
            sqlite_where=sa.text(where),
            postgresql_where=sa.text(where),
        )
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    savepoint = bind.begin_nested()
    try:
        bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError as refused:
        savepoint.rollback()
        logging.getLogger("cx360.migrate").warning(
            "pg_trgm cannot be created here (%s): customers' search stays unindexed",
            type(refused.orig).__name__,
        )
        return
    savepoint.commit()
    columns = ", ".join(f"lower({column}) gin_trgm_ops" for column in SEARCHED)
    op.execute(f"CREATE INDEX {SEARCH} ON customer USING gin ({columns})")


def downgrade() -> None:
    op.execute(f"DROP INDEX IF EXISTS {SEARCH}")
    for name in PARTIAL:
        op.drop_index(name, "customer")
