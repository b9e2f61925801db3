import type { Pool, PoolClient } from 'pg';

import type { Logger } from '../logger';
import type { ServiceMetrics } from '../service-metrics';
import { startPublishSpans } from '../tracing';
import type { OutboxStore } from './outbox';
import type { EventPublisher } from './publisher';

export interface RelaySettings {
  /** Rows sent to Kafka in one batch at most. */
  batchSize: number;
  /** How long a published row is kept before it is purged. */
  retentionMs: number;
  /** How often the leader purges. */
  purgeEveryMs: number;
}

/** The advisory lock whose holder is the one relay that publishes (any number may stand by). */
const LEADER_LOCK = 0x0_7ab5_0001;
/** How often a relay on standby asks for the lock, and waits after losing its connection. */
const STANDBY_MS = 2_000;
/** Without a notification (one may be lost while reconnecting), the leader still looks this often. */
const IDLE_POLL_MS = 1_000;
/** Backoff while Kafka refuses batches: doubles from the first to the last. */
const KAFKA_BACKOFF_MS = { first: 250, last: 5_000 };

/**
 * Publishes the outbox to Kafka (DESIGN.md §5). One relay leads at a time, chosen by a PostgreSQL
 * advisory lock held on its own connection: the leader sends unpublished rows oldest first, one batch
 * in flight at a time with the idempotent producer (acks=all), and marks them published only once
 * Kafka has acknowledged them, so a crash re-sends (consumers drop the copy by eventId) but never loses
 * or reorders a sender's events. A commit wakes it through NOTIFY. When Kafka is down it backs off and
 * keeps trying; when PostgreSQL drops its connection the lock goes with it and whichever relay asks
 * first leads next. No outage ends the process.
 */
export class OutboxRelay {
  private stopping = false;
  /** Ends the current pause: stop() always; a notification or a lost connection only an idle pause. */
  private wakeUp: (() => void) | undefined;
  private wakeOnNews = false;
  /** A commit was notified while no pause was listening: the next idle pause returns at once. */
  private news = false;
  private running: Promise<void> | undefined;
  private kafkaDownSince: number | undefined;

  constructor(
    private readonly postgres: Pool,
    private readonly store: OutboxStore,
    private readonly publisher: EventPublisher,
    private readonly settings: RelaySettings,
    private readonly logger: Logger,
    private readonly metrics: Pick<ServiceMetrics, 'relayPublish'>,
  ) {}

  start(): void {
    this.running ??= this.run();
  }

  /** Finishes the batch in hand and lets go of the lock. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeOnNews = true;
    this.wakeUp?.();
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.leadWhileConnected();
      } catch (error) {
        this.logger.warn({ err: error }, 'outbox relay lost PostgreSQL; trying again');
      }
      if (!this.stopping) await this.pause(STANDBY_MS, false);
    }
  }

  /** Waits for the lock on a connection of its own, then relays until that connection fails. */
  private async leadWhileConnected(): Promise<void> {
    const connection = await this.postgres.connect();
    let lost: Error | undefined;
    const onError = (error: Error) => {
      lost ??= error;
      if (this.wakeOnNews) this.wakeUp?.();
    };
    const onNotification = () => {
      this.news = true;
      if (this.wakeOnNews) this.wakeUp?.();
    };
    connection.on('error', onError);
    connection.on('notification', onNotification);
    try {
      if (!(await this.awaitLeadership(connection, () => lost))) return;
      await connection.query('LISTEN outbox');
      this.logger.info('outbox relay leads');
      let purgeDue = Date.now() + this.settings.purgeEveryMs;
      while (!this.stopping && lost === undefined) {
        const sent = await this.relayBatch();
        if (Date.now() >= purgeDue) {
          purgeDue = Date.now() + this.settings.purgeEveryMs;
          const purged = await this.store.purge(this.settings.retentionMs);
          if (purged > 0) this.logger.info({ purged }, 'purged published outbox rows');
        }
        if (sent === 'idle') await this.pause(IDLE_POLL_MS, true);
        // Not woken by commits: under load they come every few milliseconds, and Kafka needs the pause.
        else if (sent === 'kafka-down') await this.pause(this.kafkaBackoffMs(), false);
      }
      if (lost) throw lost;
    } finally {
      connection.removeListener('notification', onNotification);
      connection.removeListener('error', onError);
      // Destroyed, not returned to the pool: that ends the session, and with it the lock and the LISTEN.
      connection.release(true);
    }
  }

  private async awaitLeadership(connection: PoolClient, lost: () => Error | undefined): Promise<boolean> {
    while (!this.stopping && lost() === undefined) {
      const { rows } = await connection.query<{ leader: boolean }>('SELECT pg_try_advisory_lock($1) AS leader', [
        LEADER_LOCK,
      ]);
      if (rows[0]?.leader) return true;
      await this.pause(STANDBY_MS, false);
    }
    return false;
  }

  /** Sends the oldest unpublished rows; answers what happened, so the loop knows how long to wait. */
  private async relayBatch(): Promise<'sent' | 'idle' | 'kafka-down'> {
    this.news = false;
    const rows = await this.store.unpublished(this.settings.batchSize);
    if (rows.length === 0) return 'idle';
    // One PRODUCER span per event, in the trace the event was written in (none while traces are off).
    const spans = startPublishSpans(rows);
    // Only an acknowledged batch is timed: a refusal lasts as long as a connection error or a timeout takes,
    // not a publish, and the outbox lag already shows it.
    const stopTimer = this.metrics.relayPublish.startTimer();
    try {
      await this.publisher.sendEvents(
        rows.map((row) => row.event),
        spans.headers,
      );
      stopTimer();
      spans.end();
    } catch (error) {
      spans.end(error);
      if (this.kafkaDownSince === undefined) {
        this.kafkaDownSince = Date.now();
        this.logger.warn({ err: error, pending: rows.length }, 'Kafka refused the outbox batch; retrying with backoff');
      }
      return 'kafka-down';
    }
    if (this.kafkaDownSince !== undefined) {
      this.logger.info({ downMs: Date.now() - this.kafkaDownSince }, 'Kafka takes outbox batches again');
      this.kafkaDownSince = undefined;
    }
    await this.store.markPublished(rows.map((row) => row.id));
    return 'sent';
  }

  private kafkaBackoffMs(): number {
    const downFor = Date.now() - (this.kafkaDownSince ?? Date.now());
    return Math.min(KAFKA_BACKOFF_MS.last, Math.max(KAFKA_BACKOFF_MS.first, downFor / 2));
  }

  /** Sleeps up to `ms`; stop() ends it early, and so does news (a commit, a lost connection) if asked. */
  private pause(ms: number, wakeOnNews: boolean): Promise<void> {
    if (this.stopping || (wakeOnNews && this.news)) return Promise.resolve();
    this.wakeOnNews = wakeOnNews;
    return new Promise((resume) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resume();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }
}
