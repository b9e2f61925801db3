import type { Redis } from 'ioredis';

/**
 * Spendable balances and two-phase holds in Redis. Every change is one Lua script, so it is atomic
 * and idempotent per transfer: the hold of transfer T lives at `hold:T` and remembers its state
 * (OPEN → POSTED | VOIDED), so a retried reserve, post or void changes nothing the second time.
 *
 * Redis may lose everything at any moment. A script that finds an account's balance missing answers
 * MISSING; the caller then rebuilds it from PostgreSQL (settled balance − open holds) with
 * {@link RedisBalances.rebuild}, which writes only when the balance is still missing, so two
 * concurrent rebuilds cannot both apply.
 *
 * Keys of one account share a hash tag; holds and credit markers are keyed by transfer. The scripts
 * touch keys of two accounts at once, so this layout targets a single Redis (with replicas), not
 * Redis Cluster.
 */

/** Finished holds and credit markers are kept this long, far beyond any retry of the same step. */
const TOMBSTONE_TTL_SECONDS = 7 * 24 * 60 * 60;

const keys = {
  available: (accountId: string) => `acct:{${accountId}}:available`,
  held: (accountId: string) => `acct:{${accountId}}:held`,
  openHolds: (accountId: string) => `acct:{${accountId}}:holds`,
  hold: (transferId: string) => `hold:${transferId}`,
  credit: (transferId: string) => `credit:${transferId}`,
};

const RESERVE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'MISSING' end
local state = redis.call('HGET', KEYS[4], 'state')
if state then return state end
if tonumber(redis.call('GET', KEYS[1])) < tonumber(ARGV[3]) then return 'INSUFFICIENT' end
redis.call('DECRBY', KEYS[1], ARGV[3])
redis.call('INCRBY', KEYS[2], ARGV[3])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('HSET', KEYS[4], 'state', 'OPEN', 'account', ARGV[2], 'amount', ARGV[3])
return 'RESERVED'`;

// The hold's amount already left `available` at reserve time, so posting only closes the hold and
// credits the receiver once (the credit marker makes the credit idempotent).
const POST = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'MISSING' end
if redis.call('EXISTS', KEYS[5]) == 0 then return 'MISSING_RECEIVER' end
local state = redis.call('HGET', KEYS[4], 'state')
if state == 'VOIDED' then return 'VOIDED' end
if state == 'OPEN' then
  redis.call('DECRBY', KEYS[2], ARGV[2])
  redis.call('SREM', KEYS[3], ARGV[1])
end
if state ~= 'POSTED' then
  redis.call('HSET', KEYS[4], 'state', 'POSTED')
  redis.call('EXPIRE', KEYS[4], ARGV[3])
end
if redis.call('SET', KEYS[6], '1', 'NX', 'EX', ARGV[3]) then
  redis.call('INCRBY', KEYS[5], ARGV[2])
end
return 'POSTED'`;

// Money from outside the accounts (a remittance leg booked against a rail's clearing account): credited
// once per credit id.
const CREDIT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'MISSING' end
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[2]) then
  redis.call('INCRBY', KEYS[1], ARGV[1])
  return 'CREDITED'
end
return 'ALREADY_CREDITED'`;

// A hold whose money leaves the accounts (to a rail's clearing account): POST without a receiver.
const SETTLE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'MISSING' end
local state = redis.call('HGET', KEYS[4], 'state')
if state == 'VOIDED' then return 'VOIDED' end
if state == 'OPEN' then
  redis.call('DECRBY', KEYS[2], redis.call('HGET', KEYS[4], 'amount'))
  redis.call('SREM', KEYS[3], ARGV[1])
end
if state ~= 'POSTED' then
  redis.call('HSET', KEYS[4], 'state', 'POSTED')
  redis.call('EXPIRE', KEYS[4], ARGV[2])
end
return 'POSTED'`;

// A hold that was never made (or was lost with a rebuild that did not count it) has nothing to
// give back; the tombstone stops a late, retried reserve from holding the money again. A hold is
// given back only to the account it was taken from: a caller naming another account (a forged or
// mistaken repair request) would otherwise move the amount onto that account's available money, and
// available + held would still add up, so reconcile would not notice.
const VOID = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'MISSING' end
local state = redis.call('HGET', KEYS[4], 'state')
if state == 'OPEN' and redis.call('HGET', KEYS[4], 'account') ~= ARGV[3] then return 'WRONG_ACCOUNT' end
if state == 'OPEN' then
  local amount = redis.call('HGET', KEYS[4], 'amount')
  redis.call('INCRBY', KEYS[1], amount)
  redis.call('DECRBY', KEYS[2], amount)
  redis.call('SREM', KEYS[3], ARGV[1])
