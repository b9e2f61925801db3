/** @isolated its own Temporal test server; activity doubles instead of stores */
import { randomUUID } from 'node:crypto';

import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';

import { fixtureActivities } from '../fixtures/activities';
import { sleepTenMinutes } from '../fixtures/workflows';
import { createTimeSkippingEnvironment, startOnceRunning } from '../support/time-skipping';

describe('the time-skipping test server', () => {
  let environment: TestWorkflowEnvironment;
  beforeAll(async () => {
    environment = await createTimeSkippingEnvironment();
  });
  afterAll(() => environment?.teardown());

  it('lets a workflow sleep ten minutes of workflow time in a few seconds of real time', async () => {
    const taskQueue = `test-${randomUUID()}`;
    const worker = await Worker.create({
      connection: environment.nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('../fixtures/workflows'),
      activities: fixtureActivities,
    });
    const wallClockStart = Date.now();
    const workflowTimeSlept = await worker.runUntil(async () => {
      const handle = await startOnceRunning(environment, sleepTenMinutes, {
        taskQueue,
        workflowId: `test-sleep-${randomUUID()}`,
      });
      return handle.result();
    });
    expect(workflowTimeSlept).toBeGreaterThanOrEqual(10 * 60 * 1000);
    expect(Date.now() - wallClockStart).toBeLessThan(60 * 1000);
  });
});
