import {
  condition,
  log,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';

import type { Activities } from '../../activities';
import { type ConfirmationEnding, DEFAULT_CODE_TTL_MS } from '../../domain/confirmation';
import { transferSearchAttributes } from '../../domain/search-attributes';
import {
  describeRisk,
  type ReviewDecision,
  type RiskAssessment,
  type SagaState,
  type TransferSagaInput,
  type TransferStatus,
  type TransferStep,
} from '../../domain/transfer';
import { alertOperatorsBestEffort } from '../alerts';
import { forwardStep, localCompensation, localForwardStep, localUntilDone } from '../options';
import { startRepair } from '../sync-compensation';
import { handleConfirmation } from './confirmation';
import {
  type Alert,
  asStopped,
  isReviewDecision,
  raiseAlarmIfStuck,
  reviewSignal,
  reviewUpdate,
  statusQuery,
  TransferStopped,
} from './definitions';

/** What undoing one step did: `settled` when the row turned out COMPLETED, so nothing more is undone. */
type Undone = 'undone' | 'settled';
type Compensation = (stopped: TransferStopped) => Promise<Undone>;

/**
 * One money transfer as a saga (DESIGN.md §1) on the fast path: reserve → record → evaluate → settle as
 * local activities, each one store transaction that also writes its event into the outbox (the relay,
 * not the saga, talks to Kafka). Before each step its compensation is pushed on a stack; any failure
 * unwinds the stack in reverse (velocity withdrawn, row closed in PostgreSQL, hold released in Redis),
 * and what a compensation cannot finish goes to syncCompensation.
 */
export async function fastPathTransferSaga(input: TransferSagaInput): Promise<SagaState> {
  const { transferId, timings } = input;
  const step = proxyLocalActivities<Activities>(localForwardStep(timings.forwardRetryIntervalMs));
  const undo = proxyLocalActivities<Activities>(localCompensation);
  const { requestRepair } = proxyLocalActivities<Activities>(localUntilDone);
  // The SMS gateway is an external service: a regular activity, with the forward steps' three attempts.
  const { sendConfirmationCode } = proxyActivities<Activities>(forwardStep(timings.forwardRetryIntervalMs));

  const state: SagaState = {
    transferId,
    status: 'PENDING',
    step: 'submitted',
    history: [{ status: 'PENDING', step: 'submitted', at: input.submittedAt }],
  };
  let review: ReviewDecision | undefined;
  // The evaluate step commits UNDER_REVIEW in PostgreSQL before the saga sees its result, and the API
  // sends a decision as soon as the row says so: a decision is taken from then on.
  const reviewable = () => (state.step === 'evaluate' || state.step === 'review') && review === undefined;
  setHandler(statusQuery, () => state);
  setHandler(reviewSignal, (decision: ReviewDecision) => {
    if (reviewable() && isReviewDecision(decision)) review = decision;
  });
  setHandler(
    reviewUpdate,
    async (decision) => {
      review = decision;
      await condition(() => state.step !== 'evaluate' && state.step !== 'review');
      return state;
    },
    {
      validator: (decision: ReviewDecision) => {
        if (!isReviewDecision(decision)) throw new Error('decision must be APPROVE or REJECT, with a reviewer');
        if (review !== undefined) throw new Error('transfer was already decided');
        if (!reviewable()) throw new Error(`transfer is ${state.status}, not UNDER_REVIEW`);
      },
    },
  );
  const confirmation = handleConfirmation(state);

  const moveTo = (status: TransferStatus, to: TransferStep, reason?: string) => {
    if (status !== state.status) {
      state.history.push({ status, step: to, at: new Date().toISOString(), ...(reason ? { reason } : {}) });
      upsertSearchAttributes([{ key: transferSearchAttributes.status, value: status }]);
    }
    state.status = status;
    state.step = to;
  };
  const parties = { fromAccountId: input.fromAccountId, toAccountId: input.toAccountId, amount: input.amount };
  const alert: Alert = (title, fields) =>
    alertOperatorsBestEffort({ title, transferId, fields: { amount: `${input.amount} ${input.currency}`, ...fields } });

  raiseAlarmIfStuck(input, state, alert);

  const compensations: Compensation[] = [];
  try {
    state.step = 'reserve';
    // Pushed before the step, since a reserve that failed may still have held the money. The row is
    // closed before the hold is released, so a Redis rebuild in between cannot resurrect the hold; it is
    // also where a transfer that never got recorded gets its terminal row and its transfer.failed event.
    compensations.push(
      async () => (await undo.releaseHold(input), 'undone'),
      async (stopped) => {
        const row = await undo.closeTransfer({
          transfer: input,
          status: stopped.status,
          step: 'compensate',
          reason: stopped.reason,
          ...(stopped.actor ? { actor: stopped.actor } : {}),
        });
        // The settlement committed even though its step failed: money moved, only Redis may lag.
        return row === 'ALREADY_COMPLETED' ? 'settled' : 'undone';
      },
    );
    await step.reserveFunds(input);

    state.step = 'record';
    await step.recordTransfer(input);

    state.step = 'evaluate';
    compensations.push(async () => (await undo.withdrawVelocity(transferId), 'undone'));
    const risk = await step.evaluateRisk(input);
    state.riskDecision = risk.decision;
    upsertSearchAttributes([{ key: transferSearchAttributes.riskDecision, value: risk.decision }]);
    if (risk.decision === 'BLOCK') throw new TransferStopped('BLOCKED', `risk blocked it: ${describeRisk(risk)}`);
    if (risk.decision === 'REVIEW') await awaitReview(risk);
    if (risk.decision === 'STEP_UP') await awaitConfirmation(risk);

    state.step = 'settle';
    await step.settleTransfer(input);
    moveTo('COMPLETED', 'done');
    return state;
  } catch (error) {
    const stopped = asStopped(error);
    state.failureReason = stopped.reason;
    return await unwind(stopped);
  }

  async function awaitReview(risk: RiskAssessment): Promise<void> {
    moveTo('UNDER_REVIEW', 'review', describeRisk(risk));
    const halfway = Math.floor(timings.reviewTimeoutMs / 2);
    if (!(await condition(() => review !== undefined, halfway))) {
      await alert('Review waiting: half of its time has passed', {
        'times out in': `${timings.reviewTimeoutMs - halfway} ms`,
      });
    }
    const decided = await condition(() => review !== undefined, timings.reviewTimeoutMs - halfway);
    if (!decided || review === undefined) throw new TransferStopped('REJECTED', 'review timed out');
    await step.recordReview({ transferId, ...review });
    if (review.decision === 'REJECT') {
      throw new TransferStopped('REJECTED', `rejected by ${review.reviewer}: ${review.reason}`, review.reviewer);
    }
  }

  /**
   * STEP_UP: the hold stays while the sender is asked for a one-time code. A right code settles as an
   * approved review does; a decline, a staff cancel, the third wrong code, expiry, or a code that could
   * not be sent rejects it, and the unwind voids the hold and withdraws the velocity.
   */
  async function awaitConfirmation(risk: RiskAssessment): Promise<void> {
    moveTo('AWAITING_CONFIRMATION', 'confirm', describeRisk(risk));
    const ttlMs = timings.confirmationCodeTtlMs ?? DEFAULT_CODE_TTL_MS;
    const ending = await confirmation.awaitAnswer((attempt) => sendConfirmationCode({ transferId, attempt, ttlMs }));
    await step.recordConfirmation({ transferId, ...ending });
    if (ending.end !== 'CONFIRMED') throw new TransferStopped('REJECTED', rejectionReason(ending), ending.by);
  }

  /** Runs the compensations pushed so far, last first; one that fails is escalated, never swallowed. */
  async function unwind(stopped: TransferStopped): Promise<SagaState> {
    state.step = 'compensate';
    let needsSync = stopped.status === 'FAILED';
    for (const compensate of compensations.splice(0).reverse()) {
      try {
        if ((await compensate(stopped)) === 'settled') {
          moveTo('COMPLETED', 'compensate');
          await handToSync('settled in PostgreSQL, but the saga failed before Redis was updated');
          moveTo('COMPLETED', 'done');
          return state;
        }
      } catch (error) {
        log.error('a compensation failed beyond its retries', { transferId, error: String(error) });
        needsSync = true;
      }
    }
    moveTo(stopped.status, 'compensate', stopped.reason);
    if (needsSync) await handToSync(stopped.reason);
    state.step = 'done';
    return state;
  }

  /** Records the repair with its tx.sync_required event, then starts the repair child, which outlives this saga. */
  async function handToSync(reason: string): Promise<void> {
    const request = { transferId, ...parties, currency: input.currency, reason, source: 'transferSaga' };
    await requestRepair(request);
    await startRepair(request);
  }
}

function rejectionReason({ end, by, reason }: ConfirmationEnding): string {
  switch (end) {
    case 'DECLINED':
      return 'the sender declined it';
    case 'CANCELLED':
      return `cancelled by ${by}: ${reason}`;
    case 'TOO_MANY_WRONG_CODES':
      return 'three wrong confirmation codes';
    case 'EXPIRED':
      return 'the confirmation code expired';
    default:
      return reason ?? 'no confirmation code could be sent';
  }
}
