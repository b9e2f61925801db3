import type { EventEnvelope } from '../domain/events';
import { type EventFeed, type FeedEntry, type FeedScope, inScope } from '../feed/event-feed';
import type { StreamEvent } from './presenters';
import type { HubListener, StreamHub } from './stream-hub';

/** What a client receives: a WebSocket text frame each, or the `data` of a server-sent event. */
export type StreamMessage =
  | { type: 'event'; id: string; seq: number; event: StreamEvent }
  /** Entries between the cursor and the next message are gone from the bounded backlog. */
  | { type: 'truncated' };

/** Where a stream begins (after `afterSeq`), which accounts it covers and what its client may see of an event. */
export interface StreamStart {
  scope: FeedScope;
  afterSeq: number;
  present: (event: EventEnvelope) => StreamEvent;
}

/** Where a session's messages go: one WebSocket or one event-stream response. */
export interface StreamSink {
  /** Queues a message; a client that lets more than the limit pile up unsent is dropped instead. */
  send(message: StreamMessage): void;
  /** Resolves once the client has taken most of what is queued, so a long backlog goes at its pace. */
  drained(): Promise<void>;
  /** Drops the client as too slow. */
  cutOff(): void;
}

/** What a session reads from the feed: its head and the backlog after a seq. */
export type SessionFeed = Pick<EventFeed, 'head' | 'readAfter'>;

/** What a session listens to for live entries. */
export type SessionHub = Pick<StreamHub, 'attach'>;

const BACKLOG_PAGE = 500;
/** Live entries a session holds back while it reads the backlog; more means the client cannot keep up. */
const MAX_HELD_ENTRIES = 10_000;

/**
 * One client's stream: the backlog after its cursor, then live entries, each once and in seq order.
 *
 * It listens to the hub before it reads the backlog and holds live entries back meanwhile. The backlog
 * is read only up to the head seen after subscribing: every entry up to that head is already in the
 * streams (the append script is atomic), and every later one is published after the subscription, so
 * it is held. Reading several account streams one after another is therefore safe, and `lastSeq`
 * drops what both paths delivered.
 */
export class FeedSession implements HubListener {
  private lastSeq: number;
  private readonly scope: FeedScope;
  private readonly present: StreamStart['present'];
  /** Live entries held back while the backlog is read; undefined while they go straight out. */
  private held: FeedEntry[] | undefined = [];
  private catchingUp = false;
  private catchUpAgain = false;
  private detach: (() => void) | undefined;
  private ended = false;

  constructor(
    private readonly feed: SessionFeed,
    start: StreamStart,
    private readonly sink: StreamSink,
    private readonly onFailure: (error: unknown) => void,
  ) {
    this.scope = start.scope;
    this.lastSeq = start.afterSeq;
    this.present = start.present;
  }

  /** Listens to the hub, then sends the backlog after the cursor and, from then on, live entries. */
  async start(hub: SessionHub): Promise<void> {
    try {
      const detach = await hub.attach(this);
      if (this.ended) return detach();
      this.detach = detach;
    } catch (error) {
      return this.fail(error);
    }
    await this.catchUp();
  }

  /** Stops delivering; the transport has closed. */
  end(): void {
    this.ended = true;
    this.detach?.();
  }

  onEntry(entry: FeedEntry): void {
    if (this.ended || !inScope(entry, this.scope)) return;
    if (!this.held) return this.deliver(entry);
    if (this.held.length >= MAX_HELD_ENTRIES) {
      // The backlog is still waiting for the client to read; it will not catch up with the live feed.
      this.end();
      return this.sink.cutOff();
    }
    this.held.push(entry);
  }

  onResync(): void {
    void this.catchUp();
  }

  private async catchUp(): Promise<void> {
    if (this.catchingUp) {
      this.catchUpAgain = true;
      return;
    }
    this.catchingUp = true;
    this.held ??= [];
    try {
      do {
        this.catchUpAgain = false;
        await this.readBacklog();
      } while (this.catchUpAgain && !this.ended);
      const held = this.held;
      this.held = undefined;
      for (const entry of held) this.deliver(entry);
    } catch (error) {
      this.fail(error);
    } finally {
      this.catchingUp = false;
    }
  }

  private async readBacklog(): Promise<void> {
    const upTo = await this.feed.head();
    while (!this.ended && this.lastSeq < upTo) {
      const page = await this.feed.readAfter(this.scope, this.lastSeq, BACKLOG_PAGE);
      if (this.ended) return;
      if (page.truncated) this.sink.send({ type: 'truncated' });
      for (const entry of page.entries) {
        if (entry.seq > upTo) return;
        await this.sink.drained();
        if (this.ended) return;
        this.deliver(entry);
      }
      if (page.entries.length < BACKLOG_PAGE) return;
    }
  }

  private deliver(entry: FeedEntry): void {
    if (entry.seq <= this.lastSeq) return;
    this.lastSeq = entry.seq;
    this.sink.send({ type: 'event', id: entry.event.eventId, seq: entry.seq, event: this.present(entry.event) });
  }

  private fail(error: unknown): void {
    if (this.ended) return;
    this.end();
    this.onFailure(error);
  }
}
