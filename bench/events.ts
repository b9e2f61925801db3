import { performance } from 'node:perf_hooks';

import WebSocket from 'ws';

import type { StreamMessage } from '../src/api/feed-session';
import { loadConfig } from '../src/config';
import { migrate } from '../src/db/migrate';
import { createDependencies } from '../src/dependencies';
import { createLogger } from '../src/logger';
import { driveOpenLoop } from './load/arrivals';
import { sleep, wallClockMs, withTimeout } from './load/async';
import { accountsFor, DRAIN_TIMEOUT_MS, TRANSFER_AMOUNT } from './load/measurement';
import { writeJsonResult } from './load/results';
import { ServiceUnderTest } from './load/service-under-test';
import { settlementTimes, waitUntilTerminal } from './load/settlements';
import { percentiles } from './load/stats';

const ACCOUNTS = 50;
const INITIAL_BALANCE = 1_000_000_000_000;
/** How long transfer.completed may take to reach the socket after the last transfer settled. */
const DELIVERY_TIMEOUT_MS = 60_000;
const CONNECT_TIMEOUT_MS = 10_000;
const MAX_RATE = 500;
const MAX_SECONDS = 300;

/**
 * Settlement → WebSocket latency with real transfers: `rate` transfers a second for `seconds`, submitted
 * open-loop through POST /v1/transfers to the all-roles service process, and a staff client of
 * GET /v1/stream that notes when each one's transfer.completed arrives. Measured from the settlement's
 * own timestamp (PostgreSQL transactions.settled_at) to the frame's arrival, both on this machine's clock:
 * the path is the outbox, the relay, Kafka, the live-feed consumer, Redis and the API's stream hub.
 */
export async function events(rate: number, seconds: number): Promise<void> {
  if (!(rate > 0 && rate <= MAX_RATE) || !(seconds >= 1 && seconds <= MAX_SECONDS)) {
    throw new Error(`usage: events [rate in (0, ${MAX_RATE}]] [seconds in [1, ${MAX_SECONDS}]]`);
  }
  const config = loadConfig();
  const logger = createLogger('warn');
  await migrate(config, logger);
  const dependencies = await createDependencies(config, logger);
  let service: ServiceUnderTest | undefined;
  let socket: WebSocket | undefined;
  try {
    const running = await ServiceUnderTest.start();
    service = running;
    const accounts = await running.openAccounts(ACCOUNTS, INITIAL_BALANCE);
    // Every transfer.completed is noted, ours or not: one may arrive before its POST has answered.
    const receivedAtMs = new Map<string, number>();
    const stream = new WebSocket(
      `${running.url.replace('http', 'ws')}/v1/stream?access_token=${running.token('bench-ops', 'OPS_AGENT')}`,
    );
    socket = stream;
    stream.on('message', (data: Buffer) => {
      // The arrival time first, before parsing costs anything.
      const at = wallClockMs();
      const message = JSON.parse(data.toString('utf8')) as StreamMessage;
      if (message.type !== 'event' || message.event.type !== 'transfer.completed') return;
      if (!receivedAtMs.has(message.event.transferId)) receivedAtMs.set(message.event.transferId, at);
    });
    let streamError: Error | undefined;
    stream.on('error', (error) => (streamError = error));
    const opened = new Promise<boolean>((open) => {
      stream.once('open', () => open(true));
      stream.once('close', () => open(false));
    });
    if (!(await withTimeout(opened, CONNECT_TIMEOUT_MS, () => false))) {
      throw new Error(`GET /v1/stream did not open: ${streamError?.message ?? 'timed out'}`);
    }

    const started = performance.now();
    const run = await driveOpenLoop(rate, seconds, (index) => {
      const { from, to } = accountsFor(accounts, index);
      return running.submitTransfer(from, to, TRANSFER_AMOUNT);
    });
    const transferIds = run.arrivals.flatMap((arrival) => arrival.outcome.transferId ?? []);
    const outcomes = await waitUntilTerminal(dependencies.postgres, transferIds, DRAIN_TIMEOUT_MS);
    const times = await settlementTimes(dependencies.postgres, transferIds);
    const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
    while ([...times.settledAtMs.keys()].some((id) => !receivedAtMs.has(id)) && Date.now() < deadline && !streamError) {
      await sleep(100);
    }

    const latencies = [...times.settledAtMs].flatMap(([id, settledMs]) => {
      const receivedMs = receivedAtMs.get(id);
      return receivedMs === undefined ? [] : [receivedMs - settledMs];
    });
    const latencyMs = percentiles(latencies);
    const refused = run.arrivals.filter((arrival) => arrival.outcome.status !== 202).length;
    const figure = (value: number | null) => (value === null ? 'n/a' : `${value.toFixed(1)} ms`);
    console.log(`transfers offered            ${run.arrivals.length} at ${rate}/s for ${seconds} s (open loop)`);
    console.log(`accepted / refused           ${transferIds.length} / ${refused}`);
    console.log(`COMPLETED / not terminal     ${times.settledAtMs.size} / ${outcomes.leftOver.length}`);
    console.log(`transfer.completed arrived   ${latencies.length} of ${times.settledAtMs.size}`);
    if (streamError) console.log(`the stream failed            ${streamError.message}`);
    console.log(
      `settled_at → WebSocket       p50 ${figure(latencyMs.p50)}, p95 ${figure(latencyMs.p95)}, ` +
        `p99 ${figure(latencyMs.p99)}, max ${figure(latencyMs.max)}`,
    );
    const path = await writeJsonResult('events', {
      benchmark: 'events',
      date: new Date().toISOString().slice(0, 10),
      options: { rate, seconds, accounts: ACCOUNTS, transferAmount: TRANSFER_AMOUNT },
      offered: run.arrivals.length,
      accepted: transferIds.length,
      refused,
      completed: times.settledAtMs.size,
      leftOver: outcomes.leftOver.length,
      delivered: latencies.length,
      streamError: streamError?.message ?? null,
      settledToWebSocketMs: latencyMs,
      driverMaxLateMs: run.maxLateMs,
      elapsedSeconds: (performance.now() - started) / 1000,
    });
    console.log(`wrote ${path}`);
  } finally {
    socket?.close();
    await service?.stop();
    await dependencies.close();
  }
}
