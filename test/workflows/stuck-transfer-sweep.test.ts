/** @isolated its own Temporal test server; activity doubles instead of stores */
import { randomUUID } from 'node:crypto';

import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';

import type { TransferRow } from '../../src/ledger/ledger-reads';
import { stuckTransferSweep } from '../../src/workflows';
import { activityDoubles } from '../support/saga-harness';
import { createTimeSkippingEnvironment, startOnceRunning } from '../support/time-skipping';
import { workflowBundle } from '../support/workflow-bundle';

const row = (transferId: string): TransferRow => ({
  transferId,
  fromAccountId: 'alice-eur',
  toAccountId: 'bob-eur',
  amount: 700,
  currency: 'EUR',
  memo: null,
  requestedBy: 'alice',
  status: 'PENDING',
  step: 'settle',
  riskDecision: null,
  riskScore: null,
  failureReason: null,
  submittedAt: '2026-11-22T00:00:00.000Z',
  settledAt: null,
  updatedAt: '2026-11-22T00:00:00.000Z',
});

describe('stuckTransferSweep', () => {
  let environment: TestWorkflowEnvironment;
  beforeAll(async () => {
    environment = await createTimeSkippingEnvironment();
  });
  afterAll(() => environment?.teardown());

  it('hands unfinished transfers whose saga is gone to syncCompensation and alerts once each, leaving running sagas alone', async () => {
    const orphan = randomUUID();
    const running = randomUUID();
    const activities = activityDoubles();
    activities.findUnfinishedTransfers.mockResolvedValue([row(orphan), row(running)]);
    activities.isSagaRunning.mockImplementation(async (transferId) => transferId === running);
    const taskQueue = `test-${randomUUID()}`;
    const worker = await Worker.create({
      connection: environment.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities,
    });

    const outcome = await worker.runUntil(async () => {
      const sweep = await startOnceRunning(environment, stuckTransferSweep, {
        taskQueue,
        workflowId: `sweep-${randomUUID()}`,
      });
      const result = await sweep.result();
      await environment.client.workflow.getHandle(`sync-${orphan}`).result();
      return result;
    });

    expect(outcome.handedOver).toEqual([orphan]);
    expect(activities.findUnfinishedTransfers).toHaveBeenCalledWith(10 * 60_000);
    expect(activities.repairTransfer).toHaveBeenCalledWith(
      expect.objectContaining({ transferId: orphan, source: 'stuckTransferSweep' }),
    );
    const titles = activities.alertOperators.mock.calls.map(([alert]) => alert.title);
    expect(titles.filter((title) => title.startsWith('Stuck transfer'))).toHaveLength(1);
  });
});
