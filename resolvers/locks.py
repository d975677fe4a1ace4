"""Row locks of writes.

A write that changes a row's non-key columns locks it FOR NO KEY UPDATE on PostgreSQL
(SQLite has one writer and ignores it). Unlike FOR UPDATE it does not conflict with the
KEY SHARE lock that inserting a referencing row takes (a ticket for its customer, a
response for its ticket), so two writes that each add a row and then update the parent
(its stored health, SLA state, actions) queue instead of deadlocking.
"""

from typing import Any

# For `session.get(..., with_for_update=FOR_NO_KEY_UPDATE)`; statements use
# `.with_for_update(key_share=True)`, which SQLAlchemy renders the same.
FOR_NO_KEY_UPDATE: dict[str, Any] = {"key_share": True}
