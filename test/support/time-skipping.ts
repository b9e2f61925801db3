import { join } from 'node:path';

import type { WorkflowHandleWithFirstExecutionRunId, WorkflowStartOptions } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Workflow } from '@temporalio/workflow';

import { loadConfig } from '../../src/config';

/**
 * The Java time-skipping test server is slower to boot on this size of machine than the SDK's
 * five-second start-up window, so `npm run stack -- up --with-test-server` starts it ahead of time
 * and the SDK is handed a stand-in executable that only checks it is there and waits.
 */
export function createTimeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  const { temporal } = loadConfig();
  return TestWorkflowEnvironment.createTimeSkipping({
    server: {
      port: temporal.testServerPort,
      executable: { type: 'existing-path', path: join(__dirname, '..', '..', 'scripts', 'await-test-server.sh') },
    },
  });
}

/**
 * Starts a workflow and returns once its first workflow task has completed. Awaiting a result
 * unlocks time skipping, and the test server then jumps to the next timer; a task that no worker
 * has picked up yet does not hold the clock, so without this wait the server can leap straight to
 * the ten-year execution timeout (it reliably does on a freshly started server).
 */
export async function startOnceRunning<W extends Workflow>(
  environment: TestWorkflowEnvironment,
  workflow: W,
  options: WorkflowStartOptions<W>,
): Promise<WorkflowHandleWithFirstExecutionRunId<W>> {
  const handle = await environment.client.workflow.start(workflow, options);
  for (;;) {
    const events = (await handle.fetchHistory()).events ?? [];
    if (events.some((event) => event.workflowTaskCompletedEventAttributes)) return handle;
    await new Promise((wake) => setTimeout(wake, 50));
  }
}
