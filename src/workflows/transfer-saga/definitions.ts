import {
  ActivityFailure,
  ApplicationFailure,
  defineQuery,
  defineSignal,
  defineUpdate,
  sleep,
} from '@temporalio/workflow';

import type { ConfirmationAnswer, ConfirmationOutcome, ConfirmationProgress } from '../../domain/confirmation';
import { DECLINE_ERRORS } from '../../domain/errors';
import {
  type ClosedStatus,
  isTerminal,
  type ReviewDecision,
  type SagaState,
  type TransferSagaInput,
} from '../../domain/transfer';

/** Query `status`: where the saga is and every status it has had. */
export const statusQuery = defineQuery<SagaState>('status');
/** Update `review`: an operator's decision on a transfer UNDER_REVIEW; answers the new state. */
export const reviewUpdate = defineUpdate<SagaState, [ReviewDecision]>('review');
/** Signal `review`: the same decision, for tools that can only signal (the Web UI's signal form). */
export const reviewSignal = defineSignal<[ReviewDecision]>('review');

/** What the `confirm` update answers: how the saga took the answer, and the state it left the transfer in. */
export interface ConfirmationResult {
  outcome: ConfirmationOutcome;
  triesLeft: number;
  state: SagaState;
}
/**
 * Update `confirm`: the sender's code (as its keyed hash) or decline, or a staff member's cancel, for a
 * transfer AWAITING_CONFIRMATION. A wrong code answers at once with the tries left; anything that ends
 * the wait answers once the transfer has settled or been rejected.
 */
export const confirmUpdate = defineUpdate<ConfirmationResult, [ConfirmationAnswer]>('confirm');
/** Update `resendCode`: sends the sender a new code (the earlier one stops working); answers the new progress. */
export const resendCodeUpdate = defineUpdate<ConfirmationProgress, []>('resendCode');

/** Ends the forward path with a status that moves no money. */
export class TransferStopped extends Error {
  constructor(
    readonly status: ClosedStatus,
    readonly reason: string,
    /** Who decided it, when a person did (a reviewer). */
    readonly actor?: string,
  ) {
    super(reason);
  }
}

/** A decline error from a step ends the transfer DECLINED; anything else that escaped its retries, FAILED. */
export function asStopped(error: unknown): TransferStopped {
  if (error instanceof TransferStopped) return error;
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure && DECLINE_ERRORS.some((type) => type === cause.type)) {
    return new TransferStopped('DECLINED', cause.message);
  }
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new TransferStopped('FAILED', `a step failed beyond its retries: ${reason}`);
}

export function isReviewDecision(decision: ReviewDecision): boolean {
  return (decision?.decision === 'APPROVE' || decision?.decision === 'REJECT') && Boolean(decision.reviewer);
}

export type Alert = (title: string, fields: Record<string, string | number | undefined>) => Promise<void>;

/** One Slack alert if the transfer is not finished `stuckAfterMs` after submission. */
export function raiseAlarmIfStuck(input: TransferSagaInput, state: SagaState, alert: Alert): void {
  const dueIn = Date.parse(input.submittedAt) + input.timings.stuckAfterMs - Date.now();
  void (async () => {
    if (dueIn > 0) await sleep(dueIn);
    if (isTerminal(state.status)) return;
    await alert('Transfer stuck', {
      status: state.status,
      step: state.step,
      age: `${Math.round((Date.now() - Date.parse(input.submittedAt)) / 1000)} s`,
      submittedAt: input.submittedAt,
    });
  })();
}
