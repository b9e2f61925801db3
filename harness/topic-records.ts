import type { Kafka } from 'kafkajs';

import { type EventEnvelope } from '../src/domain/events';
import { TOPICS } from '../src/domain/topics';
import { readTopicRanges } from '../src/events/dead-letters';

/** A high-water mark of every partition of the event topics: the offset its next event will get. */
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
 * Every event the event topics received between two marks, duplicates included (what a consumer
 * sees before it de-duplicates), each partition's in offset order; a record that is not JSON is skipped.
 * Reads with the dead-letter tool's range reader.
 */
export async function readEventsBetween(
  kafka: Kafka,
  from: TopicMarks,
  to: TopicMarks,
  timeoutMs = 60_000,
): Promise<EventEnvelope[]> {
  const end = new Map(to.map((mark) => [`${mark.topic}/${mark.partition}`, BigInt(mark.offset)]));
  const ranges = from.map(({ topic, partition, offset }) => ({
    topic,
    partition,
    low: BigInt(offset),
    high: end.get(`${topic}/${partition}`) ?? 0n,
  }));
  const admin = kafka.admin();
  await admin.connect();
  try {
    const records = await readTopicRanges(kafka, admin, ranges, {
      groupPrefix: 'test-reader',
      what: 'reading the transfer topics',
      timeoutMs,
    });
    return records.flatMap(({ value }) => {
      try {
        return [JSON.parse(value) as EventEnvelope];
      } catch {
        return []; // not an event
      }
    });
  } finally {
    await admin.disconnect();
  }
}
