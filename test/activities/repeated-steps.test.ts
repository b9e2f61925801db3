/** @beside-services activities called in process, on accounts of its own */
import { randomUUID } from 'node:crypto';

import { Redis } from 'ioredis';
import { Pool } from 'pg';
import { Registry } from 'prom-client';

import { createBalanceActivities } from '../../src/activities/balance';
import { createLedgerActivities } from '../../src/activities/ledger';
import { loadConfig } from '../../src/config';
import { migrate } from '../../src/db/migrate';
import { DEFAULT_SAGA_TIMINGS, type TransferSagaInput } from '../../src/domain/transfer';
import { createMoneyStores } from '../../src/ledger';
import { createLogger } from '../../src/logger';
import { createServiceMetrics } from '../../src/service-metrics';

/**
 * A failed workflow task runs its local steps again from the start, possibly after the transfer settled
 * and after Redis lost the finished hold's tombstone: the real PostgreSQL and Redis.
 */
describe('fast-path steps run again after the transfer finished', () => {
  const config = loadConfig();
  const postgres = new Pool({ connectionString: config.postgres.url });
  const redis = new Redis(config.redis.url);
  const money = createMoneyStores(postgres, redis);
  const serviceMetrics = createServiceMetrics(new Registry());
  const steps = { ...createBalanceActivities(money), ...createLedgerActivities({ ...money, serviceMetrics }) };

  beforeAll(() => migrate(config, createLogger('warn')));
  afterAll(async () => {
    await postgres.end();
    redis.disconnect();
  });

  /** Redis forgets both accounts and the transfer's hold, as a flush and restart does. */
  async function forget(transfer: TransferSagaInput) {
    const { fromAccountId: from, toAccountId: to, transferId } = transfer;
    await redis.del(
      ...[from, to].flatMap((account) => [
        `acct:{${account}}:available`,
        `acct:{${account}}:held`,
        `acct:{${account}}:holds`,
      ]),
      `hold:${transferId}`,
      `credit:${transferId}`,
    );
  }

  async function transfer(): Promise<TransferSagaInput> {
    const [from, to] = [`repeat-${randomUUID()}`, `repeat-${randomUUID()}`] as [string, string];
    for (const accountId of [from, to]) {
      await money.ledger.openAccount({ accountId, ownerId: 'repeat-test', currency: 'EUR', initialBalance: 1_000 });
    }
    return {
      transferId: randomUUID(),
      fromAccountId: from,
      toAccountId: to,
      amount: 300,
      currency: 'EUR',
      requestedBy: 'repeat-test',
      submittedAt: new Date().toISOString(),
      timings: DEFAULT_SAGA_TIMINGS,
    };
  }

  it('when reserve and record run again after settlement and Redis lost the hold, they hold nothing', async () => {
    const input = await transfer();
    await steps.reserveFunds(input);
    await steps.recordTransfer(input);
    await money.ledger.settle(input.transferId);
    await steps.settleTransfer(input);
    await forget(input);

    await expect(steps.reserveFunds(input)).resolves.toBe('POSTED');
    await steps.recordTransfer(input);
    await steps.settleTransfer(input);

    expect(await money.balances.read(input.fromAccountId)).toEqual({ available: 700, held: 0, openHolds: [] });
    expect(await money.balances.read(input.toAccountId)).toMatchObject({ available: 1_300, held: 0 });
  });

  it('when reserve runs again after the transfer was closed and Redis lost the tombstone, it holds nothing', async () => {
    const input = await transfer();
    await steps.reserveFunds(input);
    await steps.recordTransfer(input);
    await steps.closeTransfer({ transfer: input, status: 'FAILED', step: 'compensate', reason: 'test' });
    await steps.releaseHold(input);
    await forget(input);

    await expect(steps.reserveFunds(input)).resolves.toBe('VOIDED');
    await steps.recordTransfer(input);

    expect(await money.balances.read(input.fromAccountId)).toEqual({ available: 1_000, held: 0, openHolds: [] });
  });

  it('when reserve and record run again while the hold is open, they keep exactly one hold', async () => {
    const input = await transfer();
    await steps.reserveFunds(input);
    await steps.recordTransfer(input);
    await forget(input);

    await steps.reserveFunds(input);
    await steps.recordTransfer(input);

    expect(await money.balances.read(input.fromAccountId)).toEqual({
      available: 700,
      held: 300,
      openHolds: [input.transferId],
    });
  });
});
