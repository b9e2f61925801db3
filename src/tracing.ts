/**
 * OpenTelemetry traces: one trace per transfer, from the HTTP request through the workflow start
 * (Temporal's client interceptor), the workflow run (src/workflows/trace-propagation.ts, recorded here
 * through its sink) and its activities (Temporal's activity interceptor), their PostgreSQL and Redis
 * calls, the outbox relay and Kafka, to each consumer. Off unless an exporter endpoint is configured; then nothing is
 * patched, no span is made, and the helpers below answer undefined, so tracing costs nothing when off.
 *
 * Started by src/instrument.ts before any instrumented library (http, express, pg, ioredis) loads:
 * the instrumentations patch those modules as they are required.
 */
import { context, propagation, type Span, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { Resource } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  type IdGenerator,
  ParentBasedSampler,
  RandomIdGenerator,
  type SpanExporter,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

import type { InjectedSinks } from '@temporalio/worker';

import type { TracingSettings } from './config';
import type { TracingSinks, WorkflowRun } from './domain/trace-context';

/** The process's tracing, once started. */
export interface Tracing {
  /** Where spans go: `otlp <endpoint>` or `zipkin <endpoint>`, for the start-up line. */
  exportsTo: string;
  shutdown(): Promise<void>;
}

let running: Tracing | undefined;

/** Paths whose requests are scraped or polled, not served to anyone: no trace for them. */
const UNTRACED_PATHS = ['/metrics', '/healthz', '/readyz'];

/**
 * Random ids, except for the one span whose id was decided elsewhere: a workflow run's, which its
 * activities already name as their parent (src/domain/trace-context.ts). `startSpan` asks for the id
 * synchronously, so the id set just before it is the one it takes.
 */
class SpanIds implements IdGenerator {
  private readonly random = new RandomIdGenerator();
  private decided: string | undefined;

  generateTraceId(): string {
    return this.random.generateTraceId();
  }

  generateSpanId(): string {
    const decided = this.decided;
    this.decided = undefined;
    return decided ?? this.random.generateSpanId();
  }

  decide(spanId: string): void {
    this.decided = spanId;
  }
}

const spanIds = new SpanIds();

/**
 * Registers the tracer provider, the W3C trace-context propagator and the instrumentations, once per
 * process. Answers undefined (and does nothing) when no exporter is configured.
 */
export function startTracing(settings: TracingSettings): Tracing | undefined {
  if (running || !settings.exporter) return running;
  const resource = new Resource({ [ATTR_SERVICE_NAME]: settings.serviceName });
  const { exporter } = settings;
  const spanExporter: SpanExporter =
    exporter.kind === 'otlp'
      ? new OTLPTraceExporter({ url: `${exporter.endpoint.replace(/\/$/, '')}/v1/traces` })
      : new ZipkinExporter({ url: exporter.endpoint });
  const spanProcessor = new BatchSpanProcessor(spanExporter);
  const provider = new NodeTracerProvider({
    resource,
    idGenerator: spanIds,
    spanProcessors: [spanProcessor],
    // A trace begun here is kept at the configured ratio; one a caller began keeps the caller's decision.
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.sampleRatio) }),
  });
  provider.register();
  const unpatch = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.some((path) => request.url?.startsWith(path)),
        // Outgoing calls outside any trace are the process's own housekeeping (Slack, JWKS refresh).
        requireParentforOutgoingSpans: true,
      }),
      // Route handlers only: a span per middleware or router would bury the one that matters.
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER] }),
      // Without a parent a query is the relay's or the sweep's polling: no trace of its own. Taking a
      // pooled connection is no work worth a span.
      new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
      // The command's name only: its arguments are account ids and amounts, which a trace has no need of.
      new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command }),
    ],
  });
  running = {
    exportsTo: `${exporter.kind} ${exporter.endpoint}`,
    // Flushes what is batched, then leaves the process as it was before (a test harness stops it so).
    shutdown: async () => {
      await provider.shutdown();
      unpatch();
      trace.disable();
      propagation.disable();
      context.disable();
      running = undefined;
    },
  };
  return running;
}

/** The process's tracing, when it was started. */
export function activeTracing(): Tracing | undefined {
  return running;
}

