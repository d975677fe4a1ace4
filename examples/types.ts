/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** ISO-8601 date-time. Output: UTC, `+00:00`, no trailing zero fractions. Input: a date-time must carry an offset (`Z` or `+HH:MM`); a bare date (`2026-06-01`) means midnight UTC of that day, so `{from: "2026-06-01", to: "2026-07-01"}` is the month of June. */
  DateTime: { input: string; output: string; }
  /** Exact money amount, serialized as a string, e.g. "129.90". */
  Decimal: { input: string; output: string; }
  /** The `JSON` scalar type represents JSON values as specified by [ECMA-404](https://ecma-international.org/wp-content/uploads/ECMA-404_2nd_edition_december_2017.pdf). */
  JSON: { input: unknown; output: unknown; }
};

/** Something a team should do for a customer now, and why. Its `id` names this start of it: the same action holding again after it ended has a new id. */
export type Action = Node & {
  __typename?: 'Action';
  /** Whom it is for. */
  customer: Customer;
  /** Opaque global id of this start of the action (`node` finds it while it holds and is shown). */
  id: Scalars['ID']['output'];
  /** The rule that holds. */
  kind: ActionKind;
  /** How urgent it is. */
  priority: TicketPriority;
  /** In words, naming the facts behind it. */
  reason: Scalars['String']['output'];
  /** When it started to hold (found by a write or the scheduler). */
  since: Scalars['DateTime']['output'];
  /** The team that acts on it. */
  team: Team;
};

/** A next-best-action that started to hold. */
export type ActionChange = Change & {
  __typename?: 'ActionChange';
  /** The action as it is now. */
  action: Action;
  /** Resubscribe with `after: cursor` to receive what came after this change. */
  cursor: Scalars['String']['output'];
  /** When the write committed. */
  occurredAt: Scalars['DateTime']['output'];
  /** What the write did. */
  type: ChangeType;
};

