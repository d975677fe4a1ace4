"""Domain vocabularies shared by tables, GraphQL types and the seed."""

from enum import StrEnum


class JourneyStage(StrEnum):
    AWARENESS = "AWARENESS"
    CONSIDERATION = "CONSIDERATION"
    DECISION = "DECISION"
    RETENTION = "RETENTION"
    ADVOCACY = "ADVOCACY"

    @property
    def rank(self) -> int:
        return STAGE_ORDER.index(self)


STAGE_ORDER: tuple[JourneyStage, ...] = tuple(JourneyStage)


class Channel(StrEnum):
    WEB = "WEB"
    EMAIL = "EMAIL"
    SOCIAL = "SOCIAL"
    ADS = "ADS"
    PHONE = "PHONE"
    CHAT = "CHAT"
    IN_PERSON = "IN_PERSON"
    SMS = "SMS"
    APP = "APP"
    REVIEW = "REVIEW"
    SELF_SERVICE = "SELF_SERVICE"


class Team(StrEnum):
    MARKETING = "MARKETING"
    SALES = "SALES"
    SUPPORT = "SUPPORT"
    PRODUCT = "PRODUCT"


class TicketStatus(StrEnum):
    NEW = "NEW"
    OPEN = "OPEN"
    PENDING = "PENDING"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"


# A ticket is finished once RESOLVED or CLOSED (DOMAIN.md); open while in the others.
FINISHED_STATUSES: tuple[TicketStatus, ...] = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


class TicketPriority(StrEnum):
    LOW = "LOW"
    NORMAL = "NORMAL"
    HIGH = "HIGH"
    URGENT = "URGENT"


PRIORITY_ORDER: tuple[TicketPriority, ...] = tuple(TicketPriority)


class SurveyKind(StrEnum):
    NPS = "NPS"
    CSAT = "CSAT"
    CES = "CES"


# The fixed scale of each survey kind (docs/domain.md).
SURVEY_SCALES: dict[SurveyKind, tuple[int, int]] = {
    SurveyKind.NPS: (0, 10),
    SurveyKind.CSAT: (1, 5),
    SurveyKind.CES: (1, 7),
}


class Role(StrEnum):
    ADMIN = "ADMIN"
    SUPPORT = "SUPPORT"
    SALES = "SALES"
    MARKETING = "MARKETING"
    ANALYST = "ANALYST"
    PARTNER = "PARTNER"


class ChangeType(StrEnum):
    """What a committed write did: the change log's, subscriptions' and webhooks' vocabulary."""

    TOUCHPOINT_RECORDED = "TOUCHPOINT_RECORDED"
    TICKET_OPENED = "TICKET_OPENED"
    TICKET_UPDATED = "TICKET_UPDATED"
    SURVEY_RESPONSE_RECORDED = "SURVEY_RESPONSE_RECORDED"
    SURVEY_INVITATION_SENT = "SURVEY_INVITATION_SENT"
    FOLLOW_UP_MISSED = "FOLLOW_UP_MISSED"
    # Written by time alone (the scheduler) or by a write: a ticket's SLA state entered.
    TICKET_SLA_AT_RISK = "TICKET_SLA_AT_RISK"
    TICKET_SLA_BREACHED = "TICKET_SLA_BREACHED"
    # Written by a write or by time alone (the scheduler): a next-best-action started to hold.
    ACTION_STARTED = "ACTION_STARTED"

    @property
    def record_type(self) -> str:
        """The GraphQL type of the record the change is about."""
        return CHANGE_RECORD_TYPES[self]


CHANGE_RECORD_TYPES = {
    ChangeType.TOUCHPOINT_RECORDED: "Touchpoint",
    ChangeType.TICKET_OPENED: "Ticket",
    ChangeType.TICKET_UPDATED: "Ticket",
    ChangeType.SURVEY_RESPONSE_RECORDED: "SurveyResponse",
    ChangeType.SURVEY_INVITATION_SENT: "SurveyInvitation",
    ChangeType.FOLLOW_UP_MISSED: "Ticket",  # the ticket whose follow-up was missed
    ChangeType.TICKET_SLA_AT_RISK: "Ticket",
    ChangeType.TICKET_SLA_BREACHED: "Ticket",
    ChangeType.ACTION_STARTED: "Action",  # the record id is the action's start (start_id)
}


class FollowUpState(StrEnum):
    """A resolved ticket's satisfaction check (docs/domain.md "Follow-ups")."""

    DUE = "DUE"
    SENT = "SENT"
    ANSWERED = "ANSWERED"
    MISSED = "MISSED"


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"
