"""What compiling an operation gives: a `Plan`, or `Decline` (raised while compiling: no
compiled form; the plan cache keeps it as schema.compiled.plans.Declined)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphql.execution.values import VariableValues

from resolvers.compiled.forms import CompileContext

if TYPE_CHECKING:
    from schema.compiled.arguments import ArgumentSource, ClockSource, RequestSource


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

    def bind(self, variables: VariableValues, context: CompileContext) -> tuple[Any, ...]:
        built = [source.evaluate(variables, context) for source in self.sources]
        return tuple(extract(built[index]) for index, extract in self.parameters)