/** One page of a list, in the list's order (see the field). */
export type ActionConnection = {
  __typename?: 'ActionConnection';
  /** The items of this page, in order. */
  edges: Array<ActionEdge>;
  /** Where this page sits in the list. */
  pageInfo: PageInfo;
  /** Number of items matching the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** One item of a page, with its position in the list. */
export type ActionEdge = {
  __typename?: 'ActionEdge';
  /** Opaque position of this item: pass it as `after` to read the items after it. */
  cursor: Scalars['String']['output'];
  /** The item. */
  node: Action;
};

/** Actions matching every given condition; lists mean any of. */
export type ActionFilter = {
  /** Any of these rules. */
  kind: InputMaybe<Array<ActionKind>>;
  /** Any of these priorities. */
  priority: InputMaybe<Array<TicketPriority>>;
  /** Customers of exactly this segment. */
  segment: InputMaybe<Scalars['String']['input']>;
  /** Any of these teams. */
  team: InputMaybe<Array<Team>>;
};

/** A next-best-action's rule (docs/domain.md "Next-best-actions"). */
export type ActionKind =
  /** Latest NPS (at most 90 days old) a promoter, no open ticket, no `referral` or `review` touchpoint in 180 days (MARKETING, LOW). */
  | 'ASK_FOR_REFERRAL'
  /** Latest NPS (at most 30 days old) a detractor, no SUPPORT or SALES touchpoint since (SUPPORT, HIGH). */
  | 'RECOVER_DETRACTOR'
  /** A follow-up is DUE (SUPPORT, NORMAL). */
  | 'REQUEST_FEEDBACK'
  /** An open ticket is AT_RISK or BREACHED (SUPPORT, URGENT). */
  | 'RESOLVE_SLA_RISK'
  /** Stage RETENTION or ADVOCACY, not churned, no touchpoint in 60 days (MARKETING, NORMAL). */
  | 'RE_ENGAGE'
  /** Health AT_RISK, lifetime value above 0, not churned (SALES, HIGH). */
  | 'SAVE_AT_RISK';

/** One write: who (key name and role), what, when, which ids. */
export type AuditEntry = {
  __typename?: 'AuditEntry';
  /** The mutation, e.g. recordTouchpoints. */
  action: Scalars['String']['output'];
  /** Counts and changed field names; never PII. */
  details: Scalars['JSON']['output'];
  /** The name of the key that wrote. */
  keyName: Scalars['String']['output'];
  /** When the write was committed. */
  occurredAt: Scalars['DateTime']['output'];
  /** That key's role. */
  role: Role;
  /** Global ids written. */
  targetIds: Array<Scalars['ID']['output']>;
};

/** One page of a list, in the list's order (see the field). */
export type AuditEntryConnection = {
  __typename?: 'AuditEntryConnection';
  /** The items of this page, in order. */
  edges: Array<AuditEntryEdge>;
  /** Where this page sits in the list. */
  pageInfo: PageInfo;
  /** Number of items matching the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** One item of a page, with its position in the list. */
export type AuditEntryEdge = {
  __typename?: 'AuditEntryEdge';
  /** Opaque position of this item: pass it as `after` to read the items after it. */
  cursor: Scalars['String']['output'];
  /** The item. */
  node: AuditEntry;
};

/** Entries matching every condition given. */
export type AuditLogFilter = {
  /** Any of these mutations, e.g. ["eraseCustomer"]. */
  action: InputMaybe<Array<Scalars['String']['input']>>;
  /** Entries at or after this moment. */
  from: InputMaybe<Scalars['DateTime']['input']>;
  /** Writes by this key name. */
  keyName: InputMaybe<Scalars['String']['input']>;
  /** Entries that wrote this object. */
  targetId: InputMaybe<Scalars['ID']['input']>;
  /** Entries before this moment. */
  to: InputMaybe<Scalars['DateTime']['input']>;
};

/** An export or import job of one key, and its file. */
export type BulkOperation = Node & {
  __typename?: 'BulkOperation';
  /** When it COMPLETED, FAILED or was CANCELED; null before. */
  completedAt: Maybe<Scalars['DateTime']['output']>;
  /** When it was asked for. */
  createdAt: Scalars['DateTime']['output'];
  /** Why it FAILED, e.g. FORBIDDEN, KEY_REVOKED, UPLOAD_MISSING. */
  errorCode: Maybe<Scalars['String']['output']>;
  /** Import lines that had errors. */
  errorCount: Scalars['Int']['output'];
  /** Bytes of the file (export lines or import error report) so far; null over 2 GiB (GraphQL's Int). */
  fileSize: Maybe<Scalars['Int']['output']>;
  /** Opaque global id. */
  id: Scalars['ID']['output'];
  /** EXPORT or IMPORT. */
  kind: BulkOperationKind;
  /** Lines written (export: nodes, nested ones included) or lines of the file processed (import) so far. */
  objectCount: Scalars['Int']['output'];
  /** Where it stands. */
  status: BulkOperationStatus;
  /** Once COMPLETED: where to GET the file (the export's JSONL, or the import's error report: one JSON line per error with `line`, `path`, `message`, `code`), with this key's Authorization header. Relative to the API's origin; signed, it works for this key only and expires (ask again for a fresh one). Null again once the file was deleted, CX360_BULK_FILE_RETENTION_HOURS after it finished (a URL kept from before answers 410 GONE). */
  url: Maybe<Scalars['String']['output']>;
};

/** One page of a list, in the list's order (see the field). */
export type BulkOperationConnection = {
  __typename?: 'BulkOperationConnection';
  /** The items of this page, in order. */
  edges: Array<BulkOperationEdge>;
  /** Where this page sits in the list. */
  pageInfo: PageInfo;
  /** Number of items matching the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** One item of a page, with its position in the list. */
export type BulkOperationEdge = {
  __typename?: 'BulkOperationEdge';
  /** Opaque position of this item: pass it as `after` to read the items after it. */
  cursor: Scalars['String']['output'];
  /** The item. */
  node: BulkOperation;
};

/** What a bulk operation does. */
export type BulkOperationKind =
  /** Runs a read query over every page; its file holds one line per node. */
  | 'EXPORT'
  /** Runs a mutation once per line of an uploaded JSONL file. */
  | 'IMPORT';

/** The bulk operation as it stands, or what was wrong. */
export type BulkOperationPayload = {
  __typename?: 'BulkOperationPayload';
  /** The operation; null on a user error. */
  bulkOperation: Maybe<BulkOperation>;
  /** What was wrong with the input, by path; empty when the write happened. */
  userErrors: Array<UserError>;
};

/** Where a bulk operation stands. */
export type BulkOperationStatus =
  /** Canceled by its key; nothing more is written. */
  | 'CANCELED'
  /** Done: `url` gives the file (an export's lines, an import's errors). */
  | 'COMPLETED'
  /** Waiting for a server process to start it. */
  | 'CREATED'
  /** Stopped by an error: `errorCode` says which. */
  | 'FAILED'
  /** Running; `objectCount` grows as it goes. */
  | 'RUNNING';

/** Working time: only these hours count toward a target. */
export type BusinessCalendar = {
  __typename?: 'BusinessCalendar';
  /** Local closing time on working days, HH:MM. */
  closesAt: Scalars['String']['output'];
  /** Local opening time on working days, HH:MM. */
  opensAt: Scalars['String']['output'];
  /** IANA time zone, e.g. Europe/Berlin. */
  timeZone: Scalars['String']['output'];
  /** Working days, ISO: 1 Monday - 7 Sunday. */
  weekdays: Array<Scalars['Int']['output']>;
};

/** Working hours: one window per working day, local time. */
export type BusinessCalendarInput = {
  /** HH:MM, after opensAt, e.g. 17:00. */
  closesAt: Scalars['String']['input'];
  /** HH:MM, e.g. 09:00. */
  opensAt: Scalars['String']['input'];
  /** IANA time zone, e.g. Europe/Berlin. */
  timeZone: Scalars['String']['input'];
  /** Working days, ISO numbers 1 (Monday) - 7 (Sunday), each once. */
  weekdays: Array<Scalars['Int']['input']>;
};

/** A committed change, with its cursor. */
export type Change = {
  /** Resubscribe with `after: cursor` to receive what came after this change. */
  cursor: Scalars['String']['output'];
  /** When the write committed. */
  occurredAt: Scalars['DateTime']['output'];
  /** What the write did. */
  type: ChangeType;
};

/** What a committed write did; subscriptions and webhooks carry it. */
export type ChangeType =
  /** A next-best-action started to hold for a customer (by a write or by time alone); once per start, never for a dismissed action (the record is the action). Not for PARTNER. */
  | 'ACTION_STARTED'
  /** A resolved ticket's follow-up passed its window while DUE (the record is the ticket). */
  | 'FOLLOW_UP_MISSED'
  /** A survey invitation was sent (the payload never holds its token: docs/webhooks.md). */
  | 'SURVEY_INVITATION_SENT'
  /** A survey response was submitted. */
  | 'SURVEY_RESPONSE_RECORDED'
  /** A ticket was opened. */
  | 'TICKET_OPENED'
  /** A ticket's SLA state became AT_RISK (by time alone or by a write); once each time it enters the state. Not for PARTNER. */
  | 'TICKET_SLA_AT_RISK'
  /** A ticket's SLA state became BREACHED (by time alone or by a write); once each time it enters the state. Not for PARTNER. */
  | 'TICKET_SLA_BREACHED'
  /** A ticket moved (assigned, answered, resolved, ...) or was edited. */
  | 'TICKET_UPDATED'
  /** A touchpoint was recorded (duplicates by external id are not). */
  | 'TOUCHPOINT_RECORDED';

/** Where an interaction happened. */
export type Channel =
  /** Paid advertising. */
  | 'ADS'
  /** The mobile or desktop app. */
  | 'APP'
  /** Live chat. */
  | 'CHAT'
  /** Email. */
  | 'EMAIL'
  /** Face to face: a store, an event, a visit. */
  | 'IN_PERSON'
  /** Phone calls. */
  | 'PHONE'
  /** Review sites. */
  | 'REVIEW'
  /** Help center and other self-service. */
  | 'SELF_SERVICE'
  /** Text messages. */
  | 'SMS'
  /** Social networks. */
  | 'SOCIAL'
  /** The website. */
  | 'WEB';

/** A new customer; the email must not belong to another customer. */
export type CreateCustomerInput = {
  /** Free-form JSON object of other systems' data. */
  attributes: InputMaybe<Scalars['JSON']['input']>;
  /** The company the customer belongs to. */
  company: InputMaybe<Scalars['String']['input']>;
  /** Trimmed and lower-cased when stored; unique. */
  email: InputMaybe<Scalars['String']['input']>;
  /** Ids other systems know the customer under. */
  externalIds: InputMaybe<Array<ExternalIdInput>>;
  /** Full name; required, not blank. */
  name: Scalars['String']['input'];
  /** E.164, e.g. +447700900123. */
  phone: InputMaybe<Scalars['String']['input']>;
  /** Free label: enterprise, smb, consumer... */
  segment: InputMaybe<Scalars['String']['input']>;
};

/** The scale follows the kind: NPS 0-10, CSAT 1-5, CES 1-7. */
export type CreateSurveyInput = {
  /** NPS, CSAT or CES; fixes the scale. */
  kind: SurveyKind;
  /** The question as asked; not blank. */
  question: Scalars['String']['input'];
};

/** An endpoint to register. */
export type CreateWebhookEndpointInput = {
  /** ACTION_STARTED only for actions passing it. */
  actionFilter: InputMaybe<ActionFilter>;
  /** What it is for (up to 500 characters). */
  description: InputMaybe<Scalars['String']['input']>;
  /** At least one. */
  eventTypes: Array<ChangeType>;
  /** Whose field rules shape payloads; it must be allowed to read them. */
  role: Role;
  /** SURVEY_RESPONSE_RECORDED only for responses passing it. */
  surveyResponseFilter: InputMaybe<SurveyResponseFilter>;
  /** TICKET_* only for tickets passing it. */
  ticketFilter: InputMaybe<TicketFilter>;
  /** TOUCHPOINT_RECORDED only for touchpoints passing it. */
  touchpointFilter: InputMaybe<TouchpointFilter>;
  /** Public https URL (http allowed outside production). */
  url: Scalars['String']['input'];
};

/** One person or account contact the company serves. */
export type Customer = Node & {
  __typename?: 'Customer';
  /** Free-form JSON object of other systems' data. */
  attributes: Maybe<Scalars['JSON']['output']>;
  /** Null while the customer is active. */
  churnedAt: Maybe<Scalars['DateTime']['output']>;
  /** The company the customer belongs to, if any. */
  company: Maybe<Scalars['String']['output']>;
  /** When the customer was created in cx360 (or imported). */
  createdAt: Scalars['DateTime']['output'];
  /** Trimmed and lower-cased; unique. PII: masked (j***@example.com) for roles without personal data. */
  email: Maybe<Scalars['String']['output']>;
  /** Set once the customer was erased (GDPR); the record stays as a tombstone. */
  erasedAt: Maybe<Scalars['DateTime']['output']>;
  /** The ids other systems know this customer under. */
  externalIds: Array<ExternalId>;
  /** Health as of `asOf` (default now), with the reasons in words. */
  health: CustomerHealth;
  /** When the stored health (what `health` without `asOf` reads, and what filters and orders by health use) was last recomputed. */
  healthUpdatedAt: Maybe<Scalars['DateTime']['output']>;
  /** Opaque global id; ids of merged customers resolve to this survivor. */
  id: Scalars['ID']['output'];
  /** Sum of all the customer's purchase values. */
  lifetimeValue: Scalars['Decimal']['output'];
  /** Customers merged into this one, oldest first; `unmergeCustomer` restores them. */
  mergedFrom: Array<Customer>;
  /** This customer's metrics (their records only) over a window. */
  metrics: Metrics;
  /** Full name, as given. */
  name: Scalars['String']['output'];
  /** What teams should do for this customer now (dismissed ones hidden): URGENT first, then in the rule table's order. */
  nextBestActions: Array<Action>;
  /** E.164. PII: masked (+44 ••• ••• 123) for roles without personal data. */
  phone: Maybe<Scalars['String']['output']>;
  /** Free label: enterprise, smb, consumer... */
  segment: Maybe<Scalars['String']['output']>;
  /** The furthest journey stage reached; AWARENESS without touchpoints. */
  stage: JourneyStage;
  /** Newest first. Page size 1-100 (default 20); `after` takes an `endCursor` of this list. */
  surveyResponses: SurveyResponseConnection;
  /** Newest first unless ordered. Page size 1-100 (default 20); `after` takes an `endCursor` of this list. */
  tickets: TicketConnection;
  /** Touchpoints, tickets and survey responses together, newest first: the kinds this key's role may read (PARTNER: touchpoints). Page size 1-100 (default 20); `after` takes an `endCursor` of this list. */
  timeline: TimelineConnection;
  /** Newest first. Page size 1-100 (default 20); `after` takes an `endCursor` of this list. */
  touchpoints: TouchpointConnection;
};


/** One person or account contact the company serves. */
export type CustomerHealthArgs = {
  asOf?: InputMaybe<Scalars['DateTime']['input']>;
};


/** One person or account contact the company serves. */
export type CustomerMetricsArgs = {
  filter?: InputMaybe<MetricsFilter>;
};


/** One person or account contact the company serves. */
export type CustomerSurveyResponsesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<SurveyResponseFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/** One person or account contact the company serves. */
export type CustomerTicketsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<TicketFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  orderBy?: InputMaybe<TicketOrder>;
};


/** One person or account contact the company serves. */
export type CustomerTimelineArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<TimelineFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/** One person or account contact the company serves. */
export type CustomerTouchpointsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<TouchpointFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

/** One page of a list, in the list's order (see the field). */
export type CustomerConnection = {
  __typename?: 'CustomerConnection';
  /** The items of this page, in order. */
  edges: Array<CustomerEdge>;
  /** Where this page sits in the list. */
  pageInfo: PageInfo;
  /** Number of items matching the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** One item of a page, with its position in the list. */
export type CustomerEdge = {
  __typename?: 'CustomerEdge';
  /** Opaque position of this item: pass it as `after` to read the items after it. */
  cursor: Scalars['String']['output'];
  /** The item. */
  node: Customer;
};

/** Customers matching every given condition. */
export type CustomerFilter = {
  /** true: churned customers only; false: active ones only. */
  churned: InputMaybe<Scalars['Boolean']['input']>;
  /** createdAt >= this. */
  createdFrom: InputMaybe<Scalars['DateTime']['input']>;
  /** createdAt < this. */
  createdTo: InputMaybe<Scalars['DateTime']['input']>;
  /** Customers with this next-best-action shown now. */
  hasAction: InputMaybe<ActionKind>;
  /** Customers whose health, as of now, is at this level. */
  healthLevel: InputMaybe<HealthLevel>;
  /** Case-insensitive substring of name, email or company (name and company only for roles without personal data). */
  search: InputMaybe<Scalars['String']['input']>;
  /** Exactly this segment label. */
  segment: InputMaybe<Scalars['String']['input']>;
  /** Customers whose furthest stage is this one. */
  stage: InputMaybe<JourneyStage>;
};

/** Proactive CX: 100 minus the rules that fire, floored at 0. */
export type CustomerHealth = {
  __typename?: 'CustomerHealth';
  /** The score's band: HEALTHY, WATCH or AT_RISK. */
  level: HealthLevel;
  /** Each rule that fired, in words; empty when healthy. */
  reasons: Array<Scalars['String']['output']>;
  /** 0-100: starts at 100, each rule that fires takes points off. */
  score: Scalars['Int']['output'];
};

/** How to sort customers. */
export type CustomerOrder = {
  /** Ascending or descending; ties are broken by id. */
  direction: SortDirection;
  /** What to sort by. */
  field: CustomerOrderField;
};

/** LIFETIME_VALUE is the sum of all the customer's purchases; HEALTH_SCORE the stored (current) health score. */
export type CustomerOrderField =
  /** When the customer was created. */
  | 'CREATED_AT'
  /** The stored (current) health score; ties by id. */
  | 'HEALTH_SCORE'
  /** The sum of all the customer's purchase values. */
  | 'LIFETIME_VALUE'
  /** Name, in the database's text order. */
  | 'NAME';

/** The customer written, or why not. */
export type CustomerPayload = {
  __typename?: 'CustomerPayload';
  /** The customer as stored after the write; null on errors. */
  customer: Maybe<Customer>;
  /** What was wrong with the input, by path; empty when the write happened. */
  userErrors: Array<UserError>;
};

/** Names a customer by exactly one of id, email or external id. */
export type CustomerRef = {
  /** The customer's email, in any case. */
  email: InputMaybe<Scalars['String']['input']>;
  /** An id another system knows the customer under. */
  externalId: InputMaybe<ExternalIdInput>;
  /** The id of the customer (the `id` this API returned). */
  id: InputMaybe<Scalars['ID']['input']>;
};

/** Which endpoint was deleted, or what was wrong. */
export type DeleteWebhookEndpointPayload = {
  __typename?: 'DeleteWebhookEndpointPayload';
  /** Null on a user error. */
  deletedId: Maybe<Scalars['ID']['output']>;
  /** What was wrong with the input, by path; empty when the write happened. */
  userErrors: Array<UserError>;
};

/** Where a webhook delivery stands. */
export type DeliveryStatus =
  /** The endpoint answered 2xx. */
  | 'DELIVERED'
  /** Every attempt failed; `replayWebhookDelivery` sends it again. */
  | 'FAILED'
  /** Not delivered yet: the first attempt or a retry is due. */
  | 'PENDING';

/** One value a filter takes, and how many records carry it. */
export type DimensionValue = {
  __typename?: 'DimensionValue';
  /** Records carrying this value (which records: see the list's description). */
  count: Scalars['Int']['output'];
  /** Exactly as filters take it: `smb` for `segment`, `WEB` for `channel`. */
  value: Scalars['String']['output'];
};

/** What there is to filter by: each dimension's values in the data, with counts. A filter value not listed here matches nothing (a misspelt segment gives zeros, not an error). Each list needs read access to the records it counts; a refused list is null with a FORBIDDEN error, the others still answer. */
export type Dimensions = {
  __typename?: 'Dimensions';
  /** Channels of touchpoints (`channel` in metrics and touchpoint filters), with the number of touchpoints on each. Most used first; a value no record carries is not listed. */
  channels: Maybe<Array<DimensionValue>>;
  /** Touchpoint kinds (`kind` in touchpoint filters; `purchase` is the one revenue counts), with the number of touchpoints of each. Most used first; a value no record carries is not listed. */
  kinds: Maybe<Array<DimensionValue>>;
  /** Customer segments (`segment` in metrics and customer filters), with the number of customers in each; merged duplicates are not counted. Most used first; a value no record carries is not listed. */
  segments: Maybe<Array<DimensionValue>>;
  /** Touchpoint sources (the reporting systems), with the number of touchpoints from each. Most used first; a value no record carries is not listed. */
  sources: Maybe<Array<DimensionValue>>;
  /** Teams of touchpoints (`team` in metrics and touchpoint filters), with the number of touchpoints of each. Most used first; a value no record carries is not listed. */
  teams: Maybe<Array<DimensionValue>>;
  /** Channels of tickets (`channel` in metrics and ticket filters), with the number of tickets on each. Most used first; a value no record carries is not listed. */
  ticketChannels: Maybe<Array<DimensionValue>>;
};

/** Hide one action of one customer until a date. */
export type DismissActionInput = {
  /** The customer. */
  customerId: Scalars['ID']['input'];
  /** The action to dismiss (shown now). */
  kind: ActionKind;
  /** Why (up to 500 characters); kept, audited. */
  reason: Scalars['String']['input'];
  /** Hidden until this moment (in the future), unless its facts change first. */
  until: Scalars['DateTime']['input'];
};

/** The customer with its actions now, or what was wrong. */
export type DismissActionPayload = {
  __typename?: 'DismissActionPayload';
  /** Null on a user error. */
  customer: Maybe<Customer>;
  /** What was wrong with the input, by path; empty when the write happened. */
  userErrors: Array<UserError>;
};

/** Seconds. Median and p90 are continuous percentiles (linear interpolation). */
export type DurationStats = {
  __typename?: 'DurationStats';
  /** How many durations the figures describe. */
  count: Scalars['Int']['output'];
  /** Average seconds; null without data. */
  mean: Maybe<Scalars['Float']['output']>;
  /** Median seconds (continuous percentile); null without data. */
  median: Maybe<Scalars['Float']['output']>;
  /** 90th percentile in seconds (continuous); null without data. */
  p90: Maybe<Scalars['Float']['output']>;
};

/** The erased customer's id, or why not. */
export type EraseCustomerPayload = {
  __typename?: 'EraseCustomerPayload';
  /** The id of the tombstone left behind. */
  erasedCustomerId: Maybe<Scalars['ID']['output']>;
  /** What was wrong with the input, by path; empty when the write happened. */
  userErrors: Array<UserError>;
};

/** An identifier another system (CRM, helpdesk...) uses. */
export type ExternalId = {
  __typename?: 'ExternalId';
  /** The customer's id in that system. */
  id: Scalars['String']['output'];
  /** The other system, e.g. crm or helpdesk. */
  source: Scalars['String']['output'];
};

/** An id another system uses for the customer. */
export type ExternalIdInput = {
  /** The customer's id in that system. */
  id: Scalars['String']['input'];
  /** The other system, e.g. crm or helpdesk. */
  source: Scalars['String']['input'];
};

/** A RESOLVED or CLOSED ticket's satisfaction check. */
export type FollowUp = {
  __typename?: 'FollowUp';
  /** The resolution that started it. */
  dueSince: Scalars['DateTime']['output'];
  /** dueSince + the follow-up window: DUE turns MISSED at this moment. */
  expiresAt: Scalars['DateTime']['output'];
  /** The invitation sent for the ticket; null until one is. */
  invitation: Maybe<SurveyInvitation>;
  /** Kept current by writes and the clock. */
  state: FollowUpState;
  /** The resolved ticket. */
  ticket: Ticket;
};

/** One page of a list, in the list's order (see the field). */
export type FollowUpConnection = {
  __typename?: 'FollowUpConnection';
  /** The items of this page, in order. */
  edges: Array<FollowUpEdge>;
  /** Where this page sits in the list. */
  pageInfo: PageInfo;
  /** Number of items matching the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** One item of a page, with its position in the list. */
export type FollowUpEdge = {
  __typename?: 'FollowUpEdge';
  /** Opaque position of this item: pass it as `after` to read the items after it. */
  cursor: Scalars['String']['output'];
  /** The item. */
  node: FollowUp;
};

/** Follow-ups matching every given condition; lists mean any of. */
export type FollowUpFilter = {
  /** Tickets assigned to exactly this person. */
  assignee: InputMaybe<Scalars['String']['input']>;
  /** Tickets of any of these channels. */
  channel: InputMaybe<Array<Channel>>;
  /** Tickets of any of these priorities. */
  priority: InputMaybe<Array<TicketPriority>>;
  /** Any of these states. */
  state: InputMaybe<Array<FollowUpState>>;
};

/** Where a resolved ticket's satisfaction check stands. */
export type FollowUpState =
  /** A survey response is linked to the ticket. */
  | 'ANSWERED'
  /** Resolved, no invitation sent and no response linked yet (within the window). */
  | 'DUE'
  /** The window (7 days by default) passed while it was DUE. */
  | 'MISSED'
  /** A survey invitation was sent for the ticket. */
  | 'SENT';

/** One journey stage of the funnel. */
export type FunnelStep = {
  __typename?: 'FunnelStep';
  /** reached / reached of the previous stage; null for the first stage. */
  conversion: Maybe<Scalars['Float']['output']>;
  /** Distinct customers with a touchpoint in the window at this stage or later. */
  reached: Scalars['Int']['output'];
  /** The stage. */
  stage: JourneyStage;
};

/** HEALTHY >= 75 > WATCH >= 50 > AT_RISK (health score). */
export type HealthLevel =
  /** Score under 50: act now. */
  | 'AT_RISK'
  /** Score 75 or more. */
  | 'HEALTHY'
  /** Score 50 to 74: keep an eye on them. */
  | 'WATCH';

/** Bucket size; buckets are aligned to UTC calendar boundaries. */
export type Interval =
  /** Calendar days, 00:00 UTC to 00:00 UTC. */
  | 'DAY'
  /** Calendar months, from the 1st 00:00 UTC. */
  | 'MONTH'
  /** ISO weeks, from Monday 00:00 UTC. */
  | 'WEEK';

/** Journey stages in order: AWARENESS < CONSIDERATION < DECISION < RETENTION < ADVOCACY. */
export type JourneyStage =
  /** Recommends us: reviews, referrals. */
  | 'ADVOCACY'
  /** Has heard of us: an ad, a post, a first visit. */
  | 'AWARENESS'
  /** Is evaluating: comparing, reading, asking questions. */
  | 'CONSIDERATION'
  /** Is deciding: a trial, a demo, a quote. */
  | 'DECISION'
  /** Is a customer: buying, using, renewing. */
  | 'RETENTION';

/** Duplicates to fold into one customer. */
export type MergeCustomersInput = {
  /** Customers whose records move to the survivor (1-50). */
  mergedIds: Array<Scalars['ID']['input']>;
  /** The customer that stays and receives every record. */
  survivorId: Scalars['ID']['input'];
};

/** What a metric means, as computed. */
export type MetricDefinition = {
  __typename?: 'MetricDefinition';
  /** How it is computed, in words (docs/domain.md). */
  definition: Scalars['String']['output'];
  /** The metric's field name in `Metrics`. */
  name: Scalars['String']['output'];
};

/** CX metrics over a window; see `definitions` for every formula. */
export type Metrics = {
  __typename?: 'Metrics';
  /** Customers created before `from` and not churned before `from`; with no `from`, all customers created before `to`. Merged duplicates are not counted. */
  activeCustomers: Scalars['Int']['output'];
  /** Over customers created before `to`: their purchase value up to `to` (no lower bound) summed, divided by their number; rounded to the cent, half to even (0.125 is 0.12). */
  averageLifetimeValue: Maybe<Scalars['Decimal']['output']>;
  /** Customer effort score: mean CES score (1-7, higher = easier) in the window. */
  ces: Maybe<Scalars['Float']['output']>;
  /** CES responses in the window. */
  cesResponses: Scalars['Int']['output'];
  /** Sum of CES scores in the window (the numerator of ces). */
  cesScoreSum: Scalars['Int']['output'];
  /** churnedCustomers / activeCustomers, 0..1. */
  churnRate: Maybe<Scalars['Float']['output']>;
  /** Of activeCustomers, those whose churnedAt falls in the window. */
  churnedCustomers: Scalars['Int']['output'];
  /** Customer satisfaction, 0..100: 100 * CSAT responses scoring 4 or 5 / CSAT responses in the window. Null without responses. */
  csat: Maybe<Scalars['Float']['output']>;
  /** CSAT responses in the window. */
  csatResponses: Scalars['Int']['output'];
  /** CSAT responses scoring 4 or 5 (the numerator of csat). */
  csatSatisfied: Scalars['Int']['output'];
  /** NPS responses scoring 0 to 6. */
  detractors: Scalars['Int']['output'];
  /** Of the tickets created in the window now RESOLVED or CLOSED, the share with contactCount = 1 and reopenCount = 0, 0..1. */
  firstContactResolutionRate: Maybe<Scalars['Float']['output']>;
  /** Resolved or closed tickets created in the window with one contact and no reopening (the numerator of firstContactResolutionRate). */
  firstContactResolvedTickets: Scalars['Int']['output'];
  /** Of the tickets created in the window whose first response target is decided (responded, or the due time passed by now), the share responded by the due time (firstResponseSlaMet / firstResponseSlaDecided), 0..1. */
  firstResponseSla: Maybe<Scalars['Float']['output']>;
  /** Tickets created in the window responded to, or past firstResponseDueAt now (the denominator of firstResponseSla). */
  firstResponseSlaDecided: Scalars['Int']['output'];
  /** Tickets created in the window first responded to at or before firstResponseDueAt (the numerator of firstResponseSla). */
  firstResponseSlaMet: Scalars['Int']['output'];
  /** Tickets created in the window that have a first response: seconds from createdAt to firstResponseAt (count, mean, median, p90). */
  firstResponseTime: DurationStats;
  /** Customers created before `to` (the denominator of averageLifetimeValue). */
  lifetimeValueCustomers: Scalars['Int']['output'];
  /** Purchase value up to `to` of customers created before `to` (the numerator of averageLifetimeValue). */
  lifetimeValueTotal: Scalars['Decimal']['output'];
  /** Net Promoter Score, -100..100: 100 * (promoters - detractors) / NPS responses in the window; promoter = 9-10, passive = 7-8, detractor = 0-6. Null without responses. */
  nps: Maybe<Scalars['Float']['output']>;
  /** NPS responses in the window. */
  npsResponses: Scalars['Int']['output'];
  /** NPS responses scoring 7 or 8. */
  passives: Scalars['Int']['output'];
  /** NPS responses scoring 9 or 10. */
  promoters: Scalars['Int']['output'];
  /** Tickets created in the window now RESOLVED or CLOSED / ticketVolume, 0..1. */
  resolutionRate: Maybe<Scalars['Float']['output']>;
  /** Of the tickets created in the window whose resolution target is decided (RESOLVED or CLOSED, or the due time passed by now), the share resolved by the due time (resolutionSlaMet / resolutionSlaDecided), 0..1. */
  resolutionSla: Maybe<Scalars['Float']['output']>;
  /** Tickets created in the window RESOLVED or CLOSED, or past resolutionDueAt now (the denominator of resolutionSla). */
  resolutionSlaDecided: Scalars['Int']['output'];
  /** Tickets created in the window RESOLVED or CLOSED with their last resolvedAt at or before resolutionDueAt (the numerator of resolutionSla). */
  resolutionSlaMet: Scalars['Int']['output'];
  /** Tickets created in the window that were resolved: seconds from createdAt to resolvedAt (count, mean, median, p90). */
  resolutionTime: DurationStats;
  /** Tickets created in the window now RESOLVED or CLOSED. */
  resolvedTickets: Scalars['Int']['output'];
  /** Sum of the value of `purchase` touchpoints in the window. */
  revenue: Scalars['Decimal']['output'];
  /** Of surveyInvitationsSent, those answered (the numerator of surveyResponseRate). */
  surveyInvitationsAnswered: Scalars['Int']['output'];
  /** Survey invitations sent in the window (the denominator of surveyResponseRate). */
  surveyInvitationsSent: Scalars['Int']['output'];
  /** Survey invitations sent in the window that were answered (with their token, at any time so far) / invitations sent in the window, 0..1. */
  surveyResponseRate: Maybe<Scalars['Float']['output']>;
  /** Tickets created in the window. */
  ticketVolume: Scalars['Int']['output'];
};

/** The metrics of one bucket ∩ [from, to); start/end show the whole bucket. */
export type MetricsBucket = {
  __typename?: 'MetricsBucket';
  /** The bucket's end (exclusive), UTC. */
  end: Scalars['DateTime']['output'];
  /** The metrics of the part of the bucket inside the window. */
  metrics: Metrics;
  /** The bucket's start (inclusive), UTC. */
  start: Scalars['DateTime']['output'];
};

/** The window [from, to) in UTC (either end may be open) and filters. */
export type MetricsFilter = {
  /** Tickets and touchpoints of this channel. */
  channel: InputMaybe<Channel>;
  /** The window starts here (inclusive); none: from the beginning. */
  from: InputMaybe<Scalars['DateTime']['input']>;
  /** Only customers of this segment and their records. */
  segment: InputMaybe<Scalars['String']['input']>;
  /** Touchpoints of this team. */
  team: InputMaybe<Team>;
  /** The window ends here (exclusive); none: up to now. */
  to: InputMaybe<Scalars['DateTime']['input']>;
};

/** Every write. One mutation is one transaction: on a user error nothing changes. */
export type Mutation = {
  __typename?: 'Mutation';
  /** Starts an export: the query (one connection at its top, connections nested in its nodes allowed, no variables) runs over every page under this key's role, one JSONL line per node; nested nodes are lines of their own with `__parentId`. One running bulk operation per key. */
  bulkExport: BulkOperationPayload;
  /** Starts an import: runs the mutation once per line of the uploaded file, the line's JSON object as its variables, under this key's role; lines with errors are listed in a report (the operation's `url`). A mutation's own idempotency holds (recordTouchpoints: a re-run stores nothing twice). */
  bulkImport: BulkOperationPayload;
  /** Cancels one of this key's CREATED or RUNNING bulk operations; what it wrote so far stays (an export's partial file is not served). */
  cancelBulkOperation: BulkOperationPayload;
  /** RESOLVED -> CLOSED (final); `at` not before resolution. */
  closeTicket: TicketPayload;
  /** Email is stored trimmed and lower-cased; it must be unique. */
  createCustomer: CustomerPayload;
  /** Creates a survey question of one kind. */
  createSurvey: SurveyPayload;
  /** Registers an endpoint; it receives changes committed from now on. */
  createWebhookEndpoint: WebhookEndpointPayload;
  /** Deletes an endpoint and its delivery history. */
  deleteWebhookEndpoint: DeleteWebhookEndpointPayload;
  /** Dismisses an action until a date (ADMIN, or a role of the action's team: SUPPORT, SALES, MARKETING); audited. */
  dismissAction: DismissActionPayload;
  /** GDPR erasure: name, email, phone, company, attributes, comments, summaries and external ids are removed for good; scores, purchases and ticket timings stay so metrics stay right. The customer remains as a tombstone (`erasedAt`). ADMIN only. */
  eraseCustomer: EraseCustomerPayload;
  /** Moves every record of the merged customers to the survivor, in one transaction. Merged ids keep resolving to the survivor; `unmergeCustomer` undoes it. */
  mergeCustomers: CustomerPayload;
  /** Opens a ticket (NEW) for a customer. */
  openTicket: TicketPayload;
  /** contactCount + 1; a PENDING ticket goes back to OPEN. */
  recordCustomerContact: TicketPayload;
  /** Records 1-1000 touchpoints. An event sent again (same source and externalId) is stored once and counted under `duplicates`. */
  recordTouchpoints: RecordTouchpointsPayload;
  /** RESOLVED -> OPEN; reopenCount + 1, resolvedAt cleared. */
  reopenTicket: TicketPayload;
  /** Sends a DELIVERED or FAILED delivery again (same body and event id, fresh signature and retries). */
  replayWebhookDelivery: WebhookDeliveryPayload;
  /** OPEN -> RESOLVED; `at` for imports, not before creation. */
  resolveTicket: TicketPayload;
  /** Sets firstResponseAt once; NEW -> OPEN. */
  respondToTicket: TicketPayload;
  /** A new signing secret, effective for the next attempt; the old one stops working at once. */
  rotateWebhookSecret: WebhookEndpointPayload;
  /** Sends a survey invitation (SUPPORT, MARKETING, ADMIN); the token is valid for 14 days and answers once. */
  sendSurveyInvitation: SurveyInvitationPayload;
  /** Sets a priority's SLA policy (ADMIN). Open tickets of that priority (NEW, OPEN, PENDING) get due times under it at once, still counted from their createdAt; RESOLVED and CLOSED tickets keep theirs. Audited. */
  setSlaPolicy: SlaPolicyPayload;
  /** OPEN -> PENDING (waiting on the customer). */
  setTicketPending: TicketPayload;
  /** Pauses (false) or resumes (true) an endpoint; changes committed while it is paused are not sent to it. */
  setWebhookEndpointActive: WebhookEndpointPayload;
  /** A URL to PUT one JSONL file to (one JSON object of variables per line), for `bulkImport`. */
  stagedUpload: StagedUploadPayload;
  /** The score must lie inside the survey's scale. */
  submitSurveyResponse: SurveyResponsePayload;
  /** Restores a merged customer with exactly the records it brought into the merge. */
  unmergeCustomer: CustomerPayload;
  /** A merged customer's id updates the survivor. */
  updateCustomer: CustomerPayload;
  /** Not on CLOSED tickets. */
  updateTicket: TicketPayload;
};


/** Every write. One mutation is one transaction: on a user error nothing changes. */
export type MutationBulkExportArgs = {
  query: Scalars['String']['input'];
};


/** Every write. One mutation is one transaction: on a user error nothing changes. */
export type MutationBulkImportArgs = {
  mutation: Scalars['String']['input'];
  uploadUrl: Scalars['String']['input'];
};


/** Every write. One mutation is one transaction: on a user error nothing changes. */
export type MutationCancelBulkOperationArgs = {
  id: Scalars['ID']['input'];
};


/** Every write. One mutation is one transaction: on a user error nothing changes. */
export type MutationCloseTicketArgs = {
  at?: InputMaybe<Scalars['DateTime']['input']>;
  id: Scalars['ID']['input'];
};


/** Every write. One mutation is one transaction: on a user error nothing changes. */
export type MutationCreateCustomerArgs = {
  input: CreateCustomerInput;
};


/** Every write. One mutation is one transaction: on a user error nothing changes. */
export type MutationCreateSurveyArgs = {
  input: CreateSurveyInput;
};


/** Every write. One mutation is one transaction: on a user error nothing changes. */
export type MutationCreateWebhookEndpointArgs = {
  input: CreateWebhookEndpointInput;
};


/** Every write. One mutation is one transaction: on a user error nothing changes. */
export type MutationDeleteWebhookEndpointArgs = {
  id: Scalars['ID']['input'];
};


/** Every write. One mutation is one transaction: on a user error nothing changes. */
export type MutationDismissActionArgs = {
  input: DismissActionInput;
};


/** Every write. One mutation is one transaction: on a user error nothing changes. */
export type MutationEraseCustomerArgs = {
  id: Scalars['ID']['input'];
};


/** Every write. One mutation is one transaction: on a user error nothing changes. */
export type MutationMergeCustomersArgs = {
  input: MergeCustomersInput;
};


/** Every write. One mutation is one transaction: on a user error nothing changes. */
export type MutationOpenTicketArgs = {
  input: OpenTicketInput;
};


/** Every write. One mutation is one transaction: on a user error nothing changes. */
export type MutationRecordCustomerContactArgs = {
  id: Scalars['ID']['input'];
};


/** Every write. One mutation is one transaction: on a user error nothing changes. */
export type MutationRecordTouchpointsArgs = {
  touchpoints: Array<TouchpointInput>;
};


/** Every write. One mutation is one transaction: on a user error nothing changes. */
export type MutationReopenTicketArgs = {
  id: Scalars['ID']['input'];
};


/** Every write. One mutation is one transaction: on a user error nothing changes. */
export type MutationReplayWebhookDeliveryArgs = {
  id: Scalars['ID']['input'];
};


/** Every write. One mutation is one transaction: on a user error nothing changes. */
export type MutationResolveTicketArgs = {
  at?: InputMaybe<Scalars['DateTime']['input']>;
  id: Scalars['ID']['input'];
};


/** Every write. One mutation is one transaction: on a user error nothing changes. */
export type MutationRespondToTicketArgs = {
  at?: InputMaybe<Scalars['DateTime']['input']>;
  id: Scalars['ID']['input'];
};


/** Every write. One mutation is one transaction: on a user error nothing changes. */
export type MutationRotateWebhookSecretArgs = {
  id: Scalars['ID']['input'];
};


/** Every write. One mutation is one transaction: on a user error nothing changes. */
export type MutationSendSurveyInvitationArgs = {
  input: SendSurveyInvitationInput;
};


/** Every write. One mutation is one transaction: on a user error nothing changes. */
export type MutationSetSlaPolicyArgs = {
  input: SlaPolicyInput;
};


/** Every write. One mutation is one transaction: on a user error nothing changes. */
export type MutationSetTicketPendingArgs = {
  id: Scalars['ID']['input'];
};


/** Every write. One mutation is one transaction: on a user error nothing changes. */
export type MutationSetWebhookEndpointActiveArgs = {
  active: Scalars['Boolean']['input'];
  id: Scalars['ID']['input'];
};


/** Every write. One mutation is one transaction: on a user error nothing changes. */
export type MutationSubmitSurveyResponseArgs = {
  input: SurveyResponseInput;
};


/** Every write. One mutation is one transaction: on a user error nothing changes. */
export type MutationUnmergeCustomerArgs = {
  id: Scalars['ID']['input'];
};


/** Every write. One mutation is one transaction: on a user error nothing changes. */
export type MutationUpdateCustomerArgs = {
  id: Scalars['ID']['input'];
  input: UpdateCustomerInput;
};


/** Every write. One mutation is one transaction: on a user error nothing changes. */
export type MutationUpdateTicketArgs = {
  id: Scalars['ID']['input'];
  input: UpdateTicketInput;
};

/** An object with an opaque global id, fetchable with `node(id:)`. */
export type Node = {
  /** Opaque global id. */
  id: Scalars['ID']['output'];
};

/** A new support case, opened NEW. */
export type OpenTicketInput = {
  /** The agent who owns it, if known. */
  assignee: InputMaybe<Scalars['String']['input']>;
  /** Where the customer opened it. */
  channel: Channel;
  /** Defaults to now; for importing history. */
  createdAt: InputMaybe<Scalars['DateTime']['input']>;
  /** Who opened it. */
  customer: CustomerRef;
  /** How urgent it is; default NORMAL. */
  priority: InputMaybe<TicketPriority>;
  /** What the case is about; not blank. */
  subject: Scalars['String']['input'];
};

/** Where this page sits in the whole list. */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** The cursor of the last item on this page: pass it as `after` for the next page; null when the page is empty. */
  endCursor: Maybe<Scalars['String']['output']>;
  /** More items follow: ask again with `after: endCursor`. */
  hasNextPage: Scalars['Boolean']['output'];
  /** This page was asked for with `after` (items come before it). */
  hasPreviousPage: Scalars['Boolean']['output'];
  /** The cursor of the first item on this page; null when it is empty. */
  startCursor: Maybe<Scalars['String']['output']>;
};

/** Where the journey hurts: one stage and channel over the window and scope. */
export type PainPoint = {
  __typename?: 'PainPoint';
  /** The channel of this row's touchpoints. */
  channel: Channel;
  /** Distinct customers of those touchpoints (the denominator of ticketRate and stalled). */
  customers: Scalars['Int']['output'];
  /** Of the touchpoints carrying a sentiment, the share with sentiment < 0 (negativeTouchpoints / sentimentTouchpoints), 0..1; null if none carries one. */
  negativeShare: Maybe<Scalars['Float']['output']>;
  /** This row's touchpoints with sentiment < 0 (the numerator of negativeShare). */
  negativeTouchpoints: Scalars['Int']['output'];
  /** Mean sentiment of this row's touchpoints that carry one (sentimentSum / sentimentTouchpoints); null if none does. */
  sentiment: Maybe<Scalars['Float']['output']>;
  /** Sum of the sentiment of this row's touchpoints (the numerator of sentiment), in units of 10^-12: each value times 10^12 rounded to the nearest integer (half to even), added exactly, so the same whatever the order rows are added in. */
  sentimentSum: Scalars['Float']['output'];
  /** This row's touchpoints that carry a sentiment (the denominator of sentiment and negativeShare). */
  sentimentTouchpoints: Scalars['Int']['output'];
  /** The journey stage of this row's touchpoints. */
  stage: JourneyStage;
  /** Share of this row's customers with no touchpoint (any channel or team) at a later stage at any time before `to`: stalledCustomers / customers, 0..1; null for the last stage (ADVOCACY). */
  stalled: Maybe<Scalars['Float']['output']>;
  /** This row's customers who reached no later stage before `to` (the numerator of stalled); null for the last stage. */
  stalledCustomers: Maybe<Scalars['Int']['output']>;
  /** This row's customers with such a ticket (the numerator of ticketRate). */
  ticketCustomers: Scalars['Int']['output'];
  /** Share of this row's customers who opened a ticket within 7 days after one of their touchpoints in this row (0 < ticket.createdAt - occurredAt <= 7 days, the ticket inside the window or not): ticketCustomers / customers, 0..1. */
  ticketRate: Maybe<Scalars['Float']['output']>;
  /** Touchpoints of the scope in the window at this stage and channel. */
  touchpoints: Scalars['Int']['output'];
};

/** How to order pain points. */
export type PainPointOrder = {
  /** Ascending or descending; nulls last, ties by stage order then channel. */
  direction: SortDirection;
  /** The measure to sort by. */
  field: PainPointOrderField;
};

/** What to order pain points by. */
export type PainPointOrderField =
  /** By customers; nulls last in either direction, ties by stage order, then channel. */
  | 'CUSTOMERS'
  /** By negativeShare; nulls last in either direction, ties by stage order, then channel. */
  | 'NEGATIVE_SHARE'
  /** By sentiment; nulls last in either direction, ties by stage order, then channel. */
  | 'SENTIMENT'
  /** By stalled; nulls last in either direction, ties by stage order, then channel. */
  | 'STALLED'
  /** By ticketRate; nulls last in either direction, ties by stage order, then channel. */
  | 'TICKET_RATE'
  /** By touchpoints; nulls last in either direction, ties by stage order, then channel. */
  | 'TOUCHPOINTS';

/** Everything cx360 reads: customers, their journeys, tickets, surveys and metrics. */
export type Query = {
  __typename?: 'Query';
  /** The audit log, newest first (ADMIN only). Page size 1-100 (default 20); `after` takes an `endCursor` of this list. */
  auditLog: Maybe<AuditEntryConnection>;
  /** One of this key's bulk operations; null when missing or another key's. */
  bulkOperation: Maybe<BulkOperation>;
  /** This key's bulk operations, newest first. Page size 1-100 (default 20); `after` takes an `endCursor` of this list. */
  bulkOperations: BulkOperationConnection;
  /** A customer by id; a merged customer's id yields the survivor. */
  customer: Maybe<Customer>;
  /** A customer by email (matched trimmed and case-insensitively). Roles with personal data only: for the others an email is masked, and a lookup by it would tell whether a guessed address is a customer's. */
  customerByEmail: Maybe<Customer>;
  /** A customer by an id another system knows them under. */
  customerByExternalId: Maybe<Customer>;
  /** Customers (merged ones excluded), newest first unless ordered. Page size 1-100 (default 20); `after` takes an `endCursor` of this list. Filters and orderings on a field the role may not read are refused (FORBIDDEN). */
  customers: CustomerConnection;
  /** Every metric's definition, as this server computes it. */
  definitions: Array<MetricDefinition>;
  /** The values of segment, channel, team, kind and source that exist, with counts: check a filter value here when a figure reads zero. */
  dimensions: Dimensions;
  /** Everything held on a customer (GDPR access request): profile, external ids, merged records, touchpoints, tickets and survey responses. Null when missing. Roles with personal data only. */
  exportCustomer: Maybe<Scalars['JSON']['output']>;
  /** Follow-ups of resolved tickets, oldest due first. Page size 1-100 (default 20); `after` takes an `endCursor` of this list. */
  followUps: FollowUpConnection;
  /** Customers reaching each journey stage in the window. */
  journeyFunnel: Array<FunnelStep>;
  /** Journey pain points: one row per (stage, channel) with touchpoints of the scope in the window, each ratio with its numerator and denominator. Default order: stage order, then channel order. */
  journeyPainPoints: Array<PainPoint>;
  /** Metrics over a window and filters. */
  metrics: Metrics;
  /** The same metrics per DAY, WEEK (ISO, Monday) or MONTH bucket, empty buckets included. Without `from`, the last 30 days / 12 weeks / 12 months; without `to`, now. At most 400 buckets. */
  metricsSeries: Array<MetricsBucket>;
  /** Actions across customers (dismissed ones hidden), most urgent first: priority, then the longest holding. Page size 1-100 (default 20); `after` takes an `endCursor` of this list. */
  nextBestActions: ActionConnection;
  /** Any object by its global id; null when it does not exist. */
  node: Maybe<Node>;
  /** Objects by global id, in order; at most 100 ids. */
  nodes: Array<Maybe<Node>>;
  /** Who was shown which customer's unmasked email, phone or survey comment, newest first (ADMIN only); kept 400 days. This process's pending entries are written first; another server process's within `read_audit_flush_seconds`. Page size 1-100 (default 20); `after` takes an `endCursor` of this list. */
  readAudit: ReadAuditConnection;
  /** The SLA policy of every ticket priority (the domain's defaults unless an ADMIN set one), most urgent first. */
  slaPolicies: Array<SlaPolicy>;
  /** All surveys, newest first. Page size 1-100 (default 20); `after` takes an `endCursor` of this list. */
  surveys: SurveyConnection;
  /** All tickets, newest first unless ordered. Page size 1-100 (default 20); `after` takes an `endCursor` of this list. */
  tickets: TicketConnection;
  /** All touchpoints, newest first. Page size 1-100 (default 20); `after` takes an `endCursor` of this list. */
  touchpoints: TouchpointConnection;
  /** The API key making this request. */
  viewer: Viewer;
  /** Webhook deliveries with their outcome, newest first (ADMIN only). Page size 1-100 (default 20); `after` takes an `endCursor` of this list. */
  webhookDeliveries: Maybe<WebhookDeliveryConnection>;
  /** Webhook endpoints, newest first (ADMIN only). Page size 1-100 (default 20); `after` takes an `endCursor` of this list. */
  webhookEndpoints: Maybe<WebhookEndpointConnection>;
};


/** Everything cx360 reads: customers, their journeys, tickets, surveys and metrics. */
export type QueryAuditLogArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<AuditLogFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/** Everything cx360 reads: customers, their journeys, tickets, surveys and metrics. */
export type QueryBulkOperationArgs = {
  id: Scalars['ID']['input'];
};


/** Everything cx360 reads: customers, their journeys, tickets, surveys and metrics. */
export type QueryBulkOperationsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/** Everything cx360 reads: customers, their journeys, tickets, surveys and metrics. */
export type QueryCustomerArgs = {
  id: Scalars['ID']['input'];
};


/** Everything cx360 reads: customers, their journeys, tickets, surveys and metrics. */
export type QueryCustomerByEmailArgs = {
  email: Scalars['String']['input'];
};


/** Everything cx360 reads: customers, their journeys, tickets, surveys and metrics. */
export type QueryCustomerByExternalIdArgs = {
  id: Scalars['String']['input'];
  source: Scalars['String']['input'];
};


/** Everything cx360 reads: customers, their journeys, tickets, surveys and metrics. */
export type QueryCustomersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<CustomerFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  orderBy?: InputMaybe<CustomerOrder>;
};


/** Everything cx360 reads: customers, their journeys, tickets, surveys and metrics. */
export type QueryExportCustomerArgs = {
  id: Scalars['ID']['input'];
};


/** Everything cx360 reads: customers, their journeys, tickets, surveys and metrics. */
export type QueryFollowUpsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<FollowUpFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/** Everything cx360 reads: customers, their journeys, tickets, surveys and metrics. */
export type QueryJourneyFunnelArgs = {
  filter?: InputMaybe<MetricsFilter>;
};


/** Everything cx360 reads: customers, their journeys, tickets, surveys and metrics. */
export type QueryJourneyPainPointsArgs = {
  filter?: InputMaybe<MetricsFilter>;
  orderBy?: InputMaybe<PainPointOrder>;
};


/** Everything cx360 reads: customers, their journeys, tickets, surveys and metrics. */
export type QueryMetricsArgs = {
  filter?: InputMaybe<MetricsFilter>;
};


/** Everything cx360 reads: customers, their journeys, tickets, surveys and metrics. */
export type QueryMetricsSeriesArgs = {
  filter?: InputMaybe<MetricsFilter>;
  interval: Interval;
};


/** Everything cx360 reads: customers, their journeys, tickets, surveys and metrics. */
export type QueryNextBestActionsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<ActionFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/** Everything cx360 reads: customers, their journeys, tickets, surveys and metrics. */
export type QueryNodeArgs = {
  id: Scalars['ID']['input'];
};


/** Everything cx360 reads: customers, their journeys, tickets, surveys and metrics. */
export type QueryNodesArgs = {
  ids: Array<Scalars['ID']['input']>;
};


/** Everything cx360 reads: customers, their journeys, tickets, surveys and metrics. */
export type QueryReadAuditArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<ReadAuditFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/** Everything cx360 reads: customers, their journeys, tickets, surveys and metrics. */
export type QuerySurveysArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/** Everything cx360 reads: customers, their journeys, tickets, surveys and metrics. */
export type QueryTicketsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<TicketFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  orderBy?: InputMaybe<TicketOrder>;
};


/** Everything cx360 reads: customers, their journeys, tickets, surveys and metrics. */
export type QueryTouchpointsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<TouchpointFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/** Everything cx360 reads: customers, their journeys, tickets, surveys and metrics. */
export type QueryWebhookDeliveriesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<WebhookDeliveryFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/** Everything cx360 reads: customers, their journeys, tickets, surveys and metrics. */
export type QueryWebhookEndpointsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

/** One page of the read audit, newest first. */
export type ReadAuditConnection = {
  __typename?: 'ReadAuditConnection';
  /** The items of this page. */
  edges: Array<ReadAuditEdge>;
  /** Where this page sits in the list. */
  pageInfo: PageInfo;
  /** Number of entries matching the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** One read-audit entry, with its position in the list. */
export type ReadAuditEdge = {
  __typename?: 'ReadAuditEdge';
  /** Opaque position of this item: pass it as `after` to read the items after it. */
  cursor: Scalars['String']['output'];
  /** The item. */
  node: ReadAuditEntry;
};

/** One response that showed a customer's unmasked personal data: who (key name and role), which fields, when, under which operation name. Never the values. */
export type ReadAuditEntry = {
  __typename?: 'ReadAuditEntry';
  /** When the response was built (UTC). */
  at: Scalars['DateTime']['output'];
  /** The customer read (its survivor once merged); null once erased (GDPR). */
  customer: Maybe<Customer>;
  /** The personal fields shown unmasked, of "email", "phone", "comment". */
  fields: Array<Scalars['String']['output']>;
  /** The key's name when it read. */
  keyName: Scalars['String']['output'];
  /** The operation's name (as sent, or the document's); null if unnamed. */
  operationName: Maybe<Scalars['String']['output']>;
  /** The key's role when it read. */
  role: Role;
};

/** Entries matching every given condition. */
export type ReadAuditFilter = {
  /** Entries of this customer (a merged record's id stands for its survivor) and of every record merged into it; none once they were erased. */
  customerId: InputMaybe<Scalars['ID']['input']>;
  /** at >= from. */
  from: InputMaybe<Scalars['DateTime']['input']>;
  /** Entries of this key. */
  keyName: InputMaybe<Scalars['String']['input']>;
  /** at < to. */
  to: InputMaybe<Scalars['DateTime']['input']>;
};

/** What a batch stored; items already stored count as duplicates. */
export type RecordTouchpointsPayload = {
  __typename?: 'RecordTouchpointsPayload';
  /** Touchpoints stored by this call. */
  created: Scalars['Int']['output'];
  /** Touchpoints already stored (same source and externalId), left unchanged. */
  duplicates: Scalars['Int']['output'];
  /** Stored or already stored, in input order. */
  touchpoints: Array<Touchpoint>;
  /** A batch with any user error stores nothing. */
  userErrors: Array<UserError>;
};

/** What an API key may read and write (docs/security.md has the whole matrix). */
export type Role =
  /** Everything, including the audit log and erasure. */
  | 'ADMIN'
  /** Reads everything but the audit log, PII masked; writes nothing. */
  | 'ANALYST'
  /** Reads everything but the audit log, PII masked; writes touchpoints and surveys. */
  | 'MARKETING'
  /** Reads customers (PII masked) and touchpoints; records touchpoints. */
  | 'PARTNER'
  /** Reads everything but the audit log; writes customers and touchpoints. */
  | 'SALES'
  /** Reads everything but the audit log; writes tickets and responses. */
  | 'SUPPORT';

/** Invite to a survey for a resolved ticket, or a customer. */
export type SendSurveyInvitationInput = {
  /** The customer to invite, for no ticket in particular. */
  customer: InputMaybe<CustomerRef>;
  /** The survey to answer. */
  surveyId: Scalars['ID']['input'];
  /** A RESOLVED or CLOSED ticket: the invitation follows it up (its follow-up becomes SENT) and goes to its customer. Give this or `customer`. */
  ticketId: InputMaybe<Scalars['ID']['input']>;
};

/** Targets for one ticket priority, counted from createdAt. */
export type SlaPolicy = {
  __typename?: 'SlaPolicy';
  /** Null: every hour counts. */
  calendar: Maybe<BusinessCalendar>;
  /** First response due within this many seconds (of working time). */
  firstResponseSeconds: Scalars['Int']['output'];
  /** The priority it applies to. */
  priority: TicketPriority;
  /** Resolution due within this many seconds (of working time). */
  resolutionSeconds: Scalars['Int']['output'];
};

/** A priority's targets; replaces its current policy. */
export type SlaPolicyInput = {
  /** Omit or null: every hour counts. */
  calendar: InputMaybe<BusinessCalendarInput>;
  /** Positive. */
  firstResponseSeconds: Scalars['Int']['input'];
  /** The priority to set. */
  priority: TicketPriority;
  /** At least firstResponseSeconds. */
  resolutionSeconds: Scalars['Int']['input'];
};

/** The result of setSlaPolicy. */
export type SlaPolicyPayload = {
  __typename?: 'SlaPolicyPayload';
  /** The policy as stored. */
  policy: Maybe<SlaPolicy>;
  /** What was wrong with the input, by path; empty when the write happened. */
  userErrors: Array<UserError>;
};

/** Where a ticket stands against its SLA targets. */
export type SlaState =
  /** Not achieved; at most 25 % of the target's length left (working time under a calendar), due time not yet passed. */
  | 'AT_RISK'
  /** Achieved after the due time, or not achieved and it passed. */
  | 'BREACHED'
  /** Achieved at or before the due time. */
  | 'MET'
  /** Not achieved; more than 25 % of the target's length left. */
  | 'ON_TRACK';

/** Sort direction. */
export type SortDirection =
  /** Smallest (or oldest) first. */
  | 'ASC'
  /** Largest (or newest) first. */
  | 'DESC';

/** Where to PUT a JSONL file for `bulkImport`. */
export type StagedUpload = {
  __typename?: 'StagedUpload';
  /** The URL works until then. */
  expiresAt: Scalars['DateTime']['output'];
  /** PUT the file's bytes here (relative to the API's origin) with this key's Authorization header; then pass this URL as `bulkImport`'s `uploadUrl`. */
  url: Scalars['String']['output'];
};

/** An upload URL, or what was wrong. */
export type StagedUploadPayload = {
  __typename?: 'StagedUploadPayload';
  /** Null on a user error. */
  upload: Maybe<StagedUpload>;
  /** What was wrong with the input, by path; empty when the write happened. */
  userErrors: Array<UserError>;
};

/** Live updates, over WebSocket (graphql-transport-ws). */
export type Subscription = {
  __typename?: 'Subscription';
  /** Like `actionsChanged`, with each change's cursor and its type (`ACTION_STARTED`); after a dropped socket, subscribe with `after` to receive what was missed first (starts that still hold and are shown). */
  actionChanges: ActionChange;
  /** Next-best-actions as they start to hold, when they pass the filter (as in `nextBestActions`): once per start, whether a write starts it (in its transaction) or time alone (within 60 seconds of the moment, whichever server process applies it); never for a dismissed action, nor for one that no longer holds when it is delivered. Not for PARTNER. `actionChanges` adds cursors to resume from. */
  actionsChanged: Action;
  /** This key's bulk operations as they COMPLETE, FAIL or are CANCELED, from when you subscribe on (checked every second). */
  bulkOperationFinished: BulkOperation;
  /** The customer's new touchpoints, ticket changes and survey responses (the kinds this key's role may read), as they are committed. `customerTimelineChanges` adds cursors to resume from. */
  customerTimeline: TimelineEvent;
  /** Like `customerTimeline`, with each change's cursor; after a dropped socket, subscribe with `after` to receive what was missed first. */
  customerTimelineChanges: TimelineChange;
  /** Tickets as they are opened or change, when they pass the filter. `ticketChanges` adds cursors to resume from. */
  ticketChanged: Ticket;
  /** Like `ticketChanged`, with each change's cursor; after a dropped socket, subscribe with `after` to receive what was missed first. */
  ticketChanges: TicketChange;
  /** Tickets entering SLA state AT_RISK or BREACHED (`sla.state`), when they pass the filter: once each time a ticket enters one of them, by time alone (within 60 seconds of the moment, whichever server process applies it) or by a write (a priority change, a reopen). `ticketSlaChanges` adds cursors to resume from. */
  ticketSlaChanged: Ticket;
  /** Like `ticketSlaChanged`, with each change's cursor and its type (`TICKET_SLA_AT_RISK`, `TICKET_SLA_BREACHED`); after a dropped socket, subscribe with `after` to receive what was missed first. */
  ticketSlaChanges: TicketChange;
};


/** Live updates, over WebSocket (graphql-transport-ws). */
export type SubscriptionActionChangesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<ActionFilter>;
};


/** Live updates, over WebSocket (graphql-transport-ws). */
export type SubscriptionActionsChangedArgs = {
  filter?: InputMaybe<ActionFilter>;
};


/** Live updates, over WebSocket (graphql-transport-ws). */
export type SubscriptionCustomerTimelineArgs = {
  customerId: Scalars['ID']['input'];
};


/** Live updates, over WebSocket (graphql-transport-ws). */
export type SubscriptionCustomerTimelineChangesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  customerId: Scalars['ID']['input'];
};


