import { isGrpcServiceError, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';

import { type AccountProblem, accountProblem } from '../domain/accounts';
import { type Principal, isStaff } from '../domain/roles';
import { transferSearchAttributes } from '../domain/search-attributes';
import { TASK_QUEUE, transferWorkflowId } from '../domain/temporal';
import { isTerminal, type SagaState, type TransferRequest, type TransferSagaInput } from '../domain/transfer';
import { requestHash as hashOf, transferIdFor } from '../domain/transfer-id';
import type { AcceptedRequest } from '../ledger/idempotency-keys';
import type { HistoryRow, ReviewRow, TransferFilter, TransferRow } from '../ledger/ledger-reads';
import { tagTransfer } from '../tracing';
import type { transferSaga } from '../workflows';
import type { UseCaseContext } from './context';
import { RequestRefused } from './errors';

/**
 * A transfer as the use cases know it: its row, the status changes recorded so far, the operator's
 * review and, for a saga still running, its own live state. The API shapes the client's view from it.
 */
export interface TransferRecord {
  row: TransferRow;
  history: HistoryRow[];
  review: ReviewRow | null;
  live?: SagaState;
}

/** Where a page of the staff listing ends: the next page starts after this transfer. */
export interface ListPosition {
  submittedAt: string;
  transferId: string;
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
): Promise<TransferRecord> {
  const requestHash = hashOf(request);
  const earlier = await context.idempotencyKeys.find(principal.sub, key);
  if (earlier) return answerRepeat(context, principal, earlier, requestHash);

  await checkAccounts(context, principal, request);
  const transferId = transferIdFor(principal.sub, key);
  tagTransfer(transferId);
  const acceptedAt = await context.idempotencyKeys.accept(principal.sub, key, { transferId, requestHash, request });
  if (acceptedAt === undefined) {
    // A concurrent submission with the same key (on this or another API process) recorded it first.
    const raced = await context.idempotencyKeys.find(principal.sub, key);
    if (!raced) throw new Error(`idempotency key ${key} vanished`);
    return answerRepeat(context, principal, raced, requestHash);
  }
  const input = sagaInput(context, principal, transferId, request, acceptedAt);
  await startSaga(context, input);
  context.serviceMetrics.transfersSubmitted.inc();
  context.logger.info({ transferId }, 'transfer accepted');
  return acceptedRecord(input);
}

/** The same key again: a conflict for another body, else the transfer as far as it has come. */
async function answerRepeat(
  context: UseCaseContext,
  principal: Principal,
  earlier: AcceptedRequest,
  requestHash: string,
): Promise<TransferRecord> {
  if (earlier.requestHash !== requestHash) {
    throw new RequestRefused(
      'conflict',
      'idempotency-key-reused',
      'this Idempotency-Key was used with a different body',
      'Idempotency-Key',
    );
  }
  context.serviceMetrics.idempotentReplays.inc();
  const row = await context.reads.getTransfer(earlier.transferId);
  if (row) return { row, history: row.history, review: row.review };
  // Not recorded yet: the saga is on its way, or its start failed (Temporal unreachable) and this
  // repeat starts it; starting is idempotent per workflow id.
  const input = sagaInput(context, principal, earlier.transferId, earlier.request, earlier.createdAt);
  await startSaga(context, input);
  return acceptedRecord(input);
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
      // A worker that dies inside a workflow task is noticed after this long (10 s), and another takes over;
      // the local steps inside a task are far shorter, and the worker heartbeats the task for one that is not.
      workflowTaskTimeout: context.config.temporal.workflowTaskTimeoutMs,
      typedSearchAttributes: [
        { key: transferSearchAttributes.status, value: 'PENDING' },
        { key: transferSearchAttributes.fromAccount, value: input.fromAccountId },
        { key: transferSearchAttributes.toAccount, value: input.toAccountId },
        { key: transferSearchAttributes.amountMinor, value: input.amount },
      ],
    });
  } catch (error) {
    // Temporal is unreachable: nothing was reserved, and a retry with the same key starts the saga.
    refuseUnlessStarted(error, 'nothing was reserved — retry with the same Idempotency-Key');
  }
}

/**
 * What a failed start of a saga means for the caller: none if it ran under this id already (the caller is
 * answered from PostgreSQL), a 503 saying `unreachable` if Temporal could not be reached, else the error.
 */
