import type { Redis } from 'ioredis';

import { EventFeed, type FeedEntry } from '../feed/event-feed';
import type { Logger } from '../logger';

/** What the hub tells each open stream. */
export interface HubListener {
  /** An entry any process just appended; entries arrive in the order of the global sequence. */
  onEntry(entry: FeedEntry): void;
  /**
   * The subscription was lost for a while and is back. Pub/sub does not replay what was published
   * meanwhile, so the listener reads that stretch from the backlog.
   */
  onResync(): void;
}

/**
 * The API process's one subscription to the live feed, shared by all its streams. A subscribed Redis
 * connection can do nothing else, so one per client would cost a connection per browser tab. Each API
 * process has its own hub; Redis pub/sub delivers every entry to all of them.
 */
export class StreamHub {
  private readonly listeners = new Set<HubListener>();
  private subscribing: Promise<void> | undefined;
  private subscriber: Redis | undefined;
  private closed = false;

  /** `connect` makes the dedicated connection, on the first stream rather than at start-up. */
  constructor(
    private readonly connect: () => Redis,
    private readonly logger: Logger,
  ) {}

  /**
   * Adds a listener and resolves once the subscription is live, so that every entry appended from
   * then on reaches it. Answers the function that removes the listener.
   */
  async attach(listener: HubListener): Promise<() => void> {
    if (this.closed) throw new Error('the stream hub is closed');
    const subscribing = (this.subscribing ??= this.subscribe());
    this.listeners.add(listener);
    try {
      await subscribing;
    } catch (error) {
      this.listeners.delete(listener);
      // The next stream tries again rather than inheriting this failure.
      if (this.subscribing === subscribing) this.subscribing = undefined;
      throw error;
    }
    return () => void this.listeners.delete(listener);
  }

  /** Drops every listener and the Redis connection. */
  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    await subscriber?.quit().catch(() => subscriber.disconnect());
  }

  private async subscribe(): Promise<void> {
    const subscriber = this.connect();
    subscriber.on('error', (error: Error) => this.logger.warn({ err: error }, 'stream hub: Redis connection error'));
    try {
      await EventFeed.subscribe(subscriber, (entry) => this.fanOut(entry));
    } catch (error) {
      subscriber.disconnect();
      throw error;
    }
    if (this.closed) {
      subscriber.disconnect();
      return;
    }
    this.subscriber = subscriber;
    // Registered after the first subscription, so it fires on reconnections only.
    subscriber.on('ready', () => void this.resync(subscriber));
  }

  private fanOut(entry: FeedEntry): void {
    for (const listener of this.listeners) {
      // One broken stream must not keep the entry from the others (or throw into ioredis).
      try {
        listener.onEntry(entry);
      } catch (error) {
        this.logger.error({ err: error, seq: entry.seq }, 'stream hub: a stream failed to take an entry');
      }
    }
  }

  /**
   * ioredis has re-sent SUBSCRIBE before it reports ready. A PING answered after it proves the
   * subscription is in effect again; only then may the listeners read the gap from the backlog.
   */
  private async resync(subscriber: Redis): Promise<void> {
    try {
      await subscriber.ping();
    } catch (error) {
      this.logger.warn({ err: error }, 'stream hub: Redis connection lost again while resubscribing');
      return;
    }
    this.logger.info({ streams: this.listeners.size }, 'stream hub: resubscribed; streams catch up from the backlog');
    for (const listener of this.listeners) listener.onResync();
  }
}
