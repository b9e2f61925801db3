/** @beside-services activities called in process, on accounts of its own */
import { randomUUID } from 'node:crypto';

import { Redis } from 'ioredis';
import { Pool } from 'pg';
import { Registry } from 'prom-client';

import { createSyncActivities } from '../../src/activities/sync';
import { loadConfig } from '../../src/config';
import { migrate } from '../../src/db/migrate';
import { DEFAULT_SAGA_TIMINGS, type TransferSagaInput } from '../../src/domain/transfer';
import { createMoneyStores } from '../../src/ledger';
import { createLogger } from '../../src/logger';
import { createRiskServices } from '../../src/risk';
import { createServiceMetrics } from '../../src/service-metrics';

/** syncCompensation's repair against the real PostgreSQL and Redis. */
describe('repairTransfer', () => {
  const config = loadConfig();
  const postgres = new Pool({ connectionString: config.postgres.url });
  const redis = new Redis(config.redis.url);
  const money = createMoneyStores(postgres, redis);
  const risk = createRiskServices(postgres, redis, config.risk);
  const { repairTransfer } = createSyncActivities({
    ...money,
    risk,
    serviceMetrics: createServiceMetrics(new Registry()),
  });
  let ruleId: string;
  let sender: string;
  let receiver: string;

  beforeAll(async () => {
    await migrate(config, createLogger('warn'));
    sender = `sync-${randomUUID()}`;
    receiver = `sync-${randomUUID()}`;
    for (const accountId of [sender, receiver]) {
      await money.ledger.openAccount({ accountId, ownerId: 'sync-test', currency: 'EUR', initialBalance: 1_000 });
    }
    // A velocity rule on this sender only, so its 60-second counters are kept.
    ruleId = `sync-${randomUUID().slice(0, 8)}`;
    await risk.rules.create(
      ruleId,
      {
        name: 'sync test velocity',
        description: null,
        condition: {
          all: [{ account: { side: 'from', in: [sender] } }, { velocity: { windowSeconds: 60, count: { gte: 99 } } }],
        },
        score: 1,
        action: 'SCORE',
        enabled: true,
        shadow: false,
      },
      'sync-test',
    );
  });
  afterAll(async () => {
    await risk.rules.remove(ruleId, 'sync-test');
    await redis.quit();
    await postgres.end();
  });

  const transfer = (amount: number): TransferSagaInput => ({
    transferId: randomUUID(),
    fromAccountId: sender,
    toAccountId: receiver,
    amount,
    currency: 'EUR',
    requestedBy: 'sync-test',
    submittedAt: new Date().toISOString(),
    timings: DEFAULT_SAGA_TIMINGS,
  });
  /** The sender's last-60-seconds counters, as seen by a probe transfer of 1 cent (counted too). */
  const countersWithProbe = async () => {
    const facts = await risk.state.gather({ ...transfer(1), eventTimeMs: Date.now(), cachedVersion: -1 });
    return facts.ruleSet === 'PUBLISHED' ? facts.velocity[60] : undefined;
  };

  it('closes a transfer stranded after evaluation as FAILED, returns its hold and withdraws its velocity counts', async () => {
    const stranded = transfer(300);
    expect(await money.balances.reserve(stranded.transferId, sender, stranded.amount)).toBe('RESERVED');
    await money.ledger.recordTransfer(stranded);
    await risk.engine.evaluate(stranded);
    const outcome = await repairTransfer({ ...stranded, reason: 'test: the saga died', source: 'test' });

    expect(outcome).toEqual({ row: 'CLOSED', redis: 'VOIDED', velocity: 'WITHDRAWN' });
    expect((await money.reads.getTransfer(stranded.transferId))?.status).toBe('FAILED');
    expect(await money.balances.read(sender)).toMatchObject({ available: 1_000, held: 0 });
    expect(await countersWithProbe()).toEqual({ count: 1, sum: 1 });

    expect(await repairTransfer({ ...stranded, reason: 'test: asked twice', source: 'test' })).toMatchObject({
      velocity: 'ALREADY_WITHDRAWN',
    });
  });
});
