"""Relay connection types shared by every list field."""

from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import strawberry

from resolvers.pagination import Page

NodeT = TypeVar("NodeT")
ModelT = TypeVar("ModelT")

PAGE_ARGUMENTS_HELP = "Page size 1-100 (default 20); `after` takes an `endCursor` of this list."


@strawberry.type(description="Where this page sits in the whole list.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None

    @classmethod
    def of(cls, page: Page[object]) -> "PageInfo":
        return cls(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        )


@strawberry.type
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo
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
