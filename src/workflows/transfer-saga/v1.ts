import {
  condition,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';

import type { Activities } from '../../activities';
import { type EventData, transferEvent } from '../../domain/events';
import type { TransferEventType } from '../../domain/topics';
import { transferSearchAttributes } from '../../domain/search-attributes';
import { syncWorkflowId } from '../../domain/temporal';
import {
  describeRisk,
  type ReviewDecision,
  type RiskAssessment,
  type SagaState,
  type TransferSagaInput,
  type TransferStatus,
  type TransferStep,
} from '../../domain/transfer';
import { compensation, forwardStep, notification, untilDone } from '../options';
import { syncCompensation } from '../sync-compensation';
import {
  asStopped,
  isReviewDecision,
  raiseAlarmIfStuck,
  reviewSignal,
  reviewUpdate,
  statusQuery,
  TransferStopped,
} from './definitions';

/**
 * Patch marker: flagged and FAILED transfers reach Slack from their Kafka events (the slack-alerts
 * consumer) instead of from the saga. Sagas that started before keep alerting themselves on replay.
 */
const ALERTS_FROM_EVENTS = 'alerts-from-events';

/**
 * The saga as it ran before the fast path (kept unchanged, so the sagas it started finish and its
 * histories replay): reserve → record → evaluate → settle → notify as regular activities, each step
 * publishing its event through its own activity; any failure after the reserve is compensated (row
 * closed in PostgreSQL first, then the hold released), and what compensation cannot finish goes to
 * syncCompensation. Its activities now write their events into the outbox, so a republished event is
 * recognised by its eventId and written once.
 */
export async function transferSagaV1(input: TransferSagaInput): Promise<SagaState> {
  const { transferId, timings } = input;
  const forward = proxyActivities<Activities>(forwardStep(timings.forwardRetryIntervalMs));
  const undo = proxyActivities<Activities>(compensation);
  const { publishEvent } = proxyActivities<Activities>(untilDone);
  const { alertOperators } = proxyActivities<Activities>(notification);

  const state: SagaState = {
    transferId,
    status: 'PENDING',
    step: 'submitted',
    history: [{ status: 'PENDING', step: 'submitted', at: input.submittedAt }],
  };
  let review: ReviewDecision | undefined;
  setHandler(statusQuery, () => state);
  setHandler(reviewSignal, (decision: ReviewDecision) => {
    if (state.status === 'UNDER_REVIEW' && review === undefined && isReviewDecision(decision)) review = decision;
  });
  setHandler(
    reviewUpdate,
    async (decision) => {
      review = decision;
      await condition(() => state.step !== 'review');
      return state;
    },
    {
      validator: (decision: ReviewDecision) => {
        if (!isReviewDecision(decision)) throw new Error('decision must be APPROVE or REJECT, with a reviewer');
        // The review step begins before PostgreSQL says UNDER_REVIEW (the API checks the row first), so
        // a decision sent the moment the row changes is not refused for a state that is about to follow.
        if (state.step !== 'review') throw new Error(`transfer is ${state.status}, not UNDER_REVIEW`);
        if (review !== undefined) throw new Error('transfer was already decided');
      },
    },
  );

  const moveTo = (status: TransferStatus, step: TransferStep, reason?: string) => {
    if (status !== state.status) {
      state.history.push({ status, step, at: new Date().toISOString(), ...(reason ? { reason } : {}) });
      upsertSearchAttributes([{ key: transferSearchAttributes.status, value: status }]);
    }
    state.status = status;
    state.step = step;
  };
  const publish = <T extends TransferEventType>(type: T, data: EventData[T]) =>
    publishEvent(transferEvent(type, transferId, new Date().toISOString(), data));
  const parties = { fromAccountId: input.fromAccountId, toAccountId: input.toAccountId, amount: input.amount };
  const alert = async (title: string, fields: Record<string, string | number | undefined>) => {
    try {
      await alertOperators({ title, transferId, fields: { amount: `${input.amount} ${input.currency}`, ...fields } });
    } catch (error) {
      log.warn('Slack did not take an operator alert', { transferId, title, error: String(error) });
    }
  };

  raiseAlarmIfStuck(input, state, alert);

  await publish('transfer.initiated', { ...parties, currency: input.currency });
  let reserveAttempted = false;
  let evaluated = false;
  try {
    state.step = 'reserve';
    reserveAttempted = true;
    await forward.reserveFunds(input);

    state.step = 'record';
    await forward.recordTransfer(input);
    await publish('transfer.created', { ...parties, currency: input.currency });

    state.step = 'evaluate';
    evaluated = true;
    const risk = await forward.evaluateRisk(input);
    state.riskDecision = risk.decision;
    upsertSearchAttributes([{ key: transferSearchAttributes.riskDecision, value: risk.decision }]);
    if (risk.decision === 'PASS') {
      await forward.setTransferStatus({ transferId, status: 'PENDING', step: 'evaluate', risk });
      await publish('transfer.approved', { ...parties, decision: risk.decision, score: risk.score });
    } else {
      await publish('transfer.flagged', {
        ...parties,
        decision: risk.decision,
        score: risk.score,
        reasons: risk.reasons,
        ruleHits: risk.hits,
      });
      if (risk.decision === 'BLOCK') throw new TransferStopped('BLOCKED', `risk blocked it: ${describeRisk(risk)}`);
      await awaitReview(risk);
    }

    state.step = 'settle';
    await forward.settleTransfer(input);
    moveTo('COMPLETED', 'settle');
    await publish('transfer.completed', { ...parties, currency: input.currency });
    moveTo('COMPLETED', 'done');
    return state;
  } catch (error) {
    const stopped = asStopped(error);
    state.failureReason = stopped.reason;
    return await compensate(stopped);
  }

  async function awaitReview(risk: RiskAssessment): Promise<void> {
    state.step = 'review';
    await forward.setTransferStatus({ transferId, status: 'UNDER_REVIEW', step: 'review', risk });
    moveTo('UNDER_REVIEW', 'review', describeRisk(risk));
    if (!patched(ALERTS_FROM_EVENTS)) {
      await alert('Transfer needs review', {
        decision: risk.decision,
        score: risk.score,
        reasons: risk.reasons.join('; '),
      });
    }
    const halfway = Math.floor(timings.reviewTimeoutMs / 2);
    if (!(await condition(() => review !== undefined, halfway))) {
      await alert('Review waiting: half of its time has passed', {
        'times out in': `${timings.reviewTimeoutMs - halfway} ms`,
      });
    }
    const decided = await condition(() => review !== undefined, timings.reviewTimeoutMs - halfway);
    if (!decided || review === undefined) throw new TransferStopped('REJECTED', 'review timed out');
    await forward.recordReview({ transferId, ...review });
    if (review.decision === 'REJECT') {
      throw new TransferStopped('REJECTED', `rejected by ${review.reviewer}: ${review.reason}`, review.reviewer);
    }
    state.step = 'settle';
    await publish('transfer.approved', { ...parties, decision: 'REVIEW', score: risk.score });
  }

  /**
   * Unwinds the compensations of evaluate, record and reserve, in reverse: the transfer's velocity
   * counts are withdrawn, the row is closed in PostgreSQL (inserted if record never ran), then the hold
   * is released. A compensation that fails after its retries is not swallowed: the transfer goes to
   * syncCompensation.
   */
  async function compensate(stopped: TransferStopped): Promise<SagaState> {
    state.step = 'compensate';
    let needsSync = stopped.status === 'FAILED';
    let settledAfterAll = false;
    if (evaluated) {
      try {
        await undo.withdrawVelocity(transferId);
      } catch (error) {
        log.error('withdrawing the velocity counts failed', { transferId, error: String(error) });
        needsSync = true;
      }
    }
    try {
      const row = await undo.closeTransfer({
        transfer: input,
        status: stopped.status,
        step: 'compensate',
        reason: stopped.reason,
        ...(stopped.actor ? { actor: stopped.actor } : {}),
      });
      // The settlement committed even though its activity failed: money moved, only Redis may lag.
      settledAfterAll = row === 'ALREADY_COMPLETED';
    } catch (error) {
      log.error('closing the transfer row failed', { transferId, error: String(error) });
      needsSync = true;
    }
    if (settledAfterAll) {
      moveTo('COMPLETED', 'compensate');
      await handToSync('settled in PostgreSQL, but the saga failed before Redis was updated');
      await publish('transfer.completed', { ...parties, currency: input.currency });
      moveTo('COMPLETED', 'done');
      return state;
    }
    if (reserveAttempted) {
      try {
        await undo.releaseHold(input);
      } catch (error) {
        log.error('releasing the hold failed', { transferId, error: String(error) });
        needsSync = true;
      }
    }
    moveTo(stopped.status, 'compensate', stopped.reason);
    if (needsSync) await handToSync(stopped.reason);
    await publish('transfer.failed', { ...parties, status: stopped.status, reason: stopped.reason });
    state.step = 'notify';
    if ((stopped.status === 'FAILED' || stopped.status === 'BLOCKED') && !patched(ALERTS_FROM_EVENTS)) {
      await alert(`Transfer ${stopped.status}`, {
        reason: stopped.reason,
        from: input.fromAccountId,
        to: input.toAccountId,
      });
    }
    state.step = 'done';
    return state;
  }

  /** Publishes tx.sync_required and starts the repair child, which outlives this saga. */
  async function handToSync(reason: string): Promise<void> {
    const request = { ...parties, currency: input.currency, reason, source: 'transferSaga' };
    await publish('tx.sync_required', request);
    try {
      await startChild(syncCompensation, {
        workflowId: syncWorkflowId(transferId),
        parentClosePolicy: ParentClosePolicy.ABANDON,
        // One repair per transfer, whoever asks first (this saga, the consumer, the sweep).
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [{ transferId, ...request }],
      });
    } catch (error) {
      // The tx.sync_required consumer or the sweep may have started it first; one repair is enough.
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }
}
