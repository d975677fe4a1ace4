"""Customer: the hub of the graph, and the queries that find customers."""

import uuid
from datetime import datetime
from decimal import Decimal
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from api.context import Context
from models import Customer as CustomerModel
from resolvers import customers, surveys, timeline, touchpoints
from resolvers.errors import InputError
from resolvers.pagination import Ordering, page_request
from schema.convert import from_row
from schema.enums import JourneyStage, SortDirection
from schema.metrics import (
    CustomerHealth,
    HealthLevel,
    Metrics,
    MetricsFilter,
    customer_health,
    customer_metrics,
)
from schema.node import Node, key_of_type, to_global_id
from schema.pagination import PAGE_ARGUMENTS_HELP, Connection, connection
from schema.permissions import Area, Masked, mask_email, mask_phone, reads, sees_personal_data
from schema.surveys import SurveyResponse, SurveyResponseFilter, response_query
from schema.tickets import Ticket, TicketFilter, TicketOrder, ticket_ordering, ticket_query
from schema.timeline import TimelineConnection, TimelineFilter
from schema.touchpoints import Touchpoint, TouchpointFilter, touchpoint_query


@strawberry.type(description="An identifier another system (CRM, helpdesk...) uses.")
class ExternalId:
    source: str
    id: str


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

    def query(self, now: datetime, search_email: bool) -> customers.CustomerQuery:
        return customers.CustomerQuery(
            search=self.search,
            search_email=search_email,
            segment=self.segment,
            stage=self.stage,
            churned=self.churned,
            created_from=self.created_from,
            created_to=self.created_to,
            health_level=self.health_level.value if self.health_level is not None else None,
            as_of=now,
        )


@strawberry.enum(description="LIFETIME_VALUE is the sum of all the customer's purchases.")
class CustomerOrderField(Enum):
    CREATED_AT = "CREATED_AT"
    NAME = "NAME"
    LIFETIME_VALUE = "LIFETIME_VALUE"


@strawberry.input
class CustomerOrder:
    field: CustomerOrderField
    direction: SortDirection


def customer_ordering(order: CustomerOrder | None) -> Ordering:
    if order is None:
        return customers.DEFAULT_CUSTOMER_ORDERING
    return customers.CUSTOMER_ORDERINGS[(order.field.value, order.direction == SortDirection.DESC)]