export function refuseUnlessStarted(error: unknown, unreachable: string): void {
  if (error instanceof WorkflowExecutionAlreadyStartedError) return;
  if (temporalUnreachable(error)) {
    throw new RequestRefused(
      'unavailable',
      'workflow-engine-unavailable',
      `the workflow engine is unreachable; ${unreachable}`,
    );
  }
  throw error;
}

/** A transfer just accepted, as it stands before its saga has taken a step. */
function acceptedRecord(input: TransferSagaInput): TransferRecord {
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
  return { row, history: [{ ...submitted, at: input.submittedAt }], review: null };
}

/** The transfer as PostgreSQL records it, with the live step of a saga still running. */
export async function getTransfer(
  context: UseCaseContext,
  principal: Principal,
  transferId: string,
): Promise<TransferRecord> {
  const row = await context.reads.getTransfer(transferId);
  if (row) {
    await checkCanSee(context, principal, row.fromAccountId, row.toAccountId, transferId);
    const live = isTerminal(row.status) ? undefined : await liveState(context, transferId);
    return { row, history: row.history, review: row.review, live };
  }
  // Accepted, but the saga has not recorded it yet: answer from the idempotency record and the saga.
  const accepted = await context.idempotencyKeys.findByTransfer(transferId);
  if (!accepted) throw transferNotFound(transferId);
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
  return { row: pending, history, review: null, live };
}

/** Staff listing from PostgreSQL, newest first; `next` is where the following page starts, if there is one. */
export async function listTransfers(
  context: UseCaseContext,
  query: TransferFilter & { limit: number; after?: ListPosition },
): Promise<{ rows: TransferRow[]; next: ListPosition | null }> {
  const rows = await context.reads.listTransfers(query);
  const last = rows.at(-1);
  return {
    rows,
    next:
      rows.length === query.limit && last
        ? { submittedAt: new Date(last.submittedAt).toISOString(), transferId: last.transferId }
        : null,
  };
}

async function checkAccounts(context: UseCaseContext, principal: Principal, request: TransferRequest): Promise<void> {
  const accounts = await context.reads.getAccounts([request.fromAccountId, request.toAccountId]);
  const from = accountProblem(request.fromAccountId, accounts.get(request.fromAccountId), request.currency);
  const to = accountProblem(request.toAccountId, accounts.get(request.toAccountId), request.currency);
  const refused = ({ problem, detail }: AccountProblem, field: 'fromAccountId' | 'toAccountId') =>
    new RequestRefused('unprocessable', problem, detail, problem === 'currency-mismatch' ? 'currency' : field);
  if (from?.problem === 'unknown-account') throw refused(from, 'fromAccountId');
  if (accounts.get(request.fromAccountId)?.ownerId !== principal.sub) {
    throw new RequestRefused(
      'forbidden',
      'not-account-owner',
      `account ${request.fromAccountId} is not yours`,
      'fromAccountId',
    );
  }
  if (to?.problem === 'unknown-account') throw refused(to, 'toAccountId');
  if (from) throw refused(from, 'fromAccountId');
  if (to) throw refused(to, 'toAccountId');
}

/** A USER sees the transfers to and from its accounts; any other is answered as an id nobody has. */
async function checkCanSee(
  context: UseCaseContext,
  principal: Principal,
  fromAccountId: string,
  toAccountId: string,
  transferId: string,
): Promise<void> {
  if (isStaff(principal)) return;
  const accounts = await context.reads.getAccounts([fromAccountId, toAccountId]);
  const owners = [...accounts.values()].map((account) => account.ownerId);
  if (!owners.includes(principal.sub)) throw transferNotFound(transferId);
}

/** The refusal for a transfer that does not exist, or that a USER may not see. */
export const transferNotFound = (transferId: string): RequestRefused =>
  new RequestRefused('not-found', 'transfer-not-found', `transfer ${transferId} does not exist`);

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

const GRPC_UNAVAILABLE = 14;

/** Temporal could not be reached at all (gRPC UNAVAILABLE), as opposed to refusing the start. */
function temporalUnreachable(error: unknown): boolean {
  const cause = (error as { cause?: unknown }).cause;
  return isGrpcServiceError(cause) && (cause.code as number) === GRPC_UNAVAILABLE;
}
