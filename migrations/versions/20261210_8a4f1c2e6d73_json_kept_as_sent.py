"""JSON traits kept as the API sends them

Revision ID: 8a4f1c2e6d73
Revises: 9e5f2b7c4a16
Create Date: 2026-12-10 12:00:00.000000

JSON columns are now written as the API's responses write JSON (models.types.json_text:
orjson, compact, UTF-8 as is), so the compiled read path sends a stored `attributes`
value's text unchanged, byte-identical to the resolvers' answer. The values written
before (Python's json.dumps: `", "` and `": "`, non-ASCII escaped, its float forms) of the
two JSON fields the API reads, `customer.attributes` and `touchpoint.attributes`, are
written again in that form; the values stay the same. Downgrade keeps them: the older
code reads either form.
"""

import json
from collections.abc import Sequence

from migrations.backfill import recompute
from models.types import json_text

revision: str = "8a4f1c2e6d73"
down_revision: str | None = "9e5f2b7c4a16"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _as_sent(text: str) -> str:
    try:
        return json_text(json.loads(text))
    except (TypeError, ValueError):  # nothing the API could send (an integer beyond 64 bits)
        return text


def upgrade() -> None:
    for table in ("customer", "touchpoint"):
        recompute(table, "attributes", "attributes", _as_sent, json=True)


def downgrade() -> None:
    pass
