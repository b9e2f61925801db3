import type { Consumer, EachMessagePayload, IHeaders } from 'kafkajs';

import type { Dependencies } from '../dependencies';
import { parseEvent, type ParsedEvent } from '../domain/event-schemas';
import type { EventEnvelope } from '../domain/events';
import { deadLetterTopic, type EventType } from '../domain/topics';
import { headerText } from '../events/signing';
import type { RunningProcess } from '../lifecycle';
import { inConsumerSpan } from '../tracing';

/**
 * One consumer: its own group, its topics and what to do with each of their events. Every record is
 * checked against its topic's schema first; a refusal goes to the dead-letter topic at once (no retry
 * can fix it).
 */
export interface ConsumerSpec<T extends EventType> {
  group: string;
  topics: readonly T[];
  /** The effect. It may run again for the same event after a crash, so it must be idempotent. */
  handle(event: EventEnvelope<T>, topic: T): Promise<void>;
  /** In-place attempts before dead-lettering (default 3). */
  attempts?: number;
  /** Pause before attempt n + 1 is `backoffMs × n` (default 500). */
  backoffMs?: number;
}

type ConsumerDependencies = Pick<
  Dependencies,
  'config' | 'kafka' | 'postgres' | 'events' | 'signer' | 'logger' | 'serviceMetrics'
>;

/**
 * Runs a consumer the one way every consumer here runs: check the signature → validate → skip if this group already
 * applied the eventId (processed_events, so it survives restarts) → act, retried in place → record
 * the eventId → let Kafka commit. What still fails goes to `<topic>.dlt` with the error and the
 * original headers and the partition moves on, so a poison message never stalls it. A dead-lettered
 * event is not recorded as processed, so `npm run dlt -- replay` can re-drive it.
 */
export async function startConsumer<T extends EventType>(
  dependencies: ConsumerDependencies,
  spec: ConsumerSpec<T>,
): Promise<RunningProcess> {
  const { config, kafka, postgres, events, signer, logger } = dependencies;
  const attempts = spec.attempts ?? 3;
  const backoffMs = spec.backoffMs ?? 500;
  const log = logger.child({ consumerGroup: spec.group });

  const deadLetter = async ({ topic, partition, message }: EachMessagePayload, error: string) => {
    log.warn({ topic, partition, offset: message.offset, error }, 'dead-lettering a message');
    // The dead-letter headers (DEAD_LETTER_HEADERS in src/events/dead-letters.ts, which replay strips).
    const headers: IHeaders = {
      ...message.headers,
      error,
      consumerGroup: spec.group,
      originalTopic: topic,
      originalPartition: String(partition),
      originalOffset: message.offset,
      failedAt: new Date().toISOString(),
    };
    await events.send(deadLetterTopic(topic), {
      ...(message.key ? { key: message.key.toString('utf8') } : {}),
      value: message.value?.toString('utf8') ?? '',
      headers,
    });
    dependencies.serviceMetrics.deadLettered.inc({ topic });
  };

  // In the trace of the event (its producer span's `traceparent`), when traces are on.
  const eachMessage = (payload: EachMessagePayload): Promise<void> =>
    inConsumerSpan(payload.topic, spec.group, headerText(payload.message.headers?.traceparent), () =>
      handleMessage(payload),
    );

  const handleMessage = async (payload: EachMessagePayload): Promise<void> => {
    const { message } = payload;
    // Kafka delivers only the topics this consumer subscribed to.
    const topic = payload.topic as T;
    const value = message.value?.toString('utf8') ?? '';
    // Before anything else, and never retried: no attempt makes a forged or stale record trustworthy.
    const distrust = signer.distrust(message.headers, value);
    if (distrust !== undefined) return deadLetter(payload, `untrusted record: ${distrust}`);
    let parsed: ParsedEvent<T>;
    try {
      parsed = parseEvent(topic, JSON.parse(value));
    } catch (error) {
      parsed = { ok: false, error: `not JSON: ${(error as Error).message}` };
    }
    if (!parsed.ok) return deadLetter(payload, `invalid event: ${parsed.error}`);
    const { event } = parsed;

    const seen = await postgres.query('SELECT 1 FROM processed_events WHERE consumer_group = $1 AND event_id = $2', [
      spec.group,
      event.eventId,
    ]);
    if (seen.rows.length > 0) return;

    for (let attempt = 1; ; attempt += 1) {
      try {
        await spec.handle(event, topic);
        break;
      } catch (error) {
        if (attempt >= attempts) return deadLetter(payload, `failed ${attempts} times: ${(error as Error).message}`);
        log.warn({ topic, eventId: event.eventId, attempt, err: error }, 'consumer effect failed; retrying');
        await new Promise((wake) => setTimeout(wake, backoffMs * attempt));
      }
    }
    await postgres.query(
      'INSERT INTO processed_events (consumer_group, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
      [spec.group, event.eventId],
    );
  };

  // A member that died without leaving (SIGKILL) holds its partitions until the session times out;
  // 10 s by default instead of kafkajs's 30 s bounds how long a crash delays its partitions. A drain
  // waits for the fetch in flight, so a 1 s long-poll instead of 5 s lets a stopping process leave its
  // groups sooner.
  const sessionTimeout = config.kafka.consumerSessionTimeoutMs;
  const createConsumer = () => {
    const consumer = kafka.consumer({
      groupId: spec.group,
      sessionTimeout,
      heartbeatInterval: sessionTimeout / 5,
      maxWaitTimeInMs: 1_000,
    });
    // Joining can wait on a rebalance (a killed member is only dropped when its session times out): an
    // operator reading the log sees when each group actually starts receiving.
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) =>
      log.info({ memberId: payload.memberId, joinMs: payload.duration }, 'joined the consumer group'),
    );
    return consumer;
  };
  const run = async (consumer: Consumer) => {
    await consumer.connect();
    await consumer.subscribe({ topics: [...spec.topics], fromBeginning: true });
    await consumer.run({ eachMessage });
  };
  // The first start fails the process's start-up (a dependency down at start is the operator's to fix);
  // after that, the supervisor keeps the consumer alive through any Kafka outage.
  const first = createConsumer();
  await run(first);
  return superviseConsumer(first, createConsumer, run, log);
}

