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
  /** ISO-8601 date-time. Output: UTC, `+00:00`, no trailing zero fractions. Input: must carry an offset (`Z` or `+HH:MM`). */
  DateTime: { input: string; output: string; }
  /** Exact money amount, serialized as a string, e.g. "129.90". */
  Decimal: { input: string; output: string; }
  /** The `JSON` scalar type represents JSON values as specified by [ECMA-404](https://ecma-international.org/wp-content/uploads/ECMA-404_2nd_edition_december_2017.pdf). */
  JSON: { input: unknown; output: unknown; }
};

/** One write: who (key name and role), what, when, which ids. */
export type AuditEntry = {
  __typename?: 'AuditEntry';
  /** The mutation, e.g. recordTouchpoints. */
  action: Scalars['String']['output'];
  /** Counts and changed field names; never PII. */
  details: Scalars['JSON']['output'];
  keyName: Scalars['String']['output'];
  occurredAt: Scalars['DateTime']['output'];
  role: Role;
  /** Global ids written. */
  targetIds: Array<Scalars['ID']['output']>;
};

export type AuditEntryConnection = {
  __typename?: 'AuditEntryConnection';
  edges: Array<AuditEntryEdge>;
  pageInfo: PageInfo;
  /** Number of items matching the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

export type AuditEntryEdge = {
  __typename?: 'AuditEntryEdge';
  cursor: Scalars['String']['output'];
  node: AuditEntry;
};

export type AuditLogFilter = {
  action: InputMaybe<Array<Scalars['String']['input']>>;
  from: InputMaybe<Scalars['DateTime']['input']>;
  keyName: InputMaybe<Scalars['String']['input']>;
  /** Entries that wrote this object. */
  targetId: InputMaybe<Scalars['ID']['input']>;
  to: InputMaybe<Scalars['DateTime']['input']>;
};

/** Where an interaction happened. */
export type Channel =
  | 'ADS'
  | 'APP'
  | 'CHAT'
  | 'EMAIL'
  | 'IN_PERSON'
  | 'PHONE'
  | 'REVIEW'
  | 'SELF_SERVICE'
  | 'SMS'
  | 'SOCIAL'
  | 'WEB';

export type CreateCustomerInput = {
  attributes: InputMaybe<Scalars['JSON']['input']>;
  company: InputMaybe<Scalars['String']['input']>;
  email: InputMaybe<Scalars['String']['input']>;
  externalIds: InputMaybe<Array<ExternalIdInput>>;
  name: Scalars['String']['input'];
  /** E.164, e.g. +447700900123. */
  phone: InputMaybe<Scalars['String']['input']>;
  segment: InputMaybe<Scalars['String']['input']>;
};

/** The scale follows the kind: NPS 0-10, CSAT 1-5, CES 1-7. */
export type CreateSurveyInput = {
  kind: SurveyKind;
  question: Scalars['String']['input'];
};

