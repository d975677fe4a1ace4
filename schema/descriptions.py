"""Descriptions of the contract's self-evident names, so the Docs pane explains every one.

Fields with rules or computed values are described beside their definition; the plain
ones the contract fixed (a ticket's `subject`, a mutation's `id` argument...) are
described here, once. `describe` refuses an entry whose element is gone or already
described beside its definition, and tests/test_schema_contract.py requires every
type, field, argument and enum value of the served schema to have a description.
"""

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLEnumValue,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
)

PAYLOAD_ERRORS = "What was wrong with the input, by path; empty when the write happened."
ID_OF = "The id of the {0} (the `id` this API returned)."
WHEN = "When it happened (UTC); default now. For imports of past events."

DESCRIPTIONS: dict[str, str] = {
    # ---------------------------------------------------------------- roots
    "Query": "Everything cx360 reads: customers, their journeys, tickets, surveys and metrics.",
    "Mutation": "Every write. One mutation is one transaction: on a user error nothing changes.",
    "Query.node(id)": "A global `id` of any type.",
    "Query.nodes(ids)": "Global ids of any types, 1-100; the answer keeps their order.",
    "Query.customer(id)": ID_OF.format("customer"),
    "Query.customerByEmail(email)": "The email, in any case and with spaces around.",
    "Query.customerByExternalId(source)": "The other system, e.g. crm or helpdesk.",
    "Query.customerByExternalId(id)": "The customer's id in that system.",
    "Query.exportCustomer(id)": ID_OF.format("customer"),
    "Query.metricsSeries(interval)": "The bucket size.",
    "Viewer.role": "What this key may read and write.",
    "Viewer.keyName": "The key's name, as its issuer gave it.",
    # ---------------------------------------------------------------- customers
    "Customer.id": "Opaque global id; ids of merged customers resolve to this survivor.",
    "Customer.name": "Full name, as given.",
    "Customer.company": "The company the customer belongs to, if any.",
    "Customer.createdAt": "When the customer was created in cx360 (or imported).",
    "Customer.attributes": "Free-form JSON object of other systems' data.",
    "Customer.externalIds": "The ids other systems know this customer under.",
    "Customer.health(asOf)": "Judge as of this moment; default now.",
    "ExternalId.source": "The other system, e.g. crm or helpdesk.",
    "ExternalId.id": "The customer's id in that system.",
    "CustomerFilter.segment": "Exactly this segment label.",
    "CustomerFilter.stage": "Customers whose furthest stage is this one.",
    "CustomerFilter.churned": "true: churned customers only; false: active ones only.",
    "CustomerOrder": "How to sort customers.",
    "CustomerOrder.field": "What to sort by.",
    "CustomerOrder.direction": "Ascending or descending; ties are broken by id.",
    "CustomerHealth.score": "0-100: starts at 100, each rule that fires takes points off.",
    "CustomerHealth.level": "The score's band: HEALTHY, WATCH or AT_RISK.",
    "CustomerHealth.reasons": "Each rule that fired, in words; empty when healthy.",
    # ---------------------------------------------------------------- customer writes
    "CreateCustomerInput": "A new customer; the email must not belong to another customer.",
    "CreateCustomerInput.name": "Full name; required, not blank.",
    "CreateCustomerInput.email": "Trimmed and lower-cased when stored; unique.",
    "CreateCustomerInput.company": "The company the customer belongs to.",
    "CreateCustomerInput.segment": "Free label: enterprise, smb, consumer...",
    "CreateCustomerInput.attributes": "Free-form JSON object of other systems' data.",
    "CreateCustomerInput.externalIds": "Ids other systems know the customer under.",
    "UpdateCustomerInput.name": "Full name; not blank.",
    "UpdateCustomerInput.email": "Trimmed and lower-cased when stored; unique.",
    "UpdateCustomerInput.phone": "E.164, e.g. +447700900123.",
    "UpdateCustomerInput.company": "The company the customer belongs to.",
    "UpdateCustomerInput.segment": "Free label: enterprise, smb, consumer...",
    "UpdateCustomerInput.attributes": "Replaces the whole JSON object.",
    "UpdateCustomerInput.churnedAt": "When the customer left; null: active again.",
    "ExternalIdInput.source": "The other system, e.g. crm or helpdesk.",
    "ExternalIdInput.id": "The customer's id in that system.",
    "MergeCustomersInput": "Duplicates to fold into one customer.",
    "MergeCustomersInput.survivorId": "The customer that stays and receives every record.",
    "CustomerRef.id": ID_OF.format("customer"),
    "CustomerRef.email": "The customer's email, in any case.",
    "CustomerRef.externalId": "An id another system knows the customer under.",
    "CustomerPayload": "The customer written, or why not.",
    "CustomerPayload.customer": "The customer as stored after the write; null on errors.",
    "CustomerPayload.userErrors": PAYLOAD_ERRORS,
    "EraseCustomerPayload": "The erased customer's id, or why not.",
    "EraseCustomerPayload.erasedCustomerId": "The id of the tombstone left behind.",
    "EraseCustomerPayload.userErrors": PAYLOAD_ERRORS,
    "Mutation.createCustomer(input)": "The new customer.",
    "Mutation.updateCustomer(id)": ID_OF.format("customer"),
    "Mutation.updateCustomer(input)": "Only the fields sent change.",
    "Mutation.mergeCustomers(input)": "The survivor and the customers merged into it.",
    "Mutation.unmergeCustomer(id)": "The id of a customer that was merged into another.",
    "Mutation.eraseCustomer(id)": ID_OF.format("customer"),
    "UserError.message": "What is wrong and how to fix it, in words.",
    # ---------------------------------------------------------------- touchpoints
    "Touchpoint.id": "Opaque global id.",
    "Touchpoint.occurredAt": "When it happened (UTC).",
    "Touchpoint.channel": "Where it happened.",
    "Touchpoint.stage": "The journey stage it belongs to.",
    "Touchpoint.team": "The team that owns it.",
    "Touchpoint.summary": "A short human-readable line.",
    "Touchpoint.currency": "ISO 4217 code of `value`, e.g. EUR.",
    "Touchpoint.attributes": "Free-form JSON object the source system sent.",
    "Touchpoint.customer": "The customer it happened to (the survivor, after a merge).",
    "TouchpointFilter.channel": "Any of these channels.",
    "TouchpointFilter.stage": "Any of these stages.",
    "TouchpointFilter.team": "Any of these teams.",
    "TouchpointFilter.kind": 'Any of these kinds, e.g. ["purchase"].',
    "TouchpointInput": "One event to record; (source, externalId) makes resending safe.",
    "TouchpointInput.customer": "Who it happened to.",
    "TouchpointInput.occurredAt": "When it happened, with a UTC offset.",
    "TouchpointInput.channel": "Where it happened.",
    "TouchpointInput.stage": "The journey stage it belongs to.",
    "TouchpointInput.team": "The team that owns it.",
    "TouchpointInput.kind": "Free label: page_view, demo, purchase, referral...",
    "TouchpointInput.summary": "A short human-readable line.",
    "TouchpointInput.sentiment": "-1.0 (negative) to 1.0 (positive).",
    "TouchpointInput.attributes": "Free-form JSON object, kept as sent.",
    "RecordTouchpointsPayload": "What a batch stored; items already stored count as duplicates.",
    "RecordTouchpointsPayload.created": "Touchpoints stored by this call.",
    "RecordTouchpointsPayload.duplicates": "Touchpoints already stored (same source and "
    "externalId), left unchanged.",
    "Mutation.recordTouchpoints(touchpoints)": "1-1000 events; all are stored or none.",
    # ---------------------------------------------------------------- tickets
    "Ticket.id": "Opaque global id.",
    "Ticket.subject": "What the case is about, in the customer's words.",
    "Ticket.channel": "Where the customer opened it.",
    "Ticket.status": "Where the ticket is in its lifecycle.",
    "Ticket.priority": "How urgent it is.",
    "Ticket.assignee": "The agent who owns it; null while unassigned.",
    "Ticket.createdAt": "When it was opened.",
    "Ticket.resolvedAt": "When it was last resolved; null while unresolved.",
    "Ticket.closedAt": "When it was closed; null until then.",
    "Ticket.reopenCount": "How many times it was reopened after a resolution.",
    "Ticket.customer": "The customer who opened it.",
    "TicketFilter.status": "Any of these statuses.",
    "TicketFilter.priority": "Any of these priorities.",
    "TicketFilter.channel": "Any of these channels.",
    "TicketFilter.assignee": "Exactly this assignee.",
    "TicketOrder": "How to sort tickets.",
    "TicketOrder.field": "What to sort by.",
    "TicketOrder.direction": "Ascending or descending.",
    "OpenTicketInput": "A new support case, opened NEW.",
    "OpenTicketInput.customer": "Who opened it.",
    "OpenTicketInput.subject": "What the case is about; not blank.",
    "OpenTicketInput.channel": "Where the customer opened it.",
    "OpenTicketInput.priority": "How urgent it is; default NORMAL.",
    "OpenTicketInput.assignee": "The agent who owns it, if known.",
    "UpdateTicketInput.priority": "How urgent it is.",
    "UpdateTicketInput.assignee": "The agent who owns it; null unassigns.",
    "UpdateTicketInput.subject": "What the case is about; not blank.",
    "TicketPayload": "The ticket as stored after the write, or why not.",
    "TicketPayload.ticket": "The ticket after the write; null on errors.",
    "TicketPayload.userErrors": PAYLOAD_ERRORS,
    "Mutation.openTicket": "Opens a ticket (NEW) for a customer.",
    "Mutation.openTicket(input)": "The new ticket.",
    "Mutation.updateTicket(id)": ID_OF.format("ticket"),
    "Mutation.updateTicket(input)": "Only the fields sent change.",
    "Mutation.respondToTicket(id)": ID_OF.format("ticket"),
    "Mutation.respondToTicket(at)": WHEN,
    "Mutation.recordCustomerContact(id)": ID_OF.format("ticket"),
    "Mutation.setTicketPending(id)": ID_OF.format("ticket"),
    "Mutation.resolveTicket(id)": ID_OF.format("ticket"),
    "Mutation.resolveTicket(at)": WHEN,
    "Mutation.reopenTicket(id)": ID_OF.format("ticket"),
    "Mutation.closeTicket(id)": ID_OF.format("ticket"),
    "Mutation.closeTicket(at)": WHEN,
    # ---------------------------------------------------------------- surveys
    "Survey.id": "Opaque global id.",
    "Survey.kind": "NPS, CSAT or CES; fixes the scale.",
    "Survey.question": "The question as asked.",
    "Survey.scaleMin": "The lowest score (0 for NPS, 1 otherwise).",
    "Survey.scaleMax": "The highest score (10, 5 or 7).",
    "Survey.createdAt": "When the survey was created.",
    "SurveyResponse.id": "Opaque global id.",
    "SurveyResponse.respondedAt": "When the customer answered.",
    "SurveyResponse.survey": "The question answered.",
    "SurveyResponse.customer": "Who answered (the survivor, after a merge).",
    "SurveyResponse.ticket": "The ticket this response follows up, if any.",
    "SurveyResponseFilter.kind": "Any of these survey kinds.",
    "CreateSurveyInput.kind": "NPS, CSAT or CES; fixes the scale.",
    "CreateSurveyInput.question": "The question as asked; not blank.",
    "SurveyResponseInput": "A customer's answer to a survey.",
    "SurveyResponseInput.surveyId": ID_OF.format("survey"),
    "SurveyResponseInput.customer": "Who answered.",
    "SurveyResponseInput.score": "Inside the survey's scale.",
    "SurveyResponseInput.comment": "Free text (personal data: only some roles read it).",
    "SurveyPayload": "The survey as stored, or why not.",
    "SurveyPayload.survey": "The survey after the write; null on errors.",
    "SurveyPayload.userErrors": PAYLOAD_ERRORS,
    "SurveyResponsePayload": "The response as stored, or why not.",
    "SurveyResponsePayload.surveyResponse": "The response after the write; null on errors.",
    "SurveyResponsePayload.userErrors": PAYLOAD_ERRORS,
    "Mutation.createSurvey": "Creates a survey question of one kind.",
    "Mutation.createSurvey(input)": "The new survey.",
    "Mutation.submitSurveyResponse(input)": "The answer.",
    "Mutation.sendSurveyInvitation(input)": "The survey, and the ticket or customer to invite.",
    "SurveyInvitation.id": "Opaque global id.",
    # ---------------------------------------------------------------- timeline
    "TimelineConnection.edges": "The events of this page, newest first.",
    "TimelineConnection.pageInfo": "Where this page sits in the timeline.",
    "TimelineEdge": "One event of the timeline.",
    "TimelineEdge.cursor": "Opaque position of this event: pass it as `after` for what follows.",
    "TimelineEdge.node": "The touchpoint, ticket or survey response.",
    "TimelineFilter.from": "Events at or after this moment.",
    "TimelineFilter.to": "Events before this moment.",
    # ---------------------------------------------------------------- metrics
    "MetricsFilter.from": "The window starts here (inclusive); none: from the beginning.",
    "MetricsFilter.to": "The window ends here (exclusive); none: up to now.",
    "MetricsBucket.start": "The bucket's start (inclusive), UTC.",
    "MetricsBucket.end": "The bucket's end (exclusive), UTC.",
    "MetricsBucket.metrics": "The metrics of the part of the bucket inside the window.",
    "MetricDefinition.name": "The metric's field name in `Metrics`.",
    "MetricDefinition.definition": "How it is computed, in words (docs/domain.md).",
    "DurationStats.count": "How many durations the figures describe.",
    "DurationStats.mean": "Average seconds; null without data.",
    "DurationStats.median": "Median seconds (continuous percentile); null without data.",
    "DurationStats.p90": "90th percentile in seconds (continuous); null without data.",
    "FunnelStep": "One journey stage of the funnel.",
    "FunnelStep.stage": "The stage.",
    # ---------------------------------------------------------------- enums of the API
    "SortDirection.ASC": "Smallest (or oldest) first.",
    "SortDirection.DESC": "Largest (or newest) first.",
    "Interval.DAY": "Calendar days, 00:00 UTC to 00:00 UTC.",
    "Interval.WEEK": "ISO weeks, from Monday 00:00 UTC.",
    "Interval.MONTH": "Calendar months, from the 1st 00:00 UTC.",
    "HealthLevel.HEALTHY": "Score 75 or more.",
    "HealthLevel.WATCH": "Score 50 to 74: keep an eye on them.",
    "HealthLevel.AT_RISK": "Score under 50: act now.",
    "CustomerOrderField.CREATED_AT": "When the customer was created.",
    "CustomerOrderField.NAME": "Name, in the database's text order.",
    "CustomerOrderField.LIFETIME_VALUE": "The sum of all the customer's purchase values.",
    "CustomerOrderField.HEALTH_SCORE": "The stored (current) health score; ties by id.",
    "TicketOrderField.CREATED_AT": "When the ticket was opened.",
    "TicketOrderField.PRIORITY": "Severity (URGENT highest); equal priorities oldest first.",
    # ---------------------------------------------------------------- audit
    "AuditEntry.occurredAt": "When the write was committed.",
    "AuditEntry.keyName": "The name of the key that wrote.",
    "AuditEntry.role": "That key's role.",
    "AuditLogFilter": "Entries matching every condition given.",
    "AuditLogFilter.action": 'Any of these mutations, e.g. ["eraseCustomer"].',
    "AuditLogFilter.keyName": "Writes by this key name.",
    "AuditLogFilter.from": "Entries at or after this moment.",
    "AuditLogFilter.to": "Entries before this moment.",
}

Element = GraphQLNamedType | GraphQLField | GraphQLInputField | GraphQLArgument | GraphQLEnumValue


def element(schema: GraphQLSchema, path: str) -> Element:
    """`Type`, `Type.field`, `Type.field(argument)` or `Enum.VALUE`."""
    type_name, _, rest = path.partition(".")
    named = schema.get_type(type_name)
    assert named is not None, f"{path}: no type {type_name}"
    if not rest:
        return named
    if isinstance(named, GraphQLEnumType):
        value: GraphQLEnumValue = named.values[rest]
        return value
    assert isinstance(named, GraphQLObjectType | GraphQLInputObjectType | GraphQLInterfaceType)
    field_name, _, argument = rest.partition("(")
    field: GraphQLField | GraphQLInputField = named.fields[field_name]
    if not argument:
        return field
    assert isinstance(field, GraphQLField), f"{path}: input fields have no arguments"
    found: GraphQLArgument = field.args[argument.rstrip(")")]
    return found


def describe(schema: GraphQLSchema) -> None:
    for path, text in DESCRIPTIONS.items():
        found = element(schema, path)
        assert not found.description, f"{path} is described beside its definition"
        found.description = text
