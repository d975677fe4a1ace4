"""The context a background task runs GraphQL with (webhook payloads, bulk jobs)."""

from starlette.datastructures import State
from starlette.responses import Response

from api.context import Context, Viewer
from api.ratelimit import CostBuckets
from resolvers.loaders import Loaders


def background_context(state: State, viewer: Viewer, budget: CostBuckets) -> Context:
    """Runs as `viewer`, on the primary (what was just committed: a replica may not have
    it yet), charged to `budget` rather than the key's own bucket."""
    return Context(
        viewer=viewer,
        sessions=state.primary_sessions,
        write_sessions=state.write_sessions,
        loaders=Loaders(state.primary_sessions),
        statement_sessions=state.statement_sessions,
        read_statement_sessions=state.statement_sessions,
        primary_sessions=state.primary_sessions,
        budget=budget,
        changes=state.changes,
        response=Response(),
        read_audit=getattr(state, "read_audit", None),
    )