/** One person or account contact the company serves. */
export type Customer = Node & {
  __typename?: 'Customer';
  attributes: Maybe<Scalars['JSON']['output']>;
  /** Null while the customer is active. */
  churnedAt: Maybe<Scalars['DateTime']['output']>;
  company: Maybe<Scalars['String']['output']>;
  createdAt: Scalars['DateTime']['output'];
  /** Trimmed and lower-cased; unique. PII: masked (j***@example.com) for roles without personal data. */
  email: Maybe<Scalars['String']['output']>;
  /** Set once the customer was erased (GDPR); the record stays as a tombstone. */
  erasedAt: Maybe<Scalars['DateTime']['output']>;
  externalIds: Array<ExternalId>;
  /** Health as of `asOf` (default now), with the reasons in words. */
  health: CustomerHealth;
  id: Scalars['ID']['output'];
  /** Sum of all the customer's purchase values. */
  lifetimeValue: Scalars['Decimal']['output'];
  /** Customers merged into this one; `unmergeCustomer` restores them. */
  mergedFrom: Array<Customer>;
  /** This customer's metrics (their records only) over a window. */
  metrics: Metrics;
  name: Scalars['String']['output'];
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
  /** Touchpoints, tickets and survey responses together, newest first. Page size 1-100 (default 20); `after` takes an `endCursor` of this list. */
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

export type CustomerConnection = {
  __typename?: 'CustomerConnection';
  edges: Array<CustomerEdge>;
  pageInfo: PageInfo;
  /** Number of items matching the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

export type CustomerEdge = {
  __typename?: 'CustomerEdge';
  cursor: Scalars['String']['output'];
  node: Customer;
};

/** Customers matching every given condition. */
export type CustomerFilter = {
  churned: InputMaybe<Scalars['Boolean']['input']>;
  /** createdAt >= this. */
  createdFrom: InputMaybe<Scalars['DateTime']['input']>;
  /** createdAt < this. */
  createdTo: InputMaybe<Scalars['DateTime']['input']>;
  /** Customers whose health, as of now, is at this level. */
  healthLevel: InputMaybe<HealthLevel>;
  /** Case-insensitive substring of name, email or company (name and company only for roles without personal data). */
  search: InputMaybe<Scalars['String']['input']>;
  segment: InputMaybe<Scalars['String']['input']>;
  stage: InputMaybe<JourneyStage>;
};

/** Proactive CX: 100 minus the rules that fire, floored at 0. */
export type CustomerHealth = {
  __typename?: 'CustomerHealth';
  level: HealthLevel;
  reasons: Array<Scalars['String']['output']>;
  score: Scalars['Int']['output'];
};

export type CustomerOrder = {
  direction: SortDirection;
  field: CustomerOrderField;
};

/** LIFETIME_VALUE is the sum of all the customer's purchases. */
export type CustomerOrderField =
  | 'CREATED_AT'
  | 'LIFETIME_VALUE'
  | 'NAME';

export type CustomerPayload = {
  __typename?: 'CustomerPayload';
  customer: Maybe<Customer>;
  userErrors: Array<UserError>;
};

/** Names a customer by exactly one of id, email or external id. */
export type CustomerRef = {
  email: InputMaybe<Scalars['String']['input']>;
  externalId: InputMaybe<ExternalIdInput>;
  id: InputMaybe<Scalars['ID']['input']>;
};

/** Seconds. Median and p90 are continuous percentiles (linear interpolation). */
export type DurationStats = {
  __typename?: 'DurationStats';
  count: Scalars['Int']['output'];
  mean: Maybe<Scalars['Float']['output']>;
  median: Maybe<Scalars['Float']['output']>;
  p90: Maybe<Scalars['Float']['output']>;
};

export type EraseCustomerPayload = {
  __typename?: 'EraseCustomerPayload';
  erasedCustomerId: Maybe<Scalars['ID']['output']>;
  userErrors: Array<UserError>;
};

/** An identifier another system (CRM, helpdesk...) uses. */
export type ExternalId = {
  __typename?: 'ExternalId';
  id: Scalars['String']['output'];
  source: Scalars['String']['output'];
};

/** An id another system uses for the customer. */
export type ExternalIdInput = {
  id: Scalars['String']['input'];
  source: Scalars['String']['input'];
};

export type FunnelStep = {
  __typename?: 'FunnelStep';
  /** reached / reached of the previous stage; null for the first stage. */
  conversion: Maybe<Scalars['Float']['output']>;
  /** Distinct customers with a touchpoint in the window at this stage or later. */
  reached: Scalars['Int']['output'];
  stage: JourneyStage;
};

/** HEALTHY >= 75 > WATCH >= 50 > AT_RISK (health score). */
export type HealthLevel =
  | 'AT_RISK'
  | 'HEALTHY'
  | 'WATCH';

/** Bucket size; buckets are aligned to UTC calendar boundaries. */
export type Interval =
  | 'DAY'
  | 'MONTH'
  | 'WEEK';

/** Journey stages in order: AWARENESS < CONSIDERATION < DECISION < RETENTION < ADVOCACY. */
export type JourneyStage =
  | 'ADVOCACY'
  | 'AWARENESS'
  | 'CONSIDERATION'
  | 'DECISION'
  | 'RETENTION';

export type MergeCustomersInput = {
  /** Customers whose records move to the survivor (1-50). */
  mergedIds: Array<Scalars['ID']['input']>;
  survivorId: Scalars['ID']['input'];
};

/** What a metric means, as computed. */
export type MetricDefinition = {
  __typename?: 'MetricDefinition';
  definition: Scalars['String']['output'];
  name: Scalars['String']['output'];
};

/** CX metrics over a window; see `definitions` for every formula. */
export type Metrics = {
  __typename?: 'Metrics';
  /** Customers created before `from` and not churned before `from`; with no `from`, all customers created before `to`. Merged duplicates are not counted. */
  activeCustomers: Scalars['Int']['output'];
  /** Over customers created before `to`: their purchase value up to `to` (no lower bound) summed, divided by their number. */
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
  /** Tickets created in the window that were resolved: seconds from createdAt to resolvedAt (count, mean, median, p90). */
  resolutionTime: DurationStats;
  /** Tickets created in the window now RESOLVED or CLOSED. */
  resolvedTickets: Scalars['Int']['output'];
  /** Sum of the value of `purchase` touchpoints in the window. */
  revenue: Scalars['Decimal']['output'];
  /** Tickets created in the window. */
  ticketVolume: Scalars['Int']['output'];
};

/** The metrics of one bucket ∩ [from, to); start/end show the whole bucket. */
export type MetricsBucket = {
  __typename?: 'MetricsBucket';
  end: Scalars['DateTime']['output'];
  metrics: Metrics;
  start: Scalars['DateTime']['output'];
};

/** The window [from, to) in UTC (either end may be open) and filters. */
export type MetricsFilter = {
  /** Tickets and touchpoints of this channel. */
  channel: InputMaybe<Channel>;
  from: InputMaybe<Scalars['DateTime']['input']>;
  /** Only customers of this segment and their records. */
  segment: InputMaybe<Scalars['String']['input']>;
  /** Touchpoints of this team. */
  team: InputMaybe<Team>;
  to: InputMaybe<Scalars['DateTime']['input']>;
};

export type Mutation = {
  __typename?: 'Mutation';
  /** RESOLVED -> CLOSED (final); `at` not before resolution. */
  closeTicket: TicketPayload;
  /** Email is stored trimmed and lower-cased; it must be unique. */
  createCustomer: CustomerPayload;
  createSurvey: SurveyPayload;
  /** GDPR erasure: name, email, phone, company, attributes, comments, summaries and external ids are removed for good; scores, purchases and ticket timings stay so metrics stay right. The customer remains as a tombstone (`erasedAt`). ADMIN only. */
  eraseCustomer: EraseCustomerPayload;
  /** Moves every record of the merged customers to the survivor, in one transaction. Merged ids keep resolving to the survivor; `unmergeCustomer` undoes it. */
  mergeCustomers: CustomerPayload;
  openTicket: TicketPayload;
  /** contactCount + 1; a PENDING ticket goes back to OPEN. */
  recordCustomerContact: TicketPayload;
  /** Records 1-1000 touchpoints. An event sent again (same source and externalId) is stored once and counted under `duplicates`. */
  recordTouchpoints: RecordTouchpointsPayload;
  /** RESOLVED -> OPEN; reopenCount + 1, resolvedAt cleared. */
  reopenTicket: TicketPayload;
  /** OPEN -> RESOLVED; `at` for imports, not before creation. */
  resolveTicket: TicketPayload;
  /** Sets firstResponseAt once; NEW -> OPEN. */
  respondToTicket: TicketPayload;
  /** OPEN -> PENDING (waiting on the customer). */
  setTicketPending: TicketPayload;
  /** The score must lie inside the survey's scale. */
  submitSurveyResponse: SurveyResponsePayload;
  /** Restores a merged customer with exactly the records it brought into the merge. */
  unmergeCustomer: CustomerPayload;
  /** A merged customer's id updates the survivor. */
  updateCustomer: CustomerPayload;
  /** Not on CLOSED tickets. */
  updateTicket: TicketPayload;
};


export type MutationCloseTicketArgs = {
  at?: InputMaybe<Scalars['DateTime']['input']>;
  id: Scalars['ID']['input'];
};


export type MutationCreateCustomerArgs = {
  input: CreateCustomerInput;
};


export type MutationCreateSurveyArgs = {
  input: CreateSurveyInput;
};


export type MutationEraseCustomerArgs = {
  id: Scalars['ID']['input'];
};


export type MutationMergeCustomersArgs = {
  input: MergeCustomersInput;
};


export type MutationOpenTicketArgs = {
  input: OpenTicketInput;
};


export type MutationRecordCustomerContactArgs = {
  id: Scalars['ID']['input'];
};


export type MutationRecordTouchpointsArgs = {
  touchpoints: Array<TouchpointInput>;
};


export type MutationReopenTicketArgs = {
  id: Scalars['ID']['input'];
};


export type MutationResolveTicketArgs = {
  at?: InputMaybe<Scalars['DateTime']['input']>;
  id: Scalars['ID']['input'];
};


export type MutationRespondToTicketArgs = {
  at?: InputMaybe<Scalars['DateTime']['input']>;
  id: Scalars['ID']['input'];
};


export type MutationSetTicketPendingArgs = {
  id: Scalars['ID']['input'];
};


export type MutationSubmitSurveyResponseArgs = {
  input: SurveyResponseInput;
};


export type MutationUnmergeCustomerArgs = {
  id: Scalars['ID']['input'];
};


export type MutationUpdateCustomerArgs = {
  id: Scalars['ID']['input'];
  input: UpdateCustomerInput;
};


export type MutationUpdateTicketArgs = {
  id: Scalars['ID']['input'];
  input: UpdateTicketInput;
};

/** An object with an opaque global id, fetchable with `node(id:)`. */
export type Node = {
  /** Opaque global id. */
  id: Scalars['ID']['output'];
};

export type OpenTicketInput = {
  assignee: InputMaybe<Scalars['String']['input']>;
  channel: Channel;
  /** Defaults to now; for importing history. */
  createdAt: InputMaybe<Scalars['DateTime']['input']>;
  customer: CustomerRef;
  priority: InputMaybe<TicketPriority>;
  subject: Scalars['String']['input'];
};

/** Where this page sits in the whole list. */
export type PageInfo = {
  __typename?: 'PageInfo';
  endCursor: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
  hasPreviousPage: Scalars['Boolean']['output'];
  startCursor: Maybe<Scalars['String']['output']>;
};

export type Query = {
  __typename?: 'Query';
  /** The audit log, newest first (ADMIN only). Page size 1-100 (default 20); `after` takes an `endCursor` of this list. */
  auditLog: Maybe<AuditEntryConnection>;
  /** A customer by id; a merged customer's id yields the survivor. */
  customer: Maybe<Customer>;
  /** A customer by email (matched trimmed and case-insensitively). */
  customerByEmail: Maybe<Customer>;
  /** A customer by an id another system knows them under. */
  customerByExternalId: Maybe<Customer>;
  /** Customers (merged ones excluded), newest first unless ordered. Page size 1-100 (default 20); `after` takes an `endCursor` of this list. */
  customers: CustomerConnection;
  /** Every metric's definition, as this server computes it. */
  definitions: Array<MetricDefinition>;
  /** Everything held on a customer (GDPR access request): profile, external ids, merged records, touchpoints, tickets and survey responses. Null when missing. Roles with personal data only. */
  exportCustomer: Maybe<Scalars['JSON']['output']>;
  /** Customers reaching each journey stage in the window. */
  journeyFunnel: Array<FunnelStep>;
  /** Metrics over a window and filters. */
  metrics: Metrics;
  /** The same metrics per DAY, WEEK (ISO, Monday) or MONTH bucket, empty buckets included. Without `from`, the last 30 days / 12 weeks / 12 months; without `to`, now. At most 400 buckets. */
  metricsSeries: Array<MetricsBucket>;
  /** Any object by its global id; null when it does not exist. */
  node: Maybe<Node>;
  /** Objects by global id, in order; at most 100 ids. */
  nodes: Array<Maybe<Node>>;
  /** All surveys, newest first. Page size 1-100 (default 20); `after` takes an `endCursor` of this list. */
  surveys: SurveyConnection;
  /** All tickets, newest first unless ordered. Page size 1-100 (default 20); `after` takes an `endCursor` of this list. */
  tickets: TicketConnection;
  /** All touchpoints, newest first. Page size 1-100 (default 20); `after` takes an `endCursor` of this list. */
  touchpoints: TouchpointConnection;
  /** The API key making this request. */
  viewer: Viewer;
};


export type QueryAuditLogArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<AuditLogFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryCustomerArgs = {
  id: Scalars['ID']['input'];
};


export type QueryCustomerByEmailArgs = {
  email: Scalars['String']['input'];
};


export type QueryCustomerByExternalIdArgs = {
  id: Scalars['String']['input'];
  source: Scalars['String']['input'];
};


export type QueryCustomersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<CustomerFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  orderBy?: InputMaybe<CustomerOrder>;
};


export type QueryExportCustomerArgs = {
  id: Scalars['ID']['input'];
};


export type QueryJourneyFunnelArgs = {
  filter?: InputMaybe<MetricsFilter>;
};


export type QueryMetricsArgs = {
  filter?: InputMaybe<MetricsFilter>;
};


export type QueryMetricsSeriesArgs = {
  filter?: InputMaybe<MetricsFilter>;
  interval: Interval;
};


export type QueryNodeArgs = {
  id: Scalars['ID']['input'];
};


export type QueryNodesArgs = {
  ids: Array<Scalars['ID']['input']>;
};


export type QuerySurveysArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryTicketsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<TicketFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  orderBy?: InputMaybe<TicketOrder>;
};


