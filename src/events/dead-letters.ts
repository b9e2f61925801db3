import { randomUUID } from 'node:crypto';

import type { Admin, IHeaders, Kafka } from 'kafkajs';
import { Gauge, type Registry } from 'prom-client';

import { deadLetterTopic, TOPICS } from '../domain/topics';
import type { EventPublisher } from './publisher';

/**
 * The group whose committed offset on each `.dlt` partition marks how far its dead letters have been
 * re-driven: one per `.dlt` topic (this name, a dot, the topic), because committing joins the group for a
 * moment, and replays of two topics at once must not meet there. Nothing consumes in them: only
 * {@link replayDeadLetters} commits, so the offsets stay put between replays. Replays before the groups
 * were split committed to this name alone, and what it holds still counts.
 */
export const DLT_REPLAY_GROUP = 'transfer-saga.dlt-replay';

export const replayGroupOf = (dltTopic: string): string => `${DLT_REPLAY_GROUP}.${dltTopic}`;

/** The header a re-driven record carries: `<dltTopic>:<partition>:<offset>` of the dead letter it came from. */
export const REPLAYED_FROM_HEADER = 'replayedFrom';

/** What a consumer adds when it gives up on a record; they describe the failure, not the event, so replay drops them. */
export const DEAD_LETTER_HEADERS: ReadonlySet<string> = new Set([
  'error',
  'consumerGroup',
  'originalTopic',
  'originalPartition',
  'originalOffset',
  'failedAt',
]);

/** The consumers' reasons for a record the service did not sign (see consumers/runner.ts). */
const FORGED = /^untrusted record: (unsigned|bad signature|signed in the future)/;

/** A read must end; a broker that stops answering should fail the command, not hang it. */
const READ_TIMEOUT_MS = 60_000;

/** Keeps each request to the broker bounded when a `.dlt` topic has piled up. */
const REPLAY_CHUNK = 500;

/** One record of a `.dlt` topic. Header-derived fields are undefined when a producer did not set them. */
export interface DeadLetter {
  dltTopic: string;
  partition: number;
  /** Kafka offsets are 64-bit, so they stay decimal strings as kafkajs gives them. */
  offset: string;
  key: string | null;
  /** The original value as UTF-8 text; it may well be invalid JSON, which is often why it is dead. */
  value: string;
  /** Every header as UTF-8 text; a header repeated in the record keeps its last value, as Kafka clients read it. */
  headers: Record<string, string>;
  error: string | undefined;
  consumerGroup: string | undefined;
  /** The `originalTopic` header, or else the topic whose twin this `.dlt` is. */
  originalTopic: string;
  failedAt: string | undefined;
  /** Already re-published by {@link replayDeadLetters}: the offset is below {@link DLT_REPLAY_GROUP}'s commit. */
  replayed: boolean;
}

/** The offsets of one partition to read: from `low` (included) to `high` (excluded). */
export interface TopicRange {
  topic: string;
  partition: number;
  low: bigint;
  high: bigint;
}

/** A dead letter with its headers as they were on the wire, so replay hands the bytes on unchanged. */
interface DeadLetterRecord {
  letter: DeadLetter;
  wireHeaders: IHeaders;
}

/**
 * Reads the dead letters of the given topics' `.dlt` twins, from each partition's low watermark to
 * the high watermark it had when the call began, so it ends even while consumers keep dead-lettering.
 * A `.dlt` topic that does not exist is read as empty.
 *
 * @param topics - original topic names (not their `.dlt` twins); every topic of the event surface by default.
 * @returns the dead letters ordered by `.dlt` topic, partition and offset.
 */
export async function listDeadLetters(
  kafka: Kafka,
  admin: Admin,
  topics: readonly string[] = TOPICS,
): Promise<DeadLetter[]> {
  const { records } = await readDeadLetters(kafka, admin, topics);
  return records.map(({ letter }) => letter);
}