/** Live updates, over WebSocket (graphql-transport-ws). */
export type SubscriptionTicketChangedArgs = {
  filter?: InputMaybe<TicketFilter>;
};


/** Live updates, over WebSocket (graphql-transport-ws). */
export type SubscriptionTicketChangesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<TicketFilter>;
};


/** Live updates, over WebSocket (graphql-transport-ws). */
export type SubscriptionTicketSlaChangedArgs = {
  filter?: InputMaybe<TicketFilter>;
};


/** Live updates, over WebSocket (graphql-transport-ws). */
export type SubscriptionTicketSlaChangesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<TicketFilter>;
};

/** A question of one kind with the kind's fixed scale. */
export type Survey = Node & {
  __typename?: 'Survey';
  /** When the survey was created. */
  createdAt: Scalars['DateTime']['output'];
  /** Opaque global id. */
  id: Scalars['ID']['output'];
  /** NPS, CSAT or CES; fixes the scale. */
  kind: SurveyKind;
  /** The question as asked. */
  question: Scalars['String']['output'];
  /** Responses, newest first. Page size 1-100 (default 20); `after` takes an `endCursor` of this list. */
  responses: SurveyResponseConnection;
  /** The highest score (10, 5 or 7). */
  scaleMax: Scalars['Int']['output'];
  /** The lowest score (0 for NPS, 1 otherwise). */
  scaleMin: Scalars['Int']['output'];
};


