import type { Response } from 'express';
import { z } from 'zod';

import { FAILURE_KINDS, REMITTANCE_STATUSES } from '../domain/remittance';
import { ROLES, STAFF_ROLES } from '../domain/roles';
import { RISK_DECISIONS, TRANSFER_STATUSES, TRANSFER_STEPS } from '../domain/transfer';
import { RULE_ACTIONS } from '../risk/rules';
import { conditionComponents, conditionSchema } from './condition-schema';

/**
 * What the API answers, as zod schemas: the routes' response types are inferred from them, and the
 * API document's response schemas are generated from them. Objects are strict, so a field added to
 * an answer without its schema fails the document test rather than drifting.
 */

const isoTime = z.iso.datetime();
const minorUnits = z.int().describe('integer minor units (cents)');

export const statusChangeView = z.strictObject({
  status: z.enum(TRANSFER_STATUSES),
  step: z.enum(TRANSFER_STEPS),
  at: isoTime,
  reason: z.string().nullable(),
});

export const reviewView = z
  .strictObject({
    decision: z.enum(['APPROVE', 'REJECT']),
    reason: z.string(),
    reviewer: z.string(),
    decidedAt: isoTime,
  })
  .describe("the operator's decision, when the transfer went through review");

export const confirmationProgressView = z
  .strictObject({
    expiresAt: isoTime.describe('when the code sent last stops working'),
    triesLeft: z.int().min(0).describe('wrong codes the transfer still survives'),
    resendsLeft: z.int().min(0),
    resendableAt: isoTime.nullable().describe('when a new code may be asked for; null when none is left'),
  })
  .describe('a confirmation in progress (AWAITING_CONFIRMATION): never the code');

export const transferView = z.strictObject({
  transferId: z.uuid(),
  status: z
    .enum(TRANSFER_STATUSES)
    .describe(
      'PENDING (the saga runs), UNDER_REVIEW (held for an operator), AWAITING_CONFIRMATION (held until the sender ' +
        'confirms with the code sent by SMS, declines, or it expires), and the terminal COMPLETED (money moved), ' +
        'DECLINED, BLOCKED, REJECTED and FAILED (no money moved; hold voided)',
    ),
  step: z.enum(TRANSFER_STEPS).describe('where the saga is'),
  fromAccountId: z.string(),
  toAccountId: z.string(),
  amount: minorUnits,
  currency: z.string(),
  memo: z.string().nullable(),
  riskDecision: z.enum(RISK_DECISIONS).nullable(),
  riskScore: z.number().nullable(),
  failureReason: z.string().nullable(),
  submittedAt: isoTime,
  settledAt: isoTime.nullable(),
  history: z.array(statusChangeView).describe('status changes, oldest first; empty in listings'),
  review: reviewView.nullable(),
  confirmation: confirmationProgressView.nullable(),
  links: z.strictObject({ self: z.string(), temporalUi: z.url() }),
});
export type TransferView = z.output<typeof transferView>;

export const customerReviewView = reviewView
  .pick({ decision: true, decidedAt: true })
  .describe('how the review decided, when the transfer went through one; who decided and why stay with staff');

/**
 * What a USER sees of a transfer: the staff view without the risk score, the reviewer and their reason,
 * or the saga's Web UI link. `status` (and `riskDecision`, which says no more) tells the customer a
 * transfer is under review or blocked; the reasons risk and reviewers gave are replaced by a plain one.
 */
export const customerTransferView = transferView
  .omit({ riskScore: true })
  .extend({
    failureReason: z
      .string()
      .nullable()
      .describe('why no money moved; for BLOCKED and REJECTED only that risk or a review decided it'),
    review: customerReviewView.nullable(),
    links: z.strictObject({ self: z.string() }),
  })
  .describe("a USER's view of its transfer: no risk score, rule hits or reasons, reviewer, or Web UI link");
export type CustomerTransferView = z.output<typeof customerTransferView>;

export const transferPage = z.strictObject({
  items: z.array(transferView),
  nextCursor: z.string().nullable().describe('pass as `cursor` for the next page; null on the last one'),
});

export const auditEntryView = z.strictObject({
  seq: z.string().describe('position in the chain'),
  at: isoTime,
  requestId: z.string(),
  sub: z.string().nullable(),
  role: z.string().nullable(),
  action: z.string(),
  target: z.string().nullable(),
  outcome: z.string(),
  status: z.number().int(),
  clientAddress: z.string().nullable(),
  prevHash: z.string(),
  hash: z.string().describe('sha256 over the fields and prevHash'),
});
export const auditPage = z.strictObject({
  items: z.array(auditEntryView),
  nextCursor: z.string().nullable().describe('pass as `cursor` for the next page; null on the last one'),
});

