import { type WorkflowHandle, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';

import type { ConfirmationAnswer, ConfirmationProgress } from '../domain/confirmation';
import type { Principal } from '../domain/roles';
import { transferWorkflowId } from '../domain/temporal';
import { hashCode } from '../verification/one-time-code';
import type { ConfirmationResult } from '../workflows/transfer-saga/definitions';
import type { UseCaseContext } from './context';
import { RequestRefused } from './errors';
import { getTransfer, type TransferRecord, transferNotFound } from './transfers';

/** How long an answer that ended the wait waits for the saga to finish, so the reply shows the outcome. */
const OUTCOME_WAIT_MS = 5_000;

/**
 * The sender's answer to a STEP_UP, sent to its saga as the `confirm` update: the code (hashed here with
 * the confirmation key, so no code reaches Temporal) or a decline. Only the owner of the sending
 * account may answer; anyone else is told the transfer does not exist. A wrong code is a 422 with the
 * tries left; an answer the saga no longer takes (decided, expired, not waiting) is a 409.
 */
export async function confirmTransfer(
  context: UseCaseContext,
  principal: Principal,
  transferId: string,
  body: { code: string } | { decision: 'DECLINE' },
): Promise<TransferRecord> {
  await checkSender(context, principal, transferId);
  const answer: ConfirmationAnswer =
    'code' in body
      ? {
          decision: 'CONFIRM',
          codeHash: hashCode(context.config.confirmation.codeSecret, transferId, body.code),
          by: principal.sub,
        }
      : { decision: 'DECLINE', by: principal.sub };
  const result = await sendToSaga(context, transferId, (saga) =>
    saga.executeUpdate<ConfirmationResult, [ConfirmationAnswer]>('confirm', { args: [answer] }),
  );
  if (result.outcome === 'REJECTED') await outcomeOf(context, transferId);
  if (result.outcome !== 'CONFIRMED' && 'code' in body) {
    const detail =
      result.outcome === 'WRONG_CODE'
        ? `the code is wrong; ${result.triesLeft} ${result.triesLeft === 1 ? 'try' : 'tries'} left`
        : 'the code is wrong, and no tries are left: the transfer is rejected';
    throw new RequestRefused('unprocessable', 'wrong-code', detail, 'code', { triesLeft: result.triesLeft });
  }
  await outcomeOf(context, transferId);
  return getTransfer(context, principal, transferId);
}

/** Sends the sender a new code (the earlier one stops working); 409 when none is left or it is too soon. */
export async function resendCode(
  context: UseCaseContext,
  principal: Principal,
  transferId: string,
): Promise<ConfirmationProgress> {
  await checkSender(context, principal, transferId);
  return sendToSaga(context, transferId, (saga) => saga.executeUpdate<ConfirmationProgress, []>('resendCode'));
}

/** A staff member ends a confirmation the customer has not given: the transfer is REJECTED. */
export async function cancelTransfer(
  context: UseCaseContext,
  principal: Principal,
  transferId: string,
  body: { reason: string },
): Promise<TransferRecord> {
  if (!(await context.reads.getTransfer(transferId))) throw transferNotFound(transferId);
  const cancel: ConfirmationAnswer = { decision: 'CANCEL', by: principal.sub, reason: body.reason };
  await sendToSaga(context, transferId, (saga) =>
    saga.executeUpdate<ConfirmationResult, [ConfirmationAnswer]>('confirm', { args: [cancel] }),
  );
  await outcomeOf(context, transferId);
  return getTransfer(context, principal, transferId);
}

/** Only the owner of the sending account answers a confirmation; to anyone else it does not exist. */
async function checkSender(context: UseCaseContext, principal: Principal, transferId: string): Promise<void> {
  const row = await context.reads.getTransfer(transferId);
  const sender = row && (await context.reads.getAccounts([row.fromAccountId])).get(row.fromAccountId);
  if (!sender || sender.ownerId !== principal.sub) throw transferNotFound(transferId);
}

/** One update to the transfer's saga; the saga's validator is the judge, and its refusal is a 409 naming why. */
async function sendToSaga<T>(
  context: UseCaseContext,
  transferId: string,
  update: (saga: WorkflowHandle) => Promise<T>,
): Promise<T> {
  try {
    return await update(context.temporal.workflow.getHandle(transferWorkflowId(transferId)));
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) {
      const cause = error.cause instanceof Error ? error.cause.message : error.message;
      throw new RequestRefused('conflict', 'confirmation-refused', `the saga refused it: ${cause}`);
    }
    if (error instanceof WorkflowNotFoundError) {
      throw new RequestRefused('conflict', 'not-awaiting-confirmation', `transfer ${transferId} is no longer running`);
    }
    throw error;
  }
}

/** Waits a moment for the saga to finish, so the answer shows COMPLETED or REJECTED rather than the step between. */
async function outcomeOf(context: UseCaseContext, transferId: string): Promise<void> {
  const finished = context.temporal.workflow
    .getHandle(transferWorkflowId(transferId))
    .result()
    .catch(() => undefined);
  const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), OUTCOME_WAIT_MS).unref());
  await Promise.race([finished, timeout]);
}
