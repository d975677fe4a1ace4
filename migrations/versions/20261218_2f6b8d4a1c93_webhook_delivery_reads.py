"""webhook delivery reads: the personal data each stored body shows

Revision ID: 2f6b8d4a1c93
Revises: 9c4e2a7b5d18
Create Date: 2026-12-18 12:00:00.000000

`webhookDeliveries { payload }` shows the body as sent. For an endpoint of a role shown
personal data (ADMIN, SUPPORT, SALES), the body holds the customer's email and phone
unmasked, and a survey response's comment. Reading it is a read of personal data like
any other (docs/security.md, "The read audit"), so each delivery now keeps which of those
fields its body shows, by customer id, and both read paths record them when `payload`
is read.

- `webhook_delivery.shown`: JSON {"<customer id>": ["email", "phone", "comment"]},
  written at fan-out (api/webhook_worker.py, `shown_in`).
- Deliveries stored before this revision get it from their body here, by the same rule:
  the fields not null in the body's `customer` and `comment`, for an endpoint whose role
  is shown personal data. The endpoint's role is read now; a role changed since the body
  was rendered is not known (an endpoint's role cannot be changed through the API).
"""

import base64
import json
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "2f6b8d4a1c93"
down_revision: str | None = "9c4e2a7b5d18"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PERSONAL_DATA_ROLES = ("ADMIN", "SUPPORT", "SALES")
FIELDS = ("email", "phone", "comment")
BATCH = 1000


def _shown(body: str) -> dict[str, list[str]]:
    """What a stored body shows (api/webhook_worker.py's `shown_in`, as of this revision)."""
    try:
        data = json.loads(body).get("data")
        customer = data.get("customer") if isinstance(data, dict) else None
        if not isinstance(customer, dict):
            return {}
        present = {name for name in ("email", "phone") if customer.get(name) is not None}
        if data.get("comment") is not None:
            present.add("comment")
        type_name, _, key = base64.b64decode(customer["id"]).decode().partition(":")
        if not present or type_name != "Customer":
            return {}
        return {str(uuid.UUID(key)): [name for name in FIELDS if name in present]}
    except (ValueError, TypeError, KeyError, AttributeError):  # not a body of ours
        return {}


def upgrade() -> None:
    with op.batch_alter_table("webhook_delivery") as batch:
        batch.add_column(sa.Column("shown", sa.JSON(), nullable=False, server_default="{}"))
    delivery = sa.table(
        "webhook_delivery",
        sa.column("id", sa.Uuid()),
        sa.column("endpoint_id", sa.Uuid()),
        sa.column("body", sa.Text()),
        sa.column("shown", sa.JSON()),
    )
    endpoint = sa.table("webhook_endpoint", sa.column("id", sa.Uuid()), sa.column("role"))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(delivery.c.id, delivery.c.body)
        .join(endpoint, endpoint.c.id == delivery.c.endpoint_id)
        .where(endpoint.c.role.in_(PERSONAL_DATA_ROLES))
    ).all()
    shown: list[dict[str, Any]] = [
        {"key": key, "shown": found} for key, body in rows if (found := _shown(body))
    ]
    for start in range(0, len(shown), BATCH):
        connection.execute(
            delivery.update()
            .where(delivery.c.id == sa.bindparam("key"))
            .values(shown=sa.bindparam("shown", type_=sa.JSON())),
            shown[start : start + BATCH],
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_delivery") as batch:
        batch.drop_column("shown")