export const reviewClaimView = z
  .strictObject({ transferId: z.uuid(), by: z.string(), at: isoTime, expiresAt: isoTime })
  .describe('who works the case, until when; decided by them alone while it holds');

export const reviewQueueItem = transferView.extend({
  underReviewSince: isoTime,
  reviewDeadline: isoTime.describe('when the review times out and the transfer is rejected'),
  claim: reviewClaimView.nullable(),
});
export const reviewQueue = z.strictObject({ items: z.array(reviewQueueItem) });

export const accountView = z.strictObject({
  accountId: z.string(),
  ownerId: z.string(),
  currency: z.string(),
  status: z.enum(['OPEN', 'CLOSED']),
  balance: minorUnits.describe('settled balance (PostgreSQL)'),
  available: minorUnits.describe('what can be spent now: balance minus open holds (Redis)'),
  held: minorUnits.describe('held by transfers still in flight'),
});

export const ruleView = z.strictObject({
  ruleId: z.string(),
  version: z.int().min(1),
  name: z.string(),
  description: z.string().nullable(),
  condition: conditionSchema,
  score: z.number(),
  action: z.enum(RULE_ACTIONS),
  enabled: z.boolean(),
  shadow: z.boolean(),
  updatedBy: z.string(),
  updatedAt: isoTime,
});
export const ruleList = z.strictObject({ items: z.array(ruleView) });
export const ruleVersionView = ruleView.extend({ deleted: z.boolean().describe('the version that removed the rule') });
export const ruleHistoryView = z.strictObject({ ruleId: z.string(), versions: z.array(ruleVersionView) });

const point = z.strictObject({ lat: z.number(), lon: z.number() });

export const riskRecordView = z.strictObject({
  transferId: z.uuid(),
  decision: z.enum(RISK_DECISIONS),
  score: z.number(),
  anomalyScore: z.number(),
  anomalyReason: z.string().nullable(),
  ruleSetVersion: z.string(),
  modelVersion: z.string(),
  reasons: z.array(z.string()),
  evaluatedAt: isoTime,
  rules: z.array(
    z.strictObject({
      ruleId: z.string(),
      version: z.int(),
      hit: z.boolean(),
      shadow: z.boolean(),
      score: z.number(),
      reason: z.string(),
    }),
  ),
  place: z
    .strictObject({
      location: point.optional(),
      locationSource: z.enum(['device', 'ip']).optional().describe('the device reported it, or its IP was located'),
      country: z.string().length(2).optional().describe("ISO-3166 alpha-2 of the IP's location"),
      previousLocation: point.extend({ atMs: z.number() }).optional().describe("the sender's last located transfer"),
      deviceId: z.string().optional(),
      deviceLastSeenMs: z.number().optional().describe('when this sender last used the device (epoch ms)'),
    })
    .nullable()
    .describe('where the transfer came from, as the travel, newDevice and country conditions saw it; never the IP'),
});

export const problemDocument = z
  .strictObject({
    type: z.url().describe('stable; branch on it rather than on the wording'),
    title: z.string(),
    status: z.int(),
    detail: z.string().optional(),
    field: z.string().optional().describe('the bad input, e.g. `body.amount` or `Idempotency-Key`'),
    triesLeft: z.int().min(0).optional().describe('after a wrong confirmation code: how many more may be tried'),
    traceId: z
      .string()
      .regex(/^[0-9a-f]{32}$/)
      .optional()
      .describe("the request's OpenTelemetry trace id, when tracing is on"),
  })
  .describe('A problem document (RFC 9457)');

export const transferCounts = z.strictObject({
  counts: z.record(z.enum(TRANSFER_STATUSES), z.int()).describe('transfers the filters match, by status'),
});

export const transferActivityView = z.strictObject({
  events: z
    .array(
      z.strictObject({
        eventId: z.string(),
        type: z.string(),
        topic: z.string(),
        createdAt: isoTime,
        publishedAt: isoTime.nullable().describe('null while the relay has not published it'),
      }),
    )
    .describe('events its saga wrote that the outbox still holds (published ones are purged after a retention)'),
  corrections: z.array(
    z.strictObject({
      id: z.string(),
      transferId: z.string().nullable(),
      accountId: z.string().nullable(),
      kind: z.string(),
      detail: z.record(z.string(), z.unknown()),
      at: isoTime,
    }),
  ),
});

const correctionView = transferActivityView.shape.corrections.element;

export const ruleDryRunView = z.strictObject({
  evaluated: z.int().describe('recent transfers whose recorded facts the draft was tried on'),
  hits: z.int().describe("how many of them the draft's condition hits"),
  changed: z.int().describe('how many decisions the draft changes'),
  changes: z.array(
    z.strictObject({
      transferId: z.uuid(),
      evaluatedAt: isoTime,
      before: z.enum(RISK_DECISIONS),
      after: z.enum(RISK_DECISIONS),
    }),
  ),
});

