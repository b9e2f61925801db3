import { randomUUID } from 'node:crypto';

import type { Consumer, Kafka } from 'kafkajs';

import { topicMarks } from '../../harness/topic-records';
import { type TransferEventEnvelope } from '../../src/domain/events';
import { TOPICS } from '../../src/domain/topics';

/**
 * Reads every transfer topic in a fresh group, starting at each partition's end as it was when the
 * collector started (not at the beginning: a long-lived local stack holds thousands of old events),
 * and keeps what arrives.
 */
export class EventCollector {
  readonly events: TransferEventEnvelope[] = [];

  private constructor(private readonly consumer: Consumer) {}

  static async start(kafka: Kafka): Promise<EventCollector> {
    const ends = await topicMarks(kafka);

    // A short long-poll: stopping waits for the fetch in flight, 5 s at kafkajs's default.
    const consumer = kafka.consumer({ groupId: `test-collector-${randomUUID()}`, maxWaitTimeInMs: 250 });
    const collector = new EventCollector(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [...TOPICS], fromBeginning: true });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({
      eachMessage: async ({ message }) => {
        // Tests publish poison messages on purpose; the collector only records what parses.
        try {
          if (message.value) collector.events.push(JSON.parse(message.value.toString('utf8')) as TransferEventEnvelope);
        } catch {
          return;
        }
      },
    });
    for (const mark of ends) consumer.seek(mark);
    await joined;
    return collector;
  }

  /** The transfer's events, one per eventId (duplicates dropped as a consumer would), by occurrence. */
  of(transferId: string): TransferEventEnvelope[] {
    const unique = new Map(
      this.events.filter((event) => event.transferId === transferId).map((event) => [event.eventId, event]),
    );
    return [...unique.values()].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
  }

  async waitFor(transferId: string, count: number, timeoutMs = 30_000): Promise<TransferEventEnvelope[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.of(transferId).length < count) {
      if (Date.now() > deadline)
        throw new Error(
          `saw ${this.of(transferId)
            .map((event) => event.type)
            .join(', ')} only`,
        );
      await new Promise((wake) => setTimeout(wake, 100));
    }
    return this.of(transferId);
  }

  stop(): Promise<void> {
    return this.consumer.disconnect();
  }
}