/** The trace id of the span in progress, for logs and problem documents; undefined outside a trace. */
export function currentTraceId(): string | undefined {
  const span = trace.getActiveSpan();
  return span?.isRecording() ? span.spanContext().traceId : undefined;
}

/** Names the transfer on the span in progress, so a trace can be found by transfer id. */
export function tagTransfer(transferId: string): void {
  trace.getActiveSpan()?.setAttribute('transfer_saga.transfer_id', transferId);
}

/** The current trace context as a W3C `traceparent`, to store beside an outbox row; null outside a trace. */
export function currentTraceParent(): string | null {
  if (!running) return null;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ?? null;
}

const tracer = (): Tracer => trace.getTracer('transfer-saga');

/** The context of a span in another process or a workflow, known by its W3C `traceparent`. */
const remoteParent = (traceParent: string) => propagation.extract(context.active(), { traceparent: traceParent });

/** A Kafka span's attributes, by OpenTelemetry's messaging conventions. */
const kafkaAttributes = (topic: string, group?: string) => ({
  'messaging.system': 'kafka',
  'messaging.destination.name': topic,
  ...(group === undefined ? {} : { 'messaging.consumer.group.name': group }),
});

/**
 * A PRODUCER span for each record of a batch published to Kafka, child of the trace stored with it (its
 * outbox row's `traceparent`): the headers that carry each on to its consumers (undefined for a record
 * of no trace, and for all while tracing is off), and `end`, once Kafka has answered for the batch.
 */
export function startPublishSpans(records: ReadonlyArray<{ topic: string; traceParent: string | null }>): {
  headers: Array<Record<string, string> | undefined>;
  end(error?: unknown): void;
} {
  const traced = records.map(({ topic, traceParent }) => {
    if (!running || !traceParent) return undefined;
    const parent = remoteParent(traceParent);
    const span = tracer().startSpan(
      `publish ${topic}`,
      { kind: SpanKind.PRODUCER, attributes: kafkaAttributes(topic) },
      parent,
    );
    const headers: Record<string, string> = {};
    propagation.inject(trace.setSpan(parent, span), headers);
    return { span, headers };
  });
  return {
    headers: traced.map((record) => record?.headers),
    end: (error) => {
      for (const record of traced) if (record) endSpan(record.span, error);
    },
  };
}

/** Ends a span, marked failed when `error` is given. */
function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : { message: JSON.stringify(error) });
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/**
 * Runs a consumer's handling of one record in a CONSUMER span, child of the producer span whose
 * `traceparent` the record carries; without tracing, or without the header, it just runs `handle`.
 */
export async function inConsumerSpan<T>(
  topic: string,
  group: string,
  traceParent: string | undefined,
  handle: () => Promise<T>,
): Promise<T> {
  if (!running || !traceParent) return handle();
  const parent = remoteParent(traceParent);
  const span = tracer().startSpan(
    `process ${topic}`,
    { kind: SpanKind.CONSUMER, attributes: kafkaAttributes(topic, group) },
    parent,
  );
  try {
    const result = await context.with(trace.setSpan(parent, span), handle);
    endSpan(span);
    return result;
  } catch (error) {
    endSpan(span, error);
    throw error;
  }
}

/** Records a workflow run as its span, under the id its activities name as their parent. */
function recordWorkflowRun(run: WorkflowRun): void {
  const parent = remoteParent(run.parent);
  spanIds.decide(run.spanId);
  const span = tracer().startSpan(
    `RunWorkflow:${run.workflowType}`,
    { startTime: run.startTimeMs, attributes: { temporalWorkflowId: run.workflowId, run_id: run.runId } },
    parent,
  );
  if (run.failed) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end(run.endTimeMs);
}

/**
 * The worker's `tracing` sink, registered whether traces are on or not (a workflow started in a trace
 * by a traced client reports to it either way): with traces off it records nothing.
 */
export function workflowTracingSinks(): InjectedSinks<TracingSinks> {
  return {
    tracing: {
      workflowRan: {
        fn: (_info, run) => {
          if (running) recordWorkflowRun(run);
        },
      },
    },
  };
}
