"""The domain's enums, registered with GraphQL under the contract's names.

The model enums themselves are registered, so resolvers receive and return the same
members the tables store, with no mapping layer in between.
"""

from enum import Enum

import strawberry

from models.enums import Channel, JourneyStage, Role, SurveyKind, Team, TicketPriority, TicketStatus

strawberry.enum(
    JourneyStage,
    description="Journey stages in order: AWARENESS < CONSIDERATION < DECISION < RETENTION "
    "< ADVOCACY.",
)
strawberry.enum(Channel, description="Where an interaction happened.")
strawberry.enum(Team, description="The team that owns an interaction.")
strawberry.enum(
    TicketStatus,
    description="NEW -> OPEN -> PENDING <-> OPEN -> RESOLVED -> CLOSED; RESOLVED may reopen.",
)
strawberry.enum(TicketPriority, description="LOW < NORMAL < HIGH < URGENT.")
strawberry.enum(SurveyKind, description="NPS scale 0-10, CSAT 1-5, CES 1-7 (higher = easier).")
strawberry.enum(Role, description="What an API key may read and write.")


@strawberry.enum(description="Sort direction.")
class SortDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


__all__ = [
    "Channel",
    "JourneyStage",
    "Role",
    "SortDirection",
    "SurveyKind",
    "Team",
    "TicketPriority",
    "TicketStatus",
]
