import type { Redis } from 'ioredis';
import type { Pool } from 'pg';

import { CorrectionLog } from './correction-log';
import { IdempotencyKeys } from './idempotency-keys';
import { LedgerReads } from './ledger-reads';
import { PostgresLedger } from './postgres-ledger';
import { ReconcileQueries } from './reconcile-queries';
import { RedisBalances } from './redis-balances';
import { RepairRecords } from './repair-records';

/** The money stores: PostgreSQL's ledger and what is kept beside it, and the Redis balances. */
export interface MoneyStores {
  ledger: PostgresLedger;
  /** What the API reads: accounts, transfers, the listing and the review queue. */
  reads: LedgerReads;
  balances: RedisBalances;
  idempotencyKeys: IdempotencyKeys;
  reconcileQueries: ReconcileQueries;
  repairRecords: RepairRecords;
  corrections: CorrectionLog;
}

/**
 * The settled ledger, the Redis balances that rebuild themselves from it, the submissions' idempotency
 * records and the repair bookkeeping, wired together once.
 */
export function createMoneyStores(postgres: Pool, redis: Redis): MoneyStores {
  const reconcileQueries = new ReconcileQueries(postgres);
  return {
    ledger: new PostgresLedger(postgres),
    reads: new LedgerReads(postgres),
    balances: new RedisBalances(redis, (accountId) => reconcileQueries.balanceSnapshot(accountId)),
    idempotencyKeys: new IdempotencyKeys(postgres),
    reconcileQueries,
    repairRecords: new RepairRecords(postgres),
    corrections: new CorrectionLog(postgres),
  };
}

/**
 * The Redis half of a settlement PostgreSQL has committed: posts the hold and the credit (once per
 * transfer), then notes in PostgreSQL that Redis has it, so a later rebuild need not replay it.
 */
export async function applySettlementInRedis(
  { ledger, balances }: Pick<MoneyStores, 'ledger' | 'balances'>,
  transfer: { transferId: string; fromAccountId: string; toAccountId: string; amount: number },
): Promise<void> {
  await balances.post(transfer.transferId, transfer.fromAccountId, transfer.toAccountId, transfer.amount);
  await ledger.markRedisApplied(transfer.transferId);
}
