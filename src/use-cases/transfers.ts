import { createHash } from 'node:crypto';

import { isGrpcServiceError, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';

import { type Principal, isStaff } from '../domain/roles';
import { transferSearchAttributes } from '../domain/search-attributes';
import { TASK_QUEUE, transferWorkflowId } from '../domain/temporal';
import {
  isTerminal,
  type SagaState,
  type TransferRequest,
  type TransferSagaInput,
  type TransferStatus,
  type TransferStep,
} from '../domain/transfer';
import type { HistoryRow, ReviewRow, TransferRow } from '../ledger/postgres-ledger';
import type { transferSaga } from '../workflows';
import type { UseCaseContext } from './context';
import { RequestRefused } from './errors';

/** Idempotency keys are kept at least this long (DESIGN.md §4). */
const IDEMPOTENCY_KEY_LIFETIME = '24 hours';

export interface TransferView {
  transferId: string;
  status: TransferStatus;
  step: TransferStep;
  fromAccountId: string;
  toAccountId: string;
  amount: number;
  currency: string;
  memo: string | null;
  riskDecision: string | null;
  riskScore: number | null;
  failureReason: string | null;
  submittedAt: string;
  settledAt: string | null;
  history: Array<{ status: TransferStatus; step: TransferStep; at: string; reason: string | null }>;
  /** The operator's decision, when the transfer went through review. */
  review: ReviewRow | null;
  links: { self: string; temporalUi: string };
}

/**
 * Accepts a transfer and starts its saga without waiting for it. The caller's idempotency key
 * decides the transfer id, and so the workflow id: a duplicate (also a concurrent one, also on
 * another API process) finds the same saga; the same key with a different body is a conflict.
 * Invalid requests are refused before anything is written.
 */
export async function submitTransfer(
  context: UseCaseContext,
  principal: Principal,
  key: string,
  request: TransferRequest,
): Promise<TransferView> {
  await checkAccounts(context, principal, request);

  const transferId = transferIdFor(principal.sub, key);
  const requestHash = createHash('sha256').update(canonicalJson(request)).digest('hex');
  await context.postgres.query(
    `INSERT INTO idempotency_keys (caller, key, request_hash, request, transfer_id, expires_at)
     VALUES ($1, $2, $3, $4, $5, now() + $6::interval) ON CONFLICT (caller, key) DO NOTHING`,
    [principal.sub, key, requestHash, JSON.stringify(request), transferId, IDEMPOTENCY_KEY_LIFETIME],
  );
  const { rows } = await context.postgres.query<{ requestHash: string; createdAt: Date }>(
    `SELECT request_hash AS "requestHash", created_at AS "createdAt" FROM idempotency_keys WHERE caller = $1 AND key = $2`,
    [principal.sub, key],
  );
  const stored = rows[0];
  if (!stored) throw new Error(`idempotency key ${key} vanished`);
  if (stored.requestHash !== requestHash) {
    throw new RequestRefused(
      'conflict',
      'idempotency-key-reused',
      'this Idempotency-Key was used with a different body',
      'Idempotency-Key',
    );
  }

  const input: TransferSagaInput = {
    ...request,
    transferId,
    requestedBy: principal.sub,
    submittedAt: stored.createdAt.toISOString(),
    timings: context.config.saga,
  };
  try {
    await context.temporal.workflow.start<typeof transferSaga>('transferSaga', {
      taskQueue: TASK_QUEUE,
      workflowId: transferWorkflowId(transferId),
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: [
        { key: transferSearchAttributes.status, value: 'PENDING' },
        { key: transferSearchAttributes.fromAccount, value: request.fromAccountId },
        { key: transferSearchAttributes.toAccount, value: request.toAccountId },
        { key: transferSearchAttributes.amountMinor, value: request.amount },
      ],
    });
  } catch (error) {
    // The saga already ran to its end under this id: the replay answers with what it became.
    if (error instanceof WorkflowExecutionAlreadyStartedError) return getTransfer(context, principal, transferId);
    // Temporal is unreachable: nothing was reserved, and a retry with the same key starts the saga.
    if (temporalUnreachable(error)) {
      throw new RequestRefused(
        'unavailable',
        'workflow-engine-unavailable',
        'the workflow engine is unreachable; nothing was reserved — retry with the same Idempotency-Key',
      );
    }
    throw error;
  }
  return getTransfer(context, principal, transferId);
}

/** The transfer as PostgreSQL records it, with the live step of a saga still running. */
export async function getTransfer(
  context: UseCaseContext,
  principal: Principal,
  transferId: string,
): Promise<TransferView> {
  const row = await context.ledger.getTransfer(transferId);
  if (row) {
    await checkCanSee(context, principal, row.fromAccountId, row.toAccountId, transferId);
    const live = isTerminal(row.status) ? undefined : await liveState(context, transferId);
    return { ...transferView(context, row, row.history, live), review: row.review };
  }
  // Accepted, but the saga has not recorded it yet: answer from the idempotency record and the saga.
  const { rows } = await context.postgres.query<{ request: TransferRequest; createdAt: Date; caller: string }>(
    `SELECT request, created_at AS "createdAt", caller FROM idempotency_keys WHERE transfer_id = $1`,
    [transferId],
  );
  const accepted = rows[0];
  if (!accepted) throw new RequestRefused('not-found', 'transfer-not-found', `transfer ${transferId} does not exist`);
  await checkCanSee(context, principal, accepted.request.fromAccountId, accepted.request.toAccountId, transferId);
  const live = await liveState(context, transferId);
  const pending: TransferRow = {
    transferId,
    ...accepted.request,
    memo: accepted.request.memo ?? null,
    requestedBy: accepted.caller,
    status: live?.status ?? 'PENDING',
    step: live?.step ?? 'submitted',
    riskDecision: live?.riskDecision ?? null,
    riskScore: null,
    failureReason: live?.failureReason ?? null,
    submittedAt: accepted.createdAt.toISOString(),
    settledAt: null,
    updatedAt: accepted.createdAt.toISOString(),
  };
  const history = (live?.history ?? []).map((change) => ({
    fromStatus: null,
    status: change.status,
    step: change.step,
    reason: change.reason ?? null,
    actor: null,
    at: change.at,
  }));
  return transferView(context, pending, history, live);
}

/** Staff listing from PostgreSQL, newest first, with an opaque cursor. */
export async function listTransfers(
  context: UseCaseContext,
  query: { status?: TransferStatus; accountId?: string; limit: number; cursor?: string },
): Promise<{ items: TransferView[]; nextCursor: string | null }> {
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const rows = await context.ledger.listTransfers({ ...query, after, limit: query.limit });
  const last = rows.at(-1);
  return {
    items: rows.map((row) => transferView(context, row, [], undefined)),
    nextCursor:
      rows.length === query.limit && last
        ? Buffer.from(JSON.stringify({ s: new Date(last.submittedAt).toISOString(), t: last.transferId })).toString(
            'base64url',
          )
        : null,
  };
}

async function checkAccounts(context: UseCaseContext, principal: Principal, request: TransferRequest): Promise<void> {
  const accounts = await context.ledger.getAccounts([request.fromAccountId, request.toAccountId]);
  const from = accounts.get(request.fromAccountId);
  const to = accounts.get(request.toAccountId);
  if (!from)
    throw new RequestRefused(
      'unprocessable',
      'unknown-account',
      `account ${request.fromAccountId} does not exist`,
      'fromAccountId',
    );
  if (from.ownerId !== principal.sub) {
    throw new RequestRefused(
      'forbidden',
      'not-account-owner',
      `account ${request.fromAccountId} is not yours`,
      'fromAccountId',
    );
  }
  if (!to)
    throw new RequestRefused(
      'unprocessable',
      'unknown-account',
      `account ${request.toAccountId} does not exist`,
      'toAccountId',
    );
  for (const [field, account] of [
    ['fromAccountId', from],
    ['toAccountId', to],
  ] as const) {
    if (account.status !== 'OPEN') {
      throw new RequestRefused('unprocessable', 'account-closed', `account ${account.accountId} is closed`, field);
    }
    if (account.currency !== request.currency) {
      throw new RequestRefused(
        'unprocessable',
        'currency-mismatch',
        `account ${account.accountId} holds ${account.currency}, not ${request.currency}`,
        'currency',
      );
    }
  }
}

async function checkCanSee(
  context: UseCaseContext,
  principal: Principal,
  fromAccountId: string,
  toAccountId: string,
  transferId: string,
): Promise<void> {
  if (isStaff(principal)) return;
  const accounts = await context.ledger.getAccounts([fromAccountId, toAccountId]);
  const owners = [...accounts.values()].map((account) => account.ownerId);
  if (!owners.includes(principal.sub)) {
    throw new RequestRefused('forbidden', 'not-transfer-party', `transfer ${transferId} is not between your accounts`);
  }
}

/** The saga's own view (its `status` query), or nothing if it does not answer within a second. */
async function liveState(context: UseCaseContext, transferId: string): Promise<SagaState | undefined> {
  // Handled here, not only through the race: a query that loses the race may still fail later.
  const query = context.temporal.workflow
    .getHandle(transferWorkflowId(transferId))
    .query<SagaState>('status')
    .catch(() => undefined);
  const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 1000).unref());
  return Promise.race([query, timeout]);
}

