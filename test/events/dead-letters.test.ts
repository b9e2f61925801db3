/** @beside-services topics and reader groups of its own */
import { randomUUID } from 'node:crypto';

import { type Admin, type IHeaders, Kafka, logLevel, Partitioners } from 'kafkajs';
import { Registry } from 'prom-client';

import { loadConfig } from '../../src/config';
import { deadLetterTopic } from '../../src/domain/topics';
import { freePort } from '../../harness/free-port';
import {
  DEAD_LETTER_HEADERS,
  deadLetterReplayMetric,
  DLT_REPLAY_GROUP,
  listDeadLetters,
  readTopicRanges,
  replayDeadLetters,
  type TopicRecord,
} from '../../src/events/dead-letters';
import { EventPublisher } from '../../src/events/publisher';
import { RecordSigner } from '../../src/events/signing';

const signer = new RecordSigner(loadConfig().eventSigning);

/** Dead-letter listing and replay against the real Kafka, each case on a topic pair of its own. */
describe('dead letters', () => {
  const config = loadConfig();
  const kafka = new Kafka({ clientId: 'dead-letters-test', brokers: config.kafka.brokers, logLevel: logLevel.NOTHING });
  let admin: Admin;
  let publisher: EventPublisher;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    publisher = await EventPublisher.connect(
      () =>
        kafka.producer({
          idempotent: true,
          maxInFlightRequests: 1,
          createPartitioner: Partitioners.DefaultPartitioner,
        }),
      signer,
    );
  });
  afterAll(async () => {
    await publisher.close();
    await admin.disconnect();
  });

  /** A fresh original topic and its `.dlt` twin, two partitions each. */
  async function createTopicPair(): Promise<string> {
    const topic = `test.dlt-${randomUUID()}`;
    await admin.createTopics({
      waitForLeaders: true,
      topics: [topic, deadLetterTopic(topic)].map((name) => ({ topic: name, numPartitions: 2, replicationFactor: -1 })),
    });
    return topic;
  }

  /** Writes what a consumer writes when it gives up on the record at `originalOffset` of `topic`. */
  function deadLetter(topic: string, originalOffset: number, key: string, value: string, error: string) {
    return publisher.send(deadLetterTopic(topic), {
      key,
      value,
      headers: {
        eventId: `${key}:${topic}`,
        type: topic,
        error,
        consumerGroup: 'transfer-saga.test',
        originalTopic: topic,
        originalPartition: '0',
        originalOffset: String(originalOffset),
        failedAt: '2030-01-02T03:04:05.000Z',
      },
    });
  }

  /** Every record of `topic`, read with the range reader the dead-letter tool reads with. */
  async function readBack(topic: string): Promise<TopicRecord[]> {
    const ranges = (await admin.fetchTopicOffsets(topic)).map(({ partition, low, high }) => ({
      topic,
      partition,
      low: BigInt(low),
      high: BigInt(high),
    }));
    return readTopicRanges(kafka, admin, ranges, { groupPrefix: 'test-dlt-reader', what: 'reading back' });
  }

  /** Every record ever written to `topic` (its partitions' high watermarks: these topics are never trimmed). */
  async function recordCount(topic: string): Promise<number> {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, { high }) => sum + Number(high), 0);
  }

  const text = (headers: IHeaders | undefined, name: string) => headers?.[name]?.toString();

  it('when the dead-letter topic is empty, listing ends and answers nothing', async () => {
    const topic = await createTopicPair();

    await expect(listDeadLetters(kafka, admin, [topic])).resolves.toEqual([]);
  });

  it('lists each dead letter with its headers, invalid JSON included, as not replayed', async () => {
    const topic = await createTopicPair();
    await deadLetter(topic, 7, 'account-a', '{"eventId":"a"}', 'failed 3 times: PostgreSQL unavailable');
    await deadLetter(topic, 8, 'account-b', '{not json', 'invalid event: not JSON');

    const letters = await listDeadLetters(kafka, admin, [topic]);

    expect(letters).toHaveLength(2);
    const byKey = new Map(letters.map((letter) => [letter.key, letter]));
    expect(byKey.get('account-a')).toMatchObject({
      dltTopic: deadLetterTopic(topic),
      value: '{"eventId":"a"}',
      error: 'failed 3 times: PostgreSQL unavailable',
      consumerGroup: 'transfer-saga.test',
      originalTopic: topic,
      failedAt: '2030-01-02T03:04:05.000Z',
      replayed: false,
      headers: expect.objectContaining({ eventId: `account-a:${topic}`, originalOffset: '7' }) as unknown,
    });
    expect(byKey.get('account-b')).toMatchObject({
      value: '{not json',
      error: 'invalid event: not JSON',
      replayed: false,
    });
  });

  it('when a consumer set only some dead-letter headers, the rest read as undefined and the topic comes from the twin', async () => {
    const topic = await createTopicPair();
    await publisher.send(deadLetterTopic(topic), {
      value: '{}',
      headers: { error: 'invalid event: missing eventId', consumerGroup: 'transfer-saga.test' },
    });

    const [letter, ...others] = await listDeadLetters(kafka, admin, [topic]);

    expect(others).toEqual([]);
    expect(letter).toMatchObject({ key: null, originalTopic: topic, failedAt: undefined, replayed: false });
  });

  it('replay re-publishes each dead letter once, unchanged but for the dead-letter headers', async () => {
    const topic = await createTopicPair();
    await deadLetter(topic, 7, 'account-a', '{"eventId":"a"}', 'failed 3 times: PostgreSQL unavailable');
    await deadLetter(topic, 8, 'account-b', '{not json', 'invalid event: not JSON');

    await expect(replayDeadLetters(kafka, admin, publisher, topic)).resolves.toBe(2);

    const replayed = await readBack(topic);
    expect(replayed).toHaveLength(2);
    const byKey = new Map(replayed.map((message) => [message.key ?? undefined, message]));
    const letters = await listDeadLetters(kafka, admin, [topic]);
    for (const letter of letters) {
      const message = byKey.get(letter.key ?? undefined);
      expect(message?.value).toBe(letter.value);
      expect(text(message?.headers, 'replayedFrom')).toBe(`${letter.dltTopic}:${letter.partition}:${letter.offset}`);
      expect(text(message?.headers, 'eventId')).toBe(letter.headers.eventId);
      for (const name of DEAD_LETTER_HEADERS) {
        expect(message?.headers).not.toHaveProperty(name);
      }
    }
    expect(letters.map((letter) => letter.replayed)).toEqual([true, true]);
    await expect(replayDeadLetters(kafka, admin, publisher, topic)).resolves.toBe(0);
    expect(await recordCount(topic)).toBe(2);
  });

  it('replays two topics at once, each committing to a group of its own', async () => {
    const [first, second] = [await createTopicPair(), await createTopicPair()];
    await deadLetter(first, 1, 'account-p', '{"eventId":"p"}', 'failed 3 times');
    await deadLetter(second, 1, 'account-q', '{"eventId":"q"}', 'failed 3 times');

    // Committing joins the replay group for a moment: one shared group refused the second replay.
    await expect(
      Promise.all([
        replayDeadLetters(kafka, admin, publisher, first),
        replayDeadLetters(kafka, admin, publisher, second),
      ]),
    ).resolves.toEqual([1, 1]);
    const letters = await listDeadLetters(kafka, admin, [first, second]);
    expect(letters.map((letter) => letter.replayed)).toEqual([true, true]);
  });

  it('counts as replayed what a replay committed to the shared group before each topic had its own', async () => {
    const topic = await createTopicPair();
    await deadLetter(topic, 1, 'account-r', '{"eventId":"r"}', 'failed 3 times');
    const dlt = deadLetterTopic(topic);
    const ends = await admin.fetchTopicOffsets(dlt);
    await admin.setOffsets({
      groupId: DLT_REPLAY_GROUP,
      topic: dlt,
      partitions: ends.map(({ partition, high }) => ({ partition, offset: high })),
    });

    expect((await listDeadLetters(kafka, admin, [topic])).map((letter) => letter.replayed)).toEqual([true]);
    await expect(replayDeadLetters(kafka, admin, publisher, topic)).resolves.toBe(0);
  });

  it('never re-publishes a record refused as unsigned or badly signed, and does re-publish one refused as too old', async () => {
    const topic = await createTopicPair();
    await deadLetter(topic, 1, 'account-f', '{"eventId":"forged"}', 'untrusted record: unsigned');
    await deadLetter(topic, 2, 'account-g', '{"eventId":"forged-too"}', 'untrusted record: bad signature');
    await deadLetter(topic, 3, 'account-h', '{"eventId":"late"}', 'untrusted record: signed 400 s ago, over 300 s');

    await expect(replayDeadLetters(kafka, admin, publisher, topic)).resolves.toBe(1);
    expect((await readBack(topic)).map((record) => record.value)).toEqual(['{"eventId":"late"}']);
  });

  it('when two consumer groups dead-lettered the same record, replay re-publishes it once', async () => {
    const topic = await createTopicPair();
    await deadLetter(topic, 3, 'account-c', '{"eventId":"c"}', 'live feed: Redis unavailable');
    await deadLetter(topic, 3, 'account-c', '{"eventId":"c"}', 'slack alerts: webhook unavailable');

    await expect(replayDeadLetters(kafka, admin, publisher, topic)).resolves.toBe(1);
    expect(await recordCount(topic)).toBe(1);
    expect((await listDeadLetters(kafka, admin, [topic])).map((letter) => letter.replayed)).toEqual([true, true]);
  });

  /** What `transfer_saga_dead_letters_replayed` reads for `topic`'s `.dlt` twin, collected as a scrape does. */
  async function replayedGauge(registry: Registry, topic: string): Promise<number | undefined> {
    const { values } = await registry.getSingleMetric('transfer_saga_dead_letters_replayed')!.get();
    return values.find((value) => value.labels.topic === deadLetterTopic(topic))?.value;
  }

  it('the replayed gauge reads K more once replay re-drove K dead letters, and a commit of the shared group counts once', async () => {
    const topic = await createTopicPair();
    const registry = new Registry();
    deadLetterReplayMetric(registry, admin, [topic]);
    await deadLetter(topic, 1, 'account-s', '{"eventId":"s"}', 'failed 3 times');
    await deadLetter(topic, 2, 'account-t', '{"eventId":"t"}', 'failed 3 times');
    expect(await replayedGauge(registry, topic)).toBe(0);

    await expect(replayDeadLetters(kafka, admin, publisher, topic)).resolves.toBe(2);
    expect(await replayedGauge(registry, topic)).toBe(2);

    // A shared-group commit as far as the topic's own group, then one further: the further one counts, not the sum.
    const dlt = deadLetterTopic(topic);
    const commitShared = async () =>
      admin.setOffsets({
        groupId: DLT_REPLAY_GROUP,
        topic: dlt,
        partitions: (await admin.fetchTopicOffsets(dlt)).map(({ partition, high }) => ({ partition, offset: high })),
      });
    await commitShared();
    expect(await replayedGauge(registry, topic)).toBe(2);
    await deadLetter(topic, 3, 'account-u', '{"eventId":"u"}', 'failed 3 times');
    await commitShared();
    expect(await replayedGauge(registry, topic)).toBe(3);
    await expect(replayDeadLetters(kafka, admin, publisher, topic)).resolves.toBe(0);
    expect(await replayedGauge(registry, topic)).toBe(3);
  });

  it('the replayed gauge reads NaN while Kafka does not answer', async () => {
    const topic = await createTopicPair();
    const nowhere = new Kafka({
      clientId: 'dead-letters-test-nowhere',
      brokers: [`127.0.0.1:${await freePort()}`],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 500,
      retry: { retries: 0 },
    });
    const registry = new Registry();
    deadLetterReplayMetric(registry, nowhere.admin(), [topic]);

    expect(await replayedGauge(registry, topic)).toBeNaN();
  });
});
