/** @disrupts flushes Redis, revokes writes to transactions and kills the worker */
import { randomUUID } from 'node:crypto';

import { moneyViolations } from '../../harness/conservation';
import { eventually } from '../../harness/eventually';
import { seededRandom } from '../../harness/seeded-random';
import { transferWorkflowId } from '../../src/domain/temporal';
import { ServiceHarness } from '../support/service-harness';

describe('money under faults', () => {
  let service: ServiceHarness;
  beforeAll(async () => {
    service = await ServiceHarness.start();
  });
  afterAll(() => service?.stop());

  /** Opens `count` funded accounts, each owned by its own user. */
  async function openAccounts(prefix: string, count: number, balance: number) {
    return Promise.all(
      Array.from({ length: count }, async (_, index) => {
        const owner = `${prefix}${index}`;
        return { owner, accountId: await service.openAccount(owner, balance) };
      }),
    );
  }

  /** Submits `count` random transfers between the accounts, at most `parallel` at a time. */
  async function submitRandomTransfers(
    accounts: Array<{ owner: string; accountId: string }>,
    count: number,
    options: { seed: number; maxAmount: number; parallel: number; onSubmitted?: (submitted: number) => Promise<void> },
  ): Promise<string[]> {
    const random = seededRandom(options.seed);
    const plan = Array.from({ length: count }, () => {
      const from = accounts[Math.floor(random() * accounts.length)] as { owner: string; accountId: string };
      let to = from;
      while (to === from) to = accounts[Math.floor(random() * accounts.length)] as { owner: string; accountId: string };
      return { from, to, amount: 1 + Math.floor(random() * options.maxAmount) };
    });
    const transferIds: string[] = [];
    for (let start = 0; start < plan.length; start += options.parallel) {
      const answers = await Promise.all(
        plan
          .slice(start, start + options.parallel)
          .map(({ from, to, amount }) =>
            service.submit(from.owner, { fromAccountId: from.accountId, toAccountId: to.accountId, amount }),
          ),
      );
      for (const answer of answers) {
        expect(answer.status).toBe(202);
        transferIds.push(answer.body.transferId);
      }
      await options.onSubmitted?.(transferIds.length);
    }
    return transferIds;
  }

  it('when Redis is flushed in the middle of 200 concurrent transfers, rebuilds from PostgreSQL and conserves money', async () => {
    const accounts = await openAccounts('flush', 10, 10_000);
    let flushed = false;

    const transferIds = await submitRandomTransfers(accounts, 200, {
      seed: 7,
      maxAmount: 3_000,
      parallel: 20,
      onSubmitted: async (submitted) => {
        if (submitted >= 100 && !flushed) {
          flushed = true;
          await service.dependencies.redis.flushall();
        }
      },
    });

    expect(flushed).toBe(true);
    const statuses = await service.waitForTerminal(transferIds, 180_000);
    const byStatus = [...statuses.values()].reduce<Record<string, number>>(
      (counts, status) => ({ ...counts, [status]: (counts[status] ?? 0) + 1 }),
      {},
    );
    expect(byStatus.COMPLETED).toBeGreaterThan(0);
    expect(Object.keys(byStatus).every((status) => ['COMPLETED', 'DECLINED'].includes(status))).toBe(true);
    const accountIds = accounts.map((account) => account.accountId);
    expect(await moneyViolations(service.dependencies.postgres, service.balances, accountIds)).toEqual([]);
  }, 300_000);

  it('when the worker is killed mid-saga and restarted, every transfer ends and none is debited twice', async () => {
    const accounts = await openAccounts('crash', 6, 20_000);
    // Transfers from this account go to REVIEW, so they are provably parked at step `review` when the worker dies.
    const reviewed = { owner: 'crash-review', accountId: await service.openAccount('crash-review', 10_000) };
    const ruleId = `t-crash-review-${randomUUID().slice(0, 8)}`;
    const rule = await service.request('POST', '/v1/rules', {
      token: service.token('rule-admin-1', 'RULE_ADMIN'),
      body: {
        ruleId,
        name: ruleId,
        score: 10,
        condition: { account: { side: 'from', in: [reviewed.accountId] } },
        action: 'REVIEW',
      },
    });
    expect(rule.status).toBe(201);
    try {
      const underReview: string[] = [];
      for (let n = 0; n < 4; n++) {
        const accepted = await service.submit(reviewed.owner, {
          fromAccountId: reviewed.accountId,
          toAccountId: (accounts[n] as { accountId: string }).accountId,
          amount: 1_000 + n,
        });
        expect(accepted.status).toBe(202);
        underReview.push(accepted.body.transferId);
      }
      const transferIds = await submitRandomTransfers(accounts, 60, { seed: 11, maxAmount: 2_000, parallel: 30 });
      for (const transferId of underReview) await service.waitForStatus(transferId, 'UNDER_REVIEW');
      const parked = await service.dependencies.postgres.query<{ step: string }>(
        'SELECT step FROM transactions WHERE transfer_id = ANY($1::uuid[])',
        [underReview],
      );
      expect(parked.rows.map((row) => row.step)).toEqual(Array(underReview.length).fill('review'));
      const before = await Promise.all(underReview.map(lastWorkflowTaskIdentity));

      await service.crashAndRestartWorker();

      // The money is still held for the parked sagas; the new worker takes their decisions and finishes them.
      expect(await service.balances.read(reviewed.accountId)).toMatchObject({ held: 4_006 });
      const ops = service.token('ops-1', 'OPS_AGENT');
      const decisions = ['APPROVE', 'REJECT', 'APPROVE', 'REJECT'] as const;
      // Each update first goes to the dead worker's sticky queue and waits out its timeout, so all at once.
      const answers = await Promise.all(
        underReview.map((transferId, index) =>
          service.request('POST', `/v1/transfers/${transferId}/review`, {
            token: ops,
            body: { decision: decisions[index], reason: 'decided after the worker restarted' },
          }),
        ),
      );
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);

      const statuses = await service.waitForTerminal([...underReview, ...transferIds], 180_000);
      expect(underReview.map((transferId) => statuses.get(transferId))).toEqual([
        'COMPLETED',
        'REJECTED',
        'COMPLETED',
        'REJECTED',
      ]);
      const after = await Promise.all(underReview.map(lastWorkflowTaskIdentity));
      for (const [index, identity] of after.entries()) expect(identity).not.toBe(before[index]);
      expect(transferIds.every((id) => ['COMPLETED', 'DECLINED'].includes(statuses.get(id) as string))).toBe(true);
      const accountIds = [reviewed.accountId, ...accounts.map((account) => account.accountId)];
      expect(await moneyViolations(service.dependencies.postgres, service.balances, accountIds)).toEqual([]);
      expect(await service.balances.read(reviewed.accountId)).toMatchObject({ available: 10_000 - 1_000 - 1_002 });
    } finally {
      await service.request('DELETE', `/v1/rules/${ruleId}`, { token: service.token('rule-admin-1', 'RULE_ADMIN') });
    }
  }, 300_000);

  /** Which worker (pid@host) completed the saga's latest workflow task. */
  async function lastWorkflowTaskIdentity(transferId: string): Promise<string | undefined> {
    const history = await service.dependencies.temporal.workflow
      .getHandle(transferWorkflowId(transferId))
      .fetchHistory();
    const completed = (history.events ?? []).filter((event) => event.workflowTaskCompletedEventAttributes);
    return completed.at(-1)?.workflowTaskCompletedEventAttributes?.identity ?? undefined;
  }

  it('when PostgreSQL refuses writes during record, fails the transfer, voids the hold and repairs the row once writes return', async () => {
    const [sender, receiver] = await openAccounts('readonly', 2, 5_000);
    if (!sender || !receiver) throw new Error('accounts not opened');
    const { postgres } = service.dependencies;
    // The application role owns the table, so it can take its own INSERT right away and give it back.
    await postgres.query('REVOKE INSERT ON transactions FROM CURRENT_USER');
    let transferId: string;
    try {
      const accepted = await service.submit(sender.owner, {
        fromAccountId: sender.accountId,
        toAccountId: receiver.accountId,
        amount: 1_200,
      });
      expect(accepted.status).toBe(202);
      transferId = accepted.body.transferId;

      const failed = await eventually(async () => {
        const transfer = await service.request<{ status: string }>('GET', `/v1/transfers/${transferId}`, {
          token: service.token(sender.owner, 'USER'),
        });
        return transfer.body.status === 'FAILED' ? transfer.body : undefined;
      }, 120_000);
      expect(failed.status).toBe('FAILED');
      // The hold is back with the sender even though PostgreSQL has no row for the transfer yet.
      expect(await service.balances.read(sender.accountId)).toMatchObject({ available: 5_000, held: 0 });
      const { rows } = await postgres.query('SELECT 1 FROM transactions WHERE transfer_id = $1', [transferId]);
      expect(rows).toHaveLength(0);
    } finally {
      await postgres.query('GRANT INSERT ON transactions TO CURRENT_USER');
    }

    // syncCompensation keeps retrying and writes the FAILED row once PostgreSQL takes writes again.
    const statuses = await service.waitForTerminal([transferId], 150_000);
    expect(statuses.get(transferId)).toBe('FAILED');
    // The row turns FAILED mid-repair; the dead letter is resolved by the repair's last steps.
    await service.dependencies.temporal.workflow.getHandle(`sync-${transferId}`).result();
    const repaired = await postgres.query<{ kind: string }>('SELECT kind FROM correction_log WHERE transfer_id = $1', [
      transferId,
    ]);
    expect(repaired.rows.map((row) => row.kind)).toContain('sync-compensation');
    const deadLetters = await postgres.query<{ status: string }>(
      'SELECT status FROM dlq_events WHERE transfer_id = $1',
      [transferId],
    );
    expect(deadLetters.rows.map((row) => row.status)).toEqual(['RESOLVED']);
    await eventually(
      async () => service.slack.textsAbout(transferId).find((text) => text.includes('repaired')),
      30_000,
    );
    expect(await moneyViolations(postgres, service.balances, [sender.accountId, receiver.accountId])).toEqual([]);
  }, 420_000);
});
