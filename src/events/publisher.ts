import type { Admin, Producer } from 'kafkajs';

import { deadLetterTopic, type EventEnvelope, TOPICS } from '../domain/events';

/**
 * Publishes transfer events: keyed by the sender so one sender's events stay in order, with the
 * eventId, type and version also in headers so consumers can route and de-duplicate unparsed.
 */
export class EventPublisher {
  constructor(private readonly producer: Producer) {}

  async publish(event: EventEnvelope): Promise<void> {
    await this.producer.send({
      topic: event.type,
      acks: -1,
      messages: [
        {
          key: event.data.fromAccountId,
          value: JSON.stringify(event),
          headers: { eventId: event.eventId, type: event.type, version: String(event.version) },
        },
      ],
    });
  }
}

/** Creates every topic of the event surface and its dead-letter twin when missing. */
export async function ensureTopics(admin: Admin, partitions: number): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const wanted = TOPICS.flatMap((topic) => [topic, deadLetterTopic(topic)]).filter((topic) => !existing.has(topic));
  if (wanted.length === 0) return;
  await admin.createTopics({
    waitForLeaders: true,
    topics: wanted.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: -1 })),
  });
}
