/** @isolated its own Temporal test server; activity doubles instead of stores */
import { randomBytes, randomUUID } from 'node:crypto';

import { Client, type WorkflowClientInterceptor } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { type ActivityInterceptorsFactory, type InjectedSinks, Worker } from '@temporalio/worker';

import {
  childTraceParent,
  TRACE_HEADER,
  type TracingSinks,
  type WorkflowRun,
  workflowSpanId,
} from '../../src/domain/trace-context';
import { transferWorkflowId } from '../../src/domain/temporal';
import { DEFAULT_SAGA_TIMINGS } from '../../src/domain/transfer';
import { transferSaga } from '../../src/workflows';
import { activityDoubles } from '../support/saga-harness';
import { createTimeSkippingEnvironment } from '../support/time-skipping';
import { workflowBundle } from '../support/workflow-bundle';

/** What the worker saw: each activity's trace header, and each run the workflows reported to the sink. */
interface Seen {
  activityTraceParents: Array<string | undefined>;
  runs: WorkflowRun[];
}

/**
 * The workflow side of tracing (src/workflows/trace-propagation.ts), in the run's workflow bundle: a saga
 * started in a trace hands every step a child of its own run's span, whose id the run id decides, and
 * reports that span once; a saga started outside a trace hands nothing on and reports nothing.
 */
describe('trace propagation inside the workflows', () => {
  let environment: TestWorkflowEnvironment;
  beforeAll(async () => {
    environment = await createTimeSkippingEnvironment();
  });
  afterAll(() => environment?.teardown());

  async function runSaga(traceparent?: string): Promise<Seen & { runId: string }> {
    const seen: Seen = { activityTraceParents: [], runs: [] };
    const recordHeaders: ActivityInterceptorsFactory = () => ({
      inbound: {
        execute: (input, next) => {
          const header = input.headers[TRACE_HEADER];
          seen.activityTraceParents.push(
            header ? defaultPayloadConverter.fromPayload<{ traceparent: string }>(header).traceparent : undefined,
          );
          return next(input);
        },
      },
    });
    const sinks: InjectedSinks<TracingSinks> = {
      tracing: { workflowRan: { fn: (_info, run) => void seen.runs.push(run) } },
    };
    const taskQueue = `trace-${randomUUID()}`;
    const worker = await Worker.create({
      connection: environment.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: activityDoubles(),
      interceptors: { activity: [recordHeaders] },
      sinks,
    });
    // What Temporal's OpenTelemetry client interceptor does for a traced caller.
    const traced: WorkflowClientInterceptor = {
      start: (input, next) =>
        next(
          traceparent
            ? {
                ...input,
                headers: { ...input.headers, [TRACE_HEADER]: defaultPayloadConverter.toPayload({ traceparent }) },
              }
            : input,
        ),
    };
    const client = new Client({ connection: environment.connection, interceptors: { workflow: [traced] } });
    const transferId = randomUUID();
    const runId = await worker.runUntil(async () => {
      const handle = await client.workflow.start(transferSaga, {
        taskQueue,
        workflowId: transferWorkflowId(transferId),
        args: [
          {
            transferId,
            fromAccountId: 'alice-eur',
            toAccountId: 'bob-eur',
            amount: 2_500,
            currency: 'EUR',
            requestedBy: 'alice',
            submittedAt: new Date(await environment.currentTimeMs()).toISOString(),
            timings: DEFAULT_SAGA_TIMINGS,
          },
        ],
      });
      expect((await handle.result()).status).toBe('COMPLETED');
      return handle.firstExecutionRunId;
    });
    return { ...seen, runId };
  }

  it('started in a trace, hands each step a child of its run span and reports that span once', async () => {
    const traceId = randomBytes(16).toString('hex');
    const caller = `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
    const { activityTraceParents, runs, runId } = await runSaga(caller);

    const runSpan = workflowSpanId(runId);
    expect(activityTraceParents.length).toBeGreaterThanOrEqual(4);
    expect(new Set(activityTraceParents)).toEqual(new Set([`00-${traceId}-${runSpan}-01`]));
    expect(runs).toEqual([
      expect.objectContaining({ parent: caller, spanId: runSpan, workflowType: 'transferSaga', runId, failed: false }),
    ]);
    expect(runs[0]!.endTimeMs).toBeGreaterThanOrEqual(runs[0]!.startTimeMs);
  });

  it('started outside a trace, hands nothing on and reports nothing', async () => {
    const { activityTraceParents, runs } = await runSaga();
    expect(activityTraceParents.length).toBeGreaterThanOrEqual(4);
    expect(activityTraceParents.every((traceParent) => traceParent === undefined)).toBe(true);
    expect(runs).toEqual([]);
  });
});

describe('trace context', () => {
  it('derives a run span id from the run id alone: the same for the same run, another for another', () => {
    const runId = randomUUID();
    expect(workflowSpanId(runId)).toMatch(/^[0-9a-f]{16}$/);
    expect(workflowSpanId(runId)).toBe(workflowSpanId(runId));
    expect(workflowSpanId(randomUUID())).not.toBe(workflowSpanId(runId));
  });

  it("replaces the parent's span id and keeps its trace id and flags; refuses a malformed traceparent", () => {
    const parent = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;
    expect(childTraceParent(parent, 'c'.repeat(16))).toBe(`00-${'a'.repeat(32)}-${'c'.repeat(16)}-01`);
    expect(childTraceParent('00-not-a-trace-01', 'c'.repeat(16))).toBeUndefined();
  });
});
