import type { Response } from 'express';
import { z } from 'zod';

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

export const transferView = z.strictObject({
  transferId: z.uuid(),
  status: z.enum(TRANSFER_STATUSES),
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

export const reviewQueueItem = transferView.extend({ underReviewSince: isoTime });
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
});

export const problemDocument = z
  .strictObject({
    type: z.url().describe('stable; branch on it rather than on the wording'),
    title: z.string(),
    status: z.int(),
    detail: z.string().optional(),
    field: z.string().optional().describe('the bad input, e.g. `body.amount` or `Idempotency-Key`'),
    traceId: z
      .string()
      .regex(/^[0-9a-f]{32}$/)
      .optional()
      .describe("the request's OpenTelemetry trace id, when tracing is on"),
  })
  .describe('A problem document (RFC 9457)');

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
  Problem: problemDocument,
  Liveness: liveness,
  Readiness: readiness,
  CodecPayloads: codecPayloads,
  ...conditionComponents,
};

/**
 * Answers `body` as JSON with the given status. `view` names the schema the body is typed against;
 * it is a type witness only (no parse per response): the API document test checks real answers.
 */
export function respond<V extends z.ZodType>(response: Response, _view: V, body: z.output<V>, status = 200): void {
  response.status(status).json(body);
}
