/**
 * W3C trace context as the workflows pass it on, shared by both sides of the workflow sandbox: the
 * workflow interceptors (src/workflows/trace-propagation.ts) and the worker's sink that turns a
 * workflow's run into a span (src/tracing.ts). Pure: no OpenTelemetry here, so none enters the sandbox.
 */
import type { Sinks } from '@temporalio/workflow';

/** The header Temporal's OpenTelemetry client and activity interceptors read and write: `{ traceparent }` as JSON. */
export const TRACE_HEADER = '_tracer-data';

/** One workflow run, reported once when it ends, for the worker to record as its span. */
export interface WorkflowRun {
  /** The traceparent the workflow was started in: the span's parent. */
  parent: string;
  /** The span's own id, derived from the run id, which every activity the run scheduled has as its parent. */
  spanId: string;
  workflowType: string;
  workflowId: string;
  runId: string;
  startTimeMs: number;
  endTimeMs: number;
  failed: boolean;
}

export interface TracingSinks extends Sinks {
  tracing: { workflowRan(run: WorkflowRun): void };
}

const TRACE_PARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** `parent` with its span id replaced by `spanId`: the context a child of that span carries; undefined if malformed. */
export function childTraceParent(parent: string, spanId: string): string | undefined {
  const match = TRACE_PARENT.exec(parent);
  return match ? `00-${match[1]}-${spanId}-${match[3]}` : undefined;
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = 0xffffffffffffffffn;

/**
 * A span id for a workflow run: the 64-bit FNV-1a hash of its run id, as 16 hex digits. Derived, not
 * drawn, because a workflow may not draw randomness a recorded history did not (it would shift every
 * later draw), and the worker's sink must name the same id the run gave its activities.
 */
export function workflowSpanId(runId: string): string {
  let hash = FNV_OFFSET;
  for (let index = 0; index < runId.length; index++) {
    hash = ((hash ^ BigInt(runId.charCodeAt(index))) * FNV_PRIME) & MASK_64;
  }
  // All zeros is the invalid span id.
  return (hash === 0n ? 1n : hash).toString(16).padStart(16, '0');
}
