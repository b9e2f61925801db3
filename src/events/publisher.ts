import type { Admin, IHeaders, Producer } from 'kafkajs';

import { parseEvent } from '../domain/event-schemas';
import { type EventEnvelope, eventKey, type UncheckedEventEnvelope } from '../domain/events';
import { deadLetterTopic, TOPICS } from '../domain/topics';
import { InvalidEventError } from './outbox';
import type { RecordSigner } from './signing';

interface Outgoing {
  topic: string;
  message: { key?: string; value: string; headers: IHeaders };
  sent: () => void;
  failed: (error: unknown) => void;
}

/**
 * The process's one way onto Kafka. kafkajs's idempotent producer numbers records when `send` is
 * called, so concurrent sends — or a request it retried after a timeout — can reach a partition out
 * of order, and the broker then refuses every later record from that producer ("out of order
 * sequence number"). Here sends are serialised (whatever arrives while a batch is in flight goes out
 * together in the next one), and after a sequence error the producer is replaced by a new one, whose
 * fresh producer id starts its sequences again; the failed batch is retried by its callers.
 */
export class EventPublisher {
  private queue: Outgoing[] = [];
  private sending = false;

  private constructor(
    private readonly createProducer: () => Producer,
    private readonly signer: RecordSigner,
    private producer: Producer,
    private connected: boolean,
  ) {}

  /** Connects now: for processes that cannot start without Kafka (the relay, the consumers, tools). */
  static async connect(createProducer: () => Producer, signer: RecordSigner): Promise<EventPublisher> {
    const producer = createProducer();
    await producer.connect();
    return new EventPublisher(createProducer, signer, producer, true);
  }

  /** Connects at the first send, so a process that seldom sends (the API, the worker) starts without Kafka. */
  static lazy(createProducer: () => Producer, signer: RecordSigner): EventPublisher {
    return new EventPublisher(createProducer, signer, createProducer(), false);
  }

  async close(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
  }

  /**
   * Publishes a transfer event straight to Kafka (tools and tests; the service's own events go through
   * the outbox and {@link sendEvents}). The envelope is validated against its topic's schema first and
   * what the schema returns is sent; a refusal rejects with {@link InvalidEventError}, naming each bad field.
   */
  async publish(event: UncheckedEventEnvelope): Promise<void> {
    const parsed = parseEvent(event.type, event);
    if (!parsed.ok) throw new InvalidEventError(event.type, parsed.error);
    return this.sendEvents([parsed.event]);
  }

  /**
   * Sends events that were validated when they were written (the outbox relay's rows), in the order
   * given: keyed by the sender (per-sender order), eventId/type/version in headers, and the trace
   * context of each (`traceHeaders`, index for index) when it has one. They go out in one batch unless
   * one is already in flight; resolves once Kafka acknowledged every one.
   */
  async sendEvents(
    events: EventEnvelope[],
    traceHeaders: ReadonlyArray<Record<string, string> | undefined> = [],
  ): Promise<void> {
    await Promise.all(
      this.enqueue(
        events.map((event, index) => ({
          topic: event.type,
          message: {
            key: eventKey(event),
            value: JSON.stringify(event),
            headers: {
              ...traceHeaders[index],
              eventId: event.eventId,
              type: event.type,
              version: String(event.version),
            },
          },
        })),
      ),
    );
  }

  /** Sends one record to any topic (dead letters, for instance) through the same serialised path. */
  send(topic: string, message: Outgoing['message']): Promise<void> {
    return this.enqueue([{ topic, message }])[0] as Promise<void>;
  }

  /**
   * Queues the records before the drain looks, so they leave in one batch and fail as one. Queued one by
   * one, the first would leave alone; if it failed, the rest would still go out, and the caller's retry
   * would put the first after them: a sender's events out of order.
   */
  private enqueue(records: Array<Pick<Outgoing, 'topic' | 'message'>>): Array<Promise<void>> {
    const sent = records.map(
      ({ topic, message }) =>
        new Promise<void>((resolve, reject) => this.queue.push({ topic, message, sent: resolve, failed: reject })),
    );
    void this.drain();
    return sent;
  }

  private async drain(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0);
        try {
          if (!this.connected) {
            await this.producer.connect();
            this.connected = true;
          }
          await this.producer.sendBatch({ acks: -1, topicMessages: byTopic(batch, this.signer) });
          for (const item of batch) item.sent();
        } catch (error) {
          for (const item of batch) item.failed(error);
          if ((error as { type?: string }).type === 'OUT_OF_ORDER_SEQUENCE_NUMBER') await this.replaceProducer();
        }
      }
    } finally {
      this.sending = false;
    }
  }

  private async replaceProducer(): Promise<void> {
    const broken = this.producer;
    const fresh = this.createProducer();
    try {
      await fresh.connect();
    } catch {
      return; // Kafka is unreachable; the next batch tries the old producer and lands here again.
    }
    this.producer = fresh;
    this.connected = true;
    await broken.disconnect().catch(() => undefined);
  }
}

/**
 * The batch per topic, each record signed as it leaves: a record re-sent after an outage, a dead letter or
 * a replayed one carries the time it was sent, not the time it was first written.
 */
function byTopic(batch: Outgoing[], signer: RecordSigner) {
  const topics = new Map<string, Array<Outgoing['message']>>();
  for (const { topic, message } of batch) {
    const signed = { ...message, headers: { ...message.headers, ...signer.sign(message.value) } };
    topics.set(topic, [...(topics.get(topic) ?? []), signed]);
  }
  return [...topics].map(([topic, messages]) => ({ topic, messages }));
}

/** Creates every topic of the event surface and its dead-letter twin when missing. */
export async function ensureTopics(admin: Admin, partitions: number): Promise<void> {
  await admin.connect();
  const existing = new Set(await admin.listTopics());
  const wanted = TOPICS.flatMap((topic) => [topic, deadLetterTopic(topic)]).filter((topic) => !existing.has(topic));
  if (wanted.length === 0) return;
  await admin.createTopics({
    waitForLeaders: true,
    topics: wanted.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: -1 })),
  });
}
