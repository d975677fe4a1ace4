"""Customer: the hub of the graph, and the queries that find customers."""

import uuid
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from api.context import Context
from models import Customer as CustomerModel
from models import CustomerExternalId as ExternalIdModel
from models import NextAction as NextActionModel
from resolvers import actions, customers, timeline
from resolvers.compiled.forms import (
    Column,
    CompileContext,
    ConnectionOf,
    Expression,
    ListOf,
    Lookup,
    TimelineOf,
    sql,
    sql_table,
)
from resolvers.errors import InputError
from resolvers.masks import mask_email, mask_email_sql, mask_phone, mask_phone_sql
from resolvers.pagination import ListRequest, Ordering
from resolvers.surveys import RESPONSES
from resolvers.tickets import TICKETS
from resolvers.touchpoints import TOUCHPOINTS
from schema.actions import Action, ActionKind, customer_actions
from schema.convert import from_row
from schema.enums import JourneyStage, SortDirection
from schema.metrics import (
    HEALTH_FORM,
    CustomerHealth,
    HealthLevel,
    Metrics,
    Scoped,
    customer_health,
    customer_metrics,
    metrics_form,
)
from schema.node import Node, key_of_type, to_global_id
from schema.pagination import (
    FILTER_HELP,
    ORDER_HELP,
    PAGE_ARGUMENTS_HELP,
    After,
    Connection,
    First,
    list_connection,
    nested_page_of,
)
from schema.permissions import (
    PERSONAL_DATA_ROLES,
    Area,
    Masked,
    ReadAudited,
    argument_rules,
    reads,
)
from schema.scalars import exact_text, ordered_window
from schema.surveys import response_request, responses_of
from schema.tickets import ticket_request, tickets_of
from schema.timeline import TimelineConnection, TimelineFilter, timeline_request
from schema.touchpoints import touchpoint_request, touchpoints_of


@sql_table(ExternalIdModel)
@strawberry.type(description="An identifier another system (CRM, helpdesk...) uses.")
class ExternalId:
    source: str
    id: str = strawberry.field(metadata=sql(Column("external_id")))


@strawberry.input(description="Customers matching every given condition.")
class CustomerFilter:
    search: str | None = strawberry.field(
        default=None,
        description="Case-insensitive substring of name, email or company (name and company "
        "only for roles without personal data).",
    )
    segment: str | None = None
    stage: JourneyStage | None = None
    churned: bool | None = None
    created_from: datetime | None = strawberry.field(default=None, description="createdAt >= this.")
    created_to: datetime | None = strawberry.field(default=None, description="createdAt < this.")
    health_level: HealthLevel | None = strawberry.field(
        default=None, description="Customers whose health, as of now, is at this level."
    )
    has_action: ActionKind | None = strawberry.field(
        default=None, description="Customers with this next-best-action shown now."
    )

    def query(self, now: datetime, search_email: bool) -> customers.CustomerQuery:
        ordered_window(self.created_from, self.created_to, ("createdFrom", "createdTo"))
        return customers.CustomerQuery(
            search=self.search,
            search_email=search_email,
            segment=exact_text(self.segment),
            stage=self.stage,
            churned=self.churned,
            created_from=self.created_from,
            created_to=self.created_to,
            health_level=self.health_level.value if self.health_level is not None else None,
            has_action=self.has_action.value if self.has_action is not None else None,
            as_of=now,
        )


@strawberry.enum(
    description="LIFETIME_VALUE is the sum of all the customer's purchases; HEALTH_SCORE "
    "the stored (current) health score."
)
class CustomerOrderField(Enum):
    CREATED_AT = "CREATED_AT"
    NAME = "NAME"
    LIFETIME_VALUE = "LIFETIME_VALUE"
    HEALTH_SCORE = "HEALTH_SCORE"


@strawberry.input
class CustomerOrder:
    field: CustomerOrderField
    direction: SortDirection


def customer_ordering(order: CustomerOrder | None) -> Ordering:
    if order is None:
        return customers.DEFAULT_CUSTOMER_ORDERING
    return customers.CUSTOMER_ORDERINGS[(order.field.value, order.direction == SortDirection.DESC)]


def customer_request(
    context: CompileContext,
    first: int | None = None,
    after: str | None = None,
    filter: CustomerFilter | None = None,
    order_by: CustomerOrder | None = None,
) -> ListRequest:
    """A page of customers, as both read paths take it (search covers email for PII roles)."""
    query = (
        filter.query(context.now, context.role in PERSONAL_DATA_ROLES)
        if filter is not None
        else customers.CustomerQuery()
    )
    return customers.CUSTOMERS.request(query, customer_ordering(order_by), first, after)


def email_key(arguments: dict[str, Any], _: CompileContext) -> tuple[str]:
    email: str = arguments["email"]
    if not email.strip():
        raise InputError("email", "`email` must not be empty.")
    return (customers.normalize_email(email),)


def external_id_key(arguments: dict[str, Any], _: CompileContext) -> tuple[str, str]:
    return (arguments["source"], arguments["id"])