@strawberry.type(description="One person or account contact the company serves.")
class Customer(Node):
    id: strawberry.ID
    name: str
    email: str | None = strawberry.field(
        description="Trimmed and lower-cased; unique. PII: masked (j***@example.com) for roles "
        "without personal data.",
        extensions=[Masked(mask_email)],
    )
    phone: str | None = strawberry.field(
        description="E.164. PII: masked (+44 ••• ••• 123) for roles without personal data.",
        extensions=[Masked(mask_phone)],
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
    db_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, model: CustomerModel) -> "Customer":
        return from_row(cls, model, id=to_global_id("Customer", model.id), db_id=model.id)

    @classmethod
    async def load(cls, info: strawberry.Info[Context, None], key: uuid.UUID) -> "Customer":
        """The customer a record belongs to; it always exists (foreign key)."""
        model = await info.context.loaders.customer().load(key)
        assert model is not None, f"customer {key} referenced but missing"
        return cls.from_model(model)

    @strawberry.field
    async def external_ids(self, info: strawberry.Info[Context, None]) -> list[ExternalId]:
        found = await info.context.loaders.external_ids().load(self.db_id)
        return [ExternalId(source=e.source, id=e.external_id) for e in found]

    @strawberry.field(
        description="Customers merged into this one; `unmergeCustomer` restores them."
    )
    async def merged_from(self, info: strawberry.Info[Context, None]) -> list["Customer"]:
        merged = await info.context.loaders.merged_from().load(self.db_id)
        return [Customer.from_model(m) for m in merged]

    @strawberry.field(
        description="This customer's metrics (their records only) over a window.",
        extensions=reads(Area.METRICS),
    )
    def metrics(self, filter: MetricsFilter | None = None) -> Metrics:
        return customer_metrics(self.db_id, filter)

    @strawberry.field(
        description="Health as of `asOf` (default now), with the reasons in words.",
        extensions=reads(Area.METRICS),
    )
    async def health(
        self, info: strawberry.Info[Context, None], as_of: datetime | None = None
    ) -> CustomerHealth:
        return await customer_health(info, self.db_id, as_of)

    @strawberry.field(description="Sum of all the customer's purchase values.")
    async def lifetime_value(self, info: strawberry.Info[Context, None]) -> Decimal:
        return await info.context.loaders.lifetime_value().load(self.db_id)

    @strawberry.field(description="Newest first. " + PAGE_ARGUMENTS_HELP)
    async def touchpoints(
        self,
        info: strawberry.Info[Context, None],
        first: int | None = None,
        after: str | None = None,
        filter: TouchpointFilter | None = None,
    ) -> Connection[Touchpoint]:
        query = touchpoint_query(filter)
        page = page_request(first, after, touchpoints.NEWEST_FIRST)
        loaders = info.context.loaders
        found = await loaders.touchpoint_pages(query, page).load(self.db_id)
        return connection(
            found, Touchpoint.from_model, lambda: loaders.touchpoint_counts(query).load(self.db_id)
        )

    @strawberry.field(
        description="Newest first unless ordered. " + PAGE_ARGUMENTS_HELP,
        extensions=reads(Area.TICKETS),
    )
    async def tickets(
        self,
        info: strawberry.Info[Context, None],
        first: int | None = None,
        after: str | None = None,
        filter: TicketFilter | None = None,
        order_by: TicketOrder | None = None,
    ) -> Connection[Ticket]:
        query = ticket_query(filter)
        ordering = ticket_ordering(order_by)
        page = page_request(first, after, ordering)
        loaders = info.context.loaders
        found = await loaders.ticket_pages(query, ordering, page).load(self.db_id)
        return connection(
            found, Ticket.from_model, lambda: loaders.ticket_counts(query).load(self.db_id)
        )

    @strawberry.field(
        description="Newest first. " + PAGE_ARGUMENTS_HELP, extensions=reads(Area.SURVEYS)
    )
    async def survey_responses(
        self,
        info: strawberry.Info[Context, None],
        first: int | None = None,
        after: str | None = None,
        filter: SurveyResponseFilter | None = None,
    ) -> Connection[SurveyResponse]:
        query = response_query(filter)
        page = page_request(first, after, surveys.RESPONSES_NEWEST_FIRST)
        loaders = info.context.loaders
        found = await loaders.response_pages("customer", query, page).load(self.db_id)
        return connection(
            found,
            SurveyResponse.from_model,
            lambda: loaders.response_counts("customer", query).load(self.db_id),
        )

    @strawberry.field(
        description="Touchpoints, tickets and survey responses together, newest first. "
        + PAGE_ARGUMENTS_HELP,
        extensions=reads(Area.TICKETS, Area.SURVEYS),
    )
    async def timeline(
        self,
        info: strawberry.Info[Context, None],
        first: int | None = None,
        after: str | None = None,
        filter: TimelineFilter | None = None,
    ) -> TimelineConnection:
        query = timeline.TimelineQuery(
            occurred_from=filter.from_ if filter else None,
            occurred_to=filter.to if filter else None,
        )
        page = page_request(first, after, timeline.TIMELINE_ORDERING)
        found = await info.context.loaders.timeline_pages(query, page).load(self.db_id)
        return TimelineConnection.of(found)


async def customer_by_key(
    info: strawberry.Info[Context, None], key: uuid.UUID | None
) -> Customer | None:
    if key is None:
        return None
    model = await info.context.loaders.customer().load(key)
    return Customer.from_model(model) if model is not None else None


@strawberry.type
class CustomerQueries:
    @strawberry.field(description="A customer by id; a merged customer's id yields the survivor.")
    async def customer(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> Customer | None:
        return await customer_by_key(info, key_of_type(id, "Customer", "id"))

    @strawberry.field(description="A customer by email (matched trimmed and case-insensitively).")
    async def customer_by_email(
        self, info: strawberry.Info[Context, None], email: str
    ) -> Customer | None:
        if not email.strip():
            raise InputError("email", "`email` must not be empty.")
        key = await info.context.loaders.customer_id_by_email().load(email)
        return await customer_by_key(info, key)

    @strawberry.field(description="A customer by an id another system knows them under.")
    async def customer_by_external_id(
        self, info: strawberry.Info[Context, None], source: str, id: str
    ) -> Customer | None:
        key = await info.context.loaders.customer_id_by_external_id().load((source, id))
        return await customer_by_key(info, key)

    @strawberry.field(
        description="Customers (merged ones excluded), newest first unless ordered. "
        + PAGE_ARGUMENTS_HELP
    )
    async def customers(
        self,
        info: strawberry.Info[Context, None],
        first: int | None = None,
        after: str | None = None,
        filter: CustomerFilter | None = None,
        order_by: CustomerOrder | None = None,
    ) -> Connection[Customer]:
        query = (
            filter.query(info.context.now, sees_personal_data(info))
            if filter is not None
            else customers.CustomerQuery()
        )
        ordering = customer_ordering(order_by)
        page = page_request(first, after, ordering)
        sessions = info.context.sessions
        found = await customers.list_customers(sessions, query, ordering, page)
        return connection(
            found, Customer.from_model, lambda: customers.count_customers(sessions, query)
        )
