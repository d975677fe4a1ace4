"""Next-best-actions: a customer's list and the queue across customers.

Actions derive from tickets and survey scores, so reading them needs the METRICS area
(not PARTNER), like health. Dismissing (schema/action_mutations.py) needs the ACTIONS
write area (ADMIN, SUPPORT, SALES, MARKETING); the action's team is checked in
resolvers.action_writes.
"""

import uuid
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from api.context import Context
from models import Customer as CustomerModel
from models import NextAction
from resolvers import actions
from resolvers.compiled.forms import ConnectionOf, Expression, NodeKey, ToOne, sql, sql_table
from resolvers.pagination import ListRequest
from schema.enums import Team, TicketPriority, described
from schema.node import Node, to_global_id
from schema.pagination import (
    FILTER_HELP,
    PAGE_ARGUMENTS_HELP,
    After,
    Connection,
    First,
    connection,
)
from schema.permissions import Area, reads
from schema.scalars import any_of, exact_text

if TYPE_CHECKING:
    from schema.customers import Customer


class ActionKind(Enum):
    RESOLVE_SLA_RISK = "RESOLVE_SLA_RISK"
    RECOVER_DETRACTOR = "RECOVER_DETRACTOR"
    REQUEST_FEEDBACK = "REQUEST_FEEDBACK"
    SAVE_AT_RISK = "SAVE_AT_RISK"
    RE_ENGAGE = "RE_ENGAGE"
    ASK_FOR_REFERRAL = "ASK_FOR_REFERRAL"


described(
    ActionKind,
    'A next-best-action\'s rule (docs/domain.md "Next-best-actions").',
    {
        "RESOLVE_SLA_RISK": "An open ticket is AT_RISK or BREACHED (SUPPORT, URGENT).",
        "RECOVER_DETRACTOR": "Latest NPS (at most 30 days old) a detractor, no SUPPORT or "
        "SALES touchpoint since (SUPPORT, HIGH).",
        "REQUEST_FEEDBACK": "A follow-up is DUE (SUPPORT, NORMAL).",
        "SAVE_AT_RISK": "Health AT_RISK, lifetime value above 0, not churned (SALES, HIGH).",
        "RE_ENGAGE": "Stage RETENTION or ADVOCACY, not churned, no touchpoint in 60 days "
        "(MARKETING, NORMAL).",
        "ASK_FOR_REFERRAL": "Latest NPS (at most 90 days old) a promoter, no open ticket, no "
        "`referral` or `review` touchpoint in 180 days (MARKETING, LOW).",
    },
)


# `node` finds a start of an action while it holds and is shown.
@sql_table(NextAction, NodeKey("start_id", (actions.SHOWN_SQL,)))
@strawberry.type(
    description="Something a team should do for a customer now, and why. Its `id` names "
    "this start of it: the same action holding again after it ended has a new id."
)
class Action(Node):
    id: strawberry.ID = strawberry.field(
        description="Opaque global id of this start of the action (`node` finds it while "
        "it holds and is shown).",
        metadata=sql(Expression(actions.ACTION_ID_JSON_SQL, json=True)),
    )
    kind: ActionKind = strawberry.field(description="The rule that holds.")
    team: Team = strawberry.field(description="The team that acts on it.")
    priority: TicketPriority = strawberry.field(description="How urgent it is.")
    reason: str = strawberry.field(description="In words, naming the facts behind it.")
    since: datetime = strawberry.field(
        description="When it started to hold (found by a write or the scheduler)."
    )
    customer_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, model: NextAction) -> "Action":
        return cls(
            id=to_global_id("Action", model.start_id),
            kind=ActionKind(model.kind),
            team=model.team,
            priority=model.priority,
            reason=model.reason,
            since=model.since,
            customer_id=model.customer_id,
        )

    @strawberry.field(
        description="Whom it is for.",
        metadata=sql(ToOne(CustomerModel, "customer_id", follow_merges=True)),
    )
    async def customer(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated["Customer", strawberry.lazy("schema.customers")]:
        from schema.customers import Customer

        return await Customer.load(info, self.customer_id)


async def customer_actions(info: strawberry.Info[Context, None], key: uuid.UUID) -> list[Action]:
    found = await info.context.loaders.next_actions().load(key)
    return [Action.from_model(a) for a in found]


@strawberry.input(description="Actions matching every given condition; lists mean any of.")
class ActionFilter:
    team: list[Team] | None = strawberry.field(default=None, description="Any of these teams.")
    kind: list[ActionKind] | None = strawberry.field(
        default=None, description="Any of these rules."
    )
    segment: str | None = strawberry.field(
        default=None, description="Customers of exactly this segment."
    )
    priority: list[TicketPriority] | None = strawberry.field(
        default=None, description="Any of these priorities."
    )

    def query(self) -> actions.ActionQuery:
        return actions.ActionQuery(
            teams=any_of("team", self.team),
            kinds=(
                tuple(k.value for k in kinds)
                if (kinds := any_of("kind", self.kind)) is not None
                else None
            ),
            segment=exact_text(self.segment),
            priorities=any_of("priority", self.priority),
        )


def action_request(
    first: int | None = None, after: str | None = None, filter: ActionFilter | None = None
) -> ListRequest:
    """A page of the action queue, as both read paths take it."""
    query = filter.query() if filter is not None else actions.ActionQuery()
    return actions.QUEUE.request(query, actions.QUEUE_ORDER, first, after)


@strawberry.type
class ActionQueries:
    @strawberry.field(
        description="Actions across customers (dismissed ones hidden), most urgent first: "
        "priority, then the longest holding. " + PAGE_ARGUMENTS_HELP,
        extensions=reads(Area.METRICS),
        metadata=sql(ConnectionOf(actions.QUEUE, lambda a, _: action_request(**a))),
    )
    async def next_best_actions(
        self,
        info: strawberry.Info[Context, None],
        first: First = None,
        after: After = None,
        filter: Annotated[ActionFilter | None, strawberry.argument(description=FILTER_HELP)] = None,
    ) -> Connection[Action]:
        request = action_request(first, after, filter)
        sessions = info.context.sessions
        found = await actions.QUEUE.page(sessions, request)
        return connection(
            found, Action.from_model, lambda: actions.QUEUE.count(sessions, request.query)
        )