export const repairsView = z.strictObject({
  open: z.array(
    z.strictObject({
      id: z.string(),
      source: z.string(),
      eventId: z.string().nullable(),
      transferId: z.string().nullable(),
      error: z.string(),
      createdAt: isoTime,
    }),
  ),
  corrections: z.array(correctionView).describe('the latest, newest first'),
  reconcile: z
    .strictObject({
      workflowId: z.string(),
      runId: z.string(),
      closedAt: isoTime.nullable(),
      status: z.string(),
      drifts: z.array(z.record(z.string(), z.unknown())),
    })
    .nullable()
    .describe('the last reconcile run that finished, and the drifts it found'),
});

export const deadLetterTopicsView = z.strictObject({
  topics: z.array(
    z.strictObject({
      topic: z.string(),
      dltTopic: z.string(),
      total: z.int(),
      waiting: z.int().describe('not yet re-driven by a replay'),
    }),
  ),
});

export const deadLetterList = z.strictObject({
  items: z.array(
    z.strictObject({
      dltTopic: z.string(),
      partition: z.int(),
      offset: z.string(),
      key: z.string().nullable(),
      value: z.string(),
      headers: z.record(z.string(), z.string()),
      error: z.string().optional(),
      consumerGroup: z.string().optional(),
      originalTopic: z.string(),
      failedAt: z.string().optional(),
      replayed: z.boolean(),
    }),
  ),
});

export const deadLetterReplayView = z.strictObject({ replayed: z.int().describe('records re-published') });

export const statsView = z.strictObject({
  at: isoTime,
  completedPerSecond: z.number().describe('over the last minute'),
  decisions: z.record(z.enum(RISK_DECISIONS), z.int()).describe('risk decisions of the last 5 minutes'),
  completedP99Ms: z.number().nullable().describe('submit → COMPLETED, 99th percentile over the last 5 minutes'),
  outboxLagSeconds: z.number(),
  consumerLag: z
    .array(z.strictObject({ group: z.string(), topic: z.string(), lag: z.int() }))
    .nullable()
    .describe('null while Kafka does not answer'),
  openReviews: z.int(),
  links: z.strictObject({ temporalUi: z.url(), metrics: z.string() }),
});

export const authConfigView = z.strictObject({
  mode: z
    .enum(['password', 'identity-provider'])
    .describe('identity-provider: AUTH_JWKS_URL is set, and staff bring its tokens instead of signing in here'),
});

export const sessionView = z.strictObject({
  token: z.string().describe('a bearer token for every /v1 route; keep it in memory'),
  expiresAt: isoTime,
  username: z.string(),
  role: z.enum(STAFF_ROLES),
});

export const principalView = z.strictObject({
  sub: z.string(),
  role: z.enum(ROLES),
  expiresAt: isoTime.nullable(),
});

export const staffView = z.strictObject({
  username: z.string(),
  email: z.string(),
  role: z.enum(STAFF_ROLES),
  disabled: z.boolean(),
  createdBy: z.string(),
  createdAt: isoTime,
  lockedUntil: isoTime.nullable().describe('set while too many failed sign-ins lock the account'),
});

export const staffList = z.strictObject({ items: z.array(staffView) });

export const liveness = z.strictObject({ status: z.literal('ok') });
/** The public /readyz: whether every dependency answers, not which one does not, nor why. */
export const readiness = z.strictObject({ ready: z.boolean() });
/** The admin port's /readyz, for operators. */
export const readinessDetail = z.strictObject({
  ready: z.boolean(),
  dependencies: z.record(z.string(), z.string()).describe('"ok", or why the dependency did not answer'),
});

export const codecPayloads = z
  .strictObject({
    payloads: z.array(
      z.strictObject({
        metadata: z.record(z.string(), z.string()).describe('each value in base64'),
        data: z.string().describe('base64'),
      }),
    ),
  })
  .describe('Payloads in the JSON form of the Temporal codec-server protocol');

const bankAccountView = z.strictObject({ businessId: z.string(), bank: z.string(), account: z.string() });

export const remittanceStatusChangeView = z.strictObject({
  status: z.enum(REMITTANCE_STATUSES),
  step: z.string(),
  at: isoTime,
  reason: z.string().nullable(),
});

export const railInstructionView = z.strictObject({
  key: z.string().describe('the idempotency key the rail was given, `<remittanceId>:<leg>`'),
  type: z.enum(['collect', 'payout', 'refund']),
  instructionId: z.string().nullable().describe("the rail's own id, once it answered"),
  status: z.enum(['SENT', 'PENDING', 'SUCCEEDED', 'FAILED']),
  reason: z.string().nullable(),
  updatedAt: isoTime,
});

