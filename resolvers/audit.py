"""Reading the audit log: newest first, filtered by action, key, target or time."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from models import AuditEntry
from resolvers.filters import ColumnFilter, Param, window
from resolvers.listing import Listing
from resolvers.opaque import raw_global_id_sql
from resolvers.pagination import (
    newest_first,
)

NEWEST_FIRST = newest_first(
    "audit:occurredAt:desc", col(AuditEntry.occurred_at), col(AuditEntry.id)
)


@dataclass(frozen=True)
class AuditQuery:
    actions: tuple[str, ...] | None = None
    key_name: str | None = None
    target: str | None = None  # "Type:uuid"
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None


@dataclass(frozen=True)
class TargetFilter:
    """Entries that wrote the `target` ("Type:uuid"): its quoted text inside the stored
    JSON array (stored as text on both databases)."""

    field: str = "target"

    def condition(self, value: str, query: AuditQuery) -> ColumnElement[bool]:
        as_text = sa.cast(col(AuditEntry.target_ids), sa.Text)
        return as_text.like(_pattern(value), escape=LIKE_ESCAPE)

    def sql(self, value: str, query: AuditQuery, param: Param) -> str:
        pattern = param("text", lambda q: _pattern(q.target))
        return f"CAST(audit_entry.target_ids AS TEXT) LIKE {pattern} ESCAPE '{LIKE_ESCAPE}'"


LIKE_ESCAPE = "/"


def _pattern(target: str) -> str:
    """LIKE pattern of the quoted target anywhere in the text: a `%` or `_` in the id's
    type part is matched as itself, not as a wildcard."""
    escaped = "".join(LIKE_ESCAPE + c if c in "%_/" else c for c in f'"{target}"')
    return f"%{escaped}%"


# `AuditEntry.targetIds` in SQL: each stored "Type:uuid" as its global id, in stored order.
TARGET_IDS_JSON_SQL = (
    f"array_to_json(ARRAY(SELECT {raw_global_id_sql('t.raw')} FROM "  # noqa: S608
    "json_array_elements_text(audit_entry.target_ids) WITH ORDINALITY AS t(raw, n) "
    "ORDER BY t.n))::text"
)


# `auditLog`: queries are AuditQuery, newest first.
AUDIT = Listing(
    "audit",
    AuditEntry,
    (
        ColumnFilter("actions", col(AuditEntry.action), "any_of"),
        ColumnFilter("key_name", col(AuditEntry.key_name), "equals"),
        TargetFilter(),
        *window("occurred_from", "occurred_to", col(AuditEntry.occurred_at)),
    ),
)
