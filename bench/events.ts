import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import WebSocket from 'ws';

import { transferEvent } from '../src/domain/events';
import { ServiceHarness } from '../test/support/service-harness';

/**
 * Publish → WebSocket delivery latency: `rate` transfer.completed events a second for `seconds`,
 * published to Kafka the way the saga publishes them, received by a staff client of GET /v1/stream.
 * The path measured: Kafka → live-feed consumer (schema check, de-duplication, Redis append) → Redis
 * pub/sub → the API's stream hub → the socket. Synthetic events, because one worker settles about ten
 * real transfers a second (see the transfers benchmark), well under the rate asked for here.
 */
export async function events(rate: number, seconds: number): Promise<void> {
  const service = await ServiceHarness.start();
  const publishedAt = new Map<string, number>();
  const latencies: number[] = [];
  const token = service.token('bench-ops', 'OPS_AGENT');
  const socket = new WebSocket(`${service.api.url.replace('http', 'ws')}/v1/stream?access_token=${token}`);
  try {
    await new Promise<void>((open, failed) => {
      socket.once('open', () => open());
      socket.once('error', failed);
    });
    const total = rate * seconds;
    const allReceived = new Promise<void>((done) => {
      socket.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString('utf8')) as { type: string; id?: string };
        const sentAt = message.id === undefined ? undefined : publishedAt.get(message.id);
        if (message.type !== 'event' || sentAt === undefined) return;
        latencies.push(performance.now() - sentAt);
        if (latencies.length === total) done();
      });
    });

    const run = randomUUID().slice(0, 8);
    const started = performance.now();
    for (let n = 0; n < total; n++) {
      // Paced against the clock, so a slow publish is caught up rather than stretching the run.
      const due = started + (n * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((wake) => setTimeout(wake, wait));
      const event = transferEvent('transfer.completed', randomUUID(), new Date().toISOString(), {
        fromAccountId: `bench-events-${run}-${n % 50}`,
        toAccountId: `bench-events-${run}-${(n + 1) % 50}`,
        amount: 100,
        currency: 'EUR',
      });
      publishedAt.set(event.eventId, performance.now());
      void service.dependencies.events.publish(event);
    }
    const timeout = new Promise<void>((_, failed) =>
      setTimeout(() => failed(new Error(`only ${latencies.length} of ${total} events arrived`)), 60_000).unref(),
    );
    await Promise.race([allReceived, timeout]);

    const sorted = [...latencies].sort((a, b) => a - b);
    const at = (p: number) =>
      (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN).toFixed(1);
    console.log(`events published             ${total} at ${rate}/s for ${seconds} s`);
    console.log(`events delivered             ${latencies.length}`);
    console.log(`publish → WebSocket latency  p50 ${at(50)} ms, p99 ${at(99)} ms, max ${at(100)} ms`);
  } finally {
    socket.close();
    await service.stop();
  }
}