def customer_key(arguments: dict[str, Any], _: CompileContext) -> tuple[uuid.UUID | None]:
    return (key_of_type(arguments["id"], "Customer", "id"),)


def audited(name: str) -> ReadAudited:
    """A customer's own personal field: the customer is the object itself."""
    return ReadAudited(name, lambda customer: customer.db_id, lambda scope: f"{scope}.id")


@sql_table(CustomerModel)
@strawberry.type(description="One person or account contact the company serves.")
class Customer(Node):
    id: strawberry.ID
    name: str
    email: str | None = strawberry.field(
        description="Trimmed and lower-cased; unique. PII: masked (j***@example.com) for roles "
        "without personal data.",
        extensions=[Masked(mask_email, mask_email_sql), audited("email")],
    )
    phone: str | None = strawberry.field(
        description="E.164. PII: masked (+44 ••• ••• 123) for roles without personal data.",
        extensions=[Masked(mask_phone, mask_phone_sql), audited("phone")],
    )
    company: str | None
    segment: str | None = strawberry.field(description="Free label: enterprise, smb, consumer...")
    stage: JourneyStage = strawberry.field(
        description="The furthest journey stage reached; AWARENESS without touchpoints."
    )
    created_at: datetime
    churned_at: datetime | None = strawberry.field(description="Null while the customer is active.")
    attributes: JSON | None
    erased_at: datetime | None = strawberry.field(
        description="Set once the customer was erased (GDPR); the record stays as a tombstone."
    )
    health_updated_at: datetime | None = strawberry.field(
        description="When the stored health (what `health` without `asOf` reads, and what "
        "filters and orders by health use) was last recomputed.",
        extensions=reads(Area.METRICS),
    )
    db_id: strawberry.Private[uuid.UUID]
    health_score: strawberry.Private[int]
    health_level: strawberry.Private[str]
    health_reasons: strawberry.Private[list[str] | None]

    @classmethod
    def from_model(cls, model: CustomerModel) -> "Customer":
        return from_row(cls, model, id=to_global_id("Customer", model.id), db_id=model.id)

    @classmethod
    async def load(cls, info: strawberry.Info[Context, None], key: uuid.UUID) -> "Customer":
        """The customer a record belongs to; it always exists (foreign key)."""
        model = await info.context.loaders.customer().load(key)
        assert model is not None, f"customer {key} referenced but missing"
        return cls.from_model(model)

    @classmethod
    async def resolve_reference(
        cls, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> "Customer | None":
        """A federation router's reference to a customer (batched by the loader)."""
        return await customer_by_key(info, key_of_type(id, "Customer", "id"))

    @strawberry.field(
        metadata=sql(ListOf(ExternalIdModel, "customer_id", ("source", "external_id")))
    )
    async def external_ids(self, info: strawberry.Info[Context, None]) -> list[ExternalId]:
        found = await info.context.loaders.external_ids().load(self.db_id)
        return [ExternalId(source=e.source, id=e.external_id) for e in found]

    @strawberry.field(
        description="Customers merged into this one, oldest first; `unmergeCustomer` "
        "restores them.",
        metadata=sql(ListOf(CustomerModel, customers.MERGED_INTO, customers.MERGED_ORDER)),
    )
    async def merged_from(self, info: strawberry.Info[Context, None]) -> list["Customer"]:
        merged = await info.context.loaders.merged_from().load(self.db_id)
        return [Customer.from_model(m) for m in merged]

    @strawberry.field(
        description="This customer's metrics (their records only) over a window.",
        extensions=reads(Area.METRICS),
        metadata=metrics_form(of_parent=True),
    )
    def metrics(self, filter: Scoped = None) -> Metrics:
        return customer_metrics(self.db_id, filter)

    @strawberry.field(
        description="Health as of `asOf` (default now), with the reasons in words.",
        extensions=reads(Area.METRICS),
        metadata=HEALTH_FORM,
    )
    async def health(
        self, info: strawberry.Info[Context, None], as_of: datetime | None = None
    ) -> CustomerHealth:
        if as_of is None and self.health_updated_at is not None:  # kept current: stored
            return CustomerHealth(
                score=self.health_score,
                level=HealthLevel(self.health_level),
                reasons=list(self.health_reasons or []),
            )
        return await customer_health(info, self.db_id, as_of)

    @strawberry.field(
        description="What teams should do for this customer now (dismissed ones hidden): "
        "URGENT first, then in the rule table's order.",
        extensions=reads(Area.METRICS),
        metadata=sql(
            ListOf(NextActionModel, "customer_id", ("rank", "position"), (actions.SHOWN_SQL,))
        ),
    )
    async def next_best_actions(self, info: strawberry.Info[Context, None]) -> list[Action]:
        return await customer_actions(info, self.db_id)

    @strawberry.field(
        description="Sum of all the customer's purchase values.",
        metadata=sql(Expression(customers.LIFETIME_VALUE_CENTS_SQL)),
    )
    async def lifetime_value(self, info: strawberry.Info[Context, None]) -> Decimal:
        return await info.context.loaders.lifetime_value().load(self.db_id)

    touchpoints = strawberry.field(
        resolver=touchpoints_of("customer"),
        description="Newest first. " + PAGE_ARGUMENTS_HELP,
        extensions=argument_rules(),
        metadata=sql(
            ConnectionOf(TOUCHPOINTS, lambda a, _: touchpoint_request(**a), parent="customer")
        ),
    )
    tickets = strawberry.field(
        resolver=tickets_of("customer"),
        description="Newest first unless ordered. " + PAGE_ARGUMENTS_HELP,
        extensions=reads(Area.TICKETS),
        metadata=sql(ConnectionOf(TICKETS, lambda a, _: ticket_request(**a), parent="customer")),
    )

    survey_responses = strawberry.field(
        resolver=responses_of("customer"),
        description="Newest first. " + PAGE_ARGUMENTS_HELP,
        extensions=reads(Area.SURVEYS),
        metadata=sql(
            ConnectionOf(RESPONSES, lambda a, _: response_request(**a), parent="customer")
        ),
    )

    @strawberry.field(
        description="Touchpoints, tickets and survey responses together, newest first: the "
        "kinds this key's role may read (PARTNER: touchpoints). " + PAGE_ARGUMENTS_HELP,
        extensions=argument_rules(),
        metadata=sql(TimelineOf(lambda a, context: timeline_request(context, **a))),
    )
    async def timeline(
        self,
        info: strawberry.Info[Context, None],
        first: First = None,
        after: After = None,
        filter: Annotated[
            TimelineFilter | None, strawberry.argument(description=FILTER_HELP)
        ] = None,
    ) -> TimelineConnection:
        request = timeline_request(read_context(info), first, after, filter)
        found, count = await nested_page_of(
            info, timeline.TIMELINE, request, ("customer", self.db_id)
        )
        return TimelineConnection.of(found, count)


def read_context(info: strawberry.Info[Context, None]) -> CompileContext:
    """The key's role and the request's moment, which request builders and lookup keys take:
    the resolver path's, from the request's context (the compiled path builds its own in
    schema/compiled/extension.py and api/fast_reads.py)."""
    return CompileContext(role=info.context.viewer.role, now=info.context.now)


async def customer_by_key(
    info: strawberry.Info[Context, None], key: uuid.UUID | None
) -> Customer | None:
    if key is None:
        return None
    model = await info.context.loaders.customer().load(key)
    return Customer.from_model(model) if model is not None else None


@strawberry.type
class CustomerQueries:
    @strawberry.field(
        description="A customer by id; a merged customer's id yields the survivor.",
        metadata=sql(Lookup(CustomerModel, customer_key, ("uuid",), follow_merges=True)),
    )
    async def customer(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> Customer | None:
        return await customer_by_key(info, key_of_type(id, "Customer", "id"))

    @strawberry.field(
        description="A customer by email (matched trimmed and case-insensitively). Roles "
        "with personal data only: for the others an email is masked, and a lookup by it would "
        "tell whether a guessed address is a customer's.",
        extensions=argument_rules(),
        metadata=sql(
            Lookup(
                CustomerModel,
                email_key,
                ("text",),
                customers.CUSTOMER_BY_EMAIL_SQL,
                follow_merges=True,
            )
        ),
    )
    async def customer_by_email(
        self, info: strawberry.Info[Context, None], email: str
    ) -> Customer | None:
        (normalized,) = email_key({"email": email}, read_context(info))
        key = await info.context.loaders.customer_id_by_email().load(normalized)
        return await customer_by_key(info, key)

    @strawberry.field(
        description="A customer by an id another system knows them under.",
        extensions=argument_rules(),
        metadata=sql(
            Lookup(
                CustomerModel,
                external_id_key,
                ("text", "text"),
                customers.CUSTOMER_BY_EXTERNAL_ID_SQL,
                follow_merges=True,
            )
        ),
    )
    async def customer_by_external_id(
        self, info: strawberry.Info[Context, None], source: str, id: str
    ) -> Customer | None:
        key = await info.context.loaders.customer_id_by_external_id().load((source, id))
        return await customer_by_key(info, key)

    @strawberry.field(
        description="Customers (merged ones excluded), newest first unless ordered. "
        + PAGE_ARGUMENTS_HELP
        + " Filters and orderings on a field the role may not read are refused (FORBIDDEN).",
        extensions=argument_rules(),
        metadata=sql(
            ConnectionOf(customers.CUSTOMERS, lambda a, context: customer_request(context, **a))
        ),
    )
    async def customers(
        self,
        info: strawberry.Info[Context, None],
        first: First = None,
        after: After = None,
        filter: Annotated[
            CustomerFilter | None, strawberry.argument(description=FILTER_HELP)
        ] = None,
        order_by: Annotated[
            CustomerOrder | None, strawberry.argument(description=ORDER_HELP)
        ] = None,
    ) -> Connection[Customer]:
        request = customer_request(read_context(info), first, after, filter, order_by)
        return await list_connection(info, customers.CUSTOMERS, request, Customer.from_model)
