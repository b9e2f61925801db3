import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { eventually } from '../../harness/eventually';
import { freePort } from '../../harness/free-port';
import { ServiceProcess } from '../../harness/worker-process';
import { ServiceHarness } from '../support/service-harness';

/** The stack's Zipkin (`npm run stack -- up --with-observability`): its collector and its query API. */
const ZIPKIN_URL = process.env.ZIPKIN_URL ?? 'http://127.0.0.1:9411';

interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string;
  name: string;
  kind?: string;
  localEndpoint?: { serviceName?: string };
}

/** What an OTLP/HTTP exporter posts, as JSON, as far as this test reads it. */
interface OtlpExport {
  resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: Array<{ traceId: string; name: string }> }> }>;
}

/** A W3C traceparent for a trace of the test's own, as a caller that propagates its trace sends it. */
function callerTrace(): { traceId: string; parentSpanId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  const parentSpanId = randomBytes(8).toString('hex');
  return { traceId, parentSpanId, traceparent: `00-${traceId}-${parentSpanId}-01` };
}

async function zipkinTrace(traceId: string): Promise<ZipkinSpan[]> {
  const response = await fetch(`${ZIPKIN_URL}/api/v2/trace/${traceId}`);
  return response.status === 200 ? ((await response.json()) as ZipkinSpan[]) : [];
}

/**
 * Issue 15's traces, through the real stack: with OTEL_EXPORTER_ZIPKIN_ENDPOINT set, the API and the
 * worker process (worker, relay, consumers) export spans to Zipkin, and one transfer's trace, fetched
 * from Zipkin's query API, holds the API's request, the workflow start and run, every step, the stores'
 * calls, the relay's publish and a consumer's handling, as one tree under the caller's trace id. The id
 * is in the logs and in a refusal's problem document.
 */
