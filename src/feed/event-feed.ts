import type { Redis } from 'ioredis';

import type { EventEnvelope } from '../domain/events';

/**
 * What users and operators see live: transfer events per account, in Redis.
 *
 * The notifier appends each event once (by eventId) with one Lua script: it takes the next number of
 * one global sequence, adds the entry under that number to the stream of every account the transfer
 * touches (and to the all-accounts stream staff follow), and publishes it on a channel every API
 * process listens to. The sequence number is the entry's stream id, so per-account order is the
 * order of appending, and "everything after event X" is exact across an account's streams: no gap,
 * no duplicate. Streams are capped (a bounded backlog); a client that falls further behind than the
 * backlog is told so.
 */

export interface FeedEntry {
  /** Position in the global sequence; strictly increasing. */
  seq: number;
  /** The accounts whose streams hold it (sender and receiver). */
  accounts: string[];
  event: EventEnvelope;
}

/** All accounts (staff), or the given ones (a USER's own). */
export type FeedScope = 'all' | string[];

const CHANNEL = 'feed:live';
const SEEN_TTL_SECONDS = 7 * 24 * 60 * 60;

const keys = {
  sequence: 'feed:seq',
  all: 'feed:all',
  account: (accountId: string) => `feed:account:{${accountId}}`,
  seen: (eventId: string) => `feed:seen:${eventId}`,
};

// KEYS: seen marker, sequence, all stream, account streams…  ARGV: entry JSON (without seq), per-account
// cap, all-stream cap, seen TTL, channel. Answers the new seq, or the existing one for a duplicate.
// Trimming is exact and remembers the last seq it removed (under <stream>:trimmed): Redis's own
// MAXLEN trimming does not record what it dropped, and a resuming client must learn that it missed some.
const APPEND = `
local existing = redis.call('GET', KEYS[1])
if existing then return {0, tonumber(existing)} end
local seq = redis.call('INCR', KEYS[2])
local id = seq .. '-0'
local function add(stream, cap)
  redis.call('XADD', stream, id, 'entry', ARGV[1])
  local excess = redis.call('XLEN', stream) - cap
  if excess > 0 then
    local gone = redis.call('XRANGE', stream, '-', '+', 'COUNT', excess)
    redis.call('SET', stream .. ':trimmed', string.match(gone[#gone][1], '^(%d+)'))
    redis.call('XTRIM', stream, 'MAXLEN', cap)
  end
end
add(KEYS[3], tonumber(ARGV[3]))
for i = 4, #KEYS do add(KEYS[i], tonumber(ARGV[2])) end
redis.call('SET', KEYS[1], seq, 'EX', ARGV[4])
redis.call('PUBLISH', ARGV[5], seq .. ' ' .. ARGV[1])
return {1, seq}`;

export class EventFeed {
  constructor(
    private readonly redis: Redis,
    private readonly backlog = { perAccount: 1000, all: 10_000 },
  ) {}

  /** Appends an event for its accounts once; a repeated eventId answers the first append's seq. */
  async append(event: EventEnvelope, accounts: string[]): Promise<{ seq: number; appended: boolean }> {
    const distinct = [...new Set(accounts)];
    const [appended, seq] = (await this.redis.eval(
      APPEND,
      3 + distinct.length,
      keys.seen(event.eventId),
      keys.sequence,
      keys.all,
      ...distinct.map(keys.account),
      JSON.stringify({ accounts: distinct, event }),
      this.backlog.perAccount,
      this.backlog.all,
      SEEN_TTL_SECONDS,
      CHANNEL,
    )) as [number, number];
    return { seq, appended: appended === 1 };
  }

  /** The seq an eventId was appended under, to resume after it; undefined if unknown or expired. */
  async seqOf(eventId: string): Promise<number | undefined> {
    const seq = await this.redis.get(keys.seen(eventId));
    return seq === null ? undefined : Number(seq);
  }

  /**
   * Entries of the scope after `afterSeq`, oldest first, at most `limit`. `truncated` says the
   * backlog no longer reaches back to `afterSeq`: the client missed entries that are gone.
   */
  async readAfter(
    scope: FeedScope,
    afterSeq: number,
    limit = 1000,
  ): Promise<{ entries: FeedEntry[]; truncated: boolean }> {
    const streams = scope === 'all' ? [keys.all] : scope.map(keys.account);
    const bySeq = new Map<number, FeedEntry>();
    let truncated = false;
    for (const stream of streams) {
      const rows = await this.redis.xrange(stream, `(${afterSeq}-0`, '+', 'COUNT', limit);
      for (const [id, fields] of rows) bySeq.set(parseSeq(id), parseEntry(id, fields));
      truncated ||= (await this.lastTrimmedSeq(stream)) > afterSeq;
    }
    const entries = [...bySeq.values()].sort((a, b) => a.seq - b.seq).slice(0, limit);
    return { entries, truncated };
  }

  /** The newest seq appended so far (0 when none): a new subscriber without a cursor starts here. */
  async head(): Promise<number> {
    return Number((await this.redis.get(keys.sequence)) ?? 0);
  }

  /**
   * Calls `listener` with every entry appended from now on, by any process. Needs its own Redis
   * connection (a subscribed connection can do nothing else); answers a function that unsubscribes.
   */
  static async subscribe(subscriber: Redis, listener: (entry: FeedEntry) => void): Promise<() => Promise<void>> {
    const onMessage = (channel: string, message: string) => {
      if (channel !== CHANNEL) return;
      const space = message.indexOf(' ');
      const seq = Number(message.slice(0, space));
      const { accounts, event } = JSON.parse(message.slice(space + 1)) as Omit<FeedEntry, 'seq'>;
      listener({ seq, accounts, event });
    };
    subscriber.on('message', onMessage);
    await subscriber.subscribe(CHANNEL);
    return async () => {
      subscriber.off('message', onMessage);
      await subscriber.unsubscribe(CHANNEL);
    };
  }

  /** The highest seq the cap has trimmed from a stream; 0 when nothing was trimmed. */
  private async lastTrimmedSeq(stream: string): Promise<number> {
    return Number((await this.redis.get(`${stream}:trimmed`)) ?? 0);
  }
}

/** Whether an entry belongs to a scope. */
export function inScope(entry: FeedEntry, scope: FeedScope): boolean {
  return scope === 'all' || entry.accounts.some((account) => scope.includes(account));
}

const parseSeq = (id: string): number => Number(id.slice(0, id.indexOf('-')));

function parseEntry(id: string, fields: string[]): FeedEntry {
  const { accounts, event } = JSON.parse(fields[1] ?? '{}') as Omit<FeedEntry, 'seq'>;
  return { seq: parseSeq(id), accounts, event };
}