export const remittanceFailureView = z.strictObject({
  id: z.string(),
  remittanceId: z.uuid(),
  number: z.string().describe('R-000042'),
  kind: z.enum(FAILURE_KINDS),
  status: z.enum(['OPEN', 'RESOLVED']),
  error: z.string(),
  retries: z.int().describe('how many times the retry batch has asked for the step again (at most 3 a round)'),
  retrying: z.boolean().describe('a retry is running'),
  exhausted: z.boolean().describe('its retries are spent and operators were alerted'),
  amount: minorUnits,
  currency: z.string(),
  createdAt: isoTime,
  updatedAt: isoTime,
  resolvedAt: isoTime.nullable(),
});

export const remittanceFailureList = z.strictObject({ items: z.array(remittanceFailureView) });

export const remittanceView = z.strictObject({
  remittanceId: z.uuid(),
  number: z.string().describe('the unique request number people quote, R-000042'),
  status: z.enum(REMITTANCE_STATUSES),
  step: z.string().describe('where the saga is'),
  rail: z.string(),
  fromBusiness: bankAccountView,
  toBusiness: bankAccountView,
  amount: minorUnits,
  currency: z.string(),
  reference: z.string(),
  failureReason: z.string().nullable(),
  createdAt: isoTime,
  updatedAt: isoTime,
  history: z.array(remittanceStatusChangeView).describe('status changes, oldest first; empty in listings'),
  instructions: z.array(railInstructionView).describe('the rail instructions, oldest first; empty in listings'),
  failures: z.array(remittanceFailureView).describe('its failure records; empty in listings'),
  links: z.strictObject({ self: z.string(), temporalUi: z.url() }),
});
export type RemittanceView = z.output<typeof remittanceView>;

export const customerRemittanceView = remittanceView
  .omit({ instructions: true, failures: true, rail: true })
  .extend({ links: z.strictObject({ self: z.string() }) })
  .describe("a USER's view of its remittance: no rail instructions, failure records or Web UI link");

export const remittancePage = z.strictObject({
  items: z.array(remittanceView),
  nextCursor: z.string().nullable().describe('pass as `cursor` for the next page; null on the last one'),
});

export const businessProfileView = z.strictObject({
  businessId: z.string(),
  ownerId: z.string(),
  name: z.string(),
  bank: z.string(),
  account: z.string(),
});

export const railCallbackAnswer = z.strictObject({
  outcome: z
    .enum(['applied', 'duplicate', 'progress', 'late', 'contradicts'])
    .describe('applied: first outcome; duplicate: seen before, no effect; progress/late: no outcome in it'),
});

/** Every response schema by the name the API document gives it under components.schemas. */
export const responseComponents: Record<string, z.ZodType> = {
  TransferView: transferView,
  CustomerTransferView: customerTransferView,
  CustomerReview: customerReviewView,
  TransferPage: transferPage,
  StatusChange: statusChangeView,
  Review: reviewView,
  ReviewQueue: reviewQueue,
  AuditEntry: auditEntryView,
  AuditPage: auditPage,
  ReviewQueueItem: reviewQueueItem,
  Account: accountView,
  Rule: ruleView,
  RuleList: ruleList,
  RuleVersion: ruleVersionView,
  RuleHistory: ruleHistoryView,
  RiskRecord: riskRecordView,
  ConfirmationProgress: confirmationProgressView,
  Problem: problemDocument,
  Liveness: liveness,
  Readiness: readiness,
  CodecPayloads: codecPayloads,
  ReviewClaim: reviewClaimView,
  TransferCounts: transferCounts,
  TransferActivity: transferActivityView,
  RuleDryRun: ruleDryRunView,
  Repairs: repairsView,
  DeadLetterTopics: deadLetterTopicsView,
  DeadLetterList: deadLetterList,
  DeadLetterReplay: deadLetterReplayView,
  Stats: statsView,
  AuthConfig: authConfigView,
  Session: sessionView,
  Principal: principalView,
  Staff: staffView,
  StaffList: staffList,
  Remittance: remittanceView,
  CustomerRemittance: customerRemittanceView,
  RemittancePage: remittancePage,
  RemittanceStatusChange: remittanceStatusChangeView,
  RailInstruction: railInstructionView,
  RemittanceFailure: remittanceFailureView,
  RemittanceFailureList: remittanceFailureList,
  BusinessProfile: businessProfileView,
  RailCallbackAnswer: railCallbackAnswer,
  ...conditionComponents,
};

/**
 * Answers `body` as JSON with the given status. `view` names the schema the body is typed against;
 * it is a type witness only (no parse per response): the API document test checks real answers.
 */
export function respond<V extends z.ZodType>(response: Response, _view: V, body: z.output<V>, status = 200): void {
  response.status(status).json(body);
}
