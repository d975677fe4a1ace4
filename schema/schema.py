"""The strawberry schema: built per settings (limits), exported to schema.graphql."""

from typing import Any

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.extensions.tracing import OpenTelemetryExtension
from strawberry.schema.config import StrawberryConfig

from api.db import is_sqlite
from api.settings import Settings
from schema.compiled.extension import CompiledPlans, CompiledReads
from schema.descriptions import describe
from schema.errors import ErrorPolicy, ReportingParserCache, log_client_errors
from schema.execution import LeafExecutionContext
from schema.federation import add_entity_keys
from schema.input_errors import NamedLiteralErrors
from schema.limits import QueryBudget, directive_limit
from schema.mutations import PrimaryReadsForMutations
from schema.query import Mutation, Query
from schema.read_audit import ReadAuditRecorder
from schema.scalars import SCALAR_MAP
from schema.subscriptions import Subscription
from schema.warnings import DimensionWarnings

PARSED_DOCUMENTS = 1000


class LoggedErrors:
    """Errors logged by code and path (schema/errors.py), never by their message."""

    def process_errors(self, errors: list[Any], execution_context: Any = None) -> None:
        log_client_errors(errors, execution_context)


class Schema(LoggedErrors, strawberry.Schema):
    pass


class FederatedSchema(LoggedErrors, strawberry.federation.Schema):
    pass


def compiled_reads_on(settings: Settings) -> bool:
    return settings.compiled_reads and not is_sqlite(settings.database_url)


def build_schema(
    settings: Settings, tracer_provider: Any = None, plans: CompiledPlans | None = None
) -> strawberry.Schema:
    plans = plans or CompiledPlans()
    compiled = compiled_reads_on(settings)
    # The limit rules are built once, so a document's validation (limits included) is
    # cached: parsing and validating a dashboard query costs ~10 ms of CPU each time.
    limit_rules = (
        *QueryDepthLimiter(max_depth=settings.max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
        directive_limit(settings.max_directives),
    )
    # Extensions as factories: an instance per operation, never shared across requests.
    extensions: list[Any] = [
        ErrorPolicy,
        PrimaryReadsForMutations,
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: ReportingParserCache(maxsize=PARSED_DOCUMENTS),
        lambda: AddValidationRules(list(limit_rules)),
        NamedLiteralErrors,
        lambda: ValidationCache(maxsize=PARSED_DOCUMENTS),
        lambda: QueryBudget(settings),
        # After the budget: a compiled answer is still costed and rate-limited first.
        lambda: CompiledReads(plans, compiled, settings.debug),
        DimensionWarnings,  # after the compiled path: it reads either path's answer
        ReadAuditRecorder,  # either path's noted personal reads, once the answer is built
    ]
    if tracer_provider is not None:  # a span per operation (and per resolver it runs)
        extensions.append(lambda: OpenTelemetryExtension(tracer_provider=tracer_provider))
    config = StrawberryConfig(
        scalar_map=SCALAR_MAP,
        relay_max_results=100,
        disable_field_suggestions=settings.production,
    )
    built: strawberry.Schema
    if settings.federation:
        add_entity_keys()
        built = FederatedSchema(
            query=Query,
            mutation=Mutation,
            subscription=Subscription,
            config=config,
            extensions=extensions,
            execution_context_class=LeafExecutionContext,
            federation_version="2.7",
        )
    else:
        built = Schema(
            query=Query,
            mutation=Mutation,
            subscription=Subscription,
            config=config,
            extensions=extensions,
            execution_context_class=LeafExecutionContext,
        )
    describe(built._schema)
    plans.attach(built)
    return built


schema = build_schema(Settings())
