"""customer phone mask kept

Revision ID: 2c7e9b5a1f48
Revises: 8a4f1c2e6d73
Create Date: 2026-12-11 12:00:00.000000

`customer.phone_masked`: the phone as roles without personal data read it (+44 ••• •••
123, resolvers.masks.mask_phone), kept by every write that sets or erases a phone. Its
country code needs the numbering plan (phonenumbers), which SQL lacks: the compiled read
path reads this column where the resolvers compute the mask. Filled here for the phones
already stored.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.backfill import recompute
from resolvers.masks import stored_phone_mask

revision: str = "2c7e9b5a1f48"
down_revision: str | None = "8a4f1c2e6d73"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("customer") as batch:
        batch.add_column(sa.Column("phone_masked", sa.String(length=32), nullable=True))
    recompute("customer", "phone", "phone_masked", stored_phone_mask)


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN on both databases (SQLite 3.35+): a batch rebuild of
    # `customer` on SQLite would drop the triggers on it and trip its foreign keys.
    op.drop_column("customer", "phone_masked")
