import type { SyncCompensationInput } from '../domain/transfer';
import type { CloseOutcome, PostgresLedger } from '../ledger/postgres-ledger';
import type { RedisBalances, VoidOutcome } from '../ledger/redis-balances';
import type { RiskServices } from '../risk';
import type { WithdrawOutcome } from '../risk/redis-risk-state';

export interface RepairOutcome {
  /** What PostgreSQL said when the repair closed the row. */
  row: CloseOutcome;
  /** What Redis did: gave a hold back, found none, or finished posting a settled transfer. */
  redis: VoidOutcome | 'POST_APPLIED' | 'POST_ALREADY_APPLIED';
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
}: {
  ledger: PostgresLedger;
  balances: RedisBalances;
  risk: RiskServices;
}) {
  return {
    /**
     * Brings PostgreSQL and Redis into agreement for one transfer: a transfer that settled in
     * PostgreSQL gets its Redis post finished; anything else is closed as FAILED (its row written
     * if the saga never recorded it) and its hold given back.
     */
    async repairTransfer(input: SyncCompensationInput): Promise<RepairOutcome> {
      const row = await ledger.closeTransfer(input, 'FAILED', 'compensate', input.reason);
      if (row === 'ALREADY_COMPLETED') {
        if (!(await ledger.isSettledButNotApplied(input.transferId))) return { row, redis: 'POST_ALREADY_APPLIED' };
        await balances.post(input.transferId, input.fromAccountId, input.toAccountId, input.amount);
        await ledger.markRedisApplied(input.transferId);
        await ledger.logCorrection({
          transferId: input.transferId,
          kind: 'redis-post-completed',
          detail: { ...input },
        });
        return { row, redis: 'POST_APPLIED' };
      }
      const redis = await balances.void(input.transferId, input.fromAccountId);
      const velocity = await risk.state.withdraw(input.transferId);
      await ledger.logCorrection({
        transferId: input.transferId,
        accountId: input.fromAccountId,
        kind: 'sync-compensation',
        detail: { ...input, row, redis, velocity },
      });
      return { row, redis, velocity };
    },

    async openDeadLetter(input: SyncCompensationInput): Promise<number> {
      return ledger.openDeadLetter({
        source: 'syncCompensation',
        eventId: `${input.transferId}:tx.sync_required`,
        transferId: input.transferId,
        payload: input,
        error: input.reason,
      });
    },

    async resolveDeadLetter(id: number): Promise<void> {
      await ledger.resolveDeadLetter(id);
    },
  };
}
