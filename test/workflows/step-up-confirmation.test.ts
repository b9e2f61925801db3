/** @isolated its own Temporal test server; activity doubles instead of stores */
import { randomUUID } from 'node:crypto';

import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';

import { ErrorType } from '../../src/domain/errors';
import type { SagaState } from '../../src/domain/transfer';
import { confirmUpdate, resendCodeUpdate, statusQuery, transferSaga } from '../../src/workflows';
import { activityDoubles, assessment, codeHashFor, SagaHarness } from '../support/saga-harness';
import { startOnceRunning } from '../support/time-skipping';

type Handle = Parameters<NonNullable<Parameters<SagaHarness['run']>[2]>>[0];

const wrongHash = 'f'.repeat(64);
const stepUp = () => {
  const activities = activityDoubles();
  activities.evaluateRisk.mockResolvedValue(assessment('STEP_UP', 35, ['travel: 10418 km in 600 s']));
  return activities;
};

/** Polls the saga's own view until it waits for its sender with a code sent. */
async function awaitingCode(handle: Handle): Promise<SagaState> {
  for (;;) {
    const state = await handle.query(statusQuery);
    if (state.status === 'AWAITING_CONFIRMATION' && state.confirmation) return state;
    await new Promise((wake) => setTimeout(wake, 50));
  }
}

const confirm = (handle: Handle, codeHash: string) =>
  handle.executeUpdate(confirmUpdate, { args: [{ decision: 'CONFIRM', codeHash, by: 'alice' }] });

