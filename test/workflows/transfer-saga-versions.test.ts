/** @isolated its own Temporal test server; activity doubles instead of stores */
import { execSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';

import { reviewUpdate, statusQuery, transferSaga } from '../../src/workflows';
import { activityDoubles, assessment, publishedTypes, SagaHarness } from '../support/saga-harness';
import { startOnceRunning } from '../support/time-skipping';
import { quietLogger } from '../support/quiet';

/** main as it was before the fast path: its sagas may still be running when the new worker deploys. */
const BEFORE_FAST_PATH = '05609a05ce6ce584c4658a93fee67bbf7d2ab23b';
const REPO_ROOT = join(__dirname, '..', '..');

describe('transferSaga across versions', () => {
  let harness: SagaHarness;
  let before: WorkflowBundle;
  let checkout: string;
  beforeAll(async () => {
    harness = await SagaHarness.create();
    // The workflow code of that commit, built as its worker built it.
    checkout = mkdtempSync(join(tmpdir(), 'saga-before-fast-path-'));
    execSync(`git archive ${BEFORE_FAST_PATH} src | tar -x -C ${checkout}`, { cwd: REPO_ROOT });
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(checkout, 'node_modules'));
    before = await bundleWorkflowCode({ workflowsPath: join(checkout, 'src', 'workflows'), logger: quietLogger });
  });
  afterAll(async () => {
    await harness?.teardown();
    if (checkout) rmSync(checkout, { recursive: true, force: true });
  });

  it('a saga started by the code before the fast path waits in review, then finishes on the new worker', async () => {
    const activities = activityDoubles();
    activities.evaluateRisk.mockResolvedValue(assessment('REVIEW', 0.6, ['large amount']));
    const input = await harness.input();
    const taskQueue = `test-${randomUUID()}`;
    const workflowId = `transfer-${input.transferId}`;

    const old = await harness.worker(activities, taskQueue, { bundle: before, stoppedHalfway: true });
    const handle = await old.runUntil(async () => {
      const started = await startOnceRunning(harness.environment, transferSaga, {
        taskQueue,
        workflowId,
        args: [input],
      });
      while ((await started.query(statusQuery)).status !== 'UNDER_REVIEW') {
        await new Promise((wake) => setTimeout(wake, 50));
      }
      return started;
    });
    // The old worker is gone; the new one replays the saga's history and takes the decision.
    const current = await harness.worker(activities, taskQueue);
    const result = await current.runUntil(async () => {
      await handle.executeUpdate(reviewUpdate, {
        args: [{ decision: 'APPROVE', reason: 'known customer', reviewer: 'ops-1' }],
      });
      return handle.result();
    });

    expect(result.status).toBe('COMPLETED');
    expect(result.history.map((change) => change.status)).toEqual(['PENDING', 'UNDER_REVIEW', 'COMPLETED']);
    expect(activities.settleTransfer).toHaveBeenCalledTimes(1);
    // It goes on as it began: its own publish steps, now outbox writes, as before the fast path.
    expect(publishedTypes(activities)).toEqual([
      'transfer.initiated',
      'transfer.created',
      'transfer.flagged',
      'transfer.approved',
      'transfer.completed',
    ]);
  });
});
