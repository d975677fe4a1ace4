"""Setting a priority's SLA policy (ADMIN)."""

from typing import Annotated

import strawberry

from api.context import Context
from models import TicketPriority as TicketPriorityModel
from resolvers import sla
from resolvers.writes import Write
from schema.convert import from_input
from schema.effects import SLA_ENTERED, effects
from schema.enums import TicketPriority
from schema.mutations import UserError, respond
from schema.permissions import Area
from schema.sla import SlaPolicy


@strawberry.input(description="Working hours: one window per working day, local time.")
class BusinessCalendarInput:
    time_zone: str = strawberry.field(description="IANA time zone, e.g. Europe/Berlin.")
    weekdays: list[int] = strawberry.field(
        description="Working days, ISO numbers 1 (Monday) - 7 (Sunday), each once."
    )
    opens_at: str = strawberry.field(description="HH:MM, e.g. 09:00.")
    closes_at: str = strawberry.field(description="HH:MM, after opensAt, e.g. 17:00.")


@strawberry.input(description="A priority's targets; replaces its current policy.")
class SlaPolicyInput:
    priority: TicketPriority = strawberry.field(description="The priority to set.")
    first_response_seconds: int = strawberry.field(description="Positive.")
    resolution_seconds: int = strawberry.field(description="At least firstResponseSeconds.")
    calendar: BusinessCalendarInput | None = strawberry.field(
        default=None, description="Omit or null: every hour counts."
    )


@strawberry.type(description="The result of setSlaPolicy.")
class SlaPolicyPayload:
    policy: SlaPolicy | None = strawberry.field(description="The policy as stored.")
    user_errors: list[UserError] = strawberry.field(
        description="What was wrong with the input, by path; empty when the write happened."
    )


@strawberry.type
class SlaMutations:
    @strawberry.mutation(
        description="Sets a priority's SLA policy (ADMIN). Open tickets of that priority "
        "(NEW, OPEN, PENDING) get due times under it at once, still counted from their "
        "createdAt; RESOLVED and CLOSED tickets keep theirs. Audited.",
        extensions=effects(Area.SLA_POLICIES, logs=SLA_ENTERED),
    )
    async def set_sla_policy(
        self,
        info: strawberry.Info[Context, None],
        input: Annotated[SlaPolicyInput, strawberry.argument(description="The policy.")],
    ) -> SlaPolicyPayload:
        calendar = input.calendar
        data = from_input(
            sla.NewPolicy,
            input,
            priority=TicketPriorityModel(input.priority.value),
            calendar=from_input(sla.NewCalendar, calendar, weekdays=tuple(calendar.weekdays))
            if calendar is not None
            else None,
        )

        async def work(write: Write) -> sla.Policy:
            policy, _moved = await sla.set_policy(write, data)
            return policy

        return await respond(info, work, SlaPolicyPayload, policy=SlaPolicy.of)
