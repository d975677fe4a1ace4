"""Reading the audit log: newest first, filtered by action, key, target or time."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from models import AuditEntry
from resolvers.pagination import (
    Page,
    PageRequest,
    Sessions,
    count_rows,
    fetch_page,
    newest_first,
    within,
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


def _conditions(query: AuditQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if query.actions is not None:
        where.append(col(AuditEntry.action).in_(query.actions))
    if query.key_name is not None:
        where.append(col(AuditEntry.key_name) == query.key_name)
    if query.target is not None:
        # JSON arrays are stored as text on both databases; ids are quoted inside them.
        as_text = sa.cast(col(AuditEntry.target_ids), sa.Text)
        where.append(as_text.contains(f'"{query.target}"'))
    where += within(col(AuditEntry.occurred_at), query.occurred_from, query.occurred_to)
    return where


async def list_audit(sessions: Sessions, query: AuditQuery, page: PageRequest) -> Page[AuditEntry]:
    return await fetch_page(sessions, AuditEntry, _conditions(query), NEWEST_FIRST, page)


async def count_audit(sessions: Sessions, query: AuditQuery) -> int:
    return await count_rows(sessions, AuditEntry, _conditions(query))
