import { ApplicationFailure } from '@temporalio/common';
import type { Producer, ProducerBatch } from 'kafkajs';

import { createEventActivities } from '../../src/activities/events';
import { ErrorType } from '../../src/domain/errors';
import { type EventEnvelope, transferEvent } from '../../src/domain/events';
import type { Pool } from 'pg';

import { InvalidEventError } from '../../src/events/outbox';
import { EventPublisher } from '../../src/events/publisher';

const transferId = '98be822d-dfc4-8286-b11f-ce4179a63641';
const created = transferEvent('transfer.created', transferId, '2026-11-22T05:08:42.687Z', {
  fromAccountId: 'acc-alice',
  toAccountId: 'acc-bob',
  amount: 2_500,
  currency: 'EUR',
});
const withAmount = (amount: number): EventEnvelope => ({ ...created, data: { ...created.data, amount } });

/**
 * A stand-in for kafkajs's producer that records what reaches it. These tests are about what never
 * gets that far; sending to a real broker is covered by test/integration.
 */
async function publisherWithRecordingProducer() {
  const batches: ProducerBatch[] = [];
  const producer = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    sendBatch: async (batch: ProducerBatch) => {
      batches.push(batch);
      return [];
    },
  } as unknown as Producer;
  return { publisher: await EventPublisher.connect(() => producer), batches };
}

describe('EventPublisher.publish', () => {
  it('sends a valid event keyed by the sender, with eventId, type and version headers', async () => {
    const { publisher, batches } = await publisherWithRecordingProducer();

    await publisher.publish(created);

    expect(batches).toEqual([
      {
        acks: -1,
        topicMessages: [
          {
            topic: 'transfer.created',
            messages: [
              {
                key: 'acc-alice',
                value: JSON.stringify(created),
                headers: { eventId: `${transferId}:transfer.created`, type: 'transfer.created', version: '1' },
              },
            ],
          },
        ],
      },
    ]);
  });

  it('refuses an invalid event with an InvalidEventError naming the field, and sends nothing', async () => {
    const { publisher, batches } = await publisherWithRecordingProducer();

    const refusal = publisher.publish(withAmount(0));

    await expect(refusal).rejects.toBeInstanceOf(InvalidEventError);
    await expect(refusal).rejects.toMatchObject({
      eventType: 'transfer.created',
      problems: 'data.amount: must be positive',
      message: 'refused to publish an invalid transfer.created event: data.amount: must be positive',
    });
    expect(batches).toEqual([]);
  });

  it('sends what the schema accepts: fields a lenient topic does not know are dropped, not forwarded', async () => {
    const { publisher, batches } = await publisherWithRecordingProducer();
    const request = transferEvent('tx.sync_required', transferId, '2026-11-22T05:08:42.687Z', {
      fromAccountId: 'acc-alice',
      toAccountId: 'acc-bob',
      amount: 2_500,
      currency: 'EUR',
      reason: 'releasing the hold failed',
      source: 'transferSaga',
    });

    await publisher.publish({ ...request, data: { ...request.data, ticket: 'OPS-42' } } as EventEnvelope);

    const sent = batches[0]?.topicMessages?.[0]?.messages[0]?.value;
    expect(JSON.parse(String(sent))).toEqual(request);
  });
});

describe('publishEvent activity (an outbox write)', () => {
  it('turns a refused event into an InvalidEvent failure that names the field and stays retryable', async () => {
    const postgres = { query: jest.fn() } as unknown as Pool;
    const { publishEvent } = createEventActivities({ postgres });

    const failure = await publishEvent(withAmount(-1)).then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({
      type: ErrorType.InvalidEvent,
      nonRetryable: false,
      message: expect.stringContaining('data.amount: must be positive') as string,
    });
    expect(postgres.query).not.toHaveBeenCalled();
  });

  it('passes any other failure through unchanged, for the retry policy to handle', async () => {
    const databaseDown = new Error('connect ECONNREFUSED 127.0.0.1:5432');
    const postgres = { query: () => Promise.reject(databaseDown) } as unknown as Pool;
    const { publishEvent } = createEventActivities({ postgres });

    await expect(publishEvent(created)).rejects.toBe(databaseDown);
  });
});
