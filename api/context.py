"""The typed context every resolver receives, and the one place it is built (`build_context`).

Which session factory serves what (all on `app.state`, made in api/app.py's lifespan):

- `sessions`: a request's reads (loaders, lists); the replica when one is set.
- `read_statement_sessions`: one-statement reads of the compiled path; the replica when
  one is set (autocommit on PostgreSQL).
- `primary_sessions`: the primary, for reads that must see the latest writes: a
  mutation's reads, subscription events, the workers' reads.
- `statement_sessions`: one-statement reads on the primary (the key lookup); autocommit
  on PostgreSQL.
- `write_sessions`: every write (mutations, the webhook and bulk workers, the
  scheduler), on the primary; on SQLite its transactions begin IMMEDIATE.
- `statement_engine` / `read_statement_engine` (engines, not session factories): the
  fast path's one-statement answers (api/fast_reads.py), the key checked on the primary's
  and the data read from the replica's when one is set (the same engine otherwise).

Background tasks (the webhook worker's payloads, the bulk worker's jobs) run GraphQL on
the primary only: they act on what was just committed, which a replica may not have yet.
The scheduler runs no GraphQL: it writes through `write_sessions` and asks when its next
round is due through `primary_sessions`.
"""

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from starlette.datastructures import State
from starlette.responses import Response

from api.ratelimit import CostBuckets, MemoryBuckets
from models import Role
from models.types import utc_now
from resolvers.bulk.files import BulkConfig
from resolvers.changes import ChangeFeed
from resolvers.loaders import Loaders
from resolvers.pagination import Sessions
from resolvers.read_audit import ReadAuditLog, ReadNotes
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
    # The session factories: what each serves is said once, in this module's docstring.
    sessions: Sessions
    write_sessions: Sessions
    loaders: Loaders
    statement_sessions: Sessions
    read_statement_sessions: Sessions
    primary_sessions: Sessions
    # The key's cost budget (rate limiting) and the HTTP response to set status/headers on.
    budget: CostBuckets
    # Announcements of committed changes, for subscriptions.
    changes: ChangeFeed
    # Where webhook deliveries may go (from settings, built once per app: api/app.py).
    webhook_urls: UrlPolicy
    response: Any
    # The request's id (also in its log line) and the error codes it answered with.
    request_id: str = ""
    error_codes: list[str] = field(default_factory=list)
    # Extra fields for the request's log line (e.g. which read path served it).
    log_fields: dict[str, Any] = field(default_factory=dict)
    # What a WebSocket sent with connection_init (its key), set by strawberry.
    connection_params: Any = None
    # One "now" per request, so every health and series in a response agrees on it.
    now: datetime = field(default_factory=utc_now)
    # Bulk operations' files and limits (none in background tasks: they start no jobs).
    bulk: BulkConfig | None = None
    # The unmasked personal fields this response showed (schema/read_audit.py records
    # them in `read_audit`, the process's buffer, when the response is complete).
    read_notes: ReadNotes = field(default_factory=ReadNotes)
    read_audit: ReadAuditLog | None = None
    # Writes keep stored health, SLA states and actions current (Settings.proactive_upkeep).
    upkeep: bool = True

    def renew(self) -> None:
        """Reads from here on see what is stored now: a new `now` and loaders with nothing
        cached. Each operation on a WebSocket and each subscription event starts so; the
        connection's context would otherwise answer from what an earlier one loaded."""
        loaders = self.loaders.renewed()
        if self.sessions is self.loaders.sessions:  # a request's: read through its loaders
            self.sessions = loaders.sessions
        self.loaders, self.now = loaders, utc_now()


def unlimited_budget() -> CostBuckets:
    """The cost budget of a background task (webhook payloads, bulk jobs, CLI exports):
    never exhausted, since the key was charged when it asked for the work (if at all)."""
    return MemoryBuckets(capacity=10**12, per_second=10**12)


def build_context(
    state: State,
    viewer: Viewer,
    budget: CostBuckets,
    loaders: Loaders | None = None,
    response: Any = None,
    **request: Any,
) -> Context:
    """The context of a request or, without `loaders`, of a background task.

    A request gives its `loaders` (reading `state.sessions`, bounded to the request's
    connections), the HTTP `response`, and in `request` its id, error codes, log fields,
    `now` and bulk config. A background task (webhook payloads, bulk jobs) gives none of
    these: it reads the primary, charged to `budget` rather than the key's own bucket.
    Both read the webhook URL policy the app built once (`state.webhook_urls`), keep the
    proactive state current or not alike (`state.upkeep`), and record the personal data
    they show in `state.read_audit`.
    """
    if loaders is None:  # a background task: everything on the primary
        loaders = Loaders(state.primary_sessions)
        sessions, read_statement_sessions = state.primary_sessions, state.statement_sessions
    else:
        sessions, read_statement_sessions = loaders.sessions, state.read_statement_sessions
    return Context(
        viewer=viewer,
        sessions=sessions,
        write_sessions=state.write_sessions,
        loaders=loaders,
        statement_sessions=state.statement_sessions,
        read_statement_sessions=read_statement_sessions,
        primary_sessions=state.primary_sessions,
        budget=budget,
        changes=state.changes,
        webhook_urls=state.webhook_urls,
        response=response if response is not None else Response(),
        read_audit=getattr(state, "read_audit", None),  # none in a state without the audit
        upkeep=state.upkeep,
        **request,
    )


def inner_context(context: Context) -> Context:
    """The context of a GraphQL run inside a request (the bulk export's dry run): the
    request's key, sessions, loaders, budget and `now`, with a response, error codes and log
    fields of its own, so the inner run leaves the request's untouched."""
    return replace(context, response=Response(), error_codes=[], log_fields={})
