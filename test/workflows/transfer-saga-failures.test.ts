/** @isolated its own Temporal test server; activity doubles instead of stores */
import { randomUUID } from 'node:crypto';

import { Context } from '@temporalio/activity';

import { transferSaga } from '../../src/workflows';
import { activityDoubles, assessment, eventTypes, SagaHarness } from '../support/saga-harness';
import { startOnceRunning } from '../support/time-skipping';

// Retries and compensations on a test server of their own, renewed for every test: a failure path
// leaves the server's clock in states the next test should not inherit (it stops skipping time).

describe('transferSaga when steps fail', () => {
  let harness: SagaHarness;
  beforeAll(async () => {
    harness = await SagaHarness.create();
  });
  beforeEach(() => harness.renewServer());
  afterAll(() => harness?.teardown());

  it('when a forward step fails three times at 10-second intervals, compensates and starts the sync child', async () => {
    const activities = activityDoubles();
    const attemptTimes: number[] = [];
    activities.recordTransfer.mockImplementation(async () => {
      attemptTimes.push(await harness.environment.currentTimeMs());
      throw new Error('PostgreSQL refused the write');
    });
    const input = await harness.input();
    let timers = 0;

    const { result, syncRan } = await harness.run(activities, input, async (handle) => {
      await handle.result();
      timers = eventTypes((await handle.fetchHistory()).events ?? []).get('TIMER_STARTED') ?? 0;
    });

    expect(result.status).toBe('FAILED');
    expect(attemptTimes).toHaveLength(3);
    const intervals = attemptTimes.slice(1).map((time, index) => time - (attemptTimes[index] as number));
    for (const interval of intervals) {
      expect(interval).toBeGreaterThanOrEqual(10_000);
      // Durable timers on the skipping clock: a second allows for the dispatch of the next attempt.
      expect(interval).toBeLessThan(11_000);
    }
    // Each 10-second pause is a timer in the history (durable), besides the stuck alarm's.
    expect(timers).toBeGreaterThanOrEqual(3);
    // PostgreSQL first, then Redis: the row is closed before the hold is released.
    const closeOrder = activities.closeTransfer.mock.invocationCallOrder[0] as number;
    const releaseOrder = activities.releaseHold.mock.invocationCallOrder[0] as number;
    expect(closeOrder).toBeLessThan(releaseOrder);
    expect(activities.settleTransfer).not.toHaveBeenCalled();
    expect(activities.requestRepair).toHaveBeenCalledWith(
      expect.objectContaining({ transferId: input.transferId, source: 'transferSaga' }),
    );
    expect(syncRan).toBe(true);
    expect(activities.repairTransfer).toHaveBeenCalledWith(expect.objectContaining({ transferId: input.transferId }));
    expect(activities.resolveDeadLetter).toHaveBeenCalledTimes(1);
  });

  it('when a worker dies during the 10-second wait, the next worker goes on counting attempts instead of restarting', async () => {
    const activities = activityDoubles();
    const attempts: number[] = [];
    let firstFailed = () => undefined as void;
    const failedOnce = new Promise<void>((resolve) => (firstFailed = resolve));
    activities.recordTransfer.mockImplementation(async () => {
      attempts.push(Context.current().info.attempt);
      firstFailed();
      throw new Error('PostgreSQL refused the write');
    });
    const input = await harness.input();
    const taskQueue = `test-${randomUUID()}`;
    const workflowId = `transfer-${input.transferId}`;

    const first = await harness.worker(activities, taskQueue, { stoppedHalfway: true });
    const handle = await first.runUntil(async () => {
      const started = await startOnceRunning(harness.environment, transferSaga, {
        taskQueue,
        workflowId,
        args: [input],
      });
      await failedOnce;
      // The first failure is recorded, with the timer of the wait before attempt 2.
      while (!eventTypes((await started.fetchHistory()).events ?? []).get('TIMER_STARTED')) {
        await new Promise((wake) => setTimeout(wake, 50));
      }
      return started;
    });
    const second = await harness.worker(activities, taskQueue);
    const result = await second.runUntil(handle.result());
    await harness.environment.client.workflow
      .getHandle(`sync-${input.transferId}`)
      .terminate('test finished')
      .catch(() => undefined);

    expect(result.status).toBe('FAILED');
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('when a compensation keeps failing, does not swallow it but escalates to syncCompensation', async () => {
    const activities = activityDoubles();
    activities.evaluateRisk.mockResolvedValue(assessment('BLOCK', 0.97, ['blocked account']));
    activities.closeTransfer.mockRejectedValue(new Error('PostgreSQL is down'));
    const input = await harness.input();

    const { result, syncRan } = await harness.run(activities, input);

    expect(result.status).toBe('BLOCKED');
    // Compensations unwind in reverse: evaluate's, then record's, then reserve's.
    const [withdrawn] = activities.withdrawVelocity.mock.invocationCallOrder;
    const [closed] = activities.closeTransfer.mock.invocationCallOrder;
    const [released] = activities.releaseHold.mock.invocationCallOrder;
    expect(withdrawn).toBeLessThan(closed as number);
    expect(closed).toBeLessThan(released as number);
    expect(activities.closeTransfer.mock.calls.length).toBeGreaterThan(1);
    expect(activities.releaseHold).toHaveBeenCalledTimes(1);
    expect(activities.requestRepair).toHaveBeenCalledTimes(1);
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
    // transfer.completed was written with the settlement itself; nothing more is published.
    expect(activities.publishEvent).not.toHaveBeenCalled();
    expect(result.history.map((change) => change.status)).toEqual(['PENDING', 'COMPLETED']);
  });
});
