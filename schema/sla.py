"""SLA: policies per priority, business calendars, and a ticket's SLA state.

States follow docs/domain.md ("SLA policy"): they are read from due times stored on
the ticket (resolvers/sla.py) against the request's clock (`Context.now`).
"""

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from api.context import Context
from models import SlaPolicy as PolicyModel
from models import Ticket as TicketModel
from models import TicketPriority as TicketPriorityModel
from models import TicketStatus as TicketStatusModel
from resolvers import sla
from resolvers.compiled.forms import Column, Embedded, Expression, Rows, sql, sql_table
from schema.enums import TicketPriority
from schema.permissions import Area, reads


@strawberry.enum(description="Where a ticket stands against its SLA targets.")
class SlaState(Enum):
    ON_TRACK = strawberry.enum_value(
        "ON_TRACK", description="Not achieved; more than 25 % of the target's length left."
    )
    AT_RISK = strawberry.enum_value(
        "AT_RISK",
        description="Not achieved; at most 25 % of the target's length left (working time "
        "under a calendar), due time not yet passed.",
    )
    BREACHED = strawberry.enum_value(
        "BREACHED", description="Achieved after the due time, or not achieved and it passed."
    )
    MET = strawberry.enum_value("MET", description="Achieved at or before the due time.")


# SQL forms (compiled read path): a ticket's policy is one row with the `sla_policy`
# columns (resolvers.sla.POLICY_SQL), its calendar read from that row.
@sql_table(PolicyModel)
@strawberry.type(description="Working time: only these hours count toward a target.")
class BusinessCalendar:
    time_zone: str = strawberry.field(
        description="IANA time zone, e.g. Europe/Berlin.",
        metadata=sql(Column("calendar_time_zone")),
    )
    weekdays: list[int] = strawberry.field(
        description="Working days, ISO: 1 Monday - 7 Sunday.",
        metadata=sql(Expression(sla.WEEKDAYS_JSON_SQL, json=True)),
    )
    opens_at: str = strawberry.field(
        description="Local opening time on working days, HH:MM.",
        metadata=sql(Column("calendar_opens_at")),
    )
    closes_at: str = strawberry.field(
        description="Local closing time on working days, HH:MM.",
        metadata=sql(Column("calendar_closes_at")),
    )


@sql_table(PolicyModel)
@strawberry.type(description="Targets for one ticket priority, counted from createdAt.")
class SlaPolicy:
    priority: TicketPriority = strawberry.field(description="The priority it applies to.")
    first_response_seconds: int = strawberry.field(
        description="First response due within this many seconds (of working time)."
    )
    resolution_seconds: int = strawberry.field(
        description="Resolution due within this many seconds (of working time)."
    )
    calendar: BusinessCalendar | None = strawberry.field(
        description="Null: every hour counts.",
        metadata=sql(Embedded(present=sla.CALENDAR_PRESENT_SQL)),
    )

    @classmethod
    def of(cls, policy: sla.Policy) -> "SlaPolicy":
        calendar = policy.calendar
        return cls(
            priority=TicketPriority(policy.priority.value),
            first_response_seconds=policy.first_response_seconds,
            resolution_seconds=policy.resolution_seconds,
            calendar=BusinessCalendar(
                time_zone=calendar.time_zone,
                weekdays=sorted(calendar.weekdays),
                opens_at=calendar.opens_at.strftime("%H:%M"),
                closes_at=calendar.closes_at.strftime("%H:%M"),
            )
            if calendar is not None
            else None,
        )


# SQL forms (compiled read path): read from the ticket's row at the request's clock
# (resolvers.sla, `sla_facts` as SQL text).
@sql_table(TicketModel)
@strawberry.type(description="A ticket against its priority's SLA policy, now.")
class TicketSla:
    policy: SlaPolicy = strawberry.field(
        description="The policy of the ticket's priority.",
        metadata=sql(Embedded(source=sla.POLICY_SQL, name="sla_policy")),
    )
    first_response_due_at: datetime = strawberry.field(
        description="When the first response is due (stored when the ticket was opened or "
        "its priority or policy changed)."
    )
    resolution_due_at: datetime = strawberry.field(description="When resolution is due.")
    first_response_state: SlaState = strawberry.field(
        description="The first response target's state.",
        metadata=sql(Expression(sla.FIRST_RESPONSE_STATE_SQL)),
    )
    resolution_state: SlaState = strawberry.field(
        description="The resolution target's state; achieved by the last resolvedAt while "
        "RESOLVED or CLOSED, unachieved again by a reopen.",
        metadata=sql(Expression(sla.RESOLUTION_STATE_SQL)),
    )
    state: SlaState = strawberry.field(
        description="The worse of the two (BREACHED > AT_RISK > ON_TRACK > MET).",
        metadata=sql(Expression(sla.STATE_SQL)),
    )
    seconds_to_next_due: int | None = strawberry.field(
        description="Wall-clock seconds until the earliest due time of a target not yet "
        "decided; null once both are decided (achieved, or due time passed).",
        metadata=sql(Expression(sla.SECONDS_TO_NEXT_DUE_SQL)),
    )


async def ticket_sla(info: strawberry.Info[Context, None], ticket: Any) -> TicketSla:
    """`Ticket.sla`: `ticket` is a schema Ticket (its stored SLA columns are private)."""
    policies = await info.context.loaders.sla_policies().load(0)
    facts = sla.sla_facts(
        status=TicketStatusModel(ticket.status.value),
        first_response_at=ticket.first_response_at,
        resolved_at=ticket.resolved_at,
        first_response_due_at=ticket.first_response_due_at,
        resolution_due_at=ticket.resolution_due_at,
        first_response_at_risk_at=ticket.first_response_at_risk_at,
        resolution_at_risk_at=ticket.resolution_at_risk_at,
        now=info.context.now,
    )
    priority = TicketPriorityModel(ticket.priority.value)
    return TicketSla(
        policy=SlaPolicy.of(policies[priority]),
        first_response_due_at=facts.first_response_due_at,
        resolution_due_at=facts.resolution_due_at,
        first_response_state=SlaState(facts.first_response_state),
        resolution_state=SlaState(facts.resolution_state),
        state=SlaState(facts.state),
        seconds_to_next_due=facts.seconds_to_next_due,
    )


@strawberry.type
class SlaQueries:
    @strawberry.field(
        description="The SLA policy of every ticket priority (the domain's defaults unless "
        "an ADMIN set one), most urgent first.",
        extensions=reads(Area.SLA_POLICIES),
        metadata=sql(Rows(sla.POLICIES_SQL, "sla_policy", sla.POLICIES_ORDER)),
    )
    async def sla_policies(self, info: strawberry.Info[Context, None]) -> list[SlaPolicy]:
        found = await info.context.loaders.sla_policies().load(0)
        return [SlaPolicy.of(found[p]) for p in reversed(list(found))]
