"""A customer's timeline: one union list across touchpoints, tickets and survey responses."""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated

import strawberry

from models import Role
from models import SurveyResponse as SurveyResponseModel
from models import Ticket as TicketModel
from models import Touchpoint as TouchpointModel
from resolvers import timeline
from resolvers.compiled.forms import CompileContext
from resolvers.pagination import ListRequest, Page, page_request
from resolvers.timeline import TimelineEntity, TimelineEntry
from schema.pagination import PageInfo
from schema.permissions import NODE_AREAS, READS
from schema.scalars import ordered_window
from schema.surveys import SurveyResponse
from schema.tickets import Ticket
from schema.touchpoints import Touchpoint

TimelineEvent = Annotated[
    Touchpoint | Ticket | SurveyResponse,
    strawberry.union("TimelineEvent", description="Anything that happens to a customer."),
]


@strawberry.input(description="Events with from <= time < to (occurredAt, createdAt, respondedAt).")
class TimelineFilter:
    from_: datetime | None = strawberry.field(default=None, name="from")
    to: datetime | None = None


def visible_kinds(role: Role) -> tuple[str, ...]:
    """The timeline's kinds a role may read: the others are neither shown nor counted."""
    return tuple(kind for kind in timeline.KINDS if NODE_AREAS[kind] in READS[role])


def timeline_request(
    context: CompileContext,
    first: int | None = None,
    after: str | None = None,
    filter: TimelineFilter | None = None,
) -> ListRequest:
    """A page of a customer's timeline (the kinds the role may read), as both read paths
    take it."""
    if filter is not None:
        ordered_window(filter.from_, filter.to)
    query = timeline.TimelineQuery(
        occurred_from=filter.from_ if filter else None,
        occurred_to=filter.to if filter else None,
        kinds=visible_kinds(context.role),
    )
    ordering = timeline.TIMELINE_ORDERING
    # The request's filters say which query fields it sets (the compiled plan's shape):
    # every source's filters read the same two, occurred_from and occurred_to, each on its
    # own column, so the first source's stand for the whole timeline. Each source still
    # applies its own (resolvers/timeline.py, the compiler).
    filters = timeline.SOURCES[0].filters
    return ListRequest(query, filters, ordering, page_request(first, after, ordering))


@strawberry.type
class TimelineEdge:
    cursor: str
    occurred_at: datetime = strawberry.field(
        description="occurredAt of a touchpoint, createdAt of a ticket, respondedAt of a response."
    )
    node: TimelineEvent


@strawberry.type(description="Timeline page, newest first.")
class TimelineConnection:
    edges: list[TimelineEdge]
    page_info: PageInfo
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(
        description="Number of events matching the filter, across all pages; only the kinds "
        "this key's role may read."
    )
    async def total_count(self) -> int:
        return await self.count()

    @classmethod
    def of(
        cls, page: Page[TimelineEntry], count: Callable[[], Awaitable[int]]
    ) -> "TimelineConnection":
        return cls(
            edges=[
                TimelineEdge(
                    cursor=cursor,
                    occurred_at=entry.occurred_at,
                    node=timeline_event(entry.entity, entry.kind),
                )
                for entry, cursor in zip(page.items, page.cursors, strict=True)
            ],
            page_info=PageInfo.of(page),  # type: ignore[arg-type]
            count=count,
        )


def timeline_event(
    entity: TimelineEntity, kind: str | None = None
) -> Touchpoint | Ticket | SurveyResponse:
    """The GraphQL object of a stored timeline record (the timeline, subscriptions): a
    model instance, or a read's row with its model's name as `kind`."""
    kind = kind or type(entity).__name__
    if kind == TouchpointModel.__name__:
        return Touchpoint.from_model(entity)  # type: ignore[arg-type]
    if kind == TicketModel.__name__:
        return Ticket.from_model(entity)  # type: ignore[arg-type]
    assert kind == SurveyResponseModel.__name__, kind
    return SurveyResponse.from_model(entity)  # type: ignore[arg-type]
