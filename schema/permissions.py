"""Who may read and write what, and how personal data reads for each role.

One table (docs/domain.md's role table as data) drives everything: the permission
extensions on fields and mutations, the node lookup, PII masking, what filter, ordering,
search and lookup arguments a role may use (REVEALS), and the generated role matrix in
docs/security.md. A refused field reads as null with an error whose `extensions.code` is
FORBIDDEN; a refused mutation is refused before its resolver runs.
"""

import inspect
import uuid
from collections.abc import Awaitable, Callable, Iterator
from enum import Enum
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLObjectType, GraphQLSchema
from strawberry.extensions import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types.field import StrawberryField
from strawberry.utils.str_converters import to_camel_case

from api.context import Context
from models import Role
from resolvers import keys
from resolvers.errors import InputError
from resolvers.read_audit import mark_sql


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
    SLA_POLICIES = "SLA policies"
    SURVEY_INVITATIONS = "survey invitations"
    ACTIONS = "next-best-action dismissals"


EVERYTHING_BUT_AUDIT = frozenset(Area) - {
    Area.AUDIT,
    Area.ERASURE,
    Area.SURVEY_RESPONSES,
    Area.WEBHOOKS,
    Area.SURVEY_INVITATIONS,
    Area.ACTIONS,
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
            Area.SLA_POLICIES,
            Area.SURVEY_INVITATIONS,
            Area.ACTIONS,
        }
    ),
    Role.SUPPORT: frozenset(
        {
            Area.TICKETS,
            Area.SURVEY_RESPONSES,
            Area.TOUCHPOINTS,
            Area.SURVEY_INVITATIONS,
            Area.ACTIONS,
        }
    ),
    Role.SALES: frozenset({Area.CUSTOMERS, Area.TOUCHPOINTS, Area.ACTIONS}),
    Role.MARKETING: frozenset(
        {Area.TOUCHPOINTS, Area.SURVEYS, Area.SURVEY_INVITATIONS, Area.ACTIONS}
    ),
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
    "SurveyInvitation": Area.SURVEYS,
    # Next-best-actions derive from tickets and survey scores: read like metrics.
    "Action": Area.METRICS,
}
FORBIDDEN = {"code": "FORBIDDEN"}


def role_of(info: strawberry.Info[Context, None]) -> Role:
    return info.context.viewer.role


def sees_personal_data(info: strawberry.Info[Context, None]) -> bool:
    return role_of(info) in PERSONAL_DATA_ROLES


def forbidden(message: str) -> GraphQLError:
    return GraphQLError(message, extensions=FORBIDDEN)


async def check_key_active(context: Context) -> None:
    """For what outlives a request (a WebSocket's operations, subscription events, bulk
    waits): raises UNAUTHENTICATED once the key was revoked or has expired."""
    if not await keys.key_is_active(context.statement_sessions, context.viewer.key_id):
        raise GraphQLError(keys.KEY_ENDED, extensions={"code": "UNAUTHENTICATED"})


class _AreaPermission(BasePermission):
    table: dict[Role, frozenset[Area]]
    verb: str
    error_extensions: Any = FORBIDDEN

    def __init__(self, *areas: Area) -> None:
        self.areas = areas
        names = " and ".join(a.value for a in areas)
        self.message = f"This key's role may not {self.verb} {names}."
        # Asked for every object a guarded field is read on: decided once per role.
        self._allowed = frozenset(r for r in Role if all(a in self.table[r] for a in areas))

    def has_permission(self, source: Any, info: strawberry.Info[Context, None], **_: Any) -> bool:
        role = role_of(info)
        if self.allows(role):
            return True
        # Said for this field (set just before strawberry raises it, nothing awaited
        # between): which field, of what kind, and the roles that may.
        names = " and ".join(a.value for a in self.areas)
        may = ", ".join(r.value for r in Role if self.allows(r))
        self.message = (
            f"This key's role ({role.value}) may not {self.verb} "
            f"{info.path.typename}.{info.field_name} ({names}); roles that may: {may}."
        )
        return False

    def allows(self, role: Role) -> bool:
        """The same rule for the compiled read path, which has a role but no resolver info."""
        return role in self._allowed


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
    """The area rule, and the argument rules (listed last, they run first)."""
    return [PermissionExtension([CanRead(*areas)], use_directives=False), ArgumentRules()]