/** The client's view of a transfer row; `history` and the live saga state when the caller has them. */
export function transferView(
  context: UseCaseContext,
  row: TransferRow,
  history: HistoryRow[],
  live: SagaState | undefined,
): TransferView {
  const { uiUrl, namespace } = context.config.temporal;
  return {
    transferId: row.transferId,
    status: row.status,
    step: live && live.status === row.status ? live.step : row.step,
    fromAccountId: row.fromAccountId,
    toAccountId: row.toAccountId,
    amount: row.amount,
    currency: row.currency,
    memo: row.memo,
    riskDecision: row.riskDecision,
    riskScore: row.riskScore,
    failureReason: row.failureReason,
    submittedAt: new Date(row.submittedAt).toISOString(),
    settledAt: row.settledAt ? new Date(row.settledAt).toISOString() : null,
    history: history.map((change) => ({
      status: change.status,
      step: change.step,
      at: new Date(change.at).toISOString(),
      reason: change.reason,
    })),
    review: null,
    links: {
      self: `/v1/transfers/${row.transferId}`,
      temporalUi: `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${transferWorkflowId(row.transferId)}`,
    },
  };
}

const GRPC_UNAVAILABLE = 14;

/** Temporal could not be reached at all (gRPC UNAVAILABLE), as opposed to refusing the start. */
function temporalUnreachable(error: unknown): boolean {
  const cause = (error as { cause?: unknown }).cause;
  return isGrpcServiceError(cause) && (cause.code as number) === GRPC_UNAVAILABLE;
}

/** A UUID (version 8, name-based) from the caller and its key: stable across retries and processes. */
function transferIdFor(caller: string, key: string): string {
  const hex = createHash('sha256').update(`${caller}\u0000${key}`).digest('hex');
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** JSON with sorted keys, so the same body always hashes the same. */
function canonicalJson(value: TransferRequest): string {
  return JSON.stringify(Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b))));
}

function decodeCursor(cursor: string): { submittedAt: string; transferId: string } {
  try {
    const { s, t } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { s: string; t: string };
    if (typeof s !== 'string' || typeof t !== 'string' || Number.isNaN(Date.parse(s))) throw new Error('bad cursor');
    return { submittedAt: s, transferId: t };
  } catch {
    throw new RequestRefused(
      'invalid',
      'validation-failed',
      'query.cursor is not a cursor this API issued',
      'query.cursor',
    );
  }
}
