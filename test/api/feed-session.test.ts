/** @isolated no service */
import type { EventEnvelope } from '../../src/domain/events';
import type { FeedEntry, FeedScope } from '../../src/feed/event-feed';
import {
  FeedSession,
  type SessionFeed,
  type SessionHub,
  type StreamMessage,
  type StreamSink,
} from '../../src/api/feed-session';
import type { HubListener } from '../../src/api/stream-hub';

/** The feed in memory: entries by seq, a head, and an optional gate that holds every read until opened. */
class FakeFeed implements SessionFeed {
  readonly entries: FeedEntry[] = [];
  /** The highest seq trimmed away; reading from before it is truncated. */
  trimmedUpTo = 0;
  failure: Error | undefined;
  reads = 0;
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;

  append(seq: number, accounts: string[]): FeedEntry {
    const entry = { seq, accounts, event: envelope(seq) };
    this.entries.push(entry);
    return entry;
  }

  holdReads(): void {
    this.gate = new Promise((open) => (this.openGate = open));
  }

  releaseReads(): void {
    this.openGate?.();
    this.gate = undefined;
  }

  async head(): Promise<number> {
    return this.entries.at(-1)?.seq ?? 0;
  }

  async readAfter(scope: FeedScope, afterSeq: number, limit = 1000) {
    this.reads += 1;
    await this.gate;
    if (this.failure) throw this.failure;
    const entries = this.entries
      .filter((entry) => entry.seq > afterSeq)
      .filter((entry) => scope === 'all' || entry.accounts.some((account) => scope.includes(account)))
      .slice(0, limit);
    return { entries, truncated: this.trimmedUpTo > afterSeq };
  }
}

/** The hub in memory: it keeps its listeners and lets a test push entries to them. */
class FakeHub implements SessionHub {
  readonly listeners = new Set<HubListener>();
  failure: Error | undefined;

  async attach(listener: HubListener): Promise<() => void> {
    if (this.failure) throw this.failure;
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  publish(entry: FeedEntry): void {
    for (const listener of this.listeners) listener.onEntry(entry);
  }

  resync(): void {
    for (const listener of this.listeners) listener.onResync();
  }
}

class FakeSink implements StreamSink {
  readonly messages: StreamMessage[] = [];
  cutOffs = 0;

  send(message: StreamMessage): void {
    this.messages.push(message);
  }

  async drained(): Promise<void> {}

  cutOff(): void {
    this.cutOffs += 1;
  }

