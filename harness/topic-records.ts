import { randomUUID } from 'node:crypto';

import type { Kafka } from 'kafkajs';

import { type EventEnvelope, TOPICS } from '../src/domain/events';

/** A high-water mark of every partition of the transfer topics: the offset its next event will get. */
export type TopicMarks = Array<{ topic: string; partition: number; offset: string }>;

export async function topicMarks(kafka: Kafka): Promise<TopicMarks> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const marks = await Promise.all(
      TOPICS.map(async (topic) =>
        (await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => ({ topic, partition, offset: high })),
      ),
    );
    return marks.flat();
  } finally {
    await admin.disconnect();
  }
}

/**
 * Every event the transfer topics received between two marks, duplicates included (what a consumer
 * sees before it de-duplicates); a record that is not JSON is skipped.
 */
export async function readEventsBetween(
  kafka: Kafka,
  from: TopicMarks,
  to: TopicMarks,
  timeoutMs = 60_000,
): Promise<EventEnvelope[]> {
  const end = new Map(to.map((mark) => [`${mark.topic}/${mark.partition}`, BigInt(mark.offset)]));
  const pending = new Set(
    from
      .filter((mark) => BigInt(mark.offset) < (end.get(`${mark.topic}/${mark.partition}`) ?? 0n))
      .map((mark) => `${mark.topic}/${mark.partition}`),
  );
  const events: EventEnvelope[] = [];
  if (pending.size === 0) return events;
  const consumer = kafka.consumer({ groupId: `test-reader-${randomUUID()}` });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...TOPICS] });
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const at = `${topic}/${partition}`;
        const last = (end.get(at) ?? 0n) - 1n;
        if (BigInt(message.offset) > last) return;
        try {
          if (message.value) events.push(JSON.parse(message.value.toString('utf8')) as EventEnvelope);
        } catch {
          // not an event
        }
        if (BigInt(message.offset) === last && pending.delete(at) && pending.size === 0) done();
      },
    });
    for (const mark of from) consumer.seek(mark);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`read no further than ${[...pending].join(', ')} within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    await Promise.race([finished, timedOut]).finally(() => clearTimeout(timer));
    return events;
  } finally {
    await consumer.disconnect();
  }
}
