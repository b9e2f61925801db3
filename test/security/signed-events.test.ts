import { randomUUID } from 'node:crypto';

import { WorkflowNotFoundError } from '@temporalio/client';
import type { IHeaders, Producer } from 'kafkajs';

import { DEVELOPMENT_EVENT_SIGNING_KEY } from '../../src/config';
import { syncWorkflowId } from '../../src/domain/temporal';
import { transferEvent } from '../../src/domain/events';
import { deadLetterTopic } from '../../src/domain/topics';
import { readTopicRanges } from '../../src/events/dead-letters';
import { RecordSigner } from '../../src/events/signing';
import { eventually } from '../../harness/eventually';
import { moneyViolations } from '../../harness/conservation';
import { ServiceHarness } from '../support/service-harness';

const CURRENT_KEY = 'the-current-event-signing-key-of-this-test';
const ROTATED_OUT_KEY = DEVELOPMENT_EVENT_SIGNING_KEY;
const SYNC_REQUIRED_DLT = deadLetterTopic('tx.sync_required');

/**
 * Anyone who can produce to `tx.sync_required` could ask for a repair of someone else's transfer. The
 * service here signs with a rotated key (the previous one still verifies); each forged record must end
 * in the dead-letter topic with nothing changed.
 */
describe('records on Kafka that the service did not sign', () => {
  let service: ServiceHarness;
  let producer: Producer;
  beforeAll(async () => {
    service = await ServiceHarness.start({
      EVENT_SIGNING_KEY: CURRENT_KEY,
      EVENT_SIGNING_PREVIOUS_KEY: ROTATED_OUT_KEY,
    });
    // A producer of its own, as an intruder on the network would have: nothing signs for it.
    producer = service.dependencies.kafka.producer();
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await service?.stop();
  });

  /** A COMPLETED transfer of a victim, and a repair request for it claiming another account and amount. */
  async function victimAndForgery() {
    const victim = await service.openAccount('sig-victim', 1_000);
    const other = await service.openAccount('sig-other', 0);
    const accepted = await service.submit('sig-victim', { fromAccountId: victim, toAccountId: other, amount: 300 });
    const { transferId } = accepted.body;
    expect((await service.waitForTerminal([transferId])).get(transferId)).toBe('COMPLETED');
    const forged = transferEvent('tx.sync_required', transferId, new Date().toISOString(), {
      fromAccountId: other,
      toAccountId: victim,
      amount: 999,
      currency: 'EUR',
      reason: 'forged',
      source: 'intruder',
    });
    return { victim, other, transferId, value: JSON.stringify(forged) };
  }

  /** Produces the record, waits for its dead letter, and answers the dead letter's error. */
  async function deadLetterOf(value: string, headers: IHeaders): Promise<string | undefined> {
    const { kafkaAdmin: admin, kafka } = service.dependencies;
    const before = await admin.fetchTopicOffsets(SYNC_REQUIRED_DLT);
    await producer.send({ topic: 'tx.sync_required', messages: [{ key: 'intruder', value, headers }] });
    return eventually(async () => {
      const after = await admin.fetchTopicOffsets(SYNC_REQUIRED_DLT);
      const ranges = after.map(({ partition, high }) => ({
        topic: SYNC_REQUIRED_DLT,
        partition,
        low: BigInt(before.find((mark) => mark.partition === partition)?.high ?? '0'),
        high: BigInt(high),
      }));
      const letters = await readTopicRanges(kafka, admin, ranges, { groupPrefix: 'test-signed', what: 'dead letters' });
      return letters.find((letter) => letter.value === value)?.headers.error?.toString();
    }, 30_000);
  }

  async function expectUnchanged(victim: string, other: string, transferId: string) {
    expect((await service.dependencies.reads.getTransfer(transferId))?.status).toBe('COMPLETED');
    expect(await service.balances.read(victim)).toMatchObject({ available: 700, held: 0 });
    expect(await service.balances.read(other)).toMatchObject({ available: 300, held: 0 });
    await expect(
      service.dependencies.temporal.workflow.getHandle(syncWorkflowId(transferId)).describe(),
    ).rejects.toThrow(WorkflowNotFoundError);
    const processed = await service.dependencies.postgres.query('SELECT 1 FROM processed_events WHERE event_id = $1', [
      `${transferId}:tx.sync_required`,
    ]);
    expect(processed.rows).toHaveLength(0);
    expect(await moneyViolations(service.dependencies.postgres, service.balances, [victim, other])).toEqual([]);
  }

  it.each([
    ['unsigned', () => ({})],
    [
      'signed with a key the service does not hold',
      (value: string) => new RecordSigner({ current: 'a-key-nobody-gave-the-service!!!!', maxAgeMs: 1 }).sign(value),
    ],
    [
      'signed six minutes ago, even with the current key',
      (value: string) => new RecordSigner({ current: CURRENT_KEY, maxAgeMs: 1 }).sign(value, Date.now() - 6 * 60_000),
    ],
    [
      'whose signature belongs to another value',
      () => new RecordSigner({ current: CURRENT_KEY, maxAgeMs: 1 }).sign('{"another":"value"}'),
    ],
  ])('dead-letters a repair request %s, and changes nothing', async (_case, headersFor) => {
    const { victim, other, transferId, value } = await victimAndForgery();
    const error = await deadLetterOf(value, headersFor(value));
    expect(error).toMatch(/^untrusted record: /);
    await expectUnchanged(victim, other, transferId);
  });

  it('takes a record signed with the previous key, so a rotation loses nothing in flight', async () => {
    const owner = await service.openAccount('sig-lost', 2_000);
    const receiver = await service.openAccount('sig-lost-receiver', 0);
    // A saga that died right after its reserve: Redis holds the money, PostgreSQL has no row.
    const transferId = randomUUID();
    await service.balances.reserve(transferId, owner, 400);
    const request = transferEvent('tx.sync_required', transferId, new Date().toISOString(), {
      fromAccountId: owner,
      toAccountId: receiver,
      amount: 400,
      currency: 'EUR',
      reason: 'saga lost after reserve',
      source: 'before-rotation',
    });
    const value = JSON.stringify(request);
    const headers = new RecordSigner({ current: ROTATED_OUT_KEY, maxAgeMs: 1 }).sign(value);
    await producer.send({ topic: 'tx.sync_required', messages: [{ key: owner, value, headers }] });

    expect((await service.waitForTerminal([transferId])).get(transferId)).toBe('FAILED');
    await service.dependencies.temporal.workflow.getHandle(syncWorkflowId(transferId)).result();
    expect(await service.balances.read(owner)).toMatchObject({ available: 2_000, held: 0 });
    const processed = await service.dependencies.postgres.query('SELECT 1 FROM processed_events WHERE event_id = $1', [
      request.eventId,
    ]);
    expect(processed.rows).toHaveLength(1);
  });
});
