/** @beside-services its own topics and producers */
import { randomUUID } from 'node:crypto';

import { ApplicationFailure } from '@temporalio/common';
import { Kafka, KafkaJSProtocolError, logLevel, type Producer, type ProducerBatch } from 'kafkajs';

import { createEventActivities } from '../../src/activities/events';
import { loadConfig } from '../../src/config';
import { ErrorType } from '../../src/domain/errors';
import { type EventEnvelope, transferEvent } from '../../src/domain/events';
import type { Pool } from 'pg';

import { InvalidEventError } from '../../src/events/outbox';
import { EventPublisher } from '../../src/events/publisher';
import { RecordSigner } from '../../src/events/signing';

const signer = new RecordSigner(loadConfig().eventSigning);

const transferId = '98be822d-dfc4-8286-b11f-ce4179a63641';
const created = transferEvent('transfer.created', transferId, '2026-11-22T05:08:42.687Z', {
  fromAccountId: 'acc-alice',
  toAccountId: 'acc-bob',
  amount: 2_500,
  currency: 'EUR',
});
/** The broker's refusal of a producer whose sequence numbers it no longer accepts (Kafka error code 45). */
const OUT_OF_ORDER_SEQUENCE = {
  name: 'KafkaJSProtocolError',
  type: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
  code: 45,
  retriable: false,
  message: 'The broker received an out of order sequence number',
};
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
  return { publisher: await EventPublisher.connect(() => producer, signer), batches };
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
                headers: {
                  eventId: `${transferId}:transfer.created`,
                  type: 'transfer.created',
                  version: '1',
                  signedAt: expect.stringMatching(/^\d+$/) as string,
                  signature: expect.stringMatching(/^[0-9a-f]{64}$/) as string,
                },
              },
            ],
          },
        ],
      },
    ]);
    const [message] = batches[0]?.topicMessages?.[0]?.messages ?? [];
    expect(signer.distrust(message?.headers, String(message?.value))).toBeUndefined();
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

/**
 * The serialised drain and the replacement of a wedged producer, against the real Kafka on loopback.
 * Each test writes to a topic of its own, so nothing reaches the service's consumers.
 */
describe('EventPublisher on Kafka', () => {
  const { kafka: settings } = loadConfig();
  const kafka = new Kafka({ clientId: 'publisher-test', brokers: settings.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const topics: string[] = [];
  beforeAll(() => admin.connect());
  afterAll(async () => {
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  });

  const createTopic = async () => {
    const topic = `test.publisher-${randomUUID()}`;
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
    topics.push(topic);
    return topic;
  };

  /** Real idempotent producers, as the composition root builds them, each recording what it was asked to do. */
  const recordingFactory = (wedged: (producerIndex: number) => boolean = () => false) => {
    const producers: Array<{ batches: number[]; disconnected: boolean }> = [];
    let inFlight = 0;
    let mostInFlight = 0;
    const createProducer = (): Producer => {
      const real = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      const record = { batches: [] as number[], disconnected: false };
      const index = producers.push(record) - 1;
      return {
        ...real,
        connect: () => real.connect(),
        disconnect: async () => {
          record.disconnected = true;
          await real.disconnect();
        },
        sendBatch: async (batch: ProducerBatch) => {
          record.batches.push((batch.topicMessages ?? []).reduce((sum, { messages }) => sum + messages.length, 0));
          inFlight += 1;
          mostInFlight = Math.max(mostInFlight, inFlight);
          try {
            // What kafkajs rejects with once the broker refuses a producer's sequence numbers.
            if (wedged(index)) throw new KafkaJSProtocolError(OUT_OF_ORDER_SEQUENCE);
            return await real.sendBatch(batch);
          } finally {
            inFlight -= 1;
          }
        },
      };
    };
    return { createProducer, producers, mostInFlight: () => mostInFlight };
  };

  /** Every value on the topic's one partition, oldest first. */
  const valuesOn = async (topic: string, count: number): Promise<string[]> => {
    const consumer = kafka.consumer({ groupId: `test-reader-${randomUUID()}` });
    const values: string[] = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((done, failed) => {
        consumer
          .run({
            eachMessage: async ({ message }) => {
              values.push(String(message.value));
              if (values.length === count) done();
            },
          })
          .catch(failed);
      });
    } finally {
      await consumer.disconnect();
    }
    return values;
  };

  const message = (n: number) => ({ key: 'acc-alice', value: `record ${n}`, headers: {} });

  it('sends one batch at a time: what arrives while a batch is in flight goes out together, in order', async () => {
    const topic = await createTopic();
    const { createProducer, producers, mostInFlight } = recordingFactory();
    const publisher = await EventPublisher.connect(createProducer, signer);
    try {
      await Promise.all(Array.from({ length: 50 }, (_, n) => publisher.send(topic, message(n))));
    } finally {
      await publisher.close();
    }

    expect(producers).toHaveLength(1);
    expect(producers[0]?.batches).toEqual([1, 49]);
    expect(mostInFlight()).toBe(1);
    expect(await valuesOn(topic, 50)).toEqual(Array.from({ length: 50 }, (_, n) => `record ${n}`));
  });

  it('after an out-of-order sequence error, fails that batch and sends what follows through a fresh producer', async () => {
    const topic = await createTopic();
    const { createProducer, producers } = recordingFactory((producerIndex) => producerIndex === 0);
    const publisher = await EventPublisher.connect(createProducer, signer);
    try {
      const inFlight = publisher.send(topic, message(0));
      const queuedBehind = [1, 2].map((n) => publisher.send(topic, message(n)));
      await expect(inFlight).rejects.toMatchObject({ type: 'OUT_OF_ORDER_SEQUENCE_NUMBER' });
      await Promise.all(queuedBehind);
      // Retried by its caller, as the relay does, the refused record goes out on the fresh producer too.
      await publisher.send(topic, message(0));
    } finally {
      await publisher.close();
    }

    expect(producers).toHaveLength(2);
    expect(producers[0]).toEqual({ batches: [1], disconnected: true });
    expect(producers[1]).toEqual({ batches: [2, 1], disconnected: true });
    expect(await valuesOn(topic, 3)).toEqual(['record 1', 'record 2', 'record 0']);
  });

  it("sends one caller's events in one batch: a refused batch writes none of them, and the retry keeps their order", async () => {
    const topic = await createTopic();
    const { createProducer, producers } = recordingFactory((producerIndex) => producerIndex === 0);
    const publisher = await EventPublisher.connect(createProducer, signer);
    // The relay's rows, on a topic of this test's own (the topic is the event's type).
    const events = [0, 1, 2].map(
      (n) =>
        ({
          eventId: `e${n}`,
          type: topic,
          version: 1,
          data: { fromAccountId: 'acc-alice' },
        }) as unknown as EventEnvelope,
    );
    try {
      await expect(publisher.sendEvents(events)).rejects.toMatchObject({ type: 'OUT_OF_ORDER_SEQUENCE_NUMBER' });
      await publisher.sendEvents(events);
    } finally {
      await publisher.close();
    }

    expect(producers.map((producer) => producer.batches)).toEqual([[3], [3]]);
    expect((await valuesOn(topic, 3)).map((value) => (JSON.parse(value) as { eventId: string }).eventId)).toEqual([
      'e0',
      'e1',
      'e2',
    ]);
  });
});
