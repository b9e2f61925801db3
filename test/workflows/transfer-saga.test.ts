import { WorkflowUpdateStage } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';

import { ErrorType } from '../../src/domain/errors';
import { reviewUpdate, statusQuery } from '../../src/workflows';
import { activityDoubles, assessment, publishedTypes, SagaHarness } from '../support/saga-harness';

describe('transferSaga', () => {
  let harness: SagaHarness;
  beforeAll(async () => {
    harness = await SagaHarness.create();
  });
  afterAll(() => harness?.teardown());

  it('on PASS, reserves, records, settles once and publishes its events in order', async () => {
    const activities = activityDoubles();
    const input = await harness.input();

    const { result, syncRan } = await harness.run(activities, input);

    expect(result.status).toBe('COMPLETED');
    expect(result.history.map((change) => change.status)).toEqual(['PENDING', 'COMPLETED']);
    expect(activities.reserveFunds).toHaveBeenCalledTimes(1);
    expect(activities.recordTransfer).toHaveBeenCalledTimes(1);
    expect(activities.settleTransfer).toHaveBeenCalledTimes(1);
    expect(activities.releaseHold).not.toHaveBeenCalled();
    expect(publishedTypes(activities)).toEqual([
      'transfer.initiated',
      'transfer.created',
      'transfer.approved',
      'transfer.completed',
    ]);
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
    expect(activities.settleTransfer).not.toHaveBeenCalled();
    expect(activities.closeTransfer).toHaveBeenCalledWith(expect.objectContaining({ status: 'DECLINED' }));
    const failed = activities.publishEvent.mock.calls.map(([event]) => event).at(-1);
    expect(failed).toMatchObject({ type: 'transfer.failed', data: { status: 'DECLINED' } });
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

    const { result } = await harness.run(activities, input, async (handle) => {
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
    });

    expect(result.status).toBe('COMPLETED');
    expect(result.history.map((change) => change.status)).toEqual(['PENDING', 'UNDER_REVIEW', 'COMPLETED']);
    expect(activities.recordReview).toHaveBeenCalledWith(
      expect.objectContaining({ decision: 'APPROVE', reviewer: 'ops-1', reason: 'known customer' }),
    );
    expect(activities.settleTransfer).toHaveBeenCalledTimes(1);
    expect(activities.withdrawVelocity).not.toHaveBeenCalled();
    expect(publishedTypes(activities)).toEqual([
      'transfer.initiated',
      'transfer.created',
      'transfer.flagged',
      'transfer.approved',
      'transfer.completed',
    ]);
  });

  it('accepts a decision sent as soon as PostgreSQL says UNDER_REVIEW, before the saga has seen that step end', async () => {
    const activities = activityDoubles();
    activities.evaluateRisk.mockResolvedValue(assessment('REVIEW', 0.6, ['large amount']));
    // The row is UNDER_REVIEW once this activity commits; the API may send a review from that instant,
    // while the saga is still waiting for the activity's result.
    let rowUnderReview = () => undefined as void;
    const rowChanged = new Promise<void>((resolve) => (rowUnderReview = resolve));
    let finishActivity = () => undefined as void;
    const activityFinished = new Promise<void>((resolve) => (finishActivity = resolve));
    activities.setTransferStatus.mockImplementation(async ({ status }) => {
      if (status !== 'UNDER_REVIEW') return;
      rowUnderReview();
      await activityFinished;
    });
    const input = await harness.input();

    const { result } = await harness.run(activities, input, async (handle) => {
      await rowChanged;
      const update = await handle.startUpdate(reviewUpdate, {
        args: [{ decision: 'APPROVE', reason: 'known customer', reviewer: 'ops-1' }],
        waitForStage: WorkflowUpdateStage.ACCEPTED,
      });
      finishActivity();
      expect((await update.result()).step).not.toBe('review');
    });

    expect(result.status).toBe('COMPLETED');
    expect(activities.recordReview).toHaveBeenCalledWith(expect.objectContaining({ reviewer: 'ops-1' }));
  });
});