def personal_data_only() -> list[FieldExtension]:
    """Hidden (null, FORBIDDEN) for roles without PII: free text cannot be masked safely."""
    return [PermissionExtension([SeesPersonalData()], use_directives=False)]


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


class ReadAudited(FieldExtension):
    """Records, in the request's read notes, each value of this personal field a role with
    PII is shown (resolvers/read_audit.py); the compiled path writes a mark instead.

    `customer` gives the customer id of the field's object (resolver path), `customer_sql`
    the same id in SQL from the object's scope name (compiled path).
    """

    def __init__(
        self,
        name: str,
        customer: Callable[[Any], uuid.UUID],
        customer_sql: Callable[[str], str],
    ) -> None:
        self.name = name
        self.customer = customer
        self.customer_sql = customer_sql

    def compiled_mark(self, role: Role) -> Callable[[str], str] | None:
        """For the compiled path: scope name -> the SQL mark before a shown value, or
        None when the role is not shown the value (nothing to record)."""
        if role not in PERSONAL_DATA_ROLES:
            return None
        return lambda scope: mark_sql(self.name, self.customer_sql(scope))

    def _noted(self, value: Any, source: Any, info: strawberry.Info[Context, None]) -> Any:
        if value is not None and sees_personal_data(info):
            info.context.read_notes.note(self.customer(source), self.name)
        return value

    def resolve(self, next_: Callable[..., Any], source: Any, info: Any, **kwargs: Any) -> Any:
        return self._noted(next_(source, info, **kwargs), source, info)

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Any, **kwargs: Any
    ) -> Any:
        return self._noted(await next_(source, info, **kwargs), source, info)


def node_type_allows(role: Role, type_name: str) -> bool:
    """Whether `node`/`nodes` may look up an id of this type for this role."""
    area = NODE_AREAS.get(type_name)
    return area is None or area in READS[role]


def check_node_type(info: strawberry.Info[Context, None], type_name: str) -> None:
    """Refuses by type, before any lookup, so a refusal says nothing about existence;
    worded as every refused field is (`_AreaPermission`)."""
    role = role_of(info)
    if not node_type_allows(role, type_name):
        may = ", ".join(r.value for r in Role if node_type_allows(r, type_name))
        raise forbidden(
            f"This key's role ({role.value}) may not read {type_name} "
            f"({NODE_AREAS[type_name].value}); roles that may: {may}."
        )