/** Kafka outages longer than kafkajs's own retries: wait this long, doubling, between restarts. */
const RESTART_BACKOFF_MS = { first: 1_000, last: 30_000 };

/**
 * kafkajs restarts a consumer after a retriable crash by itself, but gives up for good on others (a
 * broker gone longer than its retries, found at a rejoin), leaving the process alive and deaf. This
 * restarts such a consumer as a new client, with backoff, for as long as the process runs.
 */
export function superviseConsumer(
  first: Consumer,
  createConsumer: () => Consumer,
  run: (consumer: Consumer) => Promise<void>,
  log: Pick<ConsumerDependencies['logger'], 'info' | 'warn'>,
  backoff = RESTART_BACKOFF_MS,
): RunningProcess {
  let current = first;
  let stopping = false;
  let wake: (() => void) | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resume) => {
      const timer = setTimeout(resume, ms);
      wake = () => (clearTimeout(timer), resume());
    });
  const gaveUp = (consumer: Consumer) =>
    new Promise<Error>((resolve) => {
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) resolve(payload.error);
      });
    });

  const supervising = (async () => {
    let crash = gaveUp(first);
    let backoffMs = backoff.first;
    while (!stopping) {
      const error = await Promise.race([crash, new Promise<undefined>((resolve) => (wake = () => resolve(undefined)))]);
      if (stopping || error === undefined) return;
      log.warn({ err: error }, 'the Kafka consumer stopped for good; starting a new one');
      for (;;) {
        await current.disconnect().catch(() => undefined);
        await pause(backoffMs);
        if (stopping) return;
        current = createConsumer();
        crash = gaveUp(current);
        try {
          await run(current);
          log.info('the Kafka consumer runs again');
          backoffMs = backoff.first;
          break;
        } catch (restartError) {
          backoffMs = Math.min(backoff.last, backoffMs * 2);
          log.warn({ err: restartError, retryInMs: backoffMs }, 'the Kafka consumer could not start; trying again');
        }
      }
    }
  })();

  return {
    stop: async () => {
      stopping = true;
      wake?.();
      await supervising;
      await current.disconnect();
    },
  };
}
