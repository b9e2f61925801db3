import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';

import type { Principal } from '../domain/roles';
import { transferWorkflowId } from '../domain/temporal';
import type { ReviewDecision, SagaState } from '../domain/transfer';
import type { TransferRow } from '../ledger/ledger-reads';
import type { ReviewClaim } from '../reviews/review-claims';
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

/** A case of the review queue: the transfer, who holds it, and when its review times out. */
export interface ReviewCase {
  row: TransferRow;
  claim: ReviewClaim | null;
  reviewDeadline: string;
}

/**
 * Transfers waiting for an operator, longest waiting first; a row's `updatedAt` is when it began to
 * wait, so the deadline is that plus the saga's review timeout.
 */
export async function listReviews(context: UseCaseContext, query: { limit: number }): Promise<ReviewCase[]> {
  const rows = await context.reads.reviewQueue(query.limit);
  const claims = await context.claims.holding(rows.map((row) => row.transferId));
  const timeoutMs = context.config.saga.reviewTimeoutMs;
  return rows.map((row) => ({
    row,
    claim: claims.get(row.transferId) ?? null,
    reviewDeadline: new Date(new Date(row.updatedAt).getTime() + timeoutMs).toISOString(),
  }));
}

/**
 * Claims a case for the caller (or renews their claim), so other reviewers see it taken; a case held
 * by someone else is a 409 naming them. Four eyes applies here as it does to the decision.
 */
export async function claimReview(
  context: UseCaseContext,
  principal: Principal,
  transferId: string,
): Promise<ReviewClaim> {
  await decidableBy(context, principal, transferId);
  const claim = await context.claims.claim(transferId, principal.sub);
  if (claim.by !== principal.sub) throw claimedByOther(claim);
  return claim;
}

export async function releaseReview(context: UseCaseContext, principal: Principal, transferId: string): Promise<void> {
  if (!(await context.claims.release(transferId, principal.sub))) {
    throw new RequestRefused('conflict', 'not-claimed', `you hold no claim on transfer ${transferId}`);
  }
}

const claimedByOther = (claim: ReviewClaim) =>
  new RequestRefused(
    'conflict',
    'claimed-by-other',
    `transfer ${claim.transferId} is claimed by ${claim.by} until ${claim.expiresAt}`,
  );

/**
 * An operator's decision on a transfer UNDER_REVIEW, sent to its saga as the `review` update. Four eyes:
 * whoever asked for the transfer, or owns the account it leaves, may not decide it, whatever their role;
 * they are refused before the saga hears of it, as is anyone while another reviewer holds the case's
 * claim. The saga's validator is the one judge of whether a decision is still possible, so two
 * reviewers racing get one acceptance and one 409, whichever API process each reached.
 */
export async function reviewTransfer(
  context: UseCaseContext,
  principal: Principal,
  transferId: string,
  body: Omit<ReviewDecision, 'reviewer'>,
): Promise<TransferRecord> {
  await decidableBy(context, principal, transferId);
  const claim = (await context.claims.holding([transferId])).get(transferId);
  if (claim && claim.by !== principal.sub) throw claimedByOther(claim);
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
  await context.claims.clear(transferId);
  return getTransfer(context, principal, transferId);
}

/** Refuses a principal who may not decide the transfer now: it is theirs, or it waits for no review. */
async function decidableBy(context: UseCaseContext, principal: Principal, transferId: string): Promise<void> {
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
}