/**
 * Re-publishes to `originalTopic` every dead letter of its `.dlt` twin that has not been re-driven yet:
 * same key and value, the original headers without the dead-letter ones, plus
 * {@link REPLAYED_FROM_HEADER}. Then it commits {@link DLT_REPLAY_GROUP}'s offsets, so each dead letter
 * is re-driven once. A record that several consumer groups dead-lettered (same original topic,
 * partition and offset) is re-published once, since every group reads the re-published copy.
 *
 * Nothing is committed unless every send succeeded; running it again then re-publishes the lot, which
 * is harmless because consumers de-duplicate by eventId. A record dead-lettered as unsigned or badly
 * signed is never re-published: replay signs what it sends, and would make a forgery trusted.
 *
 * @returns how many records were re-published.
 */
export async function replayDeadLetters(
  kafka: Kafka,
  admin: Admin,
  publisher: EventPublisher,
  originalTopic: string,
): Promise<number> {
  const { records, ranges } = await readDeadLetters(kafka, admin, [originalTopic]);
  const originsSeen = new Set<string>();
  const toReplay = records.filter(({ letter }) => {
    if (letter.replayed) return false;
    // Replay signs afresh: a record refused as forged must never come back trusted. (One refused only
    // as too old was signed by us, and may.)
    if (FORGED.test(letter.error ?? '')) return false;
    const origin = originOf(letter);
    if (origin === undefined) return true;
    if (originsSeen.has(origin)) return false;
    originsSeen.add(origin);
    return true;
  });
  if (toReplay.length === 0) return 0;

  for (let start = 0; start < toReplay.length; start += REPLAY_CHUNK) {
    const chunk = toReplay.slice(start, start + REPLAY_CHUNK);
    await Promise.all(chunk.map((record) => publisher.send(originalTopic, replayedMessage(record))));
  }
  for (const topic of new Set(ranges.map((range) => range.topic))) {
    const partitions = ranges
      .filter((range) => range.topic === topic && range.high > range.low)
      .map(({ partition, high }) => ({ partition, offset: high.toString() }));
    if (partitions.length > 0) await admin.setOffsets({ groupId: replayGroupOf(topic), topic, partitions });
  }
  return toReplay.length;
}

async function readDeadLetters(
  kafka: Kafka,
  admin: Admin,
  originalTopics: readonly string[],
): Promise<{ records: DeadLetterRecord[]; ranges: TopicRange[] }> {
  const existing = new Set(await admin.listTopics());
  const dltTopics = originalTopics.map(deadLetterTopic).filter((topic) => existing.has(topic));
  if (dltTopics.length === 0) return { records: [], ranges: [] };

  const ranges = (
    await Promise.all(
      dltTopics.map(async (topic) =>
        (await admin.fetchTopicOffsets(topic)).map(({ partition, low, high }) => ({
          topic,
          partition,
          low: BigInt(low),
          high: BigInt(high),
        })),
      ),
    )
  ).flat();
  const positions = await replayedUpTo(admin, dltTopics);
  const fetched = await readTopicRanges(kafka, admin, ranges, {
    groupPrefix: 'transfer-saga.dlt-reader',
    what: 'dead-letter read',
  });

  const records = fetched.map(({ topic, partition, offset, key, value, headers }) => {
    const text = headerTexts(headers);
    const letter: DeadLetter = {
      dltTopic: topic,
      partition,
      offset,
      key,
      value,
      headers: text,
      error: text.error,
      consumerGroup: text.consumerGroup,
      originalTopic: text.originalTopic ?? topic.replace(/\.dlt$/, ''),
      failedAt: text.failedAt,
      replayed: BigInt(offset) < (positions.get(topic)?.get(partition) ?? 0n),
    };
    return { letter, wireHeaders: headers };
  });
  records.sort(
    (a, b) =>
      a.letter.dltTopic.localeCompare(b.letter.dltTopic) ||
      a.letter.partition - b.letter.partition ||
      Number(BigInt(a.letter.offset) - BigInt(b.letter.offset)),
  );
  return { records, ranges };
}

/** One record of a {@link TopicRange}, its key and value as UTF-8 text. */
export interface TopicRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string;
  headers: IHeaders;
}

export interface TopicRangeReadOptions {
  /** The throwaway consumer group's name, before a random suffix. */
  groupPrefix: string;
  /** What the read is for, in the error when it does not end in time. */
  what: string;
  timeoutMs?: number;
}

