"""Relay connection types shared by every list field, and the one body of a list field."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Generic, TypeVar

import strawberry

from api.context import Context
from resolvers.listing import Listing
from resolvers.pagination import ListRequest, Page

NodeT = TypeVar("NodeT")
ModelT = TypeVar("ModelT")

PAGE_ARGUMENTS_HELP = "Page size 1-100 (default 20); `after` takes an `endCursor` of this list."
CURSOR_HELP = "Opaque position of this item: pass it as `after` to read the items after it."
FILTER_HELP = "Only items matching every condition given; none: all items."
ORDER_HELP = "The order of the list; the field's description gives the default."
First = Annotated[int | None, strawberry.argument(description="Page size, 1-100; default 20.")]
After = Annotated[
    str | None,
    strawberry.argument(
        description="Start after this position: an `endCursor` (or an edge's `cursor`) of "
        "this same list, with the same order; none: from the start."
    ),
]


@strawberry.type(description="Where this page sits in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="More items follow: ask again with `after: endCursor`."
    )
    has_previous_page: bool = strawberry.field(
        description="This page was asked for with `after` (items come before it)."
    )
    start_cursor: str | None = strawberry.field(
        description="The cursor of the first item on this page; null when it is empty."
    )
    end_cursor: str | None = strawberry.field(
        description="The cursor of the last item on this page: pass it as `after` for the "
        "next page; null when the page is empty."
    )

    @classmethod
    def of(cls, page: Page[object]) -> "PageInfo":
        return cls(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        )


@strawberry.type(description="One item of a page, with its position in the list.")
class Edge(Generic[NodeT]):
    cursor: str = strawberry.field(description=CURSOR_HELP)
    node: NodeT = strawberry.field(description="The item.")


@strawberry.type(description="One page of a list, in the list's order (see the field).")
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]] = strawberry.field(description="The items of this page, in order.")
    page_info: PageInfo = strawberry.field(description="Where this page sits in the list.")
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="Number of items matching the filter, across all pages.")
    async def total_count(self) -> int:
        return await self.count()


def connection(
    page: Page[ModelT],
    convert: Callable[[ModelT], NodeT],
    count: Callable[[], Awaitable[int]],
) -> Connection[NodeT]:
    return Connection(
        edges=[
            Edge(cursor=cursor, node=convert(item))
            for item, cursor in zip(page.items, page.cursors, strict=True)
        ],
        page_info=PageInfo.of(page),  # type: ignore[arg-type]
        count=count,
    )


def nested_in(root: object, parent: str) -> tuple[str, uuid.UUID] | None:
    """The parent a list field reads under: (`parent`, its id) when the field belongs to a
    record (`Customer.tickets`), None for a root field (`tickets`: no record above it)."""
    key = getattr(root, "db_id", None)
    return None if key is None else (parent, key)


async def list_connection(
    info: strawberry.Info[Context, None],
    listing: Listing[ModelT],
    request: ListRequest,
    convert: Callable[[ModelT], NodeT],
    parent: tuple[str, uuid.UUID] | None = None,
) -> Connection[NodeT]:
    """A page of `listing` as a connection, `totalCount` counted only when selected.

    The root list (no `parent`) reads its page in one statement; a nested list reads
    through the request's loaders, so the page (and the count) of many parents is one
    statement each (resolvers/listing.py).
    """
    if parent is None:
        sessions = info.context.sessions
        found = await listing.page(sessions, request)
        return connection(found, convert, lambda: listing.count(sessions, request.query))
    kind, key = parent
    loaders = info.context.loaders
    page = await loaders.pages(listing, kind, request).load(key)
    return connection(page, convert, lambda: loaders.counts(listing, kind, request.query).load(key))
