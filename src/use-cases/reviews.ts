import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';

import type { Principal } from '../domain/roles';
import { transferWorkflowId } from '../domain/temporal';
import type { ReviewDecision, SagaState } from '../domain/transfer';
import type { TransferRow } from '../ledger/ledger-reads';
import type { RiskRecord } from '../risk/risk-log';
import type { UseCaseContext } from './context';
import { RequestRefused } from './errors';
import { getTransfer, type TransferRecord, transferNotFound } from './transfers';

/** Why a transfer was decided as it was: the risk log and every rule's outcome. */
export async function getRiskRecord(context: UseCaseContext, transferId: string): Promise<RiskRecord> {
  const record = await context.risk.log.read(transferId);
  if (record) return record;
  const exists = await context.reads.getTransfer(transferId);
  throw new RequestRefused(
    'not-found',
    exists ? 'risk-not-evaluated' : 'transfer-not-found',
    exists ? `transfer ${transferId} has not been evaluated yet` : `transfer ${transferId} does not exist`,
  );
}

/** Transfers waiting for an operator, longest waiting first; a row's `updatedAt` is when it began to wait. */
export async function listReviews(context: UseCaseContext, query: { limit: number }): Promise<TransferRow[]> {
  return context.reads.reviewQueue(query.limit);
}

/**
 * An operator's decision on a transfer UNDER_REVIEW, sent to its saga as the `review` update. Four eyes:
 * whoever asked for the transfer, or owns the account it leaves, may not decide it, whatever their role;
 * they are refused before the saga hears of it. The saga's validator is the one judge of whether a
 * decision is still possible, so two reviewers racing get one acceptance and one 409, whichever API
 * process each reached.
 */
export async function reviewTransfer(
  context: UseCaseContext,
  principal: Principal,
  transferId: string,
  body: Omit<ReviewDecision, 'reviewer'>,
): Promise<TransferRecord> {
  const row = await context.reads.getTransfer(transferId);
  if (!row) throw transferNotFound(transferId);
  const sender = (await context.reads.getAccounts([row.fromAccountId])).get(row.fromAccountId);
  if (principal.sub === row.requestedBy || principal.sub === sender?.ownerId) {
    throw new RequestRefused(
      'forbidden',
      'self-review',
      `transfer ${transferId} is yours (you asked for it or own its sending account); another reviewer must decide it`,
    );
  }
  if (row.status !== 'UNDER_REVIEW') {
    throw new RequestRefused(
      'conflict',
      'not-under-review',
      `transfer ${transferId} is ${row.status}, not UNDER_REVIEW`,
    );
  }
  try {
    await context.temporal.workflow
      .getHandle(transferWorkflowId(transferId))
      .executeUpdate<SagaState, [ReviewDecision]>('review', { args: [{ ...body, reviewer: principal.sub }] });
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) {
      const cause = error.cause instanceof Error ? error.cause.message : error.message;
      throw new RequestRefused('conflict', 'review-refused', `the review was refused: ${cause}`);
    }
    if (error instanceof WorkflowNotFoundError) {
      throw new RequestRefused('conflict', 'not-under-review', `transfer ${transferId} is no longer running`);
    }
    throw error;
  }
  return getTransfer(context, principal, transferId);
}