/**
 * Reads the ranges in a throwaway group that never commits, each partition from its `low` offset. A
 * partition is done when a processed batch reaches its `high`; batches, unlike messages, also account
 * for offsets with no message to deliver (transaction markers).
 *
 * @returns every record of the ranges once, duplicates written to the topic included, in the order
 * they arrived (so each partition's in offset order).
 */
export async function readTopicRanges(
  kafka: Kafka,
  admin: Admin,
  ranges: readonly TopicRange[],
  { groupPrefix, what, timeoutMs = READ_TIMEOUT_MS }: TopicRangeReadOptions,
): Promise<TopicRecord[]> {
  const wanted = ranges.filter((range) => range.high > range.low);
  const bounds = new Map(wanted.map((range) => [partitionKey(range.topic, range.partition), range]));
  const unfinished = new Set(bounds.keys());
  if (unfinished.size === 0) return [];

  // Keyed by position: a rebalance may deliver a record twice.
  const fetched = new Map<string, TopicRecord>();
  const groupId = `${groupPrefix}-${randomUUID()}`;
  // A short long-poll: a reader that reached its ends disconnects after the fetch in flight, which would
  // hold every replay for 5 s at kafkajs's default.
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250 });
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    const topics = [...new Set(wanted.map((range) => range.topic))];
    await consumer.subscribe({ topics, fromBeginning: true });
    const finished = new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${what} did not reach the end of ${[...unfinished].join(', ')} in time`)),
        timeoutMs,
      );
      consumer.on(consumer.events.CRASH, ({ payload: { error } }) =>
        reject(error instanceof Error ? error : new Error(String(error))),
      );
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload: { topic, partition, lastOffset } }) => {
        const range = bounds.get(partitionKey(topic, partition));
        if (range !== undefined && BigInt(lastOffset) + 1n >= range.high) {
          unfinished.delete(partitionKey(topic, partition));
        }
        if (unfinished.size === 0) resolve();
      });
    });
    // Settled before it is awaited when the consumer crashes while starting; `await finished` still throws.
    finished.catch(() => undefined);
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        const range = bounds.get(partitionKey(topic, partition));
        const offset = BigInt(message.offset);
        if (range === undefined || offset < range.low || offset >= range.high) return;
        fetched.set(`${partitionKey(topic, partition)}:${message.offset}`, {
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString('utf8') ?? null,
          value: message.value?.toString('utf8') ?? '',
          headers: message.headers ?? {},
        });
      },
    });
    // Seeks take effect once the consumer runs; for a `.dlt` topic `low` is where fromBeginning starts anyway.
    for (const { topic, partition, low } of wanted) consumer.seek({ topic, partition, offset: low.toString() });
    await finished;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
    // Only tidies the group list: the broker also expires an empty group that holds no offsets.
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
  return [...fetched.values()];
}

/**
 * How far replay has re-driven each `.dlt` topic: per topic, per partition, the first offset not yet
 * re-driven (a partition absent: nothing re-driven there). The further of the two commits counts, the
 * shared {@link DLT_REPLAY_GROUP}'s from before the split or the topic's own group's, never their sum: a
 * replay since the split began where the shared group had stopped. The topics must exist.
 */
export async function replayedUpTo(
  admin: Admin,
  dltTopics: readonly string[],
): Promise<Map<string, Map<number, bigint>>> {
  const offsets = new Map<string, Map<number, bigint>>(dltTopics.map((topic) => [topic, new Map()]));
  if (dltTopics.length === 0) return offsets;
  const groups = [
    { groupId: DLT_REPLAY_GROUP, topics: [...dltTopics] },
    ...dltTopics.map((topic) => ({ groupId: replayGroupOf(topic), topics: [topic] })),
  ];
  for (const { groupId, topics } of groups) {
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics })) {
      const ofTopic = offsets.get(topic) ?? new Map<number, bigint>();
      offsets.set(topic, ofTopic);
      // -1 is Kafka's "no committed offset".
      for (const { partition, offset } of partitions) {
        if (BigInt(offset) > (ofTopic.get(partition) ?? -1n)) ofTopic.set(partition, BigInt(offset));
      }
    }
  }
  return offsets;
}

/**
 * `transfer_saga_dead_letters_replayed{topic}`: per `.dlt` topic, how many of its records replay has gone
 * past, read from the replay groups' commits at each scrape (the `dlt` tool that replays is never up
 * for Prometheus to scrape). That is what {@link replayDeadLetters} re-published plus what it skipped on
 * purpose (forgeries, a second copy of one record). A `.dlt` topic that does not exist reads 0, as it
 * lists empty; every topic reads NaN while Kafka does not answer.
 *
 * @param originalTopics - original topic names, whose `.dlt` twins are reported; the event surface by default.
 */
export function deadLetterReplayMetric(
  registry: Registry,
  admin: Admin,
  originalTopics: readonly string[] = TOPICS,
): void {
  const dltTopics = originalTopics.map(deadLetterTopic);
  new Gauge({
    name: 'transfer_saga_dead_letters_replayed',
    help: 'Records of each dead-letter topic that replay has gone past (re-published, or skipped as forged or repeated)',
    labelNames: ['topic'],
    registers: [registry],
    async collect() {
      try {
        const existing = new Set(await admin.listTopics());
        const present = dltTopics.filter((topic) => existing.has(topic));
        const positions = await replayedUpTo(admin, present);
        for (const topic of dltTopics) {
          let replayed = 0n;
          for (const offset of positions.get(topic)?.values() ?? []) replayed += offset;
          this.set({ topic }, Number(replayed));
        }
      } catch {
        for (const topic of dltTopics) this.set({ topic }, Number.NaN);
      }
    },
  });
}

function replayedMessage({ letter, wireHeaders }: DeadLetterRecord): Parameters<EventPublisher['send']>[1] {
  const headers: IHeaders = Object.fromEntries(
    Object.entries(wireHeaders).filter(([name]) => !DEAD_LETTER_HEADERS.has(name)),
  );
  headers[REPLAYED_FROM_HEADER] = `${letter.dltTopic}:${letter.partition}:${letter.offset}`;
  return { ...(letter.key === null ? {} : { key: letter.key }), value: letter.value, headers };
}

/** The record the consumer gave up on, when the dead letter names it. */
function originOf({ originalTopic, headers }: DeadLetter): string | undefined {
  const { originalPartition, originalOffset } = headers;
  if (originalPartition === undefined || originalOffset === undefined) return undefined;
  return `${originalTopic}:${originalPartition}:${originalOffset}`;
}

function headerTexts(headers: IHeaders): Record<string, string> {
  const texts: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const last = Array.isArray(value) ? value.at(-1) : value;
    if (last !== undefined) texts[name] = Buffer.isBuffer(last) ? last.toString('utf8') : last;
  }
  return texts;
}

function partitionKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

/** How many records a topic's `.dlt` twin holds, and how many of them replay has not gone past. */
export interface DeadLetterCount {
  topic: string;
  dltTopic: string;
  total: number;
  waiting: number;
}

/**
 * Counts each topic's dead letters from Kafka's offsets alone (no record is read), so the console can
 * show them at every visit: between each partition's low and high watermark, and past replay's commit.
 * A `.dlt` topic that does not exist counts 0.
 */
export async function countDeadLetters(
  admin: Admin,
  originalTopics: readonly string[] = TOPICS,
): Promise<DeadLetterCount[]> {
  const existing = new Set(await admin.listTopics());
  const present = originalTopics.map(deadLetterTopic).filter((topic) => existing.has(topic));
  const replayed = await replayedUpTo(admin, present);
  return Promise.all(
    originalTopics.map(async (topic) => {
      const dltTopic = deadLetterTopic(topic);
      if (!existing.has(dltTopic)) return { topic, dltTopic, total: 0, waiting: 0 };
      let total = 0n;
      let waiting = 0n;
      for (const { partition, low, high } of await admin.fetchTopicOffsets(dltTopic)) {
        const [from, to] = [BigInt(low), BigInt(high)];
        const done = replayed.get(dltTopic)?.get(partition) ?? from;
        total += to - from;
        waiting += to - (done > from ? (done < to ? done : to) : from);
      }
      return { topic, dltTopic, total: Number(total), waiting: Number(waiting) };
    }),
  );
}
