"""SQLModel tables, one module per domain; importing this package registers them all."""

from models.audit import AuditEntry
from models.bulk import BulkKind, BulkOperation, BulkStatus, BulkUpload
from models.changes import ChangeEvent, ChangeLogPosition
from models.customers import Customer, CustomerExternalId
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
from models.keys import ApiKey, TrustedDocument
from models.merges import MergeRecord
from models.surveys import Survey, SurveyResponse
from models.tickets import Ticket
from models.touchpoints import Touchpoint
from models.webhooks import WebhookDelivery, WebhookEndpoint

__all__ = [
    "ApiKey",
    "AuditEntry",
    "BulkKind",
    "BulkOperation",
    "BulkStatus",
    "BulkUpload",
    "ChangeEvent",
    "ChangeLogPosition",
    "ChangeType",
    "Channel",
    "Customer",
    "CustomerExternalId",
    "DeliveryStatus",
    "JourneyStage",
    "MergeRecord",
    "Role",
    "Survey",
    "SurveyKind",
    "SurveyResponse",
    "Team",
    "Ticket",
    "TicketPriority",
    "TicketStatus",
    "Touchpoint",
    "TrustedDocument",
    "WebhookDelivery",
    "WebhookEndpoint",
]
