import type { Redis } from 'ioredis';

import { MAX_DEVICE_DAYS } from './conditions';

/**
 * What risk keeps in Redis: the published rule set (under its version stamp), and per sender the
 * velocity counters, the daily total, the receivers seen, the recent history the anomaly model
 * reads, its recent located transfers and the devices it used. Everything one evaluation needs is read
 * and updated in a single Lua script, so a worker never sees a rule set that is half-published, and
 * counters never see half a transfer.
 *
 * Counters are keyed by the transfer's event time (its submission), not by when the activity runs,
 * and every update is remembered per transfer under `risk:seen:T`, so a retried or replayed evaluation
 * does not count the transfer twice. Compensation withdraws it again ({@link RedisRiskState.withdraw}).
 *
 * Velocity uses fixed buckets per window: a window of W seconds is summed over 60 buckets of W/60
 * (at least one second), each a hash {count, sum} that expires once no window can reach it. A
 * window is therefore exact to within one bucket at its far edge.
 *
 * Located transfers are a sorted set by event time (member `transferId,lat,lon`), the newest 20 kept; a
 * transfer's previous location is the nearest at or before its event time, else (evaluations run out of
 * order) the nearest after it. Devices are one sorted set of sightings per device (transfer id by event
 * time, the newest 10) and an index of the sender's devices by last sighting, the 50 most recent kept, each
 * expiring 400 days after its last sighting; a device evicted from the index is forgotten, and seen as new.
 *
 * Compensation withdraws a transfer's location and device sightings too: a transfer that moved no money
 * (blocked, or a step-up nobody confirmed) is no evidence that the sender was there or held that device,
 * and keeping it would let a failed attempt vouch for the next one from the same place or device.
 */

/** A rule set as published: the version stamp and the rules' JSON, written and read as one. */
export interface PublishedRuleSet {
  version: number;
  rulesJson: string;
  /** Every velocity window (seconds) the rules read, so the script counts exactly those. */
  windows: number[];
}

export interface TransferFactsRequest {
  transferId: string;
  fromAccountId: string;
  toAccountId: string;
  amount: number;
  eventTimeMs: number;
  /** The rule-set version the caller has cached; the script sends the rules only when it differs. */
  cachedVersion: number;
  /** Where the transfer was made, when known. */
  location?: { lat: number; lon: number };
  /** The device the client named; 1–128 of `[A-Za-z0-9._:-]`, as the API validates it. */
  deviceId?: string;
}

export type GatheredFacts =
  | { ruleSet: 'MISSING' }
  | {
      ruleSet: 'PUBLISHED';
      version: number;
      /** Present only when `version` differs from the caller's cached one. */
      rulesJson?: string;
      velocity: Record<number, { count: number; sum: number }>;
      dailyTotal: number;
      newReceiver: boolean;
      /** The sender's earlier transfers, most recent first, as they were before this one. */
      history: Array<{ amount: number; atMs: number }>;
      /** The sender's other located transfer nearest in event time, as it stood when this one was first gathered. */
      previousLocation?: { lat: number; lon: number; atMs: number };
      /** The device's last sighting from this sender up to this transfer's event time, as first gathered. */
      deviceLastSeenMs?: number;
    };

const HISTORY_LENGTH = 100;
const DAY_MS = 24 * 60 * 60_000;
const HISTORY_TTL_MS = 90 * DAY_MS;
const RECEIVERS_TTL_MS = 400 * DAY_MS;
const LOCATED_LENGTH = 20;
const DEVICES_PER_SENDER = 50;
const SIGHTINGS_PER_DEVICE = 10;
// A new-device rule can look back no further than the devices are kept.
const DEVICES_TTL_MS = MAX_DEVICE_DAYS * DAY_MS;

const keys = {
  seen: (transferId: string) => `risk:seen:${transferId}`,
  sender: (accountId: string) => `risk:{${accountId}}`,
};

