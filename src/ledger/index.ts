import type { Redis } from 'ioredis';
import type { Pool } from 'pg';

import { PostgresLedger } from './postgres-ledger';
import { RedisBalances } from './redis-balances';

/** The settled ledger and the Redis balances that rebuild themselves from it, wired together once. */
export function createMoneyStores(postgres: Pool, redis: Redis): { ledger: PostgresLedger; balances: RedisBalances } {
  const ledger = new PostgresLedger(postgres);
  return { ledger, balances: new RedisBalances(redis, (accountId) => ledger.balanceSnapshot(accountId)) };
}
