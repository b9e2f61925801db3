import { randomUUID } from 'node:crypto';

import { loadConfig } from '../../src/config';
import { migrate } from '../../src/db/migrate';
import { createDependencies, type Dependencies } from '../../src/dependencies';
import { type TransferEventEnvelope, transferEvent } from '../../src/domain/events';
import { writeEvent } from '../../src/events/outbox';
import { ensureTopics } from '../../src/events/publisher';
import { createLogger } from '../../src/logger';
import { readEventsBetween, topicMarks } from '../../harness/topic-records';
import { ServiceProcess } from '../../harness/worker-process';

const EVENTS = 240;
const SENDERS = 4;

describe('several outbox relays at once', () => {
  let dependencies: Dependencies;
  const relays: ServiceProcess[] = [];
  beforeAll(async () => {
    const config = loadConfig();
    const logger = createLogger('warn');
    await migrate(config, logger);
    dependencies = await createDependencies(config, logger);
    await ensureTopics(dependencies.kafkaAdmin, config.kafka.partitions);
  });
  afterAll(async () => {
    for (const relay of relays) await relay.stop('SIGKILL');
    await dependencies?.close();
  });

  it('publish every row, per sender in the order written, while the relays are killed one after another', async () => {
    // Two relays; a third, which purges at once, joins after the first is killed. Killing the first and
    // then the second hits whichever leads at least once.
    relays.push(await ServiceProcess.start(['relay'], process.env), await ServiceProcess.start(['relay'], process.env));
    const run = randomUUID().slice(0, 8);
    const senders = Array.from({ length: SENDERS }, (_, n) => `relay-${run}-${n}`);
    const before = await topicMarks(dependencies.kafka);

    const written: TransferEventEnvelope[] = [];
    for (let n = 0; n < EVENTS; n += 1) {
      const event = transferEvent('transfer.completed', randomUUID(), new Date().toISOString(), {
        fromAccountId: senders[n % SENDERS] as string,
        toAccountId: `relay-${run}-receiver`,
        amount: n + 1,
        currency: 'EUR',
      });
      await writeEvent(dependencies.postgres, event);
      written.push(event);
      if (n === EVENTS / 3) {
        await relays[0]?.stop('SIGKILL');
        const env = { ...process.env, OUTBOX_RETENTION_MS: '1', OUTBOX_PURGE_EVERY_MS: '500' };
        relays.push(await ServiceProcess.start(['relay'], env));
      }
      if (n === (2 * EVENTS) / 3) await relays[1]?.stop('SIGKILL');
      await new Promise((wake) => setTimeout(wake, 15));
    }

    const ids = written.map((event) => event.eventId);
    const pending = async () =>
      (
        await dependencies.postgres.query(`SELECT 1 FROM outbox WHERE event_id = ANY($1) AND published_at IS NULL`, [
          ids,
        ])
      ).rowCount;
    const deadline = Date.now() + 60_000;
    while ((await pending()) !== 0 && Date.now() < deadline) await new Promise((wake) => setTimeout(wake, 250));
    expect(await pending()).toBe(0);

    const received = (await readEventsBetween(dependencies.kafka, before, await topicMarks(dependencies.kafka))).filter(
      (event): event is TransferEventEnvelope => 'transferId' in event && ids.includes(event.eventId),
    );
    expect(new Set(received.map((event) => event.eventId)).size).toBe(EVENTS);
    for (const sender of senders) {
      const inOrder = written.filter((event) => event.data.fromAccountId === sender).map((event) => event.eventId);
      const firstSeen = [
        ...new Set(received.filter((event) => event.data.fromAccountId === sender).map((e) => e.eventId)),
      ];
      expect(firstSeen).toEqual(inOrder);
    }

    // The third relay purges published rows older than its 1 ms retention.
    const remaining = async () =>
      (await dependencies.postgres.query(`SELECT 1 FROM outbox WHERE event_id = ANY($1)`, [ids])).rowCount;
    const purgeDeadline = Date.now() + 30_000;
    while ((await remaining()) !== 0 && Date.now() < purgeDeadline) await new Promise((wake) => setTimeout(wake, 250));
    expect(await remaining()).toBe(0);
    expect(relays[2]?.crashed).toBeUndefined();
  }, 180_000);
});
