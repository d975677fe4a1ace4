"""What compiling an operation gives: a `Plan`, or `Decline` (raised while compiling: no
compiled form; the plan cache keeps it as schema.compiled.plans.Declined)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cachetools import LRUCache
from graphql.execution.values import VariableValues

from resolvers.compiled.forms import CompileContext

if TYPE_CHECKING:
    from schema.compiled.arguments import ArgumentSource, ClockSource, RequestSource


# Per plan: the argument values built from this many distinct sets of variables.
VALUES_KEPT = 256


class Decline(Exception):
    """The operation (or this request of it) has no compiled form: use the resolvers."""


class RequestDecline(Decline):
    """This request's values have no compiled form (an argument out of range, another
    plan shape): another request of the same operation may have one, so the decline
    is never kept as the operation's plan."""


@dataclass
class Plan:
    """A compiled statement and how to bind its parameters from a request's variables."""

    sql: str
    sources: "list[ArgumentSource | ClockSource | RequestSource]" = field(default_factory=list)
    parameters: list[tuple[int, Callable[[Any], Any]]] = field(default_factory=list)
    # Why a request of this plan may still be answered by the resolvers (a part left to
    # them, e.g. the objects of one type by global id whose selection has no SQL form).
    left: list[str] = field(default_factory=list)
    # This process's pending read-audit entries are written before the statement runs.
    writes_pending_read_audit: bool = False
    # Figures over every record (metrics, funnel, pain points at the root): one heavy
    # aggregation per request, which PostgreSQL may run with its parallel workers
    # (resolvers.compiled.statement._fetch_row); any other plan runs in one process.
    parallel: bool = False
    # What the sources built from arguments alone, per request variables (as JSON):
    # converting and checking them again was a tenth of a compiled request's time.
    # Sources built for every request (the clock, the key, arguments read at the
    # clock) are kept as None and evaluated each time.
    remembered: LRUCache[bytes, list[Any]] = field(
        default_factory=lambda: LRUCache(maxsize=VALUES_KEPT)
    )

    def bind(
        self, variables: VariableValues, context: CompileContext, sent: bytes | None = None
    ) -> tuple[Any, ...]:
        """The bind parameters for a request; `sent`: its variables as canonical JSON
        (the same text means the same values), None to build everything afresh."""
        kept = self.remembered.get(sent) if sent is not None else None
        if kept is None:
            built = [source.evaluate(variables, context) for source in self.sources]
            if sent is not None:
                self.remembered[sent] = [
                    value if _reusable(source) else None
                    for source, value in zip(self.sources, built, strict=True)
                ]
        else:
            built = [
                value if _reusable(source) else source.evaluate(variables, context)
                for source, value in zip(self.sources, kept, strict=True)
            ]
        return tuple(extract(built[index]) for index, extract in self.parameters)


def _reusable(source: Any) -> bool:
    """A source whose value depends on the request's arguments alone (and the plan's
    role): the same variables build the same value."""
    return getattr(source, "per_request", True) is False
