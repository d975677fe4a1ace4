"""SQLModel tables, one module per domain; importing this package registers them all."""

from models.actions import NextAction
from models.audit import AuditEntry
from models.bulk import BulkKind, BulkOperation, BulkStatus, BulkUpload
from models.changes import ChangeEvent, ChangeLogPosition
from models.customers import Customer, CustomerExternalId
from models.enums import (
    ChangeType,
    Channel,
    DeliveryStatus,
    FollowUpState,
    JourneyStage,
    Role,
    SurveyKind,
    Team,
    TicketPriority,
    TicketStatus,
)
from models.follow_ups import FollowUp, SurveyInvitation
from models.keys import ApiKey, TrustedDocument
from models.merges import MergeRecord
from models.read_audit import ReadAuditEntry
from models.row_counts import ListRowCount, ListValueCount
from models.sla import SlaPolicy, TicketSlaStateCount
from models.surveys import Survey, SurveyResponse
from models.tickets import Ticket
from models.touchpoints import Touchpoint, TouchpointJourneyPending
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
    "FollowUp",
    "FollowUpState",
    "JourneyStage",
    "ListRowCount",
    "ListValueCount",
    "MergeRecord",
    "NextAction",
    "ReadAuditEntry",
    "Role",
    "SlaPolicy",
    "Survey",
    "SurveyInvitation",
    "SurveyKind",
    "SurveyResponse",
    "Team",
    "Ticket",
    "TicketPriority",
    "TicketSlaStateCount",
    "TicketStatus",
    "Touchpoint",
    "TouchpointJourneyPending",
    "TrustedDocument",
    "WebhookDelivery",
    "WebhookEndpoint",
]