end
if state == 'POSTED' then return 'POSTED' end
redis.call('HSET', KEYS[4], 'state', 'VOIDED')
redis.call('EXPIRE', KEYS[4], ARGV[2])
if state == 'OPEN' then return 'VOIDED' end
return 'NOTHING_HELD'`;

// ARGV[7] 'force' rebuilds a balance that exists (reconcile found it drifted), but not while Redis
// holds a hold PostgreSQL does not know yet (a reserve whose record is in flight): that answers -1.
const REBUILD = `
if ARGV[7] ~= 'force' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if ARGV[7] == 'force' then
  local known = {}
  for _, hold in ipairs(cjson.decode(ARGV[2])) do known[hold.id] = true end
  for _, id in ipairs(redis.call('SMEMBERS', KEYS[3])) do
    if not known[id] then return -1 end
  end
end
local held = 0
redis.call('DEL', KEYS[3])
for _, hold in ipairs(cjson.decode(ARGV[2])) do
  held = held + tonumber(hold.amount)
  redis.call('SADD', KEYS[3], hold.id)
  local key = 'hold:' .. hold.id
  if redis.call('EXISTS', key) == 0 then
    redis.call('HSET', key, 'state', 'OPEN', 'account', ARGV[5], 'amount', hold.amount)
  end
end
for _, id in ipairs(cjson.decode(ARGV[3])) do
  local key = 'hold:' .. id
  if redis.call('EXISTS', key) == 0 then
    redis.call('HSET', key, 'state', 'POSTED')
    redis.call('EXPIRE', key, ARGV[6])
  end
end
for _, id in ipairs(cjson.decode(ARGV[4])) do
  redis.call('SET', 'credit:' .. id, '1', 'NX', 'EX', ARGV[6])