/** A question of one kind with the kind's fixed scale. */
export type SurveyResponsesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

/** One page of a list, in the list's order (see the field). */
export type SurveyConnection = {
  __typename?: 'SurveyConnection';
  /** The items of this page, in order. */
  edges: Array<SurveyEdge>;
  /** Where this page sits in the list. */
  pageInfo: PageInfo;
  /** Number of items matching the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** One item of a page, with its position in the list. */
export type SurveyEdge = {
  __typename?: 'SurveyEdge';
  /** Opaque position of this item: pass it as `after` to read the items after it. */
  cursor: Scalars['String']['output'];
  /** The item. */
  node: Survey;
};

/** A survey invitation: its token was shown once, to its sender. */
export type SurveyInvitation = Node & {
  __typename?: 'SurveyInvitation';
  /** Who is invited. */
  customer: Customer;
  /** Its token is refused from this moment (14 days after sentAt). */
  expiresAt: Scalars['DateTime']['output'];
  /** Opaque global id. */
  id: Scalars['ID']['output'];
  /** The response given with its token; null until answered. */
  response: Maybe<SurveyResponse>;
  /** When it was sent. */
  sentAt: Scalars['DateTime']['output'];
  /** The survey it invites to answer. */
  survey: Survey;
  /** The ticket it follows up; null for an invitation to a customer. */
  ticket: Maybe<Ticket>;
};

/** The invitation and its token, or what was wrong. */
export type SurveyInvitationPayload = {
  __typename?: 'SurveyInvitationPayload';
  /** Null on a user error. */
  invitation: Maybe<SurveyInvitation>;
  /** The single-use token for `submitSurveyResponse(input: {invitationToken})`: shown only here, stored only as a hash; put it in the link you send now. */
  token: Maybe<Scalars['String']['output']>;
  /** What was wrong with the input, by path; empty when the write happened. */
  userErrors: Array<UserError>;
};

/** NPS scale 0-10, CSAT 1-5, CES 1-7 (higher = easier). */
export type SurveyKind =
  /** Customer effort: how easy it was, 1-7 (higher = easier). */
  | 'CES'
  /** Customer satisfaction, 1-5. */
  | 'CSAT'
  /** Net Promoter Score: how likely to recommend us, 0-10. */
  | 'NPS';

/** The survey as stored, or why not. */
export type SurveyPayload = {
  __typename?: 'SurveyPayload';
  /** The survey after the write; null on errors. */
  survey: Maybe<Survey>;
  /** What was wrong with the input, by path; empty when the write happened. */
  userErrors: Array<UserError>;
};

/** One score a customer gave, optionally following up a ticket. */
export type SurveyResponse = Node & {
  __typename?: 'SurveyResponse';
  /** PII: hidden (null, FORBIDDEN) for roles without personal data. */
  comment: Maybe<Scalars['String']['output']>;
  /** Who answered (the survivor, after a merge). */
  customer: Customer;
  /** Opaque global id. */
  id: Scalars['ID']['output'];
  /** When the customer answered. */
  respondedAt: Scalars['DateTime']['output'];
  /** Inside the survey's scale. */
  score: Scalars['Int']['output'];
  /** The question answered. */
  survey: Survey;
  /** The ticket this response follows up, if any. */
  ticket: Maybe<Ticket>;
};

/** One page of a list, in the list's order (see the field). */
export type SurveyResponseConnection = {
  __typename?: 'SurveyResponseConnection';
  /** The items of this page, in order. */
  edges: Array<SurveyResponseEdge>;
  /** Where this page sits in the list. */
  pageInfo: PageInfo;
  /** Number of items matching the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** One item of a page, with its position in the list. */
export type SurveyResponseEdge = {
  __typename?: 'SurveyResponseEdge';
  /** Opaque position of this item: pass it as `after` to read the items after it. */
  cursor: Scalars['String']['output'];
  /** The item. */
  node: SurveyResponse;
};

/** Responses matching every given condition. */
export type SurveyResponseFilter = {
  /** respondedAt >= from. */
  from: InputMaybe<Scalars['DateTime']['input']>;
  /** Any of these survey kinds. */
  kind: InputMaybe<Array<SurveyKind>>;
  /** respondedAt < to. */
  to: InputMaybe<Scalars['DateTime']['input']>;
};

/** A customer's answer to a survey. */
export type SurveyResponseInput = {
  /** Free text (personal data: only some roles read it). */
  comment: InputMaybe<Scalars['String']['input']>;
  /** Who answered. */
  customer: CustomerRef;
  /** The token of a survey invitation: the response is linked to the invitation, and its survey, customer and ticket are the invitation's (those given are not used). Sent again, the same response comes back, stored once. An expired or unknown token is a user error on this field. */
  invitationToken: InputMaybe<Scalars['String']['input']>;
  /** Defaults to now. */
  respondedAt: InputMaybe<Scalars['DateTime']['input']>;
  /** Inside the survey's scale. */
  score: Scalars['Int']['input'];
  /** The id of the survey (the `id` this API returned). */
  surveyId: Scalars['ID']['input'];
  /** The ticket this follows up; it must be the customer's. */
  ticketId: InputMaybe<Scalars['ID']['input']>;
};

/** The response as stored, or why not. */
export type SurveyResponsePayload = {
  __typename?: 'SurveyResponsePayload';
  /** The response after the write; null on errors. */
  surveyResponse: Maybe<SurveyResponse>;
  /** What was wrong with the input, by path; empty when the write happened. */
  userErrors: Array<UserError>;
};

/** The team that owns an interaction. */
export type Team =
  /** Marketing. */
  | 'MARKETING'
  /** The product itself (in-app events). */
  | 'PRODUCT'
  /** Sales. */
  | 'SALES'
  /** Customer support. */
  | 'SUPPORT';

/** One support case. */
export type Ticket = Node & {
  __typename?: 'Ticket';
  /** The agent who owns it; null while unassigned. */
  assignee: Maybe<Scalars['String']['output']>;
  /** Where the customer opened it. */
  channel: Channel;
  /** When it was closed; null until then. */
  closedAt: Maybe<Scalars['DateTime']['output']>;
  /** Customer contacts on this case (>= 1). */
  contactCount: Scalars['Int']['output'];
  /** When it was opened. */
  createdAt: Scalars['DateTime']['output'];
  /** The customer who opened it. */
  customer: Customer;
  /** First agent reply. */
  firstResponseAt: Maybe<Scalars['DateTime']['output']>;
  /** Whole seconds from createdAt to firstResponseAt; null before a response. */
  firstResponseSeconds: Maybe<Scalars['Int']['output']>;
  /** Its satisfaction check; null unless RESOLVED or CLOSED. */
  followUp: Maybe<FollowUp>;
  /** Opaque global id. */
  id: Scalars['ID']['output'];
  /** How urgent it is. */
  priority: TicketPriority;
  /** How many times it was reopened after a resolution. */
  reopenCount: Scalars['Int']['output'];
  /** Whole seconds from createdAt to resolvedAt; null while unresolved. */
  resolutionSeconds: Maybe<Scalars['Int']['output']>;
  /** When it was last resolved; null while unresolved. */
  resolvedAt: Maybe<Scalars['DateTime']['output']>;
  /** For RESOLVED or CLOSED tickets: one contact and never reopened; null while the ticket is still open. */
  resolvedOnFirstContact: Maybe<Scalars['Boolean']['output']>;
  /** Its SLA now: due times, each target's state and the overall state. */
  sla: TicketSla;
  /** Where the ticket is in its lifecycle. */
  status: TicketStatus;
  /** What the case is about, in the customer's words. */
  subject: Scalars['String']['output'];
  /** Survey responses that follow up this ticket, oldest first. */
  surveyResponses: Array<SurveyResponse>;
};

/** A committed change to a ticket. */
export type TicketChange = Change & {
  __typename?: 'TicketChange';
  /** Resubscribe with `after: cursor` to receive what came after this change. */
  cursor: Scalars['String']['output'];
  /** When the write committed. */
  occurredAt: Scalars['DateTime']['output'];
  /** The ticket as it is now. */
  ticket: Ticket;
  /** What the write did. */
  type: ChangeType;
};

/** One page of a list, in the list's order (see the field). */
export type TicketConnection = {
  __typename?: 'TicketConnection';
  /** The items of this page, in order. */
  edges: Array<TicketEdge>;
  /** Where this page sits in the list. */
  pageInfo: PageInfo;
  /** Number of items matching the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** One item of a page, with its position in the list. */
export type TicketEdge = {
  __typename?: 'TicketEdge';
  /** Opaque position of this item: pass it as `after` to read the items after it. */
  cursor: Scalars['String']['output'];
  /** The item. */
  node: Ticket;
};

/** Tickets matching every given condition; lists mean any of. */
export type TicketFilter = {
  /** Exactly this assignee. */
  assignee: InputMaybe<Scalars['String']['input']>;
  /** Any of these channels. */
  channel: InputMaybe<Array<Channel>>;
  /** createdAt >= from. */
  from: InputMaybe<Scalars['DateTime']['input']>;
  /** Any of these priorities. */
  priority: InputMaybe<Array<TicketPriority>>;
  /** Any of these overall SLA states (`sla.state`), now. */
  slaState: InputMaybe<Array<SlaState>>;
  /** Any of these statuses. */
  status: InputMaybe<Array<TicketStatus>>;
  /** createdAt < to. */
  to: InputMaybe<Scalars['DateTime']['input']>;
};

/** How to sort tickets. */
export type TicketOrder = {
  /** Ascending or descending. */
  direction: SortDirection;
  /** What to sort by. */
  field: TicketOrderField;
};

/** PRIORITY sorts by severity; equal priorities oldest first. */
export type TicketOrderField =
  /** When the ticket was opened. */
  | 'CREATED_AT'
  /** By sla.firstResponseDueAt, ties by id. */
  | 'FIRST_RESPONSE_DUE'
  /** Severity (URGENT highest); equal priorities oldest first. */
  | 'PRIORITY'
  /** By sla.resolutionDueAt, ties by id. */
  | 'RESOLUTION_DUE';

/** The ticket as stored after the write, or why not. */
export type TicketPayload = {
  __typename?: 'TicketPayload';
  /** The ticket after the write; null on errors. */
  ticket: Maybe<Ticket>;
  /** What was wrong with the input, by path; empty when the write happened. */
  userErrors: Array<UserError>;
};

/** LOW < NORMAL < HIGH < URGENT. */
export type TicketPriority =
  /** Before normal work. */
  | 'HIGH'
  /** Whenever there is time. */
  | 'LOW'
  /** The default. */
  | 'NORMAL'
  /** Now: something is broken for the customer. */
  | 'URGENT';

/** A ticket against its priority's SLA policy, now. */
export type TicketSla = {
  __typename?: 'TicketSla';
  /** When the first response is due (stored when the ticket was opened or its priority or policy changed). */
  firstResponseDueAt: Scalars['DateTime']['output'];
  /** The first response target's state. */
  firstResponseState: SlaState;
  /** The policy of the ticket's priority. */
  policy: SlaPolicy;
  /** When resolution is due. */
  resolutionDueAt: Scalars['DateTime']['output'];
  /** The resolution target's state; achieved by the last resolvedAt while RESOLVED or CLOSED, unachieved again by a reopen. */
  resolutionState: SlaState;
  /** Wall-clock seconds until the earliest due time of a target not yet decided; null once both are decided (achieved, or due time passed). */
  secondsToNextDue: Maybe<Scalars['Int']['output']>;
  /** The worse of the two (BREACHED > AT_RISK > ON_TRACK > MET). */
  state: SlaState;
};

/** NEW -> OPEN -> PENDING <-> OPEN -> RESOLVED -> CLOSED; RESOLVED may reopen. */
export type TicketStatus =
  /** Final: a closed ticket never changes again. */
  | 'CLOSED'
  /** Opened, no agent has answered yet. */
  | 'NEW'
  /** An agent is working on it. */
  | 'OPEN'
  /** Waiting for the customer. */
  | 'PENDING'
  /** Solved; reopens if the customer comes back. */
  | 'RESOLVED';

/** A committed change to a customer's timeline. */
export type TimelineChange = Change & {
  __typename?: 'TimelineChange';
  /** Resubscribe with `after: cursor` to receive what came after this change. */
  cursor: Scalars['String']['output'];
  /** The record as it is now. */
  event: TimelineEvent;
  /** When the write committed. */
  occurredAt: Scalars['DateTime']['output'];
  /** What the write did. */
  type: ChangeType;
};

/** Timeline page, newest first. */
export type TimelineConnection = {
  __typename?: 'TimelineConnection';
  /** The events of this page, newest first. */
  edges: Array<TimelineEdge>;
  /** Where this page sits in the timeline. */
  pageInfo: PageInfo;
  /** Number of events matching the filter, across all pages; only the kinds this key's role may read. */
  totalCount: Scalars['Int']['output'];
};

/** One event of the timeline. */
export type TimelineEdge = {
  __typename?: 'TimelineEdge';
  /** Opaque position of this event: pass it as `after` for what follows. */
  cursor: Scalars['String']['output'];
  /** The touchpoint, ticket or survey response. */
  node: TimelineEvent;
  /** occurredAt of a touchpoint, createdAt of a ticket, respondedAt of a response. */
  occurredAt: Scalars['DateTime']['output'];
};

/** Anything that happens to a customer. */
export type TimelineEvent = SurveyResponse | Ticket | Touchpoint;

/** Events with from <= time < to (occurredAt, createdAt, respondedAt). */
export type TimelineFilter = {
  /** Events at or after this moment. */
  from: InputMaybe<Scalars['DateTime']['input']>;
  /** Events before this moment. */
  to: InputMaybe<Scalars['DateTime']['input']>;
};

/** One interaction: an ad click, a page view, a demo, a purchase... */
export type Touchpoint = Node & {
  __typename?: 'Touchpoint';
  /** Free-form JSON object the source system sent. */
  attributes: Maybe<Scalars['JSON']['output']>;
  /** Where it happened. */
  channel: Channel;
  /** ISO 4217 code of `value`, e.g. EUR. */
  currency: Maybe<Scalars['String']['output']>;
  /** The customer it happened to (the survivor, after a merge). */
  customer: Customer;
  /** The reporting system's event id; (source, externalId) is unique. */
  externalId: Maybe<Scalars['String']['output']>;
  /** Opaque global id. */
  id: Scalars['ID']['output'];
  /** Free label: page_view, demo, purchase, referral... */
  kind: Scalars['String']['output'];
  /** When it happened (UTC). */
  occurredAt: Scalars['DateTime']['output'];
  /** -1.0 (negative) to 1.0 (positive). */
  sentiment: Maybe<Scalars['Float']['output']>;
  /** The system that reported the touchpoint. */
  source: Scalars['String']['output'];
  /** The journey stage it belongs to. */
  stage: JourneyStage;
  /** A short human-readable line. */
  summary: Maybe<Scalars['String']['output']>;
  /** The team that owns it. */
  team: Team;
  /** Revenue; counted in metrics only for kind `purchase`. */
  value: Maybe<Scalars['Decimal']['output']>;
};

/** One page of a list, in the list's order (see the field). */
export type TouchpointConnection = {
  __typename?: 'TouchpointConnection';
  /** The items of this page, in order. */
  edges: Array<TouchpointEdge>;
  /** Where this page sits in the list. */
  pageInfo: PageInfo;
  /** Number of items matching the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** One item of a page, with its position in the list. */
export type TouchpointEdge = {
  __typename?: 'TouchpointEdge';
  /** Opaque position of this item: pass it as `after` to read the items after it. */
  cursor: Scalars['String']['output'];
  /** The item. */
  node: Touchpoint;
};

/** Touchpoints matching every given condition; lists mean any of. */
export type TouchpointFilter = {
  /** Any of these channels. */
  channel: InputMaybe<Array<Channel>>;
  /** occurredAt >= from. */
  from: InputMaybe<Scalars['DateTime']['input']>;
  /** Any of these kinds, e.g. ["purchase"]. */
  kind: InputMaybe<Array<Scalars['String']['input']>>;
  /** Any of these stages. */
  stage: InputMaybe<Array<JourneyStage>>;
  /** Any of these teams. */
  team: InputMaybe<Array<Team>>;
  /** occurredAt < to. */
  to: InputMaybe<Scalars['DateTime']['input']>;
};

/** One event to record; (source, externalId) makes resending safe. */
export type TouchpointInput = {
  /** Free-form JSON object, kept as sent. */
  attributes: InputMaybe<Scalars['JSON']['input']>;
  /** Where it happened. */
  channel: Channel;
  /** ISO 4217, e.g. USD. */
  currency: InputMaybe<Scalars['String']['input']>;
  /** Who it happened to. */
  customer: CustomerRef;
  /** The reporting system's event id: sending it again is safe. */
  externalId: InputMaybe<Scalars['String']['input']>;
  /** Free label: page_view, demo, purchase, referral... */
  kind: Scalars['String']['input'];
  /** When it happened, with a UTC offset. */
  occurredAt: Scalars['DateTime']['input'];
  /** -1.0 (negative) to 1.0 (positive). */
  sentiment: InputMaybe<Scalars['Float']['input']>;
  /** The reporting system. */
  source: Scalars['String']['input'];
  /** The journey stage it belongs to. */
  stage: JourneyStage;
  /** A short human-readable line. */
  summary: InputMaybe<Scalars['String']['input']>;
  /** The team that owns it. */
  team: Team;
  /** Revenue, 2 decimals. */
  value: InputMaybe<Scalars['Decimal']['input']>;
};

/** Only the fields sent change; an explicit null clears a field. */
export type UpdateCustomerInput = {
  /** Replaces the whole JSON object. */
  attributes: InputMaybe<Scalars['JSON']['input']>;
  /** When the customer left; null: active again. */
  churnedAt: InputMaybe<Scalars['DateTime']['input']>;
  /** The company the customer belongs to. */
  company: InputMaybe<Scalars['String']['input']>;
  /** Trimmed and lower-cased when stored; unique. */
  email: InputMaybe<Scalars['String']['input']>;
  /** Full name; not blank. */
  name: InputMaybe<Scalars['String']['input']>;
  /** E.164, e.g. +447700900123. */
  phone: InputMaybe<Scalars['String']['input']>;
  /** Free label: enterprise, smb, consumer... */
  segment: InputMaybe<Scalars['String']['input']>;
};

/** Only the fields sent change; `assignee: null` unassigns. */
export type UpdateTicketInput = {
  /** The agent who owns it; null unassigns. */
  assignee: InputMaybe<Scalars['String']['input']>;
  /** How urgent it is. */
  priority: InputMaybe<TicketPriority>;
  /** What the case is about; not blank. */
  subject: InputMaybe<Scalars['String']['input']>;
};

/** A problem with the input; nothing was written. */
export type UserError = {
  __typename?: 'UserError';
  /** INVALID, NOT_FOUND, CONFLICT, INVALID_TRANSITION or ERASED. */
  code: Scalars['String']['output'];
  /** Path into the input, e.g. ["touchpoints", "3", "occurredAt"]. */
  field: Maybe<Array<Scalars['String']['output']>>;
  /** What is wrong and how to fix it, in words. */
  message: Scalars['String']['output'];
};

/** Who is calling: the API key behind this request. */
export type Viewer = {
  __typename?: 'Viewer';
  /** The key's name, as its issuer gave it. */
  keyName: Scalars['String']['output'];
  /** What this key may read and write. */
  role: Role;
};

/** One change sent (or being sent) to one endpoint. */
export type WebhookDelivery = {
  __typename?: 'WebhookDelivery';
  /** Attempts since created or replayed. */
  attempts: Scalars['Int']['output'];
  /** When the change was fanned out. */
  createdAt: Scalars['DateTime']['output'];
  /** When the endpoint took it. */
  deliveredAt: Maybe<Scalars['DateTime']['output']>;
  /** The endpoint it goes to. */
  endpointId: Scalars['ID']['output'];
  /** The `id` in the body and the Cx360-Event-Id header; receivers deduplicate by it. Also a subscription cursor. */
  eventId: Scalars['String']['output'];
  /** What the change was. */
  eventType: ChangeType;
  /** Opaque global id; the Cx360-Delivery-Id header; replay by it. */
  id: Scalars['ID']['output'];
  /** When it was last tried. */
  lastAttemptAt: Maybe<Scalars['DateTime']['output']>;
  /** Why the last attempt failed. */
  lastError: Maybe<Scalars['String']['output']>;
  /** The endpoint's HTTP status. */
  lastStatusCode: Maybe<Scalars['Int']['output']>;
  /** While PENDING. */
  nextAttemptAt: Maybe<Scalars['DateTime']['output']>;
  /** The body sent, as JSON. It holds what the endpoint's role reads, so for a role shown personal data, reading it shows a customer's email, phone or survey comment again: the read audit records each such read, as for any field. */
  payload: Scalars['JSON']['output'];
  /** Where it stands. */
  status: DeliveryStatus;
};

/** One page of a list, in the list's order (see the field). */
export type WebhookDeliveryConnection = {
  __typename?: 'WebhookDeliveryConnection';
  /** The items of this page, in order. */
  edges: Array<WebhookDeliveryEdge>;
  /** Where this page sits in the list. */
  pageInfo: PageInfo;
  /** Number of items matching the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** One item of a page, with its position in the list. */
export type WebhookDeliveryEdge = {
  __typename?: 'WebhookDeliveryEdge';
  /** Opaque position of this item: pass it as `after` to read the items after it. */
  cursor: Scalars['String']['output'];
  /** The item. */
  node: WebhookDelivery;
};

/** Deliveries matching every given condition. */
export type WebhookDeliveryFilter = {
  /** Deliveries to this endpoint. */
  endpointId: InputMaybe<Scalars['ID']['input']>;
  /** Deliveries of this event (its Cx360-Event-Id). */
  eventId: InputMaybe<Scalars['String']['input']>;
  /** Deliveries in any of these states. */
  status: InputMaybe<Array<DeliveryStatus>>;
};

/** The delivery as replayed, or what was wrong. */
export type WebhookDeliveryPayload = {
  __typename?: 'WebhookDeliveryPayload';
  /** Null on a user error. */
  delivery: Maybe<WebhookDelivery>;
  /** What was wrong with the input, by path; empty when the write happened. */
  userErrors: Array<UserError>;
};

/** Where cx360 sends changes, signed with the endpoint's secret. */
export type WebhookEndpoint = {
  __typename?: 'WebhookEndpoint';
  /** Inactive endpoints receive nothing. */
  active: Scalars['Boolean']['output'];
  /** When it was registered. */
  createdAt: Scalars['DateTime']['output'];
  /** The name of the key that created it. */
  createdBy: Scalars['String']['output'];
  /** What it is for, as registered. */
  description: Maybe<Scalars['String']['output']>;
  /** The changes it receives. */
  eventTypes: Array<ChangeType>;
  /** Per record type, the list filter a change's record must pass. */
  filters: Scalars['JSON']['output'];
  /** Opaque global id. */
  id: Scalars['ID']['output'];
  /** Payloads hold what a key of this role reads (masking included). */
  role: Role;
  /** Where deliveries are POSTed. */
  url: Scalars['String']['output'];
};

/** One page of a list, in the list's order (see the field). */
export type WebhookEndpointConnection = {
  __typename?: 'WebhookEndpointConnection';
  /** The items of this page, in order. */
  edges: Array<WebhookEndpointEdge>;
  /** Where this page sits in the list. */
  pageInfo: PageInfo;
  /** Number of items matching the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** One item of a page, with its position in the list. */
export type WebhookEndpointEdge = {
  __typename?: 'WebhookEndpointEdge';
  /** Opaque position of this item: pass it as `after` to read the items after it. */
  cursor: Scalars['String']['output'];
  /** The item. */
  node: WebhookEndpoint;
};

/** The endpoint as written, or what was wrong. */
export type WebhookEndpointPayload = {
  __typename?: 'WebhookEndpointPayload';
  /** Null on a user error. */
  endpoint: Maybe<WebhookEndpoint>;
  /** Signs every delivery; shown only when created or rotated, store it now. */
  secret: Maybe<Scalars['String']['output']>;
  /** What was wrong with the input, by path; empty when the write happened. */
  userErrors: Array<UserError>;
};

/** Where an interaction happened. */
export type Channel =
  /** Paid advertising. */
  | 'ADS'
  /** The mobile or desktop app. */
  | 'APP'
  /** Live chat. */
  | 'CHAT'
  /** Email. */
  | 'EMAIL'
  /** Face to face: a store, an event, a visit. */
  | 'IN_PERSON'
  /** Phone calls. */
  | 'PHONE'
  /** Review sites. */
  | 'REVIEW'
  /** Help center and other self-service. */
  | 'SELF_SERVICE'
  /** Text messages. */
  | 'SMS'
  /** Social networks. */
  | 'SOCIAL'
  /** The website. */
  | 'WEB';

/** Names a customer by exactly one of id, email or external id. */
export type CustomerRef = {
  /** The customer's email, in any case. */
  email: string | null | undefined;
  /** An id another system knows the customer under. */
  externalId: ExternalIdInput | null | undefined;
  /** The id of the customer (the `id` this API returned). */
  id: string | number | null | undefined;
};

/** An id another system uses for the customer. */
export type ExternalIdInput = {
  /** The customer's id in that system. */
  id: string;
  /** The other system, e.g. crm or helpdesk. */
  source: string;
};

/** HEALTHY >= 75 > WATCH >= 50 > AT_RISK (health score). */
export type HealthLevel =
  /** Score under 50: act now. */
  | 'AT_RISK'
  /** Score 75 or more. */
  | 'HEALTHY'
  /** Score 50 to 74: keep an eye on them. */
  | 'WATCH';

/** Journey stages in order: AWARENESS < CONSIDERATION < DECISION < RETENTION < ADVOCACY. */
export type JourneyStage =
  /** Recommends us: reviews, referrals. */
  | 'ADVOCACY'
  /** Has heard of us: an ad, a post, a first visit. */
  | 'AWARENESS'
  /** Is evaluating: comparing, reading, asking questions. */
  | 'CONSIDERATION'
  /** Is deciding: a trial, a demo, a quote. */
  | 'DECISION'
  /** Is a customer: buying, using, renewing. */
  | 'RETENTION';

/** NPS scale 0-10, CSAT 1-5, CES 1-7 (higher = easier). */
export type SurveyKind =
  /** Customer effort: how easy it was, 1-7 (higher = easier). */
  | 'CES'
  /** Customer satisfaction, 1-5. */
  | 'CSAT'
  /** Net Promoter Score: how likely to recommend us, 0-10. */
  | 'NPS';

/** The team that owns an interaction. */
export type Team =
  /** Marketing. */
  | 'MARKETING'
  /** The product itself (in-app events). */
  | 'PRODUCT'
  /** Sales. */
  | 'SALES'
  /** Customer support. */
  | 'SUPPORT';

/** LOW < NORMAL < HIGH < URGENT. */
export type TicketPriority =
  /** Before normal work. */
  | 'HIGH'
  /** Whenever there is time. */
  | 'LOW'
  /** The default. */
  | 'NORMAL'
  /** Now: something is broken for the customer. */
  | 'URGENT';

/** NEW -> OPEN -> PENDING <-> OPEN -> RESOLVED -> CLOSED; RESOLVED may reopen. */
export type TicketStatus =
  /** Final: a closed ticket never changes again. */
  | 'CLOSED'
  /** Opened, no agent has answered yet. */
  | 'NEW'
  /** An agent is working on it. */
  | 'OPEN'
  /** Waiting for the customer. */
  | 'PENDING'
  /** Solved; reopens if the customer comes back. */
  | 'RESOLVED';

/** One event to record; (source, externalId) makes resending safe. */
export type TouchpointInput = {
  /** Free-form JSON object, kept as sent. */
  attributes: unknown;
  /** Where it happened. */
  channel: Channel;
  /** ISO 4217, e.g. USD. */
  currency: string | null | undefined;
  /** Who it happened to. */
  customer: CustomerRef;
  /** The reporting system's event id: sending it again is safe. */
  externalId: string | null | undefined;
  /** Free label: page_view, demo, purchase, referral... */
  kind: string;
  /** When it happened, with a UTC offset. */
  occurredAt: string;
  /** -1.0 (negative) to 1.0 (positive). */
  sentiment: number | null | undefined;
  /** The reporting system. */
  source: string;
  /** The journey stage it belongs to. */
  stage: JourneyStage;
  /** A short human-readable line. */
  summary: string | null | undefined;
  /** The team that owns it. */
  team: Team;
  /** Revenue, 2 decimals. */
  value: string | null | undefined;
};

export type CxDashboardQueryVariables = Exact<{
  from: string;
  to: string;
  segment: string | null | undefined;
}>;


export type CxDashboardQuery = { metrics: { nps: number | null, promoters: number, detractors: number, npsResponses: number, csat: number | null, csatSatisfied: number, csatResponses: number, ces: number | null, cesResponses: number, ticketVolume: number, resolutionRate: number | null, resolvedTickets: number, firstContactResolutionRate: number | null, firstContactResolvedTickets: number, activeCustomers: number, churnedCustomers: number, churnRate: number | null, revenue: string, averageLifetimeValue: string | null, lifetimeValueTotal: string, lifetimeValueCustomers: number, firstResponseTime: { count: number, mean: number | null, median: number | null, p90: number | null }, resolutionTime: { count: number, mean: number | null, median: number | null, p90: number | null } }, metricsSeries: Array<{ start: string, end: string, metrics: { nps: number | null, csat: number | null, ticketVolume: number, resolutionRate: number | null, revenue: string } }>, definitions: Array<{ name: string, definition: string }> };

export type CampaignTouchpointsQueryVariables = Exact<{
  from: string;
}>;


export type CampaignTouchpointsQuery = { touchpoints: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { occurredAt: string, channel: Channel, kind: string, stage: JourneyStage, sentiment: number | null, customer: { id: string, name: string, segment: string | null, stage: JourneyStage } } }> } };

export type MarketingView360QueryVariables = Exact<{
  id: string | number;
}>;


export type MarketingView360Query = { customer: { id: string, name: string, email: string | null, phone: string | null, company: string | null, segment: string | null, stage: JourneyStage, createdAt: string, churnedAt: string | null, lifetimeValue: string, attributes: unknown, externalIds: Array<{ source: string, id: string }>, health: { score: number, level: HealthLevel, reasons: Array<string> }, metrics: { nps: number | null, csat: number | null }, timeline: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ occurredAt: string, node:
          | { __typename: 'SurveyResponse', score: number, survey: { kind: SurveyKind } }
          | { __typename: 'Ticket', subject: string, status: TicketStatus, priority: TicketPriority }
          | { __typename: 'Touchpoint', channel: Channel, stage: JourneyStage, kind: string, summary: string | null, value: string | null, attributes: unknown }
         }> } } | null };

export type JourneyFunnelQueryVariables = Exact<{
  from: string;
  to: string;
}>;


export type JourneyFunnelQuery = { journeyFunnel: Array<{ stage: JourneyStage, reached: number, conversion: number | null }>, metrics: { revenue: string, nps: number | null, npsResponses: number }, metricsSeries: Array<{ start: string, metrics: { revenue: string, activeCustomers: number, churnedCustomers: number } }> };

export type MarketingJourneysQueryVariables = Exact<{
  segment: string | null | undefined;
}>;


export type MarketingJourneysQuery = { customers: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ cursor: string, node: { id: string, name: string, email: string | null, segment: string | null, stage: JourneyStage, createdAt: string, touchpoints: { edges: Array<{ node: { occurredAt: string, channel: Channel, stage: JourneyStage, team: Team, kind: string, value: string | null, sentiment: number | null } }> }, tickets: { edges: Array<{ node: { subject: string, status: TicketStatus, priority: TicketPriority } }> }, surveyResponses: { edges: Array<{ node: { score: number, respondedAt: string, survey: { kind: SurveyKind } } }> } } }> } };

