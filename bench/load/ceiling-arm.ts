import { randomUUID } from 'node:crypto';

import type { Client, WorkflowExecutionDescription } from '@temporalio/client';

import { driveOpenLoop } from './arrivals';
import { mapWithConcurrency, sleep } from './async';
import type { ceilingWorkflow } from './ceiling/workflow';
import { DRAIN_TIMEOUT_MS, errorSamples, perSecond, type RateMeasurement, transferInput } from './measurement';
import type { CpuMeter } from './process-cpu';
import type { BenchAccount } from './service-under-test';
import { percentiles } from './stats';

const START_TIMEOUT_MS = 30_000;
/** Describes in flight at once while waiting for the workflows to close: quick, without loading the server. */
const DESCRIBE_CONCURRENCY = 8;
const POLL_MS = 500;

/**
 * Starts `rate` ceiling workflows a second for `seconds` on the ceiling's task queue, waits until they
 * close, and reads start → close from Temporal's own timestamps of each execution.
 */
export async function measureCeiling(
  temporal: Client,
  taskQueue: string,
  accounts: BenchAccount[],
  rate: number,
  seconds: number,
  meter: CpuMeter,
): Promise<RateMeasurement> {
  const run = randomUUID().slice(0, 8);
  meter.start();
  const arrivals = await driveOpenLoop(rate, seconds, async (index) => {
    const workflowId = `bench-ceiling-${run}-${index}`;
    const input = transferInput(accounts, index);
    try {
      await temporal.connection.withDeadline(Date.now() + START_TIMEOUT_MS, () =>
        temporal.workflow.start<typeof ceilingWorkflow>('ceilingWorkflow', { taskQueue, workflowId, args: [input] }),
      );
      return { workflowId };
    } catch (error) {
      return { detail: (error as Error).message };
    }
  });
  const workflowIds = arrivals.arrivals.flatMap((arrival) => arrival.outcome.workflowId ?? []);
  const closed = await waitUntilClosed(temporal, workflowIds, DRAIN_TIMEOUT_MS);
  const cpuSeconds = meter.stop();

  const completed = closed.filter((execution) => execution.status.name === 'COMPLETED');
  const endedOtherwise = closed.filter((execution) => execution.status.name !== 'COMPLETED');
  const starts = completed.map((execution) => execution.startTime.getTime());
  const closes = completed.map((execution) => (execution.closeTime as Date).getTime());
  const failedStarts = arrivals.arrivals.flatMap((arrival) => arrival.outcome.detail ?? []);
  return {
    arm: 'ceiling',
    offeredRate: rate,
    seconds,
    sent: arrivals.arrivals.length,
    accepted: workflowIds.length,
    errors: failedStarts.length,
    errorSamples: errorSamples([
      ...failedStarts,
      ...endedOtherwise.map((execution) => `ended ${execution.status.name}`),
    ]),
    completed: completed.length,
    endedOtherwise: endedOtherwise.length,
    leftOver: workflowIds.length - closed.length,
    completedPerSecond: perSecond(
      completed.length,
      starts.length > 0 ? Math.min(...starts) : null,
      closes.length > 0 ? Math.max(...closes) : null,
    ),
    latencyMs: percentiles(
      completed.map((execution) => (execution.closeTime as Date).getTime() - execution.startTime.getTime()),
    ),
    callMs: percentiles(arrivals.arrivals.map((arrival) => arrival.answerMs)),
    driverMaxLateMs: arrivals.maxLateMs,
    cpuSeconds,
  };
}

/**
 * Describes the workflows until every one has closed or `timeoutMs` ran out; answers the closed ones.
 * Polled only after the last start, so the polling does not load the server while the rate is offered.
 */
async function waitUntilClosed(
  temporal: Client,
  workflowIds: string[],
  timeoutMs: number,
): Promise<WorkflowExecutionDescription[]> {
  const deadline = Date.now() + timeoutMs;
  const closed: WorkflowExecutionDescription[] = [];
  let open = workflowIds;
  while (open.length > 0) {
    // A describe that fails is asked again on the next pass, like one still running.
    const described = await mapWithConcurrency(open, DESCRIBE_CONCURRENCY, (workflowId) =>
      temporal.workflow
        .getHandle(workflowId)
        .describe()
        .catch(() => undefined),
    );
    const stillOpen = new Set(open);
    for (const execution of described) {
      if (execution?.closeTime === undefined) continue;
      closed.push(execution);
      stillOpen.delete(execution.workflowId);
    }
    open = [...stillOpen];
    if (open.length === 0 || Date.now() > deadline) break;
    await sleep(POLL_MS);
  }
  return closed;
}