# ---------------------------------------------------------------- what arguments reveal
# What a role may not read it may not learn through a filter, an ordering, a search or a
# lookup either. Each such argument names the fields whose values it tests; a role may
# use it only if it may read every one of them (`may_read`: the same rules as the fields
# themselves). Keys: `Input.field` (a field of an input type, wherever it is used),
# `Enum.VALUE` (an ordering), `Type.field(argument)` (a plain argument). An empty tuple:
# a window over the list's own time, which tests nothing the list does not show.
REVEALS: dict[str, tuple[str, ...]] = {
    # Search covers email only for roles that read it unmasked (resolvers.customers.Search).
    "CustomerFilter.search": ("Customer.name", "Customer.company"),
    "CustomerFilter.segment": ("Customer.segment",),
    "CustomerFilter.stage": ("Customer.stage",),
    "CustomerFilter.churned": ("Customer.churnedAt",),
    "CustomerFilter.createdFrom": ("Customer.createdAt",),
    "CustomerFilter.createdTo": ("Customer.createdAt",),
    "CustomerFilter.healthLevel": ("Customer.health",),
    "CustomerFilter.hasAction": ("Customer.nextBestActions",),
    "ActionFilter.team": ("Action.team",),
    "ActionFilter.kind": ("Action.kind",),
    "ActionFilter.segment": ("Customer.segment",),
    "ActionFilter.priority": ("Action.priority",),
    "CustomerOrderField.CREATED_AT": ("Customer.createdAt",),
    "CustomerOrderField.NAME": ("Customer.name",),
    "CustomerOrderField.LIFETIME_VALUE": ("Customer.lifetimeValue",),
    "CustomerOrderField.HEALTH_SCORE": ("Customer.health",),
    "Query.customerByEmail(email)": ("Customer.email",),
    "Query.customerByExternalId(source)": ("Customer.externalIds",),
    "Query.customerByExternalId(id)": ("Customer.externalIds",),
    "TouchpointFilter.channel": ("Touchpoint.channel",),
    "TouchpointFilter.stage": ("Touchpoint.stage",),
    "TouchpointFilter.team": ("Touchpoint.team",),
    "TouchpointFilter.kind": ("Touchpoint.kind",),
    "TouchpointFilter.from": ("Touchpoint.occurredAt",),
    "TouchpointFilter.to": ("Touchpoint.occurredAt",),
    "TicketFilter.status": ("Ticket.status",),
    "TicketFilter.priority": ("Ticket.priority",),
    "TicketFilter.channel": ("Ticket.channel",),
    "TicketFilter.assignee": ("Ticket.assignee",),
    "TicketFilter.from": ("Ticket.createdAt",),
    "TicketFilter.to": ("Ticket.createdAt",),
    "TicketOrderField.CREATED_AT": ("Ticket.createdAt",),
    "TicketOrderField.PRIORITY": ("Ticket.priority",),
    "TicketFilter.slaState": ("Ticket.sla",),
    "TicketOrderField.FIRST_RESPONSE_DUE": ("Ticket.sla",),
    "TicketOrderField.RESOLUTION_DUE": ("Ticket.sla",),
    "SurveyResponseFilter.kind": ("Survey.kind",),
    "SurveyResponseFilter.from": ("SurveyResponse.respondedAt",),
    "SurveyResponseFilter.to": ("SurveyResponse.respondedAt",),
    "TimelineFilter.from": ("TimelineEdge.occurredAt",),
    "TimelineFilter.to": ("TimelineEdge.occurredAt",),
    "MetricsFilter.from": (),
    "MetricsFilter.to": (),
    "MetricsFilter.segment": ("Customer.segment",),
    "MetricsFilter.channel": ("Touchpoint.channel", "Ticket.channel"),
    "MetricsFilter.team": ("Touchpoint.team",),
    "PainPointOrderField.TOUCHPOINTS": ("PainPoint.touchpoints",),
    "PainPointOrderField.CUSTOMERS": ("PainPoint.customers",),
    "PainPointOrderField.SENTIMENT": ("PainPoint.sentiment",),
    "PainPointOrderField.NEGATIVE_SHARE": ("PainPoint.negativeShare",),
    "PainPointOrderField.TICKET_RATE": ("PainPoint.ticketRate",),
    "PainPointOrderField.STALLED": ("PainPoint.stalled",),
    "AuditLogFilter.action": ("AuditEntry.action",),
    "AuditLogFilter.keyName": ("AuditEntry.keyName",),
    "AuditLogFilter.targetId": ("AuditEntry.targetIds",),
    "AuditLogFilter.from": ("AuditEntry.occurredAt",),
    "AuditLogFilter.to": ("AuditEntry.occurredAt",),
    "ReadAuditFilter.customerId": ("ReadAuditEntry.customer",),
    "ReadAuditFilter.keyName": ("ReadAuditEntry.keyName",),
    "ReadAuditFilter.from": ("ReadAuditEntry.at",),
    "ReadAuditFilter.to": ("ReadAuditEntry.at",),
    "FollowUpFilter.state": ("FollowUp.state",),
    "FollowUpFilter.priority": ("Ticket.priority",),
    "FollowUpFilter.channel": ("Ticket.channel",),
    "FollowUpFilter.assignee": ("Ticket.assignee",),
    "WebhookDeliveryFilter.endpointId": ("WebhookDelivery.endpointId",),
    "WebhookDeliveryFilter.status": ("WebhookDelivery.status",),
    "WebhookDeliveryFilter.eventId": ("WebhookDelivery.eventId",),
}
# The area a type's every field belongs to (besides the field's own rules).
TYPE_AREAS: dict[str, Area] = {
    **NODE_AREAS,
    "AuditEntry": Area.AUDIT,
    "ReadAuditEntry": Area.AUDIT,
    "FollowUp": Area.TICKETS,
    "WebhookDelivery": Area.WEBHOOKS,
}


