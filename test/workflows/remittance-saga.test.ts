/** @isolated its own Temporal test server; activity doubles instead of stores and the rail */
import { randomUUID } from 'node:crypto';

import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';

import type { RemittanceSagaInput, RemittanceState } from '../../src/domain/remittance';
import { railResultSignal, remittanceSaga } from '../../src/workflows';
import { activityDoubles } from '../support/saga-harness';
import { createTimeSkippingEnvironment, startOnceRunning } from '../support/time-skipping';
import { workflowBundle } from '../support/workflow-bundle';

function input(remittanceId: string): RemittanceSagaInput {
  return {
    remittanceId,
    number: 7,
    rail: 'simbank',
    platformAccountId: 'platform-eur',
    fromBusiness: { bank: 'SIMBANK', account: 'acme' },
    toBusiness: { bank: 'SIMBANK', account: 'globex' },
    amount: 12_500,
    currency: 'EUR',
    reference: 'invoice 7',
    requestedBy: 'acme-owner',
    submittedAt: new Date().toISOString(),
    timings: { forwardRetryIntervalMs: 100, stuckAfterMs: 10 * 60_000, callbackTimeoutMs: 60_000 },
  };
}

describe('remittanceSaga', () => {
  let environment: TestWorkflowEnvironment;
  beforeAll(async () => {
    environment = await createTimeSkippingEnvironment();
  });
  afterAll(() => environment?.teardown());

  async function run(
    activities: ReturnType<typeof activityDoubles>,
    body: (remittanceId: string) => Promise<RemittanceState>,
  ): Promise<RemittanceState> {
    const taskQueue = `test-${randomUUID()}`;
    const worker = await Worker.create({
      connection: environment.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities,
    });
    const remittanceId = randomUUID();
    return worker.runUntil(async () => {
      await startOnceRunning(environment, remittanceSaga, {
        taskQueue,
        workflowId: `remittance-${remittanceId}`,
        args: [input(remittanceId)],
      });
      return body(remittanceId);
    });
  }

  it('waits on a collection the bank has not decided, raises the stuck alert once, and goes on when the callback comes', async () => {
    const activities = activityDoubles();
    activities.instructRail.mockImplementation(async ({ key, type }) => ({
      key,
      type,
      instructionId: `rail-${key}`,
      status: type === 'collect' ? 'PENDING' : 'SUCCEEDED',
    }));
    activities.railInstructionStatus.mockImplementation(async (key) => ({ key, status: 'PENDING' }));

    const state = await run(activities, async (remittanceId) => {
      const saga = environment.client.workflow.getHandle(`remittance-${remittanceId}`);
      await environment.sleep(25 * 60_000);
      await saga.signal(railResultSignal, { key: `${remittanceId}:collect`, status: 'SUCCEEDED' });
      return saga.result() as Promise<RemittanceState>;
    });

    expect(state.status).toBe('COMPLETED');
    const collects = activities.instructRail.mock.calls.filter(([request]) => request.type === 'collect');
    expect(collects.map(([request]) => request.key)).toEqual([`${state.remittanceId}:collect`]);
    expect(activities.railInstructionStatus.mock.calls.length).toBeGreaterThanOrEqual(20);
    const titles = activities.alertOperators.mock.calls.map(([alert]) => alert.title);
    expect(titles.filter((title) => title === 'Remittance stuck')).toHaveLength(1);
  });

  it('sends an instruction the rail could not take again only with the same key, once the rail says it never got it', async () => {
    const activities = activityDoubles();
    let calls = 0;
    activities.instructRail.mockImplementation(async ({ key, type }) => {
      calls += 1;
      if (type === 'collect' && calls <= 3) throw ApplicationFailure.create({ message: 'rail unreachable' });
      return { key, type, instructionId: `rail-${key}`, status: 'SUCCEEDED' };
    });
    activities.railInstructionStatus.mockImplementation(async (key) => ({ key, status: 'UNKNOWN' }));

    const state = await run(
      activities,
      (remittanceId) =>
        environment.client.workflow.getHandle(`remittance-${remittanceId}`).result() as Promise<RemittanceState>,
    );

    expect(state.status).toBe('COMPLETED');
    const keys = activities.instructRail.mock.calls.map(([request]) => request.key);
    expect(keys).toEqual([
      ...Array.from({ length: 4 }, () => `${state.remittanceId}:collect`),
      `${state.remittanceId}:payout`,
    ]);
    expect(activities.railInstructionStatus).toHaveBeenCalledTimes(1);
  });
});
