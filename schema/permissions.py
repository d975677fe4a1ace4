"""Who may read and write what, and how personal data reads for each role.

One table (docs/domain.md's role table as data) drives everything: the permission
extensions on fields and mutations, the node lookup, PII masking, and the generated
role matrix in docs/security.md. A refused field reads as null with an error whose
`extensions.code` is FORBIDDEN; a refused mutation is refused before its resolver runs.
"""

from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any

import phonenumbers
import strawberry
from graphql import GraphQLError
from strawberry.extensions import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension

from api.context import Context
from models import Role


class Area(Enum):
    CUSTOMERS = "customers"
    TOUCHPOINTS = "touchpoints"
    TICKETS = "tickets"
    SURVEYS = "surveys"
    SURVEY_RESPONSES = "survey responses"
    METRICS = "metrics"
    AUDIT = "audit log"
    ERASURE = "GDPR erasure"
    WEBHOOKS = "webhooks"


EVERYTHING_BUT_AUDIT = frozenset(Area) - {
    Area.AUDIT,
    Area.ERASURE,
    Area.SURVEY_RESPONSES,
    Area.WEBHOOKS,
}
READS: dict[Role, frozenset[Area]] = {
    Role.ADMIN: EVERYTHING_BUT_AUDIT | {Area.AUDIT, Area.WEBHOOKS},
    Role.SUPPORT: EVERYTHING_BUT_AUDIT,
    Role.SALES: EVERYTHING_BUT_AUDIT,
    Role.MARKETING: EVERYTHING_BUT_AUDIT,
    Role.ANALYST: EVERYTHING_BUT_AUDIT,
    Role.PARTNER: frozenset({Area.CUSTOMERS, Area.TOUCHPOINTS}),
}
WRITES: dict[Role, frozenset[Area]] = {
    # Erasure is irreversible: only ADMIN, although SALES writes customers otherwise.
    Role.ADMIN: frozenset(
        {
            Area.CUSTOMERS,
            Area.TOUCHPOINTS,
            Area.TICKETS,
            Area.SURVEYS,
            Area.SURVEY_RESPONSES,
            Area.ERASURE,
            Area.WEBHOOKS,
        }
    ),
    Role.SUPPORT: frozenset({Area.TICKETS, Area.SURVEY_RESPONSES, Area.TOUCHPOINTS}),
    Role.SALES: frozenset({Area.CUSTOMERS, Area.TOUCHPOINTS}),
    Role.MARKETING: frozenset({Area.TOUCHPOINTS, Area.SURVEYS}),
    Role.ANALYST: frozenset(),
    Role.PARTNER: frozenset({Area.TOUCHPOINTS}),
}
PERSONAL_DATA_ROLES = frozenset({Role.ADMIN, Role.SUPPORT, Role.SALES})
# What a global id's type belongs to, for `node` and `nodes`.
NODE_AREAS: dict[str, Area] = {
    "Customer": Area.CUSTOMERS,
    "Touchpoint": Area.TOUCHPOINTS,
    "Ticket": Area.TICKETS,
    "Survey": Area.SURVEYS,
    "SurveyResponse": Area.SURVEYS,
}
FORBIDDEN = {"code": "FORBIDDEN"}


def role_of(info: strawberry.Info[Context, None]) -> Role:
    return info.context.viewer.role


def sees_personal_data(info: strawberry.Info[Context, None]) -> bool:
    return role_of(info) in PERSONAL_DATA_ROLES


def forbidden(message: str) -> GraphQLError:
    return GraphQLError(message, extensions=FORBIDDEN)


class _AreaPermission(BasePermission):
    table: dict[Role, frozenset[Area]]
    verb: str
    error_extensions: Any = FORBIDDEN

    def __init__(self, *areas: Area) -> None:
        self.areas = areas
        names = " and ".join(a.value for a in areas)
        self.message = f"This key's role may not {self.verb} {names}."

    def has_permission(self, source: Any, info: strawberry.Info[Context, None], **_: Any) -> bool:
        return self.allows(role_of(info))

    def allows(self, role: Role) -> bool:
        """The same rule for the compiled read path, which has a role but no resolver info."""
        return all(area in self.table[role] for area in self.areas)


class CanRead(_AreaPermission):
    table = READS
    verb = "read"


class CanWrite(_AreaPermission):
    table = WRITES
    verb = "write"


class SeesPersonalData(BasePermission):
    message = "This key's role may not read personal data (email, phone, comments)."
    error_extensions: Any = FORBIDDEN

    def has_permission(self, source: Any, info: strawberry.Info[Context, None], **_: Any) -> bool:
        return self.allows(role_of(info))

    def allows(self, role: Role) -> bool:
        return role in PERSONAL_DATA_ROLES


def reads(*areas: Area) -> list[FieldExtension]:
    return [PermissionExtension([CanRead(*areas)], use_directives=False)]


def writes(*areas: Area) -> list[FieldExtension]:
    return [PermissionExtension([CanWrite(*areas)], use_directives=False)]


def personal_data_only() -> list[FieldExtension]:
    """Hidden (null, FORBIDDEN) for roles without PII: free text cannot be masked safely."""
    return [PermissionExtension([SeesPersonalData()], use_directives=False)]


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_email_sql(email: str) -> str:
    """mask_email in SQL, for the compiled read path (`email` is an SQL expression)."""
    at = f"strpos({email}, '@')"
    domain = f"CASE WHEN {at} > 0 THEN substr({email}, {at} + 1) ELSE '' END"
    return f"(left(split_part({email}, '@', 1), 1) || '***@' || {domain})"


def mask_phone(phone: str) -> str:
    try:
        country = phonenumbers.parse(phone).country_code
    except phonenumbers.NumberParseException:
        country = None
    prefix = f"+{country}" if country else "+"
    return f"{prefix} ••• ••• {phone[-3:]}"


class Masked(FieldExtension):
    """Roles without PII read a hint (j***@example.com, +44 ••• ••• 123), never the value."""

    def __init__(
        self, mask: Callable[[str], str], mask_sql: Callable[[str], str] | None = None
    ) -> None:
        self.mask = mask
        self.mask_sql = mask_sql

    def compiled_rule(self, role: Role) -> Callable[[str], str] | bool | None:
        """For the compiled path: shown as is, masked in SQL, or no SQL form (None)."""
        if role in PERSONAL_DATA_ROLES:
            return True
        return self.mask_sql

    def _shown(self, value: Any, info: strawberry.Info[Context, None]) -> Any:
        if value is None or sees_personal_data(info):
            return value
        return self.mask(value)

    def resolve(self, next_: Callable[..., Any], source: Any, info: Any, **kwargs: Any) -> Any:
        return self._shown(next_(source, info, **kwargs), info)

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Any, **kwargs: Any
    ) -> Any:
        return self._shown(await next_(source, info, **kwargs), info)


def check_node_type(info: strawberry.Info[Context, None], type_name: str) -> None:
    """Refuses by type, before any lookup, so a refusal says nothing about existence."""
    area = NODE_AREAS.get(type_name)
    if area is not None and area not in READS[role_of(info)]:
        raise forbidden(f"This key's role may not read {area.value}.")