export type FindCustomerQueryVariables = Exact<{
  source: string;
  externalId: string;
}>;


export type FindCustomerQuery = { customerByExternalId: { id: string, name: string, email: string | null, stage: JourneyStage, touchpoints: { edges: Array<{ node: { occurredAt: string, channel: Channel, kind: string, source: string, externalId: string | null } }> } } | null };

export type RecordTouchpointsMutationVariables = Exact<{
  touchpoints: Array<TouchpointInput> | TouchpointInput;
}>;


export type RecordTouchpointsMutation = { recordTouchpoints: { created: number, duplicates: number, touchpoints: Array<{ id: string, externalId: string | null }>, userErrors: Array<{ field: Array<string> | null, message: string, code: string }> } };

export type Customer360QueryVariables = Exact<{
  id: string | number;
}>;


export type Customer360Query = { customer: { id: string, name: string, email: string | null, phone: string | null, company: string | null, segment: string | null, stage: JourneyStage, createdAt: string, churnedAt: string | null, lifetimeValue: string, externalIds: Array<{ source: string, id: string }>, health: { score: number, level: HealthLevel, reasons: Array<string> }, metrics: { nps: number | null, csat: number | null, ticketVolume: number, firstResponseTime: { median: number | null } }, timeline: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ occurredAt: string, node:
          | { __typename: 'SurveyResponse', score: number, comment: string | null, survey: { kind: SurveyKind } }
          | { __typename: 'Ticket', subject: string, status: TicketStatus, priority: TicketPriority }
          | { __typename: 'Touchpoint', channel: Channel, kind: string, summary: string | null, value: string | null }
         }> } } | null };