export type QueryTouchpointsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<TouchpointFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type RecordTouchpointsPayload = {
  __typename?: 'RecordTouchpointsPayload';
  created: Scalars['Int']['output'];
  duplicates: Scalars['Int']['output'];
  /** Stored or already stored, in input order. */
  touchpoints: Array<Touchpoint>;
  /** A batch with any user error stores nothing. */
  userErrors: Array<UserError>;
};

/** What an API key may read and write. */
export type Role =
  | 'ADMIN'
  | 'ANALYST'
  | 'MARKETING'
  | 'PARTNER'
  | 'SALES'
  | 'SUPPORT';

/** Sort direction. */
export type SortDirection =
  | 'ASC'
  | 'DESC';

/** A question of one kind with the kind's fixed scale. */
export type Survey = Node & {
  __typename?: 'Survey';
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  kind: SurveyKind;
  question: Scalars['String']['output'];
  /** Responses, newest first. Page size 1-100 (default 20); `after` takes an `endCursor` of this list. */
  responses: SurveyResponseConnection;
  scaleMax: Scalars['Int']['output'];
  scaleMin: Scalars['Int']['output'];
};


/** A question of one kind with the kind's fixed scale. */
export type SurveyResponsesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type SurveyConnection = {
  __typename?: 'SurveyConnection';
  edges: Array<SurveyEdge>;
  pageInfo: PageInfo;
  /** Number of items matching the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

export type SurveyEdge = {
  __typename?: 'SurveyEdge';
  cursor: Scalars['String']['output'];
  node: Survey;
};

/** NPS scale 0-10, CSAT 1-5, CES 1-7 (higher = easier). */
export type SurveyKind =
  | 'CES'
  | 'CSAT'
  | 'NPS';

export type SurveyPayload = {
  __typename?: 'SurveyPayload';
  survey: Maybe<Survey>;
  userErrors: Array<UserError>;
};

/** One score a customer gave, optionally following up a ticket. */
export type SurveyResponse = Node & {
  __typename?: 'SurveyResponse';
  /** PII: hidden (null, FORBIDDEN) for roles without personal data. */
  comment: Maybe<Scalars['String']['output']>;
  customer: Customer;
  id: Scalars['ID']['output'];
  respondedAt: Scalars['DateTime']['output'];
  /** Inside the survey's scale. */
  score: Scalars['Int']['output'];
  survey: Survey;
  ticket: Maybe<Ticket>;
};

export type SurveyResponseConnection = {
  __typename?: 'SurveyResponseConnection';
  edges: Array<SurveyResponseEdge>;
  pageInfo: PageInfo;
  /** Number of items matching the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

export type SurveyResponseEdge = {
  __typename?: 'SurveyResponseEdge';
  cursor: Scalars['String']['output'];
  node: SurveyResponse;
};

/** Responses matching every given condition. */
export type SurveyResponseFilter = {
  /** respondedAt >= from. */
  from: InputMaybe<Scalars['DateTime']['input']>;
  kind: InputMaybe<Array<SurveyKind>>;
  /** respondedAt < to. */
  to: InputMaybe<Scalars['DateTime']['input']>;
};

export type SurveyResponseInput = {
  comment: InputMaybe<Scalars['String']['input']>;
  customer: CustomerRef;
  /** Defaults to now. */
  respondedAt: InputMaybe<Scalars['DateTime']['input']>;
  score: Scalars['Int']['input'];
  surveyId: Scalars['ID']['input'];
  /** The ticket this follows up; it must be the customer's. */
  ticketId: InputMaybe<Scalars['ID']['input']>;
};

export type SurveyResponsePayload = {
  __typename?: 'SurveyResponsePayload';
  surveyResponse: Maybe<SurveyResponse>;
  userErrors: Array<UserError>;
};

/** The team that owns an interaction. */
export type Team =
  | 'MARKETING'
  | 'PRODUCT'
  | 'SALES'
  | 'SUPPORT';

/** One support case. */
export type Ticket = Node & {
  __typename?: 'Ticket';
  assignee: Maybe<Scalars['String']['output']>;
  channel: Channel;
  closedAt: Maybe<Scalars['DateTime']['output']>;
  /** Customer contacts on this case (>= 1). */
  contactCount: Scalars['Int']['output'];
  createdAt: Scalars['DateTime']['output'];
  customer: Customer;
  /** First agent reply. */
  firstResponseAt: Maybe<Scalars['DateTime']['output']>;
  /** Whole seconds from createdAt to firstResponseAt; null before a response. */
  firstResponseSeconds: Maybe<Scalars['Int']['output']>;
  id: Scalars['ID']['output'];
  priority: TicketPriority;
  reopenCount: Scalars['Int']['output'];
  /** Whole seconds from createdAt to resolvedAt; null while unresolved. */
  resolutionSeconds: Maybe<Scalars['Int']['output']>;
  resolvedAt: Maybe<Scalars['DateTime']['output']>;
  /** For RESOLVED or CLOSED tickets: one contact and never reopened; null while the ticket is still open. */
  resolvedOnFirstContact: Maybe<Scalars['Boolean']['output']>;
  status: TicketStatus;
  subject: Scalars['String']['output'];
  /** Survey responses that follow up this ticket, oldest first. */
  surveyResponses: Array<SurveyResponse>;
};

export type TicketConnection = {
  __typename?: 'TicketConnection';
  edges: Array<TicketEdge>;
  pageInfo: PageInfo;
  /** Number of items matching the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

export type TicketEdge = {
  __typename?: 'TicketEdge';
  cursor: Scalars['String']['output'];
  node: Ticket;
};

/** Tickets matching every given condition; lists mean any of. */
export type TicketFilter = {
  assignee: InputMaybe<Scalars['String']['input']>;
  channel: InputMaybe<Array<Channel>>;
  /** createdAt >= from. */
  from: InputMaybe<Scalars['DateTime']['input']>;
  priority: InputMaybe<Array<TicketPriority>>;
  status: InputMaybe<Array<TicketStatus>>;
  /** createdAt < to. */
  to: InputMaybe<Scalars['DateTime']['input']>;
};

export type TicketOrder = {
  direction: SortDirection;
  field: TicketOrderField;
};

/** PRIORITY sorts by severity; equal priorities oldest first. */
export type TicketOrderField =
  | 'CREATED_AT'
  | 'PRIORITY';

export type TicketPayload = {
  __typename?: 'TicketPayload';
  ticket: Maybe<Ticket>;
  userErrors: Array<UserError>;
};

/** LOW < NORMAL < HIGH < URGENT. */
export type TicketPriority =
  | 'HIGH'
  | 'LOW'
  | 'NORMAL'
  | 'URGENT';

/** NEW -> OPEN -> PENDING <-> OPEN -> RESOLVED -> CLOSED; RESOLVED may reopen. */
export type TicketStatus =
  | 'CLOSED'
  | 'NEW'
  | 'OPEN'
  | 'PENDING'
  | 'RESOLVED';

/** Timeline page, newest first. */
export type TimelineConnection = {
  __typename?: 'TimelineConnection';
  edges: Array<TimelineEdge>;
  pageInfo: PageInfo;
};

export type TimelineEdge = {
  __typename?: 'TimelineEdge';
  cursor: Scalars['String']['output'];
  node: TimelineEvent;
  /** occurredAt of a touchpoint, createdAt of a ticket, respondedAt of a response. */
  occurredAt: Scalars['DateTime']['output'];
};

/** Anything that happens to a customer. */
export type TimelineEvent = SurveyResponse | Ticket | Touchpoint;

/** Events with from <= time < to (occurredAt, createdAt, respondedAt). */
export type TimelineFilter = {
  from: InputMaybe<Scalars['DateTime']['input']>;
  to: InputMaybe<Scalars['DateTime']['input']>;
};

/** One interaction: an ad click, a page view, a demo, a purchase... */
export type Touchpoint = Node & {
  __typename?: 'Touchpoint';
  attributes: Maybe<Scalars['JSON']['output']>;
  channel: Channel;
  currency: Maybe<Scalars['String']['output']>;
  customer: Customer;
  /** The reporting system's event id; (source, externalId) is unique. */
  externalId: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  /** Free label: page_view, demo, purchase, referral... */
  kind: Scalars['String']['output'];
  occurredAt: Scalars['DateTime']['output'];
  /** -1.0 (negative) to 1.0 (positive). */
  sentiment: Maybe<Scalars['Float']['output']>;
  /** The system that reported the touchpoint. */
  source: Scalars['String']['output'];
  stage: JourneyStage;
  summary: Maybe<Scalars['String']['output']>;
  team: Team;
  /** Revenue; counted in metrics only for kind `purchase`. */
  value: Maybe<Scalars['Decimal']['output']>;
};

export type TouchpointConnection = {
  __typename?: 'TouchpointConnection';
  edges: Array<TouchpointEdge>;
  pageInfo: PageInfo;
  /** Number of items matching the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

export type TouchpointEdge = {
  __typename?: 'TouchpointEdge';
  cursor: Scalars['String']['output'];
  node: Touchpoint;
};

/** Touchpoints matching every given condition; lists mean any of. */
export type TouchpointFilter = {
  channel: InputMaybe<Array<Channel>>;
  /** occurredAt >= from. */
  from: InputMaybe<Scalars['DateTime']['input']>;
  kind: InputMaybe<Array<Scalars['String']['input']>>;
  stage: InputMaybe<Array<JourneyStage>>;
  team: InputMaybe<Array<Team>>;
  /** occurredAt < to. */
  to: InputMaybe<Scalars['DateTime']['input']>;
};

export type TouchpointInput = {
  attributes: InputMaybe<Scalars['JSON']['input']>;
  channel: Channel;
  /** ISO 4217, e.g. USD. */
  currency: InputMaybe<Scalars['String']['input']>;
  customer: CustomerRef;
  /** The reporting system's event id: sending it again is safe. */
  externalId: InputMaybe<Scalars['String']['input']>;
  kind: Scalars['String']['input'];
  occurredAt: Scalars['DateTime']['input'];
  sentiment: InputMaybe<Scalars['Float']['input']>;
  /** The reporting system. */
  source: Scalars['String']['input'];
  stage: JourneyStage;
  summary: InputMaybe<Scalars['String']['input']>;
  team: Team;
  /** Revenue, 2 decimals. */
  value: InputMaybe<Scalars['Decimal']['input']>;
};

/** Only the fields sent change; an explicit null clears a field. */
export type UpdateCustomerInput = {
  attributes: InputMaybe<Scalars['JSON']['input']>;
  churnedAt: InputMaybe<Scalars['DateTime']['input']>;
  company: InputMaybe<Scalars['String']['input']>;
  email: InputMaybe<Scalars['String']['input']>;
  name: InputMaybe<Scalars['String']['input']>;
  phone: InputMaybe<Scalars['String']['input']>;
  segment: InputMaybe<Scalars['String']['input']>;
};

/** Only the fields sent change; `assignee: null` unassigns. */
export type UpdateTicketInput = {
  assignee: InputMaybe<Scalars['String']['input']>;
  priority: InputMaybe<TicketPriority>;
  subject: InputMaybe<Scalars['String']['input']>;
};

/** A problem with the input; nothing was written. */
export type UserError = {
  __typename?: 'UserError';
  /** INVALID, NOT_FOUND, CONFLICT, INVALID_TRANSITION or ERASED. */
  code: Scalars['String']['output'];
  /** Path into the input, e.g. ["touchpoints", "3", "occurredAt"]. */
  field: Maybe<Array<Scalars['String']['output']>>;
  message: Scalars['String']['output'];
};

/** Who is calling: the API key behind this request. */
export type Viewer = {
  __typename?: 'Viewer';
  keyName: Scalars['String']['output'];
  role: Role;
};

/** Where an interaction happened. */
export type Channel =
  | 'ADS'
  | 'APP'
  | 'CHAT'
  | 'EMAIL'
  | 'IN_PERSON'
  | 'PHONE'
  | 'REVIEW'
  | 'SELF_SERVICE'
  | 'SMS'
  | 'SOCIAL'
  | 'WEB';

/** Names a customer by exactly one of id, email or external id. */
export type CustomerRef = {
  email: string | null | undefined;
  externalId: ExternalIdInput | null | undefined;
  id: string | number | null | undefined;
};

/** An id another system uses for the customer. */
export type ExternalIdInput = {
  id: string;
  source: string;
};

/** HEALTHY >= 75 > WATCH >= 50 > AT_RISK (health score). */
export type HealthLevel =
  | 'AT_RISK'
  | 'HEALTHY'
  | 'WATCH';

/** Journey stages in order: AWARENESS < CONSIDERATION < DECISION < RETENTION < ADVOCACY. */
export type JourneyStage =
  | 'ADVOCACY'
  | 'AWARENESS'
  | 'CONSIDERATION'
  | 'DECISION'
  | 'RETENTION';

/** NPS scale 0-10, CSAT 1-5, CES 1-7 (higher = easier). */
export type SurveyKind =
  | 'CES'
  | 'CSAT'
  | 'NPS';

/** The team that owns an interaction. */
export type Team =
  | 'MARKETING'
  | 'PRODUCT'
  | 'SALES'
  | 'SUPPORT';

/** LOW < NORMAL < HIGH < URGENT. */
export type TicketPriority =
  | 'HIGH'
  | 'LOW'
  | 'NORMAL'
  | 'URGENT';

/** NEW -> OPEN -> PENDING <-> OPEN -> RESOLVED -> CLOSED; RESOLVED may reopen. */
export type TicketStatus =
  | 'CLOSED'
  | 'NEW'
  | 'OPEN'
  | 'PENDING'
  | 'RESOLVED';

export type TouchpointInput = {
  attributes: unknown;
  channel: Channel;
  /** ISO 4217, e.g. USD. */
  currency: string | null | undefined;
  customer: CustomerRef;
  /** The reporting system's event id: sending it again is safe. */
  externalId: string | null | undefined;
  kind: string;
  occurredAt: string;
  sentiment: number | null | undefined;
  /** The reporting system. */
  source: string;
  stage: JourneyStage;
  summary: string | null | undefined;
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
