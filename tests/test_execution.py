"""The resolver path's plain-leaf shortcut (schema/execution.py) answers exactly as
graphql-core does: values, nulls, errors and their paths, aliases and directives."""

import enum
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import strawberry
from strawberry.extensions.field_extension import FieldExtension

from schema.execution import LeafExecutionContext


@strawberry.enum
class Mood(enum.Enum):
    HAPPY = "happy"
    SAD = "sad"


class Shout(FieldExtension):
    def resolve(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        return str(next_(source, info, **kwargs)).upper()


@strawberry.type
class Item:
    name: str
    note: str | None
    mood: Mood
    at: datetime
    count: int
    ratio: float | None
    boom: str | None
    later: str
    tags: strawberry.scalars.JSON
    loud: str = strawberry.field(extensions=[Shout()])

    @strawberry.field
    def twice(self, times: int = 2) -> str:
        return self.name * times


@dataclass
class Row:
    """What a resolver hands over: an object whose attributes the fields read."""

    name: Any
    note: Any
    mood: Any
    at: Any
    count: Any
    ratio: Any
    loud: Any

    @property
    def boom(self) -> str:
        """An attribute that raises when read (an expired ORM attribute would)."""
        raise RuntimeError("expired")

    @property
    def later(self) -> Any:
        """An awaitable attribute: graphql-core awaits it."""

        async def value() -> str:
            return f"later {self.name}"

        return value()

    @property
    def tags(self) -> Any:
        return {"b": [1, 2], "a": None}


ROWS = [
    Row("a", None, Mood.HAPPY, datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), 1, 0.5, "x"),
    Row("b", "n", Mood.SAD, datetime(2026, 2, 3, tzinfo=UTC), 2, None, "y"),
    Row(None, "missing name", Mood.SAD, datetime(2026, 2, 3, tzinfo=UTC), 3, None, "z"),
    Row("d", None, "not a mood", datetime(2026, 2, 3, tzinfo=UTC), "4", None, "w"),
    Row("e", ValueError("boom"), Mood.SAD, datetime(2026, 2, 3, tzinfo=UTC), 5, None, "v"),
]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item | None]:
        return ROWS  # type: ignore[return-value]

    @strawberry.field
    def first(self) -> Item:
        return ROWS[0]  # type: ignore[return-value]


QUERIES = [
    "{ items { name note mood at count ratio loud twice } }",
    "{ items { name boom } }",
    "{ items { later tags } first { later boom } }",
    "{ items { label: name name @include(if: false) again: twice(times: 3) __typename } }",
    "query($on: Boolean!) { first { name @skip(if: $on) mood at } }",
    "{ first { ... on Item { name count } ... F } } fragment F on Item { ratio note }",
]


@pytest.mark.parametrize("query", QUERIES)
async def test_plain_leaves_answer_as_graphql_core_does(query: str) -> None:
    plain = strawberry.Schema(query=Query)
    shortcut = strawberry.Schema(query=Query, execution_context_class=LeafExecutionContext)
    variables = {"on": False}
    expected = await plain.execute(query, variable_values=variables)
    found = await shortcut.execute(query, variable_values=variables)
    assert found.data == expected.data
    assert [(e.message, e.path) for e in found.errors or []] == [
        (e.message, e.path) for e in expected.errors or []
    ]
    if query == QUERIES[0]:
        # The cases the shortcut must hand back: a null for a non-null field, a value
        # its type refuses, an exception as a value.
        assert expected.errors is not None and len(expected.errors) == 3
        assert (
            found.data is not None and found.data["items"][0]["at"] == "2026-01-02T03:04:05+00:00"
        )