export type CustomerPageQueryVariables = Exact<{
  id: string | number;
}>;


export type CustomerPageQuery = { customer: { id: string, name: string, email: string | null, phone: string | null, company: string | null, segment: string | null, stage: JourneyStage, createdAt: string, churnedAt: string | null, lifetimeValue: string, externalIds: Array<{ source: string, id: string }>, timeline: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ cursor: string, occurredAt: string, node:
          | { __typename: 'SurveyResponse', id: string, score: number, comment: string | null, survey: { kind: SurveyKind, question: string } }
          | { __typename: 'Ticket', id: string, subject: string, status: TicketStatus, priority: TicketPriority, firstResponseSeconds: number | null, resolutionSeconds: number | null }
          | { __typename: 'Touchpoint', id: string, channel: Channel, kind: string, summary: string | null, value: string | null, currency: string | null, sentiment: number | null }
         }> }, tickets: { totalCount: number, edges: Array<{ node: { id: string, subject: string, status: TicketStatus, priority: TicketPriority, createdAt: string, resolvedOnFirstContact: boolean | null } }> }, surveyResponses: { totalCount: number, edges: Array<{ node: { score: number, respondedAt: string, survey: { kind: SurveyKind } } }> } } | null };

export type TopCustomersQueryVariables = Exact<{
  segment: string | null | undefined;
}>;


