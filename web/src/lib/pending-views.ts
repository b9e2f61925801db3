/**
 * PENDING: the views, request bodies and permissions the console contract (issue 16) adds, written here
 * with the contract's names and shapes until they land in src/api/views.ts, src/api/schemas.ts and
 * src/api/permissions.ts. When they do, delete this file and import each name from there instead
 * (`@api/views`, `@api/schemas`, `@api/permissions`); nothing else should need to change.
 */
import { z } from 'zod';

import { listTransfersQuery as currentListTransfersQuery, newRuleBody } from '@api/schemas';
import { reviewQueueItem as currentReviewQueueItem } from '@api/views';
import { ROLES, type Role } from '@domain/roles';
import { RISK_DECISIONS, TRANSFER_STATUSES } from '@domain/transfer';

const isoTime = z.iso.datetime();
const STAFF_ROLES = ROLES.filter((role) => role !== 'USER') as [Exclude<Role, 'USER'>, ...Exclude<Role, 'USER'>[]];

// --- auth ---------------------------------------------------------------------------------------

export const authConfigView = z.strictObject({ mode: z.enum(['password', 'identity-provider']) });

/** schemas.ts */
export const loginBody = z.strictObject({ username: z.string().min(1), password: z.string().min(1) });

export const sessionView = z.strictObject({
  token: z.string(),
  expiresAt: isoTime,
  username: z.string(),
  role: z.enum(ROLES),
});

export const principalView = z.strictObject({ sub: z.string(), role: z.enum(ROLES), expiresAt: isoTime });

// --- transfers ----------------------------------------------------------------------------------

/** schemas.ts: `listTransfersQuery` gains these filters. */
export const listTransfersQuery = currentListTransfersQuery.extend({
  decision: z.enum(RISK_DECISIONS).optional(),
  submittedFrom: isoTime.optional(),
  submittedTo: isoTime.optional(),
  minAmount: z.coerce.number().int().min(0).optional(),
  maxAmount: z.coerce.number().int().min(0).optional(),
});

export const transferCounts = z.strictObject({
  counts: z.strictObject(
    Object.fromEntries(TRANSFER_STATUSES.map((status) => [status, z.int()])) as Record<
      (typeof TRANSFER_STATUSES)[number],
      z.ZodInt
    >,
  ),
});

export const transferActivityView = z.strictObject({
  events: z.array(
    z.strictObject({
      eventId: z.string(),
      type: z.string(),
      topic: z.string(),
      createdAt: isoTime,
      publishedAt: isoTime.nullable(),
    }),
  ),
  corrections: z.array(
    z.strictObject({ id: z.string(), kind: z.string(), detail: z.record(z.string(), z.unknown()), at: isoTime }),
  ),
});

// --- reviews ------------------------------------------------------------------------------------

export const reviewClaimView = z.strictObject({
  transferId: z.uuid(),
  by: z.string(),
  at: isoTime,
  expiresAt: isoTime,
});

/** views.ts: `reviewQueueItem` and `reviewQueue` gain `reviewDeadline` and `claim`. */
export const reviewQueueItem = currentReviewQueueItem.extend({
  reviewDeadline: isoTime,
  claim: reviewClaimView.omit({ transferId: true }).nullable(),
});
export const reviewQueue = z.strictObject({ items: z.array(reviewQueueItem) });

// --- rules --------------------------------------------------------------------------------------

/** schemas.ts */
export const ruleDryRunBody = z.strictObject({ rule: newRuleBody, limit: z.int().min(1).max(1000).optional() });

export const ruleDryRunView = z.strictObject({
  evaluated: z.int(),
  hits: z.int(),
  changed: z.int(),
  skipped: z.int(),
  changes: z.array(
    z.strictObject({
      transferId: z.uuid(),
      evaluatedAt: isoTime,
      before: z.enum(RISK_DECISIONS),
      after: z.enum(RISK_DECISIONS),
    }),
  ),
});

// --- repairs and dead letters -------------------------------------------------------------------

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
  reconcile: z
    .strictObject({
      runId: z.string(),
      closedAt: isoTime.nullable(),
      status: z.string(),
      // The contract leaves a drift's fields open; the console shows whatever each carries.
      drifts: z.array(z.record(z.string(), z.unknown())),
    })
    .nullable(),
});

export const deadLetterTopicsView = z.strictObject({
  topics: z.array(z.strictObject({ topic: z.string(), dltTopic: z.string(), total: z.int(), waiting: z.int() })),
});

export const deadLetterList = z.strictObject({
  items: z.array(
    z.strictObject({
      dltTopic: z.string(),
      partition: z.int(),
      offset: z.string(),
      failedAt: isoTime,
      consumerGroup: z.string(),
      eventId: z.string().nullable(),
      replayed: z.boolean(),
      error: z.string(),
    }),
  ),
});

export const deadLetterReplayView = z.strictObject({ replayed: z.int() });

// --- health -------------------------------------------------------------------------------------

export const statsView = z.strictObject({
  at: isoTime,
  completedPerSecond: z.number(),
  decisions: z.strictObject({ PASS: z.int(), REVIEW: z.int(), BLOCK: z.int() }),
  completedP99Ms: z.number().nullable(),
  outboxLagSeconds: z.number(),
  consumerLag: z.array(z.strictObject({ group: z.string(), topic: z.string(), lag: z.int() })),
  openReviews: z.int(),
  links: z.strictObject({ temporalUi: z.url(), metrics: z.string() }),
});

// --- staff --------------------------------------------------------------------------------------

export const staffView = z.strictObject({
  username: z.string(),
  email: z.string(),
  role: z.enum(STAFF_ROLES),
  disabled: z.boolean(),
  createdBy: z.string(),
  createdAt: isoTime,
  lockedUntil: isoTime.nullable(),
});
export const staffList = z.strictObject({ items: z.array(staffView) });

/** schemas.ts */
export const newStaffBody = z.strictObject({
  username: z.string().min(1),
  email: z.email(),
  role: z.enum(STAFF_ROLES),
  password: z.string().min(1),
});

/** schemas.ts */
export const staffChangeBody = z.strictObject({
  role: z.enum(STAFF_ROLES).optional(),
  disabled: z.boolean().optional(),
});

// --- permissions --------------------------------------------------------------------------------

const ALL_STAFF: readonly Role[] = STAFF_ROLES;

/** permissions.ts: the actions being added to `Action` and `PERMISSIONS`. */
export type PendingAction = 'test rules' | 'read repairs' | 'replay dead letters' | 'read stats' | 'manage staff';

export const PENDING_PERMISSIONS: Record<PendingAction, readonly Role[]> = {
  'test rules': ['RULE_ADMIN', 'SUPER_ADMIN', 'RISK_ANALYST'],
  'read repairs': ALL_STAFF,
  'replay dead letters': ['OPS_AGENT', 'SUPER_ADMIN'],
  'read stats': ALL_STAFF,
  'manage staff': ['SUPER_ADMIN'],
};
