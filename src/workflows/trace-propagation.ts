/**
 * The workflow side of tracing, loaded into every workflow as an interceptor module (never exported
 * from index.ts). A workflow started in a trace (the header Temporal's OpenTelemetry client
 * interceptor writes) passes it on to every activity, local activity and child workflow under a span of
 * its own, whose id is derived from the run id, and reports that span once, when the run ends, through
 * the `tracing` sink; the worker records it (src/tracing.ts). A workflow started outside a trace is
 * left exactly as it runs without this module.
 *
 * Why not Temporal's own workflow interceptors: they load the OpenTelemetry SDK into the sandbox, and
 * the sandbox evaluates its modules afresh for every workflow, which cost about 8 ms of CPU per transfer
 * on 2 cores, traced or not (`npm run bench -- tracing`). These import nothing but the SDK.
 */
import {
  type ActivityInput,
  ContinueAsNew,
  defaultPayloadConverter,
  type LocalActivityInput,
  type Next,
  proxySinks,
  type StartChildWorkflowExecutionInput,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptorsFactory,
  type WorkflowOutboundCallsInterceptor,
  workflowInfo,
} from '@temporalio/workflow';

import { childTraceParent, TRACE_HEADER, type TracingSinks, workflowSpanId } from '../domain/trace-context';

type Headers = WorkflowExecuteInput['headers'];

const { tracing } = proxySinks<TracingSinks>();

function traceParentIn(headers: Headers): string | undefined {
  const header = headers[TRACE_HEADER];
  if (header === undefined) return undefined;
  const carrier = defaultPayloadConverter.fromPayload<{ traceparent?: unknown }>(header);
  return typeof carrier?.traceparent === 'string' ? carrier.traceparent : undefined;
}

/** The trace this run passes on (its own span's context), once `execute` has read the one it was started in. */
interface RunTrace {
  current?: string;
}

class TraceInbound implements WorkflowInboundCallsInterceptor {
  constructor(private readonly run: RunTrace) {}

  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const parent = traceParentIn(input.headers);
    if (parent === undefined) return next(input);
    const { runId, workflowId, workflowType, runStartTime } = workflowInfo();
    const spanId = workflowSpanId(runId);
    this.run.current = childTraceParent(parent, spanId);
    if (this.run.current === undefined) return next(input);
    const ended = (failed: boolean) =>
      tracing.workflowRan({
        parent,
        spanId,
        workflowType,
        workflowId,
        runId,
        startTimeMs: runStartTime.getTime(),
        endTimeMs: Date.now(),
        failed,
      });
    return next(input).then(
      (result) => {
        ended(false);
        return result;
      },
      (error: unknown) => {
        ended(!(error instanceof ContinueAsNew));
        throw error;
      },
    );
  }
}

class TraceOutbound implements WorkflowOutboundCallsInterceptor {
  constructor(private readonly run: RunTrace) {}

  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>) {
    return next({ ...input, headers: this.traced(input.headers) });
  }

  scheduleLocalActivity(
    input: LocalActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>,
  ) {
    return next({ ...input, headers: this.traced(input.headers) });
  }

  startChildWorkflowExecution(
    input: StartChildWorkflowExecutionInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>,
  ) {
    return next({ ...input, headers: this.traced(input.headers) });
  }

  private traced(headers: Headers): Headers {
    const traceparent = this.run.current;
    return traceparent === undefined
      ? headers
      : { ...headers, [TRACE_HEADER]: defaultPayloadConverter.toPayload({ traceparent }) };
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => {
  const run: RunTrace = {};
  return { inbound: [new TraceInbound(run)], outbound: [new TraceOutbound(run)] };
};
