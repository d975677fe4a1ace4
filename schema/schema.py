"""The strawberry schema: built per settings (limits), exported to schema.graphql."""

from typing import Any

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.extensions.tracing import OpenTelemetryExtension
from strawberry.schema.config import StrawberryConfig

from api.settings import Settings
from schema.errors import ErrorPolicy
from schema.limits import QueryBudget, directive_limit
from schema.query import Mutation, Query
from schema.scalars import SCALAR_MAP


def build_schema(settings: Settings, tracer_provider: Any = None) -> strawberry.Schema:
    # Extensions as factories: an instance per operation, never shared across requests.
    extensions: list[Any] = [
        ErrorPolicy,
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: QueryDepthLimiter(max_depth=settings.max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
        lambda: AddValidationRules([directive_limit(settings.max_directives)]),
        lambda: QueryBudget(settings),
    ]
    if tracer_provider is not None:  # a span per operation (and per resolver it runs)
        extensions.append(lambda: OpenTelemetryExtension(tracer_provider=tracer_provider))
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        config=StrawberryConfig(
            scalar_map=SCALAR_MAP,
            relay_max_results=100,
            disable_field_suggestions=settings.production,
        ),
        extensions=extensions,
    )


schema = build_schema(Settings())
