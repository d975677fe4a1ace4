"""Reading the audit log: newest first, filtered by action, key, target or time."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from models import AuditEntry
from resolvers.filters import ColumnFilter, Param, window
from resolvers.listing import Listing
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
    """Entries that wrote the `target` ("Type:uuid"); no SQL form (not compiled)."""

    field: str = "target"

    def condition(self, value: str, query: AuditQuery) -> ColumnElement[bool]:
        # JSON arrays are stored as text on both databases; ids are quoted inside them.
        as_text = sa.cast(col(AuditEntry.target_ids), sa.Text)
        return as_text.contains(f'"{value}"')

    def sql(self, value: str, query: AuditQuery, param: Param) -> None:
        return None


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
