import { createHash } from 'node:crypto';

import { isGrpcServiceError, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';

import { type Principal, isStaff } from '../domain/roles';
import { transferSearchAttributes } from '../domain/search-attributes';
import { TASK_QUEUE, temporalUiLink, transferWorkflowId } from '../domain/temporal';
import {
  isTerminal,
  type SagaState,
  type TransferRequest,
  type TransferSagaInput,
  type TransferStatus,
  type TransferStep,
} from '../domain/transfer';
import type { AcceptedRequest } from '../ledger/idempotency-keys';
import type { HistoryRow, ReviewRow, TransferRow } from '../ledger/postgres-ledger';
import type { transferSaga } from '../workflows';
import type { UseCaseContext } from './context';
import { RequestRefused } from './errors';

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
 * Accepts a transfer and starts its saga without waiting for it, answering from what it wrote: the
 * caller's idempotency key decides the transfer id, and so the workflow id. A repeated key is looked up
 * first (one query; it answers even after an account closed): the same body finds the same transfer,
 * a different body is a conflict. A new key costs one query for both accounts and one statement for the
 * idempotency record with its transfer.initiated event, then the workflow start. Invalid requests are
 * refused before anything is written.
 */
export async function submitTransfer(
  context: UseCaseContext,
  principal: Principal,
  key: string,
  request: TransferRequest,
): Promise<TransferView> {
  const requestHash = createHash('sha256').update(canonicalJson(request)).digest('hex');
  const earlier = await context.idempotencyKeys.find(principal.sub, key);
  if (earlier) return answerRepeat(context, principal, earlier, requestHash);

  await checkAccounts(context, principal, request);
  const transferId = transferIdFor(principal.sub, key);
  const acceptedAt = await context.idempotencyKeys.accept(principal.sub, key, { transferId, requestHash, request });
  if (acceptedAt === undefined) {
    // A concurrent submission with the same key (on this or another API process) recorded it first.
    const raced = await context.idempotencyKeys.find(principal.sub, key);
    if (!raced) throw new Error(`idempotency key ${key} vanished`);
    return answerRepeat(context, principal, raced, requestHash);
  }
  const input = sagaInput(context, principal, transferId, request, acceptedAt);
  await startSaga(context, input);
  return acceptedView(context, input);
}

/** The same key again: a conflict for another body, else the transfer as far as it has come. */
async function answerRepeat(
  context: UseCaseContext,
  principal: Principal,
  earlier: AcceptedRequest,
  requestHash: string,
): Promise<TransferView> {
  if (earlier.requestHash !== requestHash) {
    throw new RequestRefused(
      'conflict',
      'idempotency-key-reused',
      'this Idempotency-Key was used with a different body',
      'Idempotency-Key',
    );
  }
  const row = await context.ledger.getTransfer(earlier.transferId);
  if (row) return { ...transferView(context, row, row.history, undefined), review: row.review };
  // Not recorded yet: the saga is on its way, or its start failed (Temporal unreachable) and this
  // repeat starts it; starting is idempotent per workflow id.
  const input = sagaInput(context, principal, earlier.transferId, earlier.request, earlier.createdAt);
  await startSaga(context, input);
  return acceptedView(context, input);
}

function sagaInput(
  context: UseCaseContext,
  principal: Principal,
  transferId: string,
  request: TransferRequest,
  acceptedAt: Date,
): TransferSagaInput {
  return {
    ...request,
    transferId,
    requestedBy: principal.sub,
    submittedAt: acceptedAt.toISOString(),
    timings: context.config.saga,
  };
}

async function startSaga(context: UseCaseContext, input: TransferSagaInput): Promise<void> {
  try {
    await context.temporal.workflow.start<typeof transferSaga>('transferSaga', {
      taskQueue: TASK_QUEUE,
      workflowId: transferWorkflowId(input.transferId),
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      workflowIdConflictPolicy: 'USE_EXISTING',
      // A worker that dies inside a workflow task is noticed after this long, and another takes over; the
      // local steps inside a task are far shorter, and the worker heartbeats the task for one that is not.
      workflowTaskTimeout: '10 seconds',
      typedSearchAttributes: [
        { key: transferSearchAttributes.status, value: 'PENDING' },
        { key: transferSearchAttributes.fromAccount, value: input.fromAccountId },
        { key: transferSearchAttributes.toAccount, value: input.toAccountId },
        { key: transferSearchAttributes.amountMinor, value: input.amount },
      ],
    });
  } catch (error) {
    // The saga already ran to its end under this id: the caller is answered from PostgreSQL instead.
    if (error instanceof WorkflowExecutionAlreadyStartedError) return;
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
}

/** A transfer just accepted, as the caller sees it before its saga has taken a step. */
function acceptedView(context: UseCaseContext, input: TransferSagaInput): TransferView {
  const row: TransferRow = {
    transferId: input.transferId,
    fromAccountId: input.fromAccountId,
    toAccountId: input.toAccountId,
    amount: input.amount,
    currency: input.currency,
    memo: input.memo ?? null,
    requestedBy: input.requestedBy,
    status: 'PENDING',
    step: 'submitted',
    riskDecision: null,
    riskScore: null,
    failureReason: null,
    submittedAt: input.submittedAt,
    settledAt: null,
    updatedAt: input.submittedAt,
  };
  const submitted = {
    fromStatus: null,
    status: 'PENDING' as const,
    step: 'submitted' as const,
    reason: null,
    actor: null,
  };
  return transferView(context, row, [{ ...submitted, at: input.submittedAt }], undefined);
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
  const accepted = await context.idempotencyKeys.findByTransfer(transferId);
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
      temporalUi: temporalUiLink(context.config.temporal, row.transferId),
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
