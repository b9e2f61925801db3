/** @beside-services the ledger on accounts of its own */
import { randomUUID } from 'node:crypto';

import { Redis } from 'ioredis';
import { Pool } from 'pg';

import { loadConfig } from '../../src/config';
import { migrate } from '../../src/db/migrate';
import { DEFAULT_SAGA_TIMINGS, type TransferSagaInput } from '../../src/domain/transfer';
import { createMoneyStores } from '../../src/ledger';
import { createLogger } from '../../src/logger';

/**
 * Recording a transfer checks its accounts' foreign keys, which key-share locks both account rows until
 * it commits. Settling must not conflict with that lock: a settle of A→B beside a record of B→A took the
 * rows in opposite orders, and PostgreSQL aborted one of them as a deadlock (seen under the fault test).
 */
describe("the ledger's row locks", () => {
  const config = loadConfig();
  const postgres = new Pool({ connectionString: config.postgres.url });
  const redis = new Redis(config.redis.url);
  const { ledger } = createMoneyStores(postgres, redis);

  beforeAll(() => migrate(config, createLogger('warn')));
  afterAll(async () => {
    await postgres.end();
    redis.disconnect();
  });

  it('settles while another transaction holds the key-share lock a foreign-key check takes on its accounts', async () => {
    const [from, to] = [`locks-${randomUUID()}`, `locks-${randomUUID()}`] as [string, string];
    for (const accountId of [from, to])
      await ledger.openAccount({ accountId, ownerId: 'locks-test', currency: 'EUR', initialBalance: 1_000 });
    const input: TransferSagaInput = {
      transferId: randomUUID(),
      fromAccountId: from,
      toAccountId: to,
      amount: 300,
      currency: 'EUR',
      requestedBy: 'locks-test',
      submittedAt: new Date().toISOString(),
      timings: DEFAULT_SAGA_TIMINGS,
    };
    await ledger.recordTransfer(input);

    const recording = await postgres.connect();
    try {
      await recording.query('BEGIN');
      // What inserting a transfer between the same two accounts holds until it commits.
      await recording.query('SELECT 1 FROM accounts WHERE account_id = ANY($1) FOR KEY SHARE', [[from, to]]);

      const settled = ledger.settle(input.transferId).then(() => 'settled' as const);
      const watch = { settled: false };
      void settled.finally(() => (watch.settled = true));
      const outcome = await Promise.race([settled, blockedOnALock(watch)]);
      expect(outcome).toBe('settled');
    } finally {
      await recording.query('COMMIT');
      recording.release();
    }
    const { rows } = await postgres.query('SELECT status FROM transactions WHERE transfer_id = $1', [input.transferId]);
    expect(rows).toEqual([{ status: 'COMPLETED' }]);
  });

  /** Resolves once some backend waits for a row lock on `accounts`, the old settle's fate. */
  async function blockedOnALock(watch: { settled: boolean }): Promise<'blocked' | undefined> {
    while (!watch.settled) {
      const { rows } = await postgres.query(
        `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FROM accounts%FOR%'
           AND pid <> pg_backend_pid()`,
      );
      if (rows.length > 0) return 'blocked';
      await new Promise((wake) => setTimeout(wake, 50));
    }
    return undefined;
  }
});
