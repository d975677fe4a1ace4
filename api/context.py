"""The typed per-request context every resolver receives."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from api.ratelimit import CostBuckets
from models import Role
from models.types import utc_now
from resolvers.bulk.files import BulkConfig
from resolvers.changes import ChangeFeed
from resolvers.loaders import Loaders
from resolvers.pagination import Sessions
from resolvers.webhooks.url_policy import UrlPolicy


@dataclass(frozen=True)
class Viewer:
    """The authenticated API key behind a request."""

    key_id: uuid.UUID
    key_name: str
    role: Role
    trusted_documents_only: bool = False


# A WebSocket's viewer until its connection_init names a key: no field may run for it.
NOT_YET_AUTHENTICATED = Viewer(uuid.UUID(int=0), "", Role.PARTNER)


@dataclass
class Context:
    viewer: Viewer
    sessions: Sessions
    # Writes use their own factory: on SQLite its transactions begin IMMEDIATE.
    write_sessions: Sessions
    loaders: Loaders
    # One-statement reads on the primary (the key lookup): autocommit on PostgreSQL.
    statement_sessions: Sessions
    # One-statement reads that may come from a replica (the compiled path).
    read_statement_sessions: Sessions
    # The primary, for reads that must see the latest writes (mutations, events).
    primary_sessions: Sessions
    # The key's cost budget (rate limiting) and the HTTP response to set status/headers on.
    budget: CostBuckets
    # Announcements of committed changes, for subscriptions.
    changes: ChangeFeed
    response: Any
    # The request's id (also in its log line) and the error codes it answered with.
    request_id: str = ""
    error_codes: list[str] = field(default_factory=list)
    # Extra fields for the request's log line (e.g. which read path served it).
    log_fields: dict[str, Any] = field(default_factory=dict)
    # Where webhook deliveries may go (from settings).
    webhook_urls: UrlPolicy = field(default_factory=UrlPolicy)
    # What a WebSocket sent with connection_init (its key), set by strawberry.
    connection_params: Any = None
    # One "now" per request, so every health and series in a response agrees on it.
    now: datetime = field(default_factory=utc_now)
    # Bulk operations' files and limits (none in background tasks: they start no jobs).
    bulk: BulkConfig | None = None
    # Writes keep stored health, SLA states and actions current (Settings.proactive_upkeep).
    upkeep: bool = True