export type TopCustomersQuery = { customers: { totalCount: number, edges: Array<{ cursor: string, node: { id: string, name: string, company: string | null, email: string | null, stage: JourneyStage, lifetimeValue: string, touchpoints: { edges: Array<{ node: { occurredAt: string, value: string | null, currency: string | null } }> } } }> } };

export type AtRiskCustomersQueryVariables = Exact<{ [key: string]: never; }>;


export type AtRiskCustomersQuery = { customers: { totalCount: number, edges: Array<{ node: { id: string, name: string, email: string | null, health: { score: number, reasons: Array<string> }, tickets: { edges: Array<{ node: { subject: string, priority: TicketPriority, createdAt: string } }> } } }> } };

export type SupportQueueDashboardQueryVariables = Exact<{ [key: string]: never; }>;


export type SupportQueueDashboardQuery = { tickets: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, subject: string, status: TicketStatus, priority: TicketPriority, channel: Channel, assignee: string | null, createdAt: string, firstResponseSeconds: number | null, contactCount: number, reopenCount: number, customer: { id: string, name: string, email: string | null, segment: string | null, stage: JourneyStage, lifetimeValue: string, touchpoints: { edges: Array<{ node: { occurredAt: string, channel: Channel, kind: string, summary: string | null } }> }, tickets: { totalCount: number, edges: Array<{ node: { id: string, subject: string, status: TicketStatus, createdAt: string, resolvedAt: string | null } }> } } } }> } };

export type TicketQueueQueryVariables = Exact<{ [key: string]: never; }>;


export type TicketQueueQuery = { tickets: { totalCount: number, edges: Array<{ node: { id: string, subject: string, priority: TicketPriority, status: TicketStatus, channel: Channel, assignee: string | null, createdAt: string, firstResponseSeconds: number | null, contactCount: number, customer: { id: string, name: string, segment: string | null, health: { level: HealthLevel, reasons: Array<string> } } } }> } };
