import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';

import type { Config } from '../config';
import type { Dependencies } from '../dependencies';
import { PostgresLedger } from '../ledger/postgres-ledger';
import { RedisBalances } from '../ledger/redis-balances';

/** What the API's use cases work with; built once per process from the composition root. */
export interface UseCaseContext {
  config: Config;
  postgres: Pool;
  ledger: PostgresLedger;
  balances: RedisBalances;
  temporal: Client;
}

export function createUseCaseContext(dependencies: Dependencies): UseCaseContext {
  const ledger = new PostgresLedger(dependencies.postgres);
  return {
    config: dependencies.config,
    postgres: dependencies.postgres,
    ledger,
    balances: new RedisBalances(dependencies.redis, (accountId) => ledger.balanceSnapshot(accountId)),
    temporal: dependencies.temporal,
  };
}