def field_allows(field: StrawberryField, role: Role) -> bool:
    """A field's own rules: its permissions, and its mask (a hint is not the value)."""
    for extension in field.extensions:
        permissions = getattr(extension, "permissions", None)
        if permissions is not None and not all(p.allows(role) for p in permissions):
            return False
        if isinstance(extension, Masked) and role not in PERSONAL_DATA_ROLES:
            return False
    return True


def may_read(schema: GraphQLSchema, role: Role, field: str) -> bool:
    """Whether a role reads `Type.field` unmasked: its type's area and its own rules."""
    type_name, name = field.split(".")
    area = TYPE_AREAS.get(type_name)
    if area is not None and area not in READS[role]:
        return False
    graphql_type = schema.get_type(type_name)
    assert isinstance(graphql_type, GraphQLObjectType), f"{type_name} is no object type"
    definition = graphql_type.fields[name].extensions["strawberry-definition"]
    return field_allows(definition, role)


def _graphql_name(field: Any) -> str:
    return str(field.graphql_name or to_camel_case(field.python_name))


def _revealed(key: str, path: str, value: Any) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """(argument path, how the message names it, fields) for every rule a value triggers."""
    if value is None:
        return
    if key in REVEALS:
        yield path, f"`{path}`", REVEALS[key]
    for item in value if isinstance(value, list | tuple) else (value,):
        definition = getattr(type(item), "__strawberry_definition__", None)
        if definition is None:
            continue
        if isinstance(item, Enum):
            chosen = f"{definition.name}.{item.name}"
            if chosen in REVEALS:
                yield path, f"`{path}: {item.name}`", REVEALS[chosen]
        elif getattr(definition, "is_input", False):
            for field in definition.fields:
                name = _graphql_name(field)
                yield from _revealed(
                    f"{definition.name}.{name}", f"{path}.{name}", getattr(item, field.python_name)
                )


def check_arguments(
    schema: GraphQLSchema, role: Role, owner: str, field: StrawberryField, given: dict[str, Any]
) -> None:
    """Refuses (FORBIDDEN, naming the argument) an argument that tests a field the role
    may not read. `owner` is `Type.field`; `given` the converted arguments (python names).
    Both read paths call it: the resolvers through ArgumentRules, the compiler per request."""
    for argument in field.arguments:
        name = _graphql_name(argument)
        value = given.get(argument.python_name)
        for path, shown, fields in _revealed(f"{owner}({name})", name, value):
            hidden = [f for f in fields if not may_read(schema, role, f)]
            if hidden:
                raise InputError(
                    path,
                    f"This key's role may not use {shown}: it tests {', '.join(hidden)}, "
                    "which this role may not read.",
                    code="FORBIDDEN",
                )


class ArgumentRules(FieldExtension):
    """check_arguments before the field resolves (list it last: it then runs first)."""

    # The compiled path checks every field's arguments itself (schema/compiled/arguments.py).
    checks_arguments = True

    def _check(self, info: Any, kwargs: dict[str, Any]) -> None:
        raw = info._raw_info
        owner = f"{raw.parent_type.name}.{raw.field_name}"
        try:
            check_arguments(raw.schema, role_of(info), owner, info._field, kwargs)
        except InputError as refusal:  # as a GraphQL error: subscriptions keep its code too
            extensions = {"code": refusal.code, "argument": refusal.argument}
            raise GraphQLError(refusal.message, extensions=extensions) from None

    # Positional-only: a field's own arguments may be named `source` or `info`.
    def resolve(  # type: ignore[override]
        self, next_: Callable[..., Any], source: Any, info: Any, /, **kwargs: Any
    ) -> Any:
        self._check(info, kwargs)
        return next_(source, info, **kwargs)

    async def resolve_async(  # type: ignore[override]
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Any, /, **kwargs: Any
    ) -> Any:
        self._check(info, kwargs)
        found = next_(source, info, **kwargs)
        return found if inspect.isasyncgen(found) else await found


def argument_rules() -> list[FieldExtension]:
    return [ArgumentRules()]