end
-- %d, not tostring: Lua would print a large sum as 1e+15.
redis.call('SET', KEYS[2], string.format('%d', held))
redis.call('SET', KEYS[1], string.format('%d', tonumber(ARGV[1]) - held))
return 1`;

/** What PostgreSQL says about one account, read in one snapshot; see PostgresLedger.balanceSnapshot. */
export interface BalanceSnapshot {
  accountId: string;
  balance: number;
  /** Holds PostgreSQL records as OPEN for this sender. */
  openHolds: Array<{ transferId: string; amount: number }>;
  /** Transfers from this account settled in PostgreSQL that Redis may not have posted yet. */
  postedNotApplied: string[];
  /** Transfers to this account settled in PostgreSQL that Redis may not have credited yet. */
  creditedNotApplied: string[];
}

/** Reads an account as PostgreSQL has it, for a rebuild. */
export type SnapshotSource = (accountId: string) => Promise<BalanceSnapshot | undefined>;

export type ReserveOutcome = 'RESERVED' | 'OPEN' | 'POSTED' | 'VOIDED' | 'INSUFFICIENT';
export type VoidOutcome = 'VOIDED' | 'NOTHING_HELD' | 'POSTED';

/** A release named an account the hold was not taken from; retrying cannot make it right, an operator must look. */
export class HoldAccountMismatchError extends Error {
  constructor(
    readonly transferId: string,
    readonly accountId: string,
  ) {
    super(`the hold of transfer ${transferId} was not taken from account ${accountId}; nothing was released`);
    this.name = 'HoldAccountMismatchError';
  }
}

export class AccountMissingError extends Error {
  constructor(readonly accountId: string) {
    super(`account ${accountId} does not exist`);
    this.name = 'AccountMissingError';
  }
}

export class RedisBalances {
  constructor(
    private readonly redis: Redis,
    private readonly snapshot: SnapshotSource,
  ) {}

  /** Holds `amount` of the sender's available money for the transfer, once. */
  async reserve(transferId: string, accountId: string, amount: number): Promise<ReserveOutcome> {
    return this.withBalances([accountId], () =>
      this.redis.eval(
        RESERVE,
        4,
        keys.available(accountId),
        keys.held(accountId),
        keys.openHolds(accountId),
        keys.hold(transferId),
        transferId,
        accountId,
        amount,
      ),
    ) as Promise<ReserveOutcome>;
  }

  /** Closes the hold and credits the receiver, once; call after PostgreSQL has settled. */
  async post(
    transferId: string,
    fromAccountId: string,
    toAccountId: string,
    amount: number,
  ): Promise<'POSTED' | 'VOIDED'> {
    return this.withBalances([fromAccountId, toAccountId], () =>
      this.redis.eval(
        POST,
        6,
        keys.available(fromAccountId),
        keys.held(fromAccountId),
        keys.openHolds(fromAccountId),
        keys.hold(transferId),
        keys.available(toAccountId),
        keys.credit(transferId),
        transferId,
        amount,
        TOMBSTONE_TTL_SECONDS,
      ),
    ) as Promise<'POSTED' | 'VOIDED'>;
  }

  /**
   * Credits money that came from outside the accounts (a remittance leg, `creditId` = `<remittanceId>:<leg>`),
   * once; call after PostgreSQL has booked it.
   */
  async credit(creditId: string, accountId: string, amount: number): Promise<'CREDITED' | 'ALREADY_CREDITED'> {
    return this.withBalances([accountId], () =>
      this.redis.eval(CREDIT, 2, keys.available(accountId), keys.credit(creditId), amount, TOMBSTONE_TTL_SECONDS),
    ) as Promise<'CREDITED' | 'ALREADY_CREDITED'>;
  }

  /** Closes a hold whose money left the accounts (a remittance's debit leg), once; call after PostgreSQL posted it. */
  async settle(holdId: string, accountId: string): Promise<'POSTED' | 'VOIDED'> {
    return this.withBalances([accountId], () =>
      this.redis.eval(
        SETTLE,
        4,
        keys.available(accountId),
        keys.held(accountId),
        keys.openHolds(accountId),
        keys.hold(holdId),
        holdId,
        TOMBSTONE_TTL_SECONDS,
      ),
    ) as Promise<'POSTED' | 'VOIDED'>;
  }

  /**
   * Gives a hold back to the sender's available money, once.
   *
   * @throws HoldAccountMismatchError when the open hold was taken from another account; nothing changes.
   */
  async void(transferId: string, accountId: string): Promise<VoidOutcome> {
    const outcome = (await this.withBalances([accountId], () =>
      this.redis.eval(
        VOID,
        4,
        keys.available(accountId),
        keys.held(accountId),
        keys.openHolds(accountId),
        keys.hold(transferId),
        transferId,
        TOMBSTONE_TTL_SECONDS,
        accountId,
      ),
    )) as VoidOutcome | 'WRONG_ACCOUNT';
    if (outcome === 'WRONG_ACCOUNT') throw new HoldAccountMismatchError(transferId, accountId);
    return outcome;
  }

  /** The account's available and held amounts, rebuilding them first if Redis lost them. */
  async read(accountId: string): Promise<{ available: number; held: number; openHolds: string[] }> {
    await this.ensureLoaded(accountId);
    const [available, held, openHolds] = await Promise.all([
      this.redis.get(keys.available(accountId)),
      this.redis.get(keys.held(accountId)),
      this.redis.smembers(keys.openHolds(accountId)),
    ]);
    return { available: Number(available), held: Number(held), openHolds };
  }

  /**
   * Rebuilds an account from PostgreSQL if Redis has no balance for it. Returns whether this call
   * wrote it (false: it was there, or another rebuild won the race).
   */
  async rebuild(accountId: string): Promise<boolean> {
    return (await this.rebuildFromSnapshot(accountId, 'missing')) === 1;
  }

  /**
   * Replaces an account's Redis balance with one rebuilt from PostgreSQL even though it exists: the
   * repair of a balance reconcile found drifted. Refuses (throws) while Redis holds a hold PostgreSQL
   * has not recorded yet, since the rebuild would drop it; the repair retries.
   */
  async forceRebuild(accountId: string): Promise<void> {
    if ((await this.rebuildFromSnapshot(accountId, 'force')) === -1) {
      throw new Error(`account ${accountId} has a hold in flight; rebuild it once the hold is recorded`);
    }
  }

  /** Reads the hold Redis keeps for a transfer: its state, account and amount, if any. */
  async hold(transferId: string): Promise<{ state: string; account: string; amount: number } | undefined> {
    const { state, account, amount } = await this.redis.hgetall(keys.hold(transferId));
    return state && account && amount ? { state, account, amount: Number(amount) } : undefined;
  }

  private async rebuildFromSnapshot(accountId: string, mode: 'missing' | 'force'): Promise<unknown> {
    const snapshot = await this.snapshot(accountId);
    if (snapshot === undefined) throw new AccountMissingError(accountId);
    return this.redis.eval(
      REBUILD,
      3,
      keys.available(accountId),
      keys.held(accountId),
      keys.openHolds(accountId),
      snapshot.balance,
      JSON.stringify(snapshot.openHolds.map((hold) => ({ id: hold.transferId, amount: String(hold.amount) }))),
      JSON.stringify(snapshot.postedNotApplied),
      JSON.stringify(snapshot.creditedNotApplied),
      accountId,
      TOMBSTONE_TTL_SECONDS,
      mode,
    );
  }

  private async ensureLoaded(accountId: string): Promise<void> {
    if ((await this.redis.exists(keys.available(accountId))) === 0) await this.rebuild(accountId);
  }

  /** Runs a script, rebuilding whichever account it reports missing, until it answers. */
  private async withBalances(accountIds: string[], script: () => Promise<unknown>): Promise<unknown> {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const outcome = await script();
      if (outcome === 'MISSING') await this.rebuild(accountIds[0] as string);
      else if (outcome === 'MISSING_RECEIVER') await this.rebuild(accountIds[1] as string);
      else return outcome;
    }
    throw new Error(`Redis kept losing the balances of ${accountIds.join(', ')} while rebuilding them`);
  }
}
