"""Customer reads: lookups (following merges to the survivor), lists, external ids, value."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from models import Customer, CustomerExternalId, JourneyStage, Touchpoint
from models.touchpoints import PURCHASE_KIND
from models.types import fold_case
from resolvers import actions
from resolvers.filters import ColumnFilter, Filter, Param, column_sql, window
from resolvers.listing import Listing
from resolvers.pagination import (
    Ordering,
    Sessions,
    SortKey,
    fetch_grouped,
    record_columns,
)
from resolvers.row_counts import KeptValues

ZERO_MONEY = Decimal("0.00")


@dataclass(frozen=True)
class CustomerQuery:
    search: str | None = None
    search_email: bool = True
    segment: str | None = None
    stage: JourneyStage | None = None
    churned: bool | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    health_level: str | None = None
    has_action: str | None = None
    as_of: datetime | None = None


def normalize_email(email: str) -> str:
    return fold_case(email.strip())


# The kept sum in cents, as SQL text for the compiled read path (in a `customer` scope).
LIFETIME_VALUE_CENTS_SQL = "customer.lifetime_value_cents"


def _ordering(field: str, descending: bool) -> Ordering:
    first_key: dict[str, SortKey] = {
        "CREATED_AT": SortKey(col(Customer.created_at), descending, "datetime"),
        "NAME": SortKey(col(Customer.name), descending, "str"),
        # The kept sum (models.customers `lifetime_value`), read through its index.
        "LIFETIME_VALUE": SortKey(
            col(Customer.lifetime_value), descending, "decimal", sql=LIFETIME_VALUE_CENTS_SQL
        ),
        "HEALTH_SCORE": SortKey(col(Customer.health_score), descending, "int"),
    }
    direction = "desc" if descending else "asc"
    return Ordering(
        f"customers:{field}:{direction}",
        (first_key[field], SortKey(col(Customer.id), descending, "uuid")),
    )


CUSTOMER_ORDERINGS: dict[tuple[str, bool], Ordering] = {
    (field, descending): _ordering(field, descending)
    for field in ("CREATED_AT", "NAME", "LIFETIME_VALUE", "HEALTH_SCORE")
    for descending in (False, True)
}
DEFAULT_CUSTOMER_ORDERING = CUSTOMER_ORDERINGS[("CREATED_AT", True)]


LIKE_ESCAPE = str.maketrans({"/": "//", "%": "/%", "_": "/_"})


@dataclass(frozen=True)
class Search:
    """Case-insensitive substring of name, company and (for roles with PII) email."""

    field: str = "search"

    def _columns(self, query: CustomerQuery) -> list[Any]:
        searched = [col(Customer.name), col(Customer.company)]
        return [*searched, col(Customer.email)] if query.search_email else searched

    def condition(self, value: str, query: CustomerQuery) -> ColumnElement[bool] | None:
        if not value:
            return None
        term = fold_case(value.strip())
        return sa.or_(
            *(sa.func.lower(c).contains(term, autoescape=True) for c in self._columns(query))
        )

    def sql(self, value: str, query: CustomerQuery, param: Param) -> str | None:
        if not value:
            return None
        pattern = param(
            "text",
            lambda q: "%" + fold_case(q.search.strip()).translate(LIKE_ESCAPE) + "%",
        )
        return (
            "("
            + " OR ".join(
                f"lower({column_sql(c)}) LIKE {pattern} ESCAPE '/'" for c in self._columns(query)
            )
            + ")"
        )


@dataclass(frozen=True)
class Churned:
    field: str = "churned"

    def condition(self, value: bool, query: CustomerQuery) -> ColumnElement[bool]:
        churned_at = col(Customer.churned_at)
        return churned_at.is_not(None) if value else churned_at.is_(None)

    def sql(self, value: bool, query: CustomerQuery, param: Param) -> str:
        return f"customer.churned_at IS {'NOT NULL' if value else 'NULL'}"


@dataclass(frozen=True)
class HealthLevelFilter:
    """The stored health level, kept current (resolvers.health_state)."""

    field: str = "health_level"

    def condition(self, value: str, query: CustomerQuery) -> ColumnElement[bool]:
        return col(Customer.health_level) == value

    def sql(self, value: str, query: CustomerQuery, param: Param) -> str:
        return f"customer.health_level = {param('text', lambda q: q.health_level)}"


@dataclass(frozen=True)
class HasActionFilter:
    """Customers with this next-best-action shown (stored, kept current: resolvers.actions)."""

    field: str = "has_action"

    def condition(self, value: str, query: CustomerQuery) -> ColumnElement[bool]:
        return actions.has_action(value)

    def sql(self, value: str, query: CustomerQuery, param: Param) -> str:
        return actions.has_action_sql(param("text", lambda q: q.has_action))


SEGMENT = ColumnFilter("segment", col(Customer.segment), "equals")
FILTERS: tuple[Filter, ...] = (
    Search(),
    SEGMENT,
    ColumnFilter("stage", col(Customer.stage), "equals"),
    Churned(),
    *window("created_from", "created_to", col(Customer.created_at)),
    HealthLevelFilter(),
    HasActionFilter(),
)

# `customers`: queries are CustomerQuery, in a CUSTOMER_ORDERINGS order, merged ones excluded.
CUSTOMERS = Listing(
    "customer",
    Customer,
    FILTERS,
    always=(col(Customer.merged_into_id).is_(None),),
    kept="customer",
    kept_values=(KeptValues("customer.segment", SEGMENT),),
)


async def customers_by_ids(sessions: Sessions, ids: Sequence[uuid.UUID]) -> list[Customer | None]:
    """Merged customers resolve to their survivor, fetched in the same statement."""
    wanted = list(set(ids))
    survivors = sa.select(col(Customer.merged_into_id)).where(col(Customer.id).in_(wanted))
    statement = sa.select(*record_columns(Customer)).where(
        sa.or_(col(Customer.id).in_(wanted), col(Customer.id).in_(survivors))
    )
    async with sessions() as session:
        found = {c.id: c for c in (await session.execute(statement)).all()}
    resolved: list[Customer | None] = []
    for key in ids:
        customer = found.get(key)
        if customer is not None and customer.merged_into_id is not None:
            customer = found.get(customer.merged_into_id)
        resolved.append(cast(Customer | None, customer))  # rows as records: record_columns
    return resolved


# The same two lookups for the compiled read path ({0}, {1}: the bound arguments).
CUSTOMER_BY_EMAIL_SQL = "(SELECT c.id FROM customer AS c WHERE c.email = {0})"
CUSTOMER_BY_EXTERNAL_ID_SQL = (
    "(SELECT x.customer_id FROM customer_external_id AS x "
    "WHERE x.source = {0} AND x.external_id = {1})"
)


async def customer_ids_by_email(
    sessions: Sessions, emails: Sequence[str]
) -> list[uuid.UUID | None]:
    normalized = [normalize_email(e) for e in emails]
    statement = sa.select(col(Customer.email), col(Customer.id)).where(
        col(Customer.email).in_(set(normalized))
    )
    async with sessions() as session:
        found = {email: cid for email, cid in (await session.execute(statement)).all()}
    return [found.get(e) for e in normalized]


async def customer_ids_by_external_id(
    sessions: Sessions, keys: Sequence[tuple[str, str]]
) -> list[uuid.UUID | None]:
    pairs = sa.tuple_(col(CustomerExternalId.source), col(CustomerExternalId.external_id))
    statement = sa.select(
        col(CustomerExternalId.source),
        col(CustomerExternalId.external_id),
        col(CustomerExternalId.customer_id),
    ).where(pairs.in_(list(set(keys))))
    async with sessions() as session:
        found = {(s, e): cid for s, e, cid in (await session.execute(statement)).all()}
    return [found.get(key) for key in keys]


async def external_ids_by_customer(
    sessions: Sessions, customer_ids: Sequence[uuid.UUID]
) -> list[list[CustomerExternalId]]:
    statement = (
        sa.select(CustomerExternalId)
        .where(col(CustomerExternalId.customer_id).in_(set(customer_ids)))
        .order_by(col(CustomerExternalId.source), col(CustomerExternalId.external_id))
    )
    return await fetch_grouped(sessions, statement, customer_ids, lambda e: e.customer_id)


async def lifetime_values(sessions: Sessions, customer_ids: Sequence[uuid.UUID]) -> list[Decimal]:
    statement: Any = (
        sa.select(col(Touchpoint.customer_id), sa.func.sum(col(Touchpoint.value)))
        .where(
            col(Touchpoint.customer_id).in_(set(customer_ids)),
            col(Touchpoint.kind) == PURCHASE_KIND,
        )
        .group_by(col(Touchpoint.customer_id))
    )
    async with sessions() as session:
        sums = {cid: total for cid, total in (await session.execute(statement)).all()}
    return [sums.get(key) or ZERO_MONEY for key in customer_ids]


# The customers merged into one: their column pointing at it, and their order (oldest
# first), for both read paths (`Customer.mergedFrom`'s SQL form reads the same).
MERGED_INTO = "merged_into_id"
MERGED_ORDER = ("created_at", "id")


async def merged_into_each(
    sessions: Sessions, customer_ids: Sequence[uuid.UUID]
) -> list[list[Customer]]:
    """The customers merged into each customer, oldest first."""
    statement = (
        sa.select(Customer)
        .where(getattr(Customer, MERGED_INTO).in_(set(customer_ids)))
        .order_by(*(getattr(Customer, name) for name in MERGED_ORDER))
    )
    return await fetch_grouped(sessions, statement, customer_ids, lambda c: c.merged_into_id)