// KEYS: rule set, seen marker, sender prefix. ARGV: cached version, transfer id, receiver, amount,
// event time ms, UTC day (YYYYMMDD), end of that day ms, history length, TTLs (history, receivers),
// lat, lon and device id ('' when unknown), located length, devices per sender, sightings per device,
// device TTL. Event times go back to Redis as the ARGV strings: Lua prints numbers to 14 significant
// digits only.
const GATHER = `
local ruleSet = redis.call('HMGET', KEYS[1], 'version', 'rules', 'windows')
if not ruleSet[1] then return {'MISSING'} end
local prefix = KEYS[3]
local amount = tonumber(ARGV[4])
local t = tonumber(ARGV[5])
local dayKey = prefix .. ':day:' .. ARGV[6]
local seen = KEYS[2]

local first = redis.call('HSETNX', seen, 'from', prefix) == 1
if first then
  local isNew = redis.call('SADD', prefix .. ':receivers', ARGV[3])
  redis.call('PEXPIRE', prefix .. ':receivers', ARGV[10])
  local history = redis.call('LRANGE', prefix .. ':history', 0, tonumber(ARGV[8]) - 1)
  local entry = ARGV[2] .. ':' .. ARGV[4] .. ':' .. ARGV[5]
  redis.call('LPUSH', prefix .. ':history', entry)
  redis.call('LTRIM', prefix .. ':history', 0, tonumber(ARGV[8]) - 1)
  redis.call('PEXPIRE', prefix .. ':history', ARGV[9])
  redis.call('INCRBY', dayKey, amount)
  redis.call('PEXPIREAT', dayKey, tonumber(ARGV[7]) + 86400000)

  local located = prefix .. ':located'
  local near = redis.call('ZREVRANGEBYSCORE', located, ARGV[5], '-inf', 'WITHSCORES', 'LIMIT', 0, 1)
  if #near == 0 then near = redis.call('ZRANGEBYSCORE', located, '(' .. ARGV[5], '+inf', 'WITHSCORES', 'LIMIT', 0, 1) end
  local previous = ''
  if #near == 2 then
    local nearLat, nearLon = string.match(near[1], '^[^,]*,([^,]+),([^,]+)$')
    previous = nearLat .. ',' .. nearLon .. ',' .. near[2]
  end
  local place = ''
  if ARGV[11] ~= '' then
    place = ARGV[2] .. ',' .. ARGV[11] .. ',' .. ARGV[12]
    redis.call('ZADD', located, ARGV[5], place)
    redis.call('ZREMRANGEBYRANK', located, 0, -(tonumber(ARGV[14]) + 1))
    redis.call('PEXPIRE', located, ARGV[9])
  end

  local device = ARGV[13]
  local deviceSeen = ''
  if device ~= '' then
    local sightings = prefix .. ':device:' .. device
    local last = redis.call('ZREVRANGEBYSCORE', sightings, ARGV[5], '-inf', 'WITHSCORES', 'LIMIT', 0, 1)
    if #last == 2 then deviceSeen = last[2] end
    redis.call('ZADD', sightings, ARGV[5], ARGV[2])
    redis.call('ZREMRANGEBYRANK', sightings, 0, -(tonumber(ARGV[16]) + 1))
    redis.call('PEXPIRE', sightings, ARGV[17])
    local devices = prefix .. ':devices'
    local newest = redis.call('ZREVRANGE', sightings, 0, 0, 'WITHSCORES')
    redis.call('ZADD', devices, newest[2], device)
    local keep = -(tonumber(ARGV[15]) + 1)
    for _, evicted in ipairs(redis.call('ZRANGE', devices, 0, keep)) do
      redis.call('DEL', prefix .. ':device:' .. evicted)
    end
    redis.call('ZREMRANGEBYRANK', devices, 0, keep)
    redis.call('PEXPIRE', devices, ARGV[17])
  end

  redis.call('HSET', seen, 'amount', ARGV[4], 't', ARGV[5], 'day', dayKey, 'entry', entry, 'newReceiver', isNew,
    'history', table.concat(history, ','), 'previous', previous, 'place', place, 'device', device,
    'deviceSeen', deviceSeen)
  redis.call('PEXPIRE', seen, tonumber(ARGV[9]))
end

local velocity = {}
for window in string.gmatch(ruleSet[3] or '', '[^,]+') do
  local windowMs = tonumber(window) * 1000
  local bucketMs = math.max(1000, math.floor(windowMs / 60))
  local series = prefix .. ':vel:' .. bucketMs .. ':'
  local current = math.floor(t / bucketMs)
  if redis.call('HSETNX', seen, 'w:' .. bucketMs, current) == 1 then
    local bucket = series .. current
    redis.call('HINCRBY', bucket, 'count', 1)
    redis.call('HINCRBY', bucket, 'sum', amount)
    redis.call('PEXPIREAT', bucket, (current + 1) * bucketMs + windowMs)
  end
  local count, sum = 0, 0
  for index = math.floor((t - windowMs) / bucketMs) + 1, current do
    local values = redis.call('HMGET', series .. index, 'count', 'sum')
    count = count + (tonumber(values[1]) or 0)
    sum = sum + (tonumber(values[2]) or 0)
  end
  table.insert(velocity, tonumber(window))
  table.insert(velocity, count)
  table.insert(velocity, sum)
end

local facts = redis.call('HMGET', seen, 'newReceiver', 'history', 'previous', 'deviceSeen')
local rules = false
if ruleSet[1] ~= ARGV[1] then rules = ruleSet[2] end
return {'PUBLISHED', tonumber(ruleSet[1]), rules, velocity, tonumber(redis.call('GET', dayKey) or '0'),
  tonumber(facts[1]), facts[2] or '', facts[3] or '', facts[4] or ''}`;

