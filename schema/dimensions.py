"""`dimensions`: the values analysts can filter by, as they exist in the data, with counts."""

from typing import Any

import strawberry

from api.context import Context
from resolvers import dimensions
from resolvers.compiled.forms import Embedded, Expression, Rows, sql
from schema.permissions import Area, reads


@strawberry.type(description="One value a filter takes, and how many records carry it.")
class DimensionValue:
    value: str = strawberry.field(
        description="Exactly as filters take it: `smb` for `segment`, `WEB` for `channel`.",
        metadata=sql(Expression(dimensions.DIMENSION_VALUE_SQL["value"])),
    )
    count: int = strawberry.field(
        description="Records carrying this value (which records: see the list's description).",
        metadata=sql(Expression(dimensions.DIMENSION_VALUE_SQL["count"])),
    )


def _dimension(name: str, area: Area, description: str) -> Any:
    """A list field counting one dimension, readable by roles that read `area`."""

    async def counts(info: strawberry.Info[Context, None]) -> list[DimensionValue] | None:
        found = await dimensions.value_counts(info.context.sessions, name)
        return [DimensionValue(value=v.value, count=v.count) for v in found]

    form = Rows(dimensions.values_sql(name), dimensions.DIMENSION_VALUE, dimensions.VALUE_ORDER_SQL)
    return strawberry.field(
        resolver=counts,
        description=description + " Most used first; a value no record carries is not listed.",
        extensions=reads(area),
        metadata=sql(form),
    )


@strawberry.type(
    description="What there is to filter by: each dimension's values in the data, with "
    "counts. A filter value not listed here matches nothing (a misspelt segment gives "
    "zeros, not an error). Each list needs read access to the records it counts; a "
    "refused list is null with a FORBIDDEN error, the others still answer."
)
class Dimensions:
    segments: list[DimensionValue] | None = _dimension(
        "segments",
        Area.CUSTOMERS,
        "Customer segments (`segment` in metrics and customer filters), with the number "
        "of customers in each; merged duplicates are not counted.",
    )
    channels: list[DimensionValue] | None = _dimension(
        "channels",
        Area.TOUCHPOINTS,
        "Channels of touchpoints (`channel` in metrics and touchpoint filters), with the "
        "number of touchpoints on each.",
    )
    ticket_channels: list[DimensionValue] | None = _dimension(
        "ticket_channels",
        Area.TICKETS,
        "Channels of tickets (`channel` in metrics and ticket filters), with the number "
        "of tickets on each.",
    )
    teams: list[DimensionValue] | None = _dimension(
        "teams",
        Area.TOUCHPOINTS,
        "Teams of touchpoints (`team` in metrics and touchpoint filters), with the number "
        "of touchpoints of each.",
    )
    kinds: list[DimensionValue] | None = _dimension(
        "kinds",
        Area.TOUCHPOINTS,
        "Touchpoint kinds (`kind` in touchpoint filters; `purchase` is the one revenue "
        "counts), with the number of touchpoints of each.",
    )
    sources: list[DimensionValue] | None = _dimension(
        "sources",
        Area.TOUCHPOINTS,
        "Touchpoint sources (the reporting systems), with the number of touchpoints from each.",
    )


@strawberry.type
class DimensionQueries:
    @strawberry.field(
        description="The values of segment, channel, team, kind and source that exist, "
        "with counts: check a filter value here when a figure reads zero.",
        metadata=sql(Embedded()),
    )
    def dimensions(self) -> Dimensions:
        return Dimensions()
