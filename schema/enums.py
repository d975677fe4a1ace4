"""The domain's enums, registered with GraphQL under the contract's names.

The model enums themselves are registered, so resolvers receive and return the same
members the tables store, with no mapping layer in between.
"""

from enum import Enum

import strawberry

from models.enums import (
    ChangeType,
    Channel,
    DeliveryStatus,
    JourneyStage,
    Role,
    SurveyKind,
    Team,
    TicketPriority,
    TicketStatus,
)


def described(
    enum: type[Enum], description: str, values: dict[str, str], name: str | None = None
) -> None:
    """Registers a model enum with GraphQL, with a description for every value."""
    strawberry.enum(enum, name=name, description=description)
    definition = enum.__strawberry_definition__  # type: ignore[attr-defined]
    missing = {v.name for v in definition.values} ^ values.keys()
    assert not missing, f"{enum.__name__}: describe exactly its values ({missing})"
    for value in definition.values:
        value.description = values[value.name]


described(
    JourneyStage,
    "Journey stages in order: AWARENESS < CONSIDERATION < DECISION < RETENTION < ADVOCACY.",
    {
        "AWARENESS": "Has heard of us: an ad, a post, a first visit.",
        "CONSIDERATION": "Is evaluating: comparing, reading, asking questions.",
        "DECISION": "Is deciding: a trial, a demo, a quote.",
        "RETENTION": "Is a customer: buying, using, renewing.",
        "ADVOCACY": "Recommends us: reviews, referrals.",
    },
)
described(
    Channel,
    "Where an interaction happened.",
    {
        "WEB": "The website.",
        "EMAIL": "Email.",
        "SOCIAL": "Social networks.",
        "ADS": "Paid advertising.",
        "PHONE": "Phone calls.",
        "CHAT": "Live chat.",
        "IN_PERSON": "Face to face: a store, an event, a visit.",
        "SMS": "Text messages.",
        "APP": "The mobile or desktop app.",
        "REVIEW": "Review sites.",
        "SELF_SERVICE": "Help center and other self-service.",
    },
)
described(
    Team,
    "The team that owns an interaction.",
    {
        "MARKETING": "Marketing.",
        "SALES": "Sales.",
        "SUPPORT": "Customer support.",
        "PRODUCT": "The product itself (in-app events).",
    },
)
described(
    TicketStatus,
    "NEW -> OPEN -> PENDING <-> OPEN -> RESOLVED -> CLOSED; RESOLVED may reopen.",
    {
        "NEW": "Opened, no agent has answered yet.",
        "OPEN": "An agent is working on it.",
        "PENDING": "Waiting for the customer.",
        "RESOLVED": "Solved; reopens if the customer comes back.",
        "CLOSED": "Final: a closed ticket never changes again.",
    },
)
described(
    TicketPriority,
    "LOW < NORMAL < HIGH < URGENT.",
    {
        "LOW": "Whenever there is time.",
        "NORMAL": "The default.",
        "HIGH": "Before normal work.",
        "URGENT": "Now: something is broken for the customer.",
    },
)
described(
    SurveyKind,
    "NPS scale 0-10, CSAT 1-5, CES 1-7 (higher = easier).",
    {
        "NPS": "Net Promoter Score: how likely to recommend us, 0-10.",
        "CSAT": "Customer satisfaction, 1-5.",
        "CES": "Customer effort: how easy it was, 1-7 (higher = easier).",
    },
)
described(
    Role,
    "What an API key may read and write (docs/security.md has the whole matrix).",
    {
        "ADMIN": "Everything, including the audit log and erasure.",
        "SUPPORT": "Reads everything but the audit log; writes tickets and responses.",
        "SALES": "Reads everything but the audit log; writes customers and touchpoints.",
        "MARKETING": "Reads everything but the audit log, PII masked; writes touchpoints "
        "and surveys.",
        "ANALYST": "Reads everything but the audit log, PII masked; writes nothing.",
        "PARTNER": "Reads customers (PII masked) and touchpoints; records touchpoints.",
    },
)
described(
    ChangeType,
    "What a committed write did; subscriptions and webhooks carry it.",
    {
        "TOUCHPOINT_RECORDED": "A touchpoint was recorded (duplicates by external id are not).",
        "TICKET_OPENED": "A ticket was opened.",
        "TICKET_UPDATED": "A ticket moved (assigned, answered, resolved, ...) or was edited.",
        "SURVEY_RESPONSE_RECORDED": "A survey response was submitted.",
        "SURVEY_INVITATION_SENT": "A survey invitation was sent (the payload never holds "
        "its token: docs/webhooks.md).",
        "FOLLOW_UP_MISSED": "A resolved ticket's follow-up passed its window while DUE "
        "(the record is the ticket).",
        "TICKET_SLA_AT_RISK": "A ticket's SLA state became AT_RISK (by time alone or by a "
        "write); once each time it enters the state. Not for PARTNER.",
        "TICKET_SLA_BREACHED": "A ticket's SLA state became BREACHED (by time alone or by a "
        "write); once each time it enters the state. Not for PARTNER.",
        "ACTION_STARTED": "A next-best-action started to hold for a customer (by a write or "
        "by time alone); once per start, never for a dismissed action (the record is the "
        "action). Not for PARTNER.",
    },
)
described(
    DeliveryStatus,
    "Where a webhook delivery stands.",
    {
        "PENDING": "Not delivered yet: the first attempt or a retry is due.",
        "DELIVERED": "The endpoint answered 2xx.",
        "FAILED": "Every attempt failed; `replayWebhookDelivery` sends it again.",
    },
)


@strawberry.enum(description="Sort direction.")
class SortDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


__all__ = [
    "ChangeType",
    "Channel",
    "DeliveryStatus",
    "JourneyStage",
    "Role",
    "SortDirection",
    "SurveyKind",
    "Team",
    "TicketPriority",
    "TicketStatus",
]
