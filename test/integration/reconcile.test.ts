/** @disrupts reconcile looks at every account, so another file’s transfer in flight would look like drift */
import { randomUUID } from 'node:crypto';

import type { Drift } from '../../src/activities/reconcile';
import { TASK_QUEUE } from '../../src/domain/temporal';
import type { reconcile } from '../../src/workflows/reconcile';
import { moneyViolations } from '../../harness/conservation';
import { ServiceHarness } from '../support/service-harness';

/** Reconciliation on the real stack: drift injected behind the service's back is found and repaired. */
describe('reconcile', () => {
  let service: ServiceHarness;
  beforeAll(async () => {
    service = await ServiceHarness.start();
  });
  afterAll(async () => {
    await service?.stop();
  });

  const corrections = async (kind: string, where: { transferId?: string; accountId?: string }) => {
    const { rows } = await service.dependencies.postgres.query(
      `SELECT 1 FROM correction_log WHERE kind = $1 AND ($2::uuid IS NULL OR transfer_id = $2) AND
         ($3::text IS NULL OR account_id = $3)`,
      [kind, where.transferId ?? null, where.accountId ?? null],
    );
    return rows.length;
  };

  it('finds a hold no saga owns and a Redis balance off by one, and syncCompensation repairs both', async () => {
    const holder = await service.openAccount('reconcile-holder', 1_000);
    const drifted = await service.openAccount('reconcile-drifted', 500);
    const orphan = randomUUID();
    expect(await service.balances.reserve(orphan, holder, 300)).toBe('RESERVED');
    await service.dependencies.redis.incrby(`acct:{${drifted}}:available`, 1);

    const { drifts } = await service.dependencies.temporal.workflow.execute<typeof reconcile>('reconcile', {
      taskQueue: TASK_QUEUE,
      workflowId: `reconcile-test-${randomUUID()}`,
    });

    const ours = drifts.filter((drift: Drift) => [holder, drifted].includes(drift.accountId));
    expect(ours).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'orphan-hold', accountId: holder, transferId: orphan, amount: 300 }),
        expect.objectContaining({ kind: 'account', accountId: drifted, amount: 1 }),
      ]),
    );
    const deadline = Date.now() + 60_000;
    while ((await moneyViolations(service.dependencies.postgres, service.balances, [holder, drifted])).length > 0) {
      if (Date.now() > deadline) {
        throw new Error(
          (await moneyViolations(service.dependencies.postgres, service.balances, [holder, drifted])).join('\n'),
        );
      }
      await new Promise((wake) => setTimeout(wake, 250));
    }
    expect(await service.balances.read(holder)).toMatchObject({ available: 1_000, held: 0 });
    expect(await service.balances.read(drifted)).toMatchObject({ available: 500, held: 0 });
    expect(await corrections('orphan-hold-released', { transferId: orphan })).toBe(1);
    expect(await corrections('redis-balance-rebuilt', { accountId: drifted })).toBe(1);
    expect(service.slack.messages.map((message) => message.text)).toEqual(
      expect.arrayContaining([`Orphan hold in Redis — ${orphan}`, 'Redis balance drifted from PostgreSQL']),
    );
  });

  it('leaves alone a transfer under review, whose hold PostgreSQL and Redis both hold open', async () => {
    const sender = await service.openAccount('reconcile-busy', 1_000);
    const payee = await service.openAccount('reconcile-busy-payee', 0);
    const ruleId = `r-${randomUUID().slice(0, 8)}`;
    const admin = service.token('reconcile-admin', 'SUPER_ADMIN');
    // REVIEW keeps the hold open while the saga waits for a decision.
    await service.request('POST', '/v1/rules', {
      token: admin,
      body: {
        ruleId,
        name: 'hold',
        score: 1,
        action: 'REVIEW',
        condition: { account: { side: 'from', in: [sender] } },
      },
    });
    try {
      const { transferId } = (
        await service.submit('reconcile-busy', { fromAccountId: sender, toAccountId: payee, amount: 100 })
      ).body;
      await service.waitForStatus(transferId, 'UNDER_REVIEW');

      const { drifts } = await service.dependencies.temporal.workflow.execute<typeof reconcile>('reconcile', {
        taskQueue: TASK_QUEUE,
        workflowId: `reconcile-test-${randomUUID()}`,
      });

      expect(drifts.filter((drift: Drift) => drift.accountId === sender)).toEqual([]);
      await service.request('POST', `/v1/transfers/${transferId}/review`, {
        token: admin,
        body: { decision: 'REJECT', reason: 'test clean-up' },
      });
    } finally {
      await service.request('DELETE', `/v1/rules/${ruleId}`, { token: admin });
    }
  });
});
