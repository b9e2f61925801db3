import type { Redis } from 'ioredis';
import type { Pool } from 'pg';

import { IdempotencyKeys } from './idempotency-keys';
import { PostgresLedger } from './postgres-ledger';
import { RedisBalances } from './redis-balances';

/**
 * The settled ledger, the Redis balances that rebuild themselves from it and the submissions' idempotency
 * records, wired together once.
 */
export function createMoneyStores(
  postgres: Pool,
  redis: Redis,
): { ledger: PostgresLedger; balances: RedisBalances; idempotencyKeys: IdempotencyKeys } {
  const ledger = new PostgresLedger(postgres);
  return {
    ledger,
    balances: new RedisBalances(redis, (accountId) => ledger.balanceSnapshot(accountId)),
    idempotencyKeys: new IdempotencyKeys(postgres),
  };
}
