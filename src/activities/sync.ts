import type { SyncCompensationInput } from '../domain/transfer';
import { applySettlementInRedis } from '../ledger';
import type { CorrectionLog } from '../ledger/correction-log';
import type { CloseOutcome, PostgresLedger } from '../ledger/postgres-ledger';
import type { RedisBalances, VoidOutcome } from '../ledger/redis-balances';
import type { RepairRecords } from '../ledger/repair-records';
import type { RiskServices } from '../risk';
import type { WithdrawOutcome } from '../risk/redis-risk-state';
import { countTerminal, type ServiceMetrics } from '../service-metrics';

export interface RepairOutcome {
  /** What PostgreSQL said when the repair closed the row; UNTOUCHED for repairs of Redis alone. */
  row: CloseOutcome | 'UNTOUCHED';
  /** What Redis did: gave a hold back, found none, finished posting a settled transfer, or rebuilt a balance. */
  redis: VoidOutcome | 'POST_APPLIED' | 'POST_ALREADY_APPLIED' | 'REBUILT';
  /** Whether the transfer's velocity and daily-limit counts were taken back (money that never moved). */
  velocity?: WithdrawOutcome;
}

/**
 * The repairs syncCompensation retries until they succeed. Each step is idempotent, so a repair
 * interrupted anywhere is simply run again.
 */
export function createSyncActivities({
  ledger,
  balances,
  risk,
  repairRecords,
  corrections,
  serviceMetrics,
}: {
  ledger: PostgresLedger;
  balances: RedisBalances;
  risk: RiskServices;
  repairRecords: RepairRecords;
  corrections: CorrectionLog;
  serviceMetrics: ServiceMetrics;
}) {
  /** A Redis hold no saga and no PostgreSQL row owns (reconcile found it): give the money back. */
  async function releaseOrphanHold(input: SyncCompensationInput): Promise<RepairOutcome> {
    const redis = await balances.void(input.transferId, input.fromAccountId);
    const velocity = await risk.state.withdraw(input.transferId);
    await corrections.add({
      transferId: input.transferId,
      accountId: input.fromAccountId,
      kind: 'orphan-hold-released',
      detail: { ...input, redis, velocity },
    });
    return { row: 'UNTOUCHED', redis, velocity };
  }

  /** An account whose Redis balance drifted from PostgreSQL: PostgreSQL is the truth, rebuild from it. */
  async function rebuildDriftedBalance(input: SyncCompensationInput): Promise<RepairOutcome> {
    const before = await balances.read(input.fromAccountId);
    await balances.forceRebuild(input.fromAccountId);
    const after = await balances.read(input.fromAccountId);
    await corrections.add({
      accountId: input.fromAccountId,
      kind: 'redis-balance-rebuilt',
      detail: { reason: input.reason, source: input.source, before, after },
    });
    return { row: 'UNTOUCHED', redis: 'REBUILT' };
  }

  return {
    /**
     * Brings PostgreSQL and Redis into agreement for one transfer: a transfer that settled in
     * PostgreSQL gets its Redis post finished; anything else is closed as FAILED (its row written
     * if the saga never recorded it) and its hold given back.
     */
    async repairTransfer(input: SyncCompensationInput): Promise<RepairOutcome> {
      if (input.kind === 'orphan-hold') return releaseOrphanHold(input);
      if (input.kind === 'account') return rebuildDriftedBalance(input);
      const row = await ledger.closeTransfer(input, 'FAILED', 'compensate', input.reason);
      // A repair does not know when its transfer was submitted: counted, without a duration.
      if (row === 'CLOSED') countTerminal(serviceMetrics, 'FAILED');
      if (row === 'ALREADY_COMPLETED') {
        if (!(await ledger.isSettledButNotApplied(input.transferId))) return { row, redis: 'POST_ALREADY_APPLIED' };
        await applySettlementInRedis({ ledger, balances }, input);
        await corrections.add({
          transferId: input.transferId,
          kind: 'redis-post-completed',
          detail: { ...input },
        });
        return { row, redis: 'POST_APPLIED' };
      }
      const redis = await balances.void(input.transferId, input.fromAccountId);
      const velocity = await risk.state.withdraw(input.transferId);
      await corrections.add({
        transferId: input.transferId,
        accountId: input.fromAccountId,
        kind: 'sync-compensation',
        detail: { ...input, row, redis, velocity },
      });
      return { row, redis, velocity };
    },

    /** Opens the repair record, or finds the one the saga opened with its tx.sync_required event. */
    async openDeadLetter(input: SyncCompensationInput): Promise<number> {
      return repairRecords.open(input);
    },

    async resolveDeadLetter(id: number): Promise<void> {
      await repairRecords.resolve(id);
    },
  };
}
