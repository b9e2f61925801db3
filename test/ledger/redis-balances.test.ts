/** @beside-services its own accounts in Redis */
import { randomUUID } from 'node:crypto';

import { Redis } from 'ioredis';
import { Pool } from 'pg';

import { loadConfig } from '../../src/config';
import { migrate } from '../../src/db/migrate';
import { createMoneyStores } from '../../src/ledger';
import { createLogger } from '../../src/logger';

const config = loadConfig();

describe('Redis balances against PostgreSQL', () => {
  const postgres = new Pool({ connectionString: config.postgres.url });
  const redis = new Redis(config.redis.url);
  const { ledger, balances } = createMoneyStores(postgres, redis);
  beforeAll(() => migrate(config, createLogger('warn')));
  afterAll(async () => {
    await redis.quit();
    await postgres.end();
  });

  async function account(balance: number): Promise<string> {
    const accountId = `rb-${randomUUID().slice(0, 12)}`;
    await ledger.openAccount({ accountId, ownerId: 'o', currency: 'EUR', initialBalance: balance });
    return accountId;
  }

  it('when twenty callers find the balance missing at once, exactly one rebuild writes it', async () => {
    const accountId = await account(9_000);
    const written = await Promise.all(Array.from({ length: 20 }, () => balances.rebuild(accountId)));
    expect(written.filter(Boolean)).toHaveLength(1);
    expect(await balances.read(accountId)).toMatchObject({ available: 9_000, held: 0 });
  });

  it('reserves once per transfer, refuses what is not available, and voids idempotently', async () => {
    const accountId = await account(1_000);
    const transferId = randomUUID();
    expect(await balances.reserve(transferId, accountId, 700)).toBe('RESERVED');
    expect(await balances.reserve(transferId, accountId, 700)).toBe('OPEN');
    expect(await balances.reserve(randomUUID(), accountId, 301)).toBe('INSUFFICIENT');
    expect(await balances.read(accountId)).toMatchObject({ available: 300, held: 700 });
    expect(await balances.void(transferId, accountId)).toBe('VOIDED');
    expect(await balances.void(transferId, accountId)).toBe('NOTHING_HELD');
    // A late retry of the reserve finds the tombstone and holds nothing again.
    expect(await balances.reserve(transferId, accountId, 700)).toBe('VOIDED');
    expect(await balances.read(accountId)).toMatchObject({ available: 1_000, held: 0 });
  });

  it('keeps balances above 2^53 / 1000 exact through Lua (no 1e+15 formatting)', async () => {
    const big = 4_503_599_627_370_000;
    const accountId = await account(big);
    expect(await balances.reserve(randomUUID(), accountId, 1)).toBe('RESERVED');
    expect(await balances.read(accountId)).toMatchObject({ available: big - 1, held: 1 });
  });
});
