/**
 * @runs-first a minute of it waits out the outage, while the isolated files run on the other worker
 * @disrupts it stops Kafka
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

import type { TransferEventEnvelope } from '../../src/domain/events';
import { eventually } from '../../harness/eventually';
import { readEventsBetween, topicMarks } from '../../harness/topic-records';
import { ServiceHarness } from '../support/service-harness';

const REPO_ROOT = join(__dirname, '..', '..');
const OUTAGE_MS = 60_000;

/** Stops or starts the local stack's Kafka with its data, as an outage and its end. */
const kafka = (command: 'up' | 'down') =>
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/stack/index.ts', command, 'kafka'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });

describe('a Kafka outage of a minute', () => {
  let service: ServiceHarness;
  beforeAll(async () => {
    service = await ServiceHarness.start();
  });
  afterAll(async () => {
    kafka('up');
    await service?.stop();
  });

  it('stops no process and no saga: transfers complete, and each event reaches Kafka once afterwards, in per-sender order', async () => {
    const senders = await Promise.all(
      ['a', 'b', 'c'].map(async (name) => ({
        owner: `outage-${name}`,
        accountId: await service.openAccount(`outage-${name}`, 100_000),
      })),
    );
    const receiver = await service.openAccount('outage-receiver', 0);
    const before = await topicMarks(service.dependencies.kafka);

    kafka('down');
    const downAt = Date.now();
    const transferIds: string[] = [];
    for (let round = 0; round < 4; round += 1) {
      for (const sender of senders) {
        const answer = await service.submit(sender.owner, {
          fromAccountId: sender.accountId,
          toAccountId: receiver,
          amount: 100 + round,
        });
        expect(answer.status).toBe(202);
        transferIds.push(answer.body.transferId);
      }
    }
    const statuses = await service.waitForTerminal(transferIds, 30_000);
    expect([...statuses.values()].every((status) => status === 'COMPLETED')).toBe(true);
    expect(Date.now() - downAt).toBeLessThan(OUTAGE_MS);
    expect((await service.request('GET', '/readyz')).status).toBe(503);
    const ready = await fetch(`${service.api.adminUrl}/readyz`);
    expect(ready.status).toBe(503);
    const { dependencies } = (await ready.json()) as { dependencies: Record<string, string> };
    expect(dependencies.kafka).not.toBe('ok');
    expect(dependencies.postgres).toBe('ok');

    // The events wait in the outbox, and the admin port's /metrics says how long the oldest has waited.
    const metrics = await (await fetch(`${service.api.adminUrl}/metrics`)).text();
    const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(gauge('transfer_saga_outbox_lag_seconds')).toBeGreaterThan(0);
    expect(gauge('transfer_saga_outbox_pending')).toBeGreaterThanOrEqual(transferIds.length * 4);
    await new Promise((wake) => setTimeout(wake, OUTAGE_MS - (Date.now() - downAt)));
    expect(service.worker.crashed).toBeUndefined();
    kafka('up');

    // Every event of these transfers leaves the outbox once Kafka is back.
    const { rows: outbox } = await eventually(
      async () => {
        const result = await service.dependencies.postgres.query<{ eventId: string; publishedAt: Date | null }>(
          `SELECT event_id AS "eventId", published_at AS "publishedAt" FROM outbox
           WHERE payload->>'transferId' = ANY($1) ORDER BY id`,
          [transferIds],
        );
        return result.rows.every((row) => row.publishedAt !== null) ? result : undefined;
      },
      120_000,
      'publishing the outbox',
    );
    expect(outbox).toHaveLength(transferIds.length * 4);
    const after = await topicMarks(service.dependencies.kafka);
    const events = (await readEventsBetween(service.dependencies.kafka, before, after)).filter(
      (event): event is TransferEventEnvelope => 'transferId' in event && transferIds.includes(event.transferId),
    );
    const distinct = new Map(events.map((event) => [event.eventId, event]));
    for (const transferId of transferIds) {
      const types = [...distinct.values()]
        .filter((event) => event.transferId === transferId)
        .map((event) => event.type);
      expect(types.sort()).toEqual([
        'transfer.approved',
        'transfer.completed',
        'transfer.created',
        'transfer.initiated',
      ]);
    }
    // Per sender and topic, Kafka has the events in the order their changes committed (the outbox's order).
    for (const sender of senders) {
      const ours = new Set(
        transferIds.filter((id) => distinct.get(`${id}:transfer.initiated`)?.data.fromAccountId === sender.accountId),
      );
      for (const topic of ['transfer.initiated', 'transfer.created', 'transfer.completed'] as const) {
        const committed = outbox
          .map((row) => row.eventId.split(':'))
          .filter(([id, type]) => type === topic && ours.has(id as string))
          .map(([id]) => id);
        const arrived = uniqueInOrder(events.filter((event) => event.type === topic && ours.has(event.transferId)));
        expect(arrived).toEqual(committed);
      }
    }
    // Back to ready, and the service processes were never restarted.
    await eventually(
      async () => ((await service.request('GET', '/readyz')).status === 200 ? true : undefined),
      60_000,
      'readiness',
    );
    expect(service.worker.crashed).toBeUndefined();
  }, 300_000);
});

/** Transfer ids in the order their first copy arrived (a re-sent copy later is dropped, as consumers do). */
function uniqueInOrder(events: TransferEventEnvelope[]): string[] {
  const seen: string[] = [];
  for (const event of events) if (!seen.includes(event.transferId)) seen.push(event.transferId);
  return seen;
}