describe('one trace per transfer, from the REST call to the consumers', () => {
  let service: ServiceHarness;
  let api: ServiceProcess;
  let apiUrl: string;

  beforeAll(async () => {
    const traced = { OTEL_EXPORTER_ZIPKIN_ENDPOINT: `${ZIPKIN_URL}/api/v2/spans` };
    // The worker, relay and consumers run traced in the harness's child process; the API, which the
    // harness runs inside jest, runs traced in a process of its own.
    service = await ServiceHarness.start(traced);
    const port = await freePort();
    api = await ServiceProcess.start(['api'], { ...service.env, ...traced, PORT: String(port) });
    apiUrl = `http://127.0.0.1:${port}/v1`;
  });
  afterAll(async () => {
    await api?.stop();
    await service?.stop();
  });

  /** A transfer the API refuses (a negative amount), sent in the caller's trace. */
  const submitInvalid = (url: string, traceparent: string) =>
    fetch(`${url}/transfers`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${service.token('traced-nobody', 'USER')}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
        traceparent,
      },
      body: JSON.stringify({ fromAccountId: 'nowhere', toAccountId: 'nowhere-else', amount: -5, currency: 'EUR' }),
    });

  it('has spans from the API, the saga, each step, the stores, the relay and a consumer under one trace id', async () => {
    const owner = `traced-${randomUUID().slice(0, 6)}`;
    const from = await service.openAccount(owner, 1_000);
    const to = await service.openAccount(`${owner}-payee`, 0);
    const caller = callerTrace();
    const submitted = await fetch(`${apiUrl}/transfers`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${service.token(owner, 'USER')}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
        traceparent: caller.traceparent,
      },
      body: JSON.stringify({ fromAccountId: from, toAccountId: to, amount: 25, currency: 'EUR' }),
    });
    expect(submitted.status).toBe(202);
    const { transferId } = (await submitted.json()) as { transferId: string };
    expect((await service.waitForTerminal([transferId])).get(transferId)).toBe('COMPLETED');

    const wanted = [
      'post /v1/transfers',
      'startworkflow:transfersaga',
      'runworkflow:transfersaga',
      'runactivity:reservefunds',
      'runactivity:recordtransfer',
      'runactivity:evaluaterisk',
      'runactivity:settletransfer',
      'publish transfer.completed',
      'process transfer.completed',
    ];
    const spans = await eventually(
      async () => {
        const found = await zipkinTrace(caller.traceId);
        const names = new Set(found.map((span) => span.name));
        return wanted.every((name) => names.has(name)) ? found : undefined;
      },
      30_000,
      `Zipkin holding a trace with ${wanted.join(', ')}`,
    );

    const services = new Set(spans.map((span) => span.localEndpoint?.serviceName));
    expect(services).toEqual(new Set(['transfer-saga-api', 'transfer-saga-worker+relay+consumers']));
    // The stores' calls inside the steps: PostgreSQL queries and Redis's Lua holds.
    expect(spans.some((span) => span.name.startsWith('pg.query'))).toBe(true);
    expect(spans.some((span) => span.name === 'evalsha' || span.name === 'eval')).toBe(true);
    expect(spans.filter((span) => span.kind === 'PRODUCER').length).toBeGreaterThanOrEqual(4);
    // One tree: every span's parent is in the trace, but the first, whose parent is the caller's span.
    const ids = new Set(spans.map((span) => span.id));
    const orphans = spans.filter((span) => !ids.has(span.parentId ?? ''));
    expect(orphans.map((span) => [span.name, span.parentId])).toEqual([['post /v1/transfers', caller.parentSpanId]]);

    // The transfer can be found by its id: Zipkin's tag search answers this trace.
    const tagged = await fetch(
      `${ZIPKIN_URL}/api/v2/traces?annotationQuery=${encodeURIComponent(`transfer_saga.transfer_id=${transferId}`)}&lookback=3600000`,
    );
    const taggedTraces = (await tagged.json()) as ZipkinSpan[][];
    expect(taggedTraces.map((found) => found[0]?.traceId)).toEqual([caller.traceId]);

    // The log line that says the transfer was accepted carries the trace id.
    const accepted = api.log
      .split('\n')
      .find((line) => line.includes(transferId) && line.includes('transfer accepted'));
    expect(accepted && JSON.parse(accepted)).toMatchObject({ trace_id: caller.traceId });
  });

  it("puts the trace id into a 4xx problem document and the refusal's log line", async () => {
    const caller = callerTrace();
    const refused = await submitInvalid(apiUrl, caller.traceparent);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ field: 'body.amount', traceId: caller.traceId });
    await eventually(
      async () => (api.log.includes(`"trace_id":"${caller.traceId}"`) ? true : undefined),
      5_000,
      'the refusal logged with its trace id',
    );
  });

  it('exports its spans over OTLP/HTTP instead when OTEL_EXPORTER_OTLP_ENDPOINT names a collector', async () => {
    // A stand-in collector: OTLP/HTTP's contract is a POST of the spans (JSON here) to /v1/traces.
    const received: Array<{ traceId: string; name: string }> = [];
    const collector = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        if (request.method === 'POST' && request.url === '/v1/traces') {
          const { resourceSpans = [] } = JSON.parse(body) as OtlpExport;
          for (const { scopeSpans = [] } of resourceSpans)
            for (const { spans = [] } of scopeSpans) received.push(...spans);
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((listening) => collector.listen(0, '127.0.0.1', listening));
    const { port: collectorPort } = collector.address() as AddressInfo;
    const port = await freePort();
    const otlpApi = await ServiceProcess.start(['api'], {
      ...service.env,
      OTEL_EXPORTER_ZIPKIN_ENDPOINT: '',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collectorPort}`,
      PORT: String(port),
    });
    try {
      const caller = callerTrace();
      expect((await submitInvalid(`http://127.0.0.1:${port}/v1`, caller.traceparent)).status).toBe(400);
      const spans = await eventually(
        async () => {
          const ofTrace = received.filter((span) => span.traceId === caller.traceId);
          return ofTrace.some((span) => span.name === 'POST /v1/transfers') ? ofTrace : undefined;
        },
        20_000,
        'the request span reaching the OTLP collector',
      );
      expect(spans.length).toBeGreaterThan(0);
    } finally {
      await otlpApi.stop();
      collector.close();
    }
  });
});