describe('transferSaga on STEP_UP', () => {
  let harness: SagaHarness;
  beforeAll(async () => {
    harness = await SagaHarness.create();
  });
  beforeEach(() => harness.renewServer());
  afterAll(() => harness?.teardown());

  it('holds the money AWAITING_CONFIRMATION, and settles on the right code', async () => {
    const activities = stepUp();
    const input = await harness.input();
    let waiting: SagaState | undefined;

    const { result } = await harness.run(activities, input, async (handle) => {
      waiting = await awaitingCode(handle);
      expect(activities.settleTransfer).not.toHaveBeenCalled();
      const answer = await confirm(handle, codeHashFor(1));
      expect(answer.outcome).toBe('CONFIRMED');
    });

    expect(waiting?.step).toBe('confirm');
    expect(waiting?.confirmation).toMatchObject({ triesLeft: 3, resendsLeft: 2 });
    expect(JSON.stringify(waiting)).not.toContain(codeHashFor(1));
    expect(result.status).toBe('COMPLETED');
    expect(result.history.map((change) => change.status)).toEqual(['PENDING', 'AWAITING_CONFIRMATION', 'COMPLETED']);
    expect(activities.sendConfirmationCode).toHaveBeenCalledWith({
      transferId: input.transferId,
      attempt: 1,
      ttlMs: 5 * 60_000,
    });
    expect(activities.recordConfirmation).toHaveBeenCalledWith(
      expect.objectContaining({ transferId: input.transferId, end: 'CONFIRMED', by: 'alice' }),
    );
    expect(activities.releaseHold).not.toHaveBeenCalled();
  });

  it('counts wrong codes down, and the third rejects it: hold voided, velocity withdrawn', async () => {
    const activities = stepUp();
    const input = await harness.input();
    const answers: Array<{ outcome: string; triesLeft: number }> = [];

    const { result } = await harness.run(activities, input, async (handle) => {
      await awaitingCode(handle);
      for (let i = 0; i < 3; i++) {
        const { outcome, triesLeft } = await confirm(handle, wrongHash);
        answers.push({ outcome, triesLeft });
      }
    });

    expect(answers).toEqual([
      { outcome: 'WRONG_CODE', triesLeft: 2 },
      { outcome: 'WRONG_CODE', triesLeft: 1 },
      { outcome: 'REJECTED', triesLeft: 0 },
    ]);
    expect(result.status).toBe('REJECTED');
    expect(result.failureReason).toBe('three wrong confirmation codes');
    expect(activities.settleTransfer).not.toHaveBeenCalled();
    expect(activities.closeTransfer).toHaveBeenCalledWith(expect.objectContaining({ status: 'REJECTED' }));
    expect(activities.releaseHold).toHaveBeenCalledTimes(1);
    expect(activities.withdrawVelocity).toHaveBeenCalledWith(input.transferId);
  });

  it('rejects it when the code expires unanswered, 5 minutes after it was sent', async () => {
    const activities = stepUp();
    const input = await harness.input();
    let sentAtMs = 0;
    activities.recordConfirmation.mockImplementation(async () => {
      expect((await harness.environment.currentTimeMs()) - sentAtMs).toBeGreaterThanOrEqual(5 * 60_000);
    });

    const { result } = await harness.run(activities, input, async (handle) => {
      sentAtMs = Date.parse((await awaitingCode(handle)).confirmation?.expiresAt ?? '') - 5 * 60_000;
    });

    expect(result.status).toBe('REJECTED');
    expect(result.failureReason).toBe('the confirmation code expired');
    expect(activities.recordConfirmation).toHaveBeenCalledWith(expect.objectContaining({ end: 'EXPIRED' }));
    expect(activities.releaseHold).toHaveBeenCalledTimes(1);
    expect(activities.withdrawVelocity).toHaveBeenCalledWith(input.transferId);
  });

  it("rejects it on the sender's decline, and refuses a second answer after the decision", async () => {
    const activities = stepUp();
    // The unwind waits for the second answer, so the saga is still running to refuse it.
    let secondAnswered = () => undefined as void;
    const secondDone = new Promise<void>((resolve) => (secondAnswered = resolve));
    activities.closeTransfer.mockImplementation(async () => (await secondDone, 'CLOSED'));
    const input = await harness.input();
    let second: unknown;

    const { result } = await harness.run(
      activities,
      input,
      async (handle) => {
        await awaitingCode(handle);
        const declined = handle.executeUpdate(confirmUpdate, { args: [{ decision: 'DECLINE', by: 'alice' }] });
        while (!activities.closeTransfer.mock.calls.length) await new Promise((wake) => setTimeout(wake, 50));
        second = await confirm(handle, codeHashFor(1)).catch((error: unknown) => error);
        secondAnswered();
        expect((await declined).outcome).toBe('REJECTED');
      },
      { workflowTaskTimeout: '2 seconds' },
    );

    expect(second).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(String((second as Error).cause)).toContain('not AWAITING_CONFIRMATION');
    expect(result.status).toBe('REJECTED');
    expect(result.failureReason).toBe('the sender declined it');
    expect(activities.closeTransfer).toHaveBeenCalledWith(expect.objectContaining({ actor: 'alice' }));
    expect(activities.settleTransfer).not.toHaveBeenCalled();
  });

  it('a staff cancel rejects it, naming who and why', async () => {
    const activities = stepUp();
    const input = await harness.input();

    const { result } = await harness.run(activities, input, async (handle) => {
      await awaitingCode(handle);
      await handle.executeUpdate(confirmUpdate, {
        args: [{ decision: 'CANCEL', by: 'ops-1', reason: 'customer phoned: not them' }],
      });
    });

    expect(result.status).toBe('REJECTED');
    expect(result.failureReason).toBe('cancelled by ops-1: customer phoned: not them');
    expect(activities.recordConfirmation).toHaveBeenCalledWith(
      expect.objectContaining({ end: 'CANCELLED', by: 'ops-1' }),
    );
  });

  it('sends a new code no sooner than 30 s after the last, at most twice; only the newest code works', async () => {
    const activities = stepUp();
    const input = await harness.input();
    const refusals: string[] = [];
    const refusalOf = (update: Promise<unknown>) =>
      update.then(
        () => 'accepted',
        (error: Error) => String(error.cause),
      );

    const { result } = await harness.run(activities, input, async (handle) => {
      await awaitingCode(handle);
      refusals.push(await refusalOf(handle.executeUpdate(resendCodeUpdate)));
      await harness.environment.sleep(31_000);
      const second = await handle.executeUpdate(resendCodeUpdate);
      expect(second).toMatchObject({ resendsLeft: 1, triesLeft: 3 });
      await harness.environment.sleep(31_000);
      expect((await handle.executeUpdate(resendCodeUpdate)).resendsLeft).toBe(0);
      await harness.environment.sleep(31_000);
      refusals.push(await refusalOf(handle.executeUpdate(resendCodeUpdate)));
      expect((await confirm(handle, codeHashFor(1))).outcome).toBe('WRONG_CODE');
      expect((await confirm(handle, codeHashFor(3))).outcome).toBe('CONFIRMED');
    });

    expect(refusals[0]).toMatch(/a new code can be sent from/);
    expect(refusals[1]).toMatch(/no resends are left/);
    expect(activities.sendConfirmationCode.mock.calls.map(([request]) => request.attempt)).toEqual([1, 2, 3]);
    expect(result.status).toBe('COMPLETED');
  });

  it('rejects it when no code can be sent, without waiting', async () => {
    const activities = stepUp();
    activities.sendConfirmationCode.mockRejectedValue(
      ApplicationFailure.create({ type: ErrorType.CodeNotSent, message: 'invalid number', nonRetryable: true }),
    );
    const input = await harness.input();

    const { result } = await harness.run(activities, input);

    expect(result.status).toBe('REJECTED');
    expect(result.failureReason).toBe('no code could be sent: invalid number');
    expect(activities.sendConfirmationCode).toHaveBeenCalledTimes(1);
    expect(activities.releaseHold).toHaveBeenCalledTimes(1);
  });

  it('a worker that stops while the saga waits leaves the wait to the next, which takes the code', async () => {
    const activities = stepUp();
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
      await awaitingCode(started);
      return started;
    });
    const second = await harness.worker(activities, taskQueue);
    const result = await second.runUntil(async () => {
      expect((await handle.query(statusQuery)).status).toBe('AWAITING_CONFIRMATION');
      expect((await confirm(handle, wrongHash)).triesLeft).toBe(2);
      await confirm(handle, codeHashFor(1));
      return handle.result();
    });

    expect(result.status).toBe('COMPLETED');
    expect(activities.sendConfirmationCode).toHaveBeenCalledTimes(1);
  });
});
