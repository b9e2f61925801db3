/** @isolated its own Temporal test server; activity doubles instead of stores */
import { WorkflowUpdateStage } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';

import { ErrorType } from '../../src/domain/errors';
import { reviewUpdate, statusQuery } from '../../src/workflows';
import { activityDoubles, assessment, eventTypes, SagaHarness } from '../support/saga-harness';

/**
 * The update tests below send a decision while a local step is held open; the worker takes it when it
 * heartbeats the workflow task, at 80 % of its timeout, so a shorter timeout than the default 10 s.
 */
const updateWhileStepRuns = { workflowTaskTimeout: '2 seconds' } as const;

describe('transferSaga', () => {
  let harness: SagaHarness;
  beforeAll(async () => {
    harness = await SagaHarness.create();
  });
  afterAll(() => harness?.teardown());

  it('on PASS, reserves, records, evaluates and settles once each as local activities, and waits on nothing else', async () => {
    const activities = activityDoubles();
    const input = await harness.input();
    let history: Array<{ eventType?: number | null }> = [];

    const { result, syncRan } = await harness.run(activities, input, async (handle) => {
      await handle.result();
      history = (await handle.fetchHistory()).events ?? [];
    });

    expect(result.status).toBe('COMPLETED');
    expect(result.history.map((change) => change.status)).toEqual(['PENDING', 'COMPLETED']);
    for (const step of ['reserveFunds', 'recordTransfer', 'evaluateRisk', 'settleTransfer'] as const) {
      expect(activities[step]).toHaveBeenCalledTimes(1);
    }
    expect(activities.releaseHold).not.toHaveBeenCalled();
    // The events are written by the steps' own transactions; the saga never publishes.
    expect(activities.publishEvent).not.toHaveBeenCalled();
    const types = eventTypes(history);
    expect(types.get('ACTIVITY_TASK_SCHEDULED')).toBeUndefined();
    // Four steps and the fast-path patch marker.
    expect(types.get('MARKER_RECORDED')).toBe(5);
    expect(syncRan).toBe(false);
  });

  it('when funds are insufficient, ends DECLINED without retrying, recording or settling', async () => {
    const activities = activityDoubles();
    activities.reserveFunds.mockRejectedValue(
      ApplicationFailure.create({
        type: ErrorType.InsufficientFunds,
        message: 'cannot cover 2500',
        nonRetryable: true,
      }),
    );
    const input = await harness.input();

    const { result, syncRan } = await harness.run(activities, input);

    expect(result.status).toBe('DECLINED');
    expect(activities.reserveFunds).toHaveBeenCalledTimes(1);
    expect(activities.recordTransfer).not.toHaveBeenCalled();
    expect(activities.evaluateRisk).not.toHaveBeenCalled();
    expect(activities.settleTransfer).not.toHaveBeenCalled();
    expect(activities.closeTransfer).toHaveBeenCalledWith(expect.objectContaining({ status: 'DECLINED' }));
    // A reserve that failed may still have held the money; the release leaves a tombstone either way.
    expect(activities.releaseHold).toHaveBeenCalledTimes(1);
    expect(activities.withdrawVelocity).not.toHaveBeenCalled();
    expect(syncRan).toBe(false);
  });

  it('raises one stuck alert at exactly 10 minutes, then rejects a review nobody decided after 24 hours', async () => {
    const activities = activityDoubles();
    activities.evaluateRisk.mockResolvedValue(assessment('REVIEW', 0.6, ['new receiver']));
    const alertTimes = new Map<string, number[]>();
    activities.alertOperators.mockImplementation(async (alert) => {
      const times = alertTimes.get(alert.title) ?? [];
      times.push(await harness.environment.currentTimeMs());
      alertTimes.set(alert.title, times);
    });
    const input = await harness.input();
    const submittedAt = Date.parse(input.submittedAt);

    const { result } = await harness.run(activities, input);

    const stuck = alertTimes.get('Transfer stuck') ?? [];
    expect(stuck).toHaveLength(1);
    expect((stuck[0] as number) - submittedAt).toBeGreaterThanOrEqual(10 * 60_000);
    expect((stuck[0] as number) - submittedAt).toBeLessThan(10 * 60_000 + 1_000);
    expect(alertTimes.get('Review waiting: half of its time has passed')).toHaveLength(1);
    expect(result.status).toBe('REJECTED');
    expect(result.failureReason).toBe('review timed out');
    expect(activities.releaseHold).toHaveBeenCalledTimes(1);
    expect(activities.withdrawVelocity).toHaveBeenCalledWith(input.transferId);
    expect(activities.settleTransfer).not.toHaveBeenCalled();
  });

  it('on REVIEW, holds the money until an operator approves through the update, then settles', async () => {
    const activities = activityDoubles();
    activities.evaluateRisk.mockResolvedValue(assessment('REVIEW', 0.6, ['large amount']));
    // Settlement waits for the second decision, so the saga is still running to refuse it rather than
    // already finished (on a fast server it otherwise can be).
    let secondDecisionSent = () => undefined as void;
    const secondDecisionDone = new Promise<void>((resolve) => (secondDecisionSent = resolve));
    activities.settleTransfer.mockImplementation(() => secondDecisionDone);
    const input = await harness.input();

    const { result } = await harness.run(
      activities,
      input,
      async (handle) => {
        while ((await handle.query(statusQuery)).status !== 'UNDER_REVIEW')
          await new Promise((wake) => setTimeout(wake, 50));
        expect(activities.settleTransfer).not.toHaveBeenCalled();
        await handle.executeUpdate(reviewUpdate, {
          args: [{ decision: 'APPROVE', reason: 'known customer', reviewer: 'ops-1' }],
        });
        const secondDecision = handle.executeUpdate(reviewUpdate, {
          args: [{ decision: 'REJECT', reason: 'second thoughts', reviewer: 'ops-2' }],
        });
        const refusal = await secondDecision.then(
          () => undefined,
          (error: Error & { cause?: Error }) => error,
        );
        secondDecisionSent();
        expect(refusal?.cause?.message).toMatch(/already decided|not UNDER_REVIEW/);
      },
      updateWhileStepRuns,
    );

    expect(result.status).toBe('COMPLETED');
    expect(result.history.map((change) => change.status)).toEqual(['PENDING', 'UNDER_REVIEW', 'COMPLETED']);
    expect(activities.recordReview).toHaveBeenCalledWith(
      expect.objectContaining({ decision: 'APPROVE', reviewer: 'ops-1', reason: 'known customer' }),
    );
    // The refused second decision arrives while settle runs: the workflow task holding that local step is
    // retried with it, so settle may run again, which its idempotency (per transfer) makes harmless.
    expect(activities.settleTransfer).toHaveBeenCalled();
    for (const [transfer] of activities.settleTransfer.mock.calls) expect(transfer.transferId).toBe(input.transferId);
    expect(activities.withdrawVelocity).not.toHaveBeenCalled();
    expect(activities.publishEvent).not.toHaveBeenCalled();
  });

  it('accepts a decision sent as soon as PostgreSQL says UNDER_REVIEW, before the saga has the evaluation', async () => {
    const activities = activityDoubles();
    // The evaluate step commits UNDER_REVIEW; the API may send a review from that instant, while the
    // saga still waits for the step's result.
    let rowUnderReview = () => undefined as void;
    const rowChanged = new Promise<void>((resolve) => (rowUnderReview = resolve));
    let finishEvaluation = () => undefined as void;
    const evaluationFinished = new Promise<void>((resolve) => (finishEvaluation = resolve));
    activities.evaluateRisk.mockImplementation(async () => {
      rowUnderReview();
      await evaluationFinished;
      return assessment('REVIEW', 0.6, ['large amount']);
    });
    const input = await harness.input();

    const { result } = await harness.run(
      activities,
      input,
      async (handle) => {
        await rowChanged;
        const update = await handle.startUpdate(reviewUpdate, {
          args: [{ decision: 'APPROVE', reason: 'known customer', reviewer: 'ops-1' }],
          waitForStage: WorkflowUpdateStage.ACCEPTED,
        });
        finishEvaluation();
        expect((await update.result()).step).not.toBe('review');
      },
      updateWhileStepRuns,
    );

    expect(result.status).toBe('COMPLETED');
    expect(activities.recordReview).toHaveBeenCalledWith(expect.objectContaining({ reviewer: 'ops-1' }));
  });

  it('refuses a decision before the evaluate step, while the transfer is still PENDING', async () => {
    const activities = activityDoubles();
    let reserving = () => undefined as void;
    const reserveStarted = new Promise<void>((resolve) => (reserving = resolve));
    let finishReserve = () => undefined as void;
    const reserveFinished = new Promise<void>((resolve) => (finishReserve = resolve));
    activities.reserveFunds.mockImplementation(async () => {
      reserving();
      await reserveFinished;
      return 'RESERVED';
    });
    const input = await harness.input();

    const { result } = await harness.run(
      activities,
      input,
      async (handle) => {
        await reserveStarted;
        const refusal = await handle
          .executeUpdate(reviewUpdate, { args: [{ decision: 'REJECT', reason: 'too early', reviewer: 'ops-1' }] })
          .then(
            () => undefined,
            (error: Error & { cause?: Error }) => error,
          );
        finishReserve();
        expect(refusal?.cause?.message).toMatch(/not UNDER_REVIEW/);
      },
      updateWhileStepRuns,
    );

    expect(result.status).toBe('COMPLETED');
    expect(activities.recordReview).not.toHaveBeenCalled();
  });
});
