import { activityDoubles, assessment, publishedTypes, SagaHarness } from '../support/saga-harness';

// Activity retries run in real time on the test server (and leave its clock unable to skip), so
// these tests have a server of their own: about a minute of 10-second retry intervals.

describe('transferSaga when steps fail', () => {
  let harness: SagaHarness;
  beforeAll(async () => {
    harness = await SagaHarness.create();
  });
  afterAll(() => harness?.teardown());

  it('when a forward step fails three times at 10-second intervals, compensates and starts the sync child', async () => {
    const activities = activityDoubles();
    const attemptTimes: number[] = [];
    activities.recordTransfer.mockImplementation(async () => {
      attemptTimes.push(await harness.environment.currentTimeMs());
      throw new Error('PostgreSQL refused the write');
    });
    const input = await harness.input();

    const { result, syncRan } = await harness.run(activities, input);

    expect(result.status).toBe('FAILED');
    expect(attemptTimes).toHaveLength(3);
    const intervals = attemptTimes.slice(1).map((time, index) => time - (attemptTimes[index] as number));
    for (const interval of intervals) {
      expect(interval).toBeGreaterThanOrEqual(10_000);
      // Retries run in real time on the test server; allow a loaded machine a second of dispatch delay.
      expect(interval).toBeLessThan(12_000);
    }
    // PostgreSQL first, then Redis: the row is closed before the hold is released.
    const closeOrder = activities.closeTransfer.mock.invocationCallOrder[0] as number;
    const releaseOrder = activities.releaseHold.mock.invocationCallOrder[0] as number;
    expect(closeOrder).toBeLessThan(releaseOrder);
    expect(activities.settleTransfer).not.toHaveBeenCalled();
    expect(publishedTypes(activities)).toEqual(['transfer.initiated', 'tx.sync_required', 'transfer.failed']);
    expect(syncRan).toBe(true);
    expect(activities.repairTransfer).toHaveBeenCalledWith(expect.objectContaining({ transferId: input.transferId }));
    expect(activities.resolveDeadLetter).toHaveBeenCalledTimes(1);
  });

  it('when a compensation keeps failing, does not swallow it but escalates to syncCompensation', async () => {
    const activities = activityDoubles();
    activities.evaluateRisk.mockResolvedValue(assessment('BLOCK', 0.97, ['blocked account']));
    activities.closeTransfer.mockRejectedValue(new Error('PostgreSQL is down'));
    const input = await harness.input();

    const { result, syncRan } = await harness.run(activities, input);

    expect(result.status).toBe('BLOCKED');
    const flagged = activities.publishEvent.mock.calls
      .map(([event]) => event)
      .find((e) => e.type === 'transfer.flagged');
    expect(flagged?.data).toMatchObject({
      decision: 'BLOCK',
      ruleHits: [{ ruleId: 'rule-0', reason: 'blocked account' }],
    });
    // Compensations unwind in reverse: evaluate's, then record's, then reserve's.
    const [withdrawn] = activities.withdrawVelocity.mock.invocationCallOrder;
    const [closed] = activities.closeTransfer.mock.invocationCallOrder;
    const [released] = activities.releaseHold.mock.invocationCallOrder;
    expect(withdrawn).toBeLessThan(closed as number);
    expect(closed).toBeLessThan(released as number);
    expect(activities.closeTransfer.mock.calls.length).toBeGreaterThan(1);
    expect(activities.releaseHold).toHaveBeenCalledTimes(1);
    expect(publishedTypes(activities)).toContain('tx.sync_required');
    expect(syncRan).toBe(true);
    expect(activities.repairTransfer).toHaveBeenCalledTimes(1);
  });

  it('when settlement committed but its activity failed, never releases the hold and ends COMPLETED', async () => {
    const activities = activityDoubles();
    activities.settleTransfer.mockRejectedValue(new Error('Redis unreachable after the PostgreSQL commit'));
    activities.closeTransfer.mockResolvedValue('ALREADY_COMPLETED');
    const input = await harness.input();

    const { result, syncRan } = await harness.run(activities, input);

    expect(result.status).toBe('COMPLETED');
    expect(activities.releaseHold).not.toHaveBeenCalled();
    expect(syncRan).toBe(true);
    expect(publishedTypes(activities).at(-1)).toBe('transfer.completed');
  });
});