// Takes a transfer's contribution back out of every counter it was added to, and its location and device
// sightings; once only. KEYS: seen marker. ARGV: transfer id.
const WITHDRAW = `
local seen = redis.call('HGETALL', KEYS[1])
if #seen == 0 then return 'NOT_COUNTED' end
local fields = {}
for i = 1, #seen, 2 do fields[seen[i]] = seen[i + 1] end
if fields['withdrawn'] then return 'ALREADY_WITHDRAWN' end
local amount = tonumber(fields['amount'])
for field, bucketIndex in pairs(fields) do
  local bucketMs = string.match(field, '^w:(%d+)$')
  if bucketMs then
    local bucket = fields['from'] .. ':vel:' .. bucketMs .. ':' .. bucketIndex
    if redis.call('EXISTS', bucket) == 1 then
      redis.call('HINCRBY', bucket, 'count', -1)
      redis.call('HINCRBY', bucket, 'sum', -amount)
    end
  end
end
if redis.call('EXISTS', fields['day']) == 1 then redis.call('DECRBY', fields['day'], amount) end
redis.call('LREM', fields['from'] .. ':history', 1, fields['entry'])
if fields['place'] and fields['place'] ~= '' then redis.call('ZREM', fields['from'] .. ':located', fields['place']) end
local device = fields['device']
if device and device ~= '' then
  local sightings = fields['from'] .. ':device:' .. device
  redis.call('ZREM', sightings, ARGV[1])
  local newest = redis.call('ZREVRANGE', sightings, 0, 0, 'WITHSCORES')
  local devices = fields['from'] .. ':devices'
  -- XX: a device the index evicted meanwhile stays forgotten.
  if #newest == 2 then redis.call('ZADD', devices, 'XX', newest[2], device) else redis.call('ZREM', devices, device) end
end
redis.call('HSET', KEYS[1], 'withdrawn', '1')
return 'WITHDRAWN'`;

// Publishes only a newer version, so two writers finishing out of order leave the newest set; a forced
// publication replaces whatever is there (PostgreSQL was restored to an older rule set).
const PUBLISH = `
local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '-1')
if ARGV[4] ~= 'force' and current >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'rules', ARGV[2], 'windows', ARGV[3])
return 1`;

export type WithdrawOutcome = 'WITHDRAWN' | 'ALREADY_WITHDRAWN' | 'NOT_COUNTED';

export class RedisRiskState {
  /**
   * @param ruleSetKey - where the rule set is published; tests pass their own so they never disturb
   *   the service's rules.
   */
  constructor(
    private readonly redis: Redis,
    private readonly ruleSetKey = 'risk:rules',
  ) {}