  get seqs(): number[] {
    return this.messages.flatMap((message) => (message.type === 'event' ? [message.seq] : []));
  }
}

function envelope(seq: number): EventEnvelope<'transfer.completed'> {
  return {
    eventId: `t-${seq}:transfer.completed`,
    type: 'transfer.completed',
    version: 1,
    occurredAt: '2024-05-01T12:00:00.000Z',
    transferId: `t-${seq}`,
    data: {} as EventEnvelope<'transfer.completed'>['data'],
  };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

function session(feed: FakeFeed, scope: FeedScope, afterSeq: number) {
  const sink = new FakeSink();
  const failures: unknown[] = [];
  const present = (event: EventEnvelope) => event;
  const feedSession = new FeedSession(feed, { scope, afterSeq, present }, sink, (error) => failures.push(error));
  return { sink, failures, feedSession };
}

describe('FeedSession', () => {
  it('sends the backlog after its cursor, then live entries, each once and in seq order', async () => {
    const feed = new FakeFeed();
    const hub = new FakeHub();
    [1, 2, 3].forEach((seq) => feed.append(seq, ['a']));
    const { sink, feedSession } = session(feed, 'all', 1);

    await feedSession.start(hub);
    hub.publish(feed.entries[2]!); // already sent from the backlog
    hub.publish(feed.append(4, ['a']));

    expect(sink.seqs).toEqual([2, 3, 4]);
    expect(sink.messages[0]).toEqual({ type: 'event', id: 't-2:transfer.completed', seq: 2, event: envelope(2) });
  });

  it('holds live entries back while it reads the backlog, and sends them after it', async () => {
    const feed = new FakeFeed();
    const hub = new FakeHub();
    feed.append(1, ['a']);
    feed.holdReads();
    const { sink, feedSession } = session(feed, 'all', 0);

    const started = feedSession.start(hub);
    await settle();
    hub.publish(feed.append(2, ['a']));
    expect(sink.seqs).toEqual([]);
    feed.releaseReads();
    await started;

    expect(sink.seqs).toEqual([1, 2]);
  });

  it('sends only the entries of the accounts in its scope', async () => {
    const feed = new FakeFeed();
    const hub = new FakeHub();
    feed.append(1, ['a', 'b']);
    feed.append(2, ['c']);
    const { sink, feedSession } = session(feed, ['a'], 0);

    await feedSession.start(hub);
    hub.publish(feed.append(3, ['c', 'd']));
    hub.publish(feed.append(4, ['x', 'a']));

    expect(sink.seqs).toEqual([1, 4]);
  });

  it('says so when the backlog no longer reaches back to its cursor', async () => {
    const feed = new FakeFeed();
    feed.append(5, ['a']);
    feed.trimmedUpTo = 4;
    const { sink, feedSession } = session(feed, 'all', 2);

    await feedSession.start(new FakeHub());

    expect(sink.messages.map((message) => message.type)).toEqual(['truncated', 'event']);
  });

  it('reads what it missed from the backlog when the hub resubscribes', async () => {
    const feed = new FakeFeed();
    const hub = new FakeHub();
    const { sink, feedSession } = session(feed, 'all', 0);
    await feedSession.start(hub);

    // Appended while the subscription was down: never published to this process.
    feed.append(1, ['a']);
    feed.append(2, ['a']);
    hub.resync();
    await settle();
    hub.publish(feed.append(3, ['a']));

    expect(sink.seqs).toEqual([1, 2, 3]);
  });

  it('stops delivering and leaves the hub when it ends', async () => {
    const feed = new FakeFeed();
    const hub = new FakeHub();
    const { sink, feedSession } = session(feed, 'all', 0);
    await feedSession.start(hub);

    feedSession.end();
    hub.publish(feed.append(1, ['a']));

    expect(hub.listeners.size).toBe(0);
    expect(sink.messages).toEqual([]);
  });

  it('leaves the hub at once when it ended before the subscription was live', async () => {
    const hub = new FakeHub();
    const { feedSession } = session(new FakeFeed(), 'all', 0);

    const started = feedSession.start(hub);
    feedSession.end();
    await started;

    expect(hub.listeners.size).toBe(0);
  });

  it('reports a failing feed once and leaves the hub', async () => {
    const feed = new FakeFeed();
    const hub = new FakeHub();
    feed.append(1, ['a']);
    feed.failure = new Error('redis down');
    const { sink, failures, feedSession } = session(feed, 'all', 0);

    await feedSession.start(hub);

    expect(failures).toEqual([feed.failure]);
    expect(hub.listeners.size).toBe(0);
    expect(sink.messages).toEqual([]);
  });

  it('reports a hub that cannot subscribe', async () => {
    const hub = new FakeHub();
    hub.failure = new Error('no subscription');
    const { failures, feedSession } = session(new FakeFeed(), 'all', 0);

    await feedSession.start(hub);

    expect(failures).toEqual([hub.failure]);
  });

  it('cuts a client off when more live entries wait than it can hold while the backlog is read', async () => {
    const feed = new FakeFeed();
    const hub = new FakeHub();
    feed.append(1, ['a']);
    feed.holdReads();
    const { sink, feedSession } = session(feed, 'all', 0);

    const started = feedSession.start(hub);
    await settle();
    for (let seq = 2; seq <= 10_002; seq += 1) hub.publish(feed.append(seq, ['a']));
    feed.releaseReads();
    await started;

    expect(sink.cutOffs).toBe(1);
    expect(hub.listeners.size).toBe(0);
  });
});
