import type { Client } from '@temporalio/client';

import type { ReconcileQueries } from '../ledger/reconcile-queries';
import type { RedisBalances } from '../ledger/redis-balances';
import type { ServiceMetrics } from '../service-metrics';
import { sagaIsRunning } from './sweep';

/** Something reconcile found Redis and PostgreSQL disagreeing about, with nothing in flight to explain it. */
export interface Drift {
  kind: 'orphan-hold' | 'account';
  accountId: string;
  currency: string;
  /** The orphan hold's transfer. */
  transferId?: string;
  /** The hold's amount, or how far the balance is off. */
  amount: number;
  detail: string;
}

/** Redis and PostgreSQL disagree about a balance, with nothing in flight to explain it. */
interface Mismatch {
  redis: { available: number; held: number };
  balance: number;
}

const PAGE = 500;
/** A balance mismatch is looked at twice this far apart, so a settlement between two reads is not drift. */
const CONFIRM_AFTER_MS = 2_000;

export function createReconcileActivities({
  serviceMetrics,
  reconcileQueries,
  balances,
  temporal,
}: {
  serviceMetrics: ServiceMetrics;
  reconcileQueries: ReconcileQueries;
  balances: RedisBalances;
  temporal: Client;
}) {
  /**
   * One account's disagreement, or nothing. Redis catching up on a settlement (not yet applied) and
   * holds whose saga is running are in flight, not drift. A Redis hold that PostgreSQL does not hold
   * open (no row, or the row already voided) and whose saga is gone is an orphan; otherwise
   * available + held must equal the PostgreSQL balance (DESIGN.md §2).
   */
  async function driftOf(account: { accountId: string; currency: string }): Promise<Drift[] | 'in-flight' | Mismatch> {
    const snapshot = await reconcileQueries.balanceSnapshot(account.accountId);
    if (!snapshot || snapshot.postedNotApplied.length > 0 || snapshot.creditedNotApplied.length > 0) return 'in-flight';
    const redis = await balances.read(account.accountId);
    const recorded = new Set(snapshot.openHolds.map((hold) => hold.transferId));
    const redisOnly = redis.openHolds.filter((transferId) => !recorded.has(transferId));
    if (redisOnly.length > 0) {
      const states = await reconcileQueries.holdStates(redisOnly);
      const orphans: Drift[] = [];
      for (const transferId of redisOnly) {
        const state = states.get(transferId);
        if (state === 'POSTED' || (await sagaIsRunning(temporal, transferId))) return 'in-flight';
        const hold = await balances.hold(transferId);
        orphans.push({
          kind: 'orphan-hold',
          accountId: account.accountId,
          currency: account.currency,
          transferId,
          amount: hold?.amount ?? 1,
          detail: `Redis holds ${hold?.amount ?? '?'} for transfer ${transferId}; PostgreSQL ${state ? `shows its hold ${state}` : 'has no such transfer'} and no saga runs`,
        });
      }
      return orphans;
    }
    return redis.available + redis.held === snapshot.balance ? [] : { redis, balance: snapshot.balance };
  }

  return {
    /** Walks every account and answers the drift it finds; confirms balance mismatches once more. */
    async findDrift(): Promise<Drift[]> {
      const drifts: Drift[] = [];
      const suspects: Array<{ accountId: string; currency: string }> = [];
      for (let after = ''; ;) {
        const page = await reconcileQueries.accountPage(after, PAGE);
        for (const account of page) {
          const found = await driftOf(account);
          if (Array.isArray(found)) drifts.push(...found);
          else if (found !== 'in-flight') suspects.push(account);
        }
        if (page.length < PAGE) break;
        after = (page.at(-1) as { accountId: string }).accountId;
      }
      if (suspects.length > 0) await new Promise((wake) => setTimeout(wake, CONFIRM_AFTER_MS));
      for (const account of suspects) {
        const found = await driftOf(account);
        if (Array.isArray(found) || found === 'in-flight') continue;
        const { redis, balance } = found;
        const off = redis.available + redis.held - balance;
        drifts.push({
          kind: 'account',
          accountId: account.accountId,
          currency: account.currency,
          amount: Math.max(1, Math.abs(off)),
          detail: `Redis available ${redis.available} + held ${redis.held} is ${off > 0 ? '+' : ''}${off} off PostgreSQL's ${balance}`,
        });
      }
      for (const drift of drifts) serviceMetrics.reconcileDrift.inc({ kind: drift.kind });
      return drifts;
    },
  };
}