  /** Publishes a rule set unless a newer one is already there (or `force`); true when this call wrote it. */
  async publishRules(ruleSet: PublishedRuleSet, force = false): Promise<boolean> {
    const written = await this.redis.eval(
      PUBLISH,
      1,
      this.ruleSetKey,
      ruleSet.version,
      ruleSet.rulesJson,
      ruleSet.windows.join(','),
      force ? 'force' : 'newer',
    );
    return written === 1;
  }

  /** The published rule-set version, or undefined when Redis has none (never published, or lost). */
  async publishedVersion(): Promise<number | undefined> {
    const version = await this.redis.hget(this.ruleSetKey, 'version');
    return version === null ? undefined : Number(version);
  }

  /**
   * Counts the transfer (once) and answers everything the rules and the anomaly model read, together
   * with the rule set those facts were gathered for.
   */
  async gather(request: TransferFactsRequest): Promise<GatheredFacts> {
    const day = new Date(request.eventTimeMs).toISOString().slice(0, 10).replace(/-/g, '');
    const endOfDay = (Math.floor(request.eventTimeMs / DAY_MS) + 1) * DAY_MS;
    const reply = (await this.redis.eval(
      GATHER,
      3,
      this.ruleSetKey,
      keys.seen(request.transferId),
      keys.sender(request.fromAccountId),
      String(request.cachedVersion),
      request.transferId,
      request.toAccountId,
      request.amount,
      request.eventTimeMs,
      day,
      endOfDay,
      HISTORY_LENGTH,
      HISTORY_TTL_MS,
      RECEIVERS_TTL_MS,
      request.location ? String(request.location.lat) : '',
      request.location ? String(request.location.lon) : '',
      request.deviceId ?? '',
      LOCATED_LENGTH,
      DEVICES_PER_SENDER,
      SIGHTINGS_PER_DEVICE,
      DEVICES_TTL_MS,
    )) as [string, number?, (string | null)?, number[]?, number?, number?, string?, string?, string?];
    if (reply[0] === 'MISSING') return { ruleSet: 'MISSING' };
    const [, version, rulesJson, flatVelocity = [], dailyTotal = 0, newReceiver, history = ''] = reply;
    const [previous = '', deviceSeen = ''] = reply.slice(7) as string[];
    const velocity: Record<number, { count: number; sum: number }> = {};
    for (let i = 0; i + 2 < flatVelocity.length; i += 3) {
      velocity[Number(flatVelocity[i])] = { count: Number(flatVelocity[i + 1]), sum: Number(flatVelocity[i + 2]) };
    }
    return {
      ruleSet: 'PUBLISHED',
      version: Number(version),
      ...(rulesJson ? { rulesJson } : {}),
      velocity,
      dailyTotal: Number(dailyTotal),
      newReceiver: newReceiver === 1,
      history: history === '' ? [] : history.split(',').map(parseHistoryEntry),
      // Empty for a transfer first gathered before locations and devices were kept, too.
      ...(previous === '' ? {} : { previousLocation: parsePlace(previous) }),
      ...(deviceSeen === '' ? {} : { deviceLastSeenMs: Number(deviceSeen) }),
    };
  }

  /** Takes the transfer back out of the velocity counters, the daily total, the history and the sightings. */
  async withdraw(transferId: string): Promise<WithdrawOutcome> {
    return (await this.redis.eval(WITHDRAW, 1, keys.seen(transferId), transferId)) as WithdrawOutcome;
  }
}

/** History entries are `transferId:amount:eventTimeMs`; the id keeps two equal transfers apart. */
function parseHistoryEntry(entry: string): { amount: number; atMs: number } {
  const [, amount, atMs] = entry.split(':');
  return { amount: Number(amount), atMs: Number(atMs) };
}

/** A previous location as the script pins it: `lat,lon,eventTimeMs`. */
function parsePlace(place: string): { lat: number; lon: number; atMs: number } {
  const [lat, lon, atMs] = place.split(',');
  return { lat: Number(lat), lon: Number(lon), atMs: Number(atMs) };
}
