import { randomUUID } from 'node:crypto';

import type { Role } from '../../src/domain/roles';
import { transferWorkflowId } from '../../src/domain/temporal';
import type { SagaState } from '../../src/domain/transfer';
import { moneyViolations } from '../../harness/conservation';
import { ServiceHarness } from '../support/service-harness';

const AMOUNT = 500;
const REVIEWING_ROLES: Role[] = ['OPS_AGENT', 'SUPER_ADMIN'];

/**
 * Issue 14, point 8, through the real stack: a review decision by the transfer's requester or by the
 * owner of the sending account is refused (403 self-review) whatever the role, and nothing changes —
 * the saga never hears of it, the transfer stays UNDER_REVIEW with its hold — so that another reviewer
 * can still decide it. The REVIEW rule is scoped to this file's own accounts and removed at the end.
 */
describe('four eyes on review decisions', () => {
  let service: ServiceHarness;
  const olga = `fe-olga-${randomUUID().slice(0, 8)}`;
  const petra = `fe-petra-${randomUUID().slice(0, 8)}`;
  const quentin = `fe-quentin-${randomUUID().slice(0, 8)}`;
  let olgaAccount: string;
  let petraAccount: string;
  let payee: string;
  let ruleId: string;
  const submitted: string[] = [];
  const ruleAdmin = () => service.token('fe-rule-admin', 'RULE_ADMIN');
  const analyst = () => service.token('fe-analyst', 'RISK_ANALYST');

  beforeAll(async () => {
    service = await ServiceHarness.start();
    olgaAccount = await service.openAccount(olga, 10_000);
    petraAccount = await service.openAccount(petra, 10_000);
    payee = await service.openAccount(`fe-payee-${randomUUID().slice(0, 8)}`, 0);
    ruleId = `fe-${randomUUID().slice(0, 8)}`;
    const rule = await service.request('POST', '/v1/rules', {
      token: ruleAdmin(),
      body: {
        ruleId,
        name: 'four eyes review',
        condition: { account: { side: 'from', in: [olgaAccount, petraAccount] } },
        score: 0,
        action: 'REVIEW',
      },
    });
    if (rule.status !== 201) throw new Error(`rule answered ${rule.status}: ${JSON.stringify(rule.body)}`);
  });
  afterAll(async () => {
    // A case that failed half-way leaves its transfer waiting for 24 hours otherwise.
    for (const transferId of submitted) await review(transferId, 'fe-ops', 'OPS_AGENT', 'REJECT');
    await service.request('DELETE', `/v1/rules/${ruleId}`, { token: ruleAdmin() });
    await service?.stop();
  });

  const underReview = async (owner: string, fromAccountId: string): Promise<string> => {
    const accepted = await service.submit(owner, { fromAccountId, toAccountId: payee, amount: AMOUNT });
    expect(accepted.status).toBe(202);
    submitted.push(accepted.body.transferId);
    await service.waitForStatus(accepted.body.transferId, 'UNDER_REVIEW');
    return accepted.body.transferId;
  };
  const review = (transferId: string, reviewer: string, role: Role, decision: 'APPROVE' | 'REJECT') =>
    service.request<{ type: string; status: number }>('POST', `/v1/transfers/${transferId}/review`, {
      token: service.token(reviewer, role),
      body: { decision, reason: 'looks fine to me' },
    });
  const accountOf = async (accountId: string) =>
    (await service.request('GET', `/v1/accounts/${accountId}`, { token: analyst() })).body;
  /** Everything a decision would change: the row, the recorded review, the saga's own state, the sender's balances. */
  const footprint = async (transferId: string, senderAccount: string) => {
    const view = await service.request('GET', `/v1/transfers/${transferId}`, { token: analyst() });
    const saga = await service.dependencies.temporal.workflow
      .getHandle(transferWorkflowId(transferId))
      .query<SagaState>('status');
    return {
      status: view.body.status,
      review: view.body.review,
      saga: { status: saga.status, step: saga.step },
      sender: await accountOf(senderAccount),
    };
  };

  /** Every reviewing role, both decisions, as `reviewer`: each 403 self-review, and the footprint unchanged. */
  const expectRefusedAsSelfReview = async (transferId: string, senderAccount: string, reviewer: string) => {
    const before = await footprint(transferId, senderAccount);
    expect(before).toMatchObject({ status: 'UNDER_REVIEW', review: null, saga: { status: 'UNDER_REVIEW' } });
    expect(before.sender).toMatchObject({ held: AMOUNT });
    for (const role of REVIEWING_ROLES) {
      for (const decision of ['APPROVE', 'REJECT'] as const) {
        const answer = await review(transferId, reviewer, role, decision);
        expect({ role, decision, status: answer.status }).toEqual({ role, decision, status: 403 });
        expect(answer.contentType).toContain('application/problem+json');
        expect(answer.body.type).toMatch(/\/self-review$/);
      }
    }
    expect(await footprint(transferId, senderAccount)).toEqual(before);
  };

  it("refuses a decision by the transfer's requester, whatever the role, and another reviewer then approves it", async () => {
    const transferId = await underReview(olga, olgaAccount);

    await expectRefusedAsSelfReview(transferId, olgaAccount, olga);

    // Had a refused decision reached the saga, it would have taken it, and this one would be a 409.
    expect((await review(transferId, 'fe-ops', 'OPS_AGENT', 'APPROVE')).status).toBe(200);
    expect((await service.waitForTerminal([transferId])).get(transferId)).toBe('COMPLETED');
    expect(await accountOf(olgaAccount)).toMatchObject({ balance: 10_000 - AMOUNT, held: 0 });
    expect(
      await moneyViolations(service.dependencies.postgres, service.balances, [olgaAccount, petraAccount, payee]),
    ).toEqual([]);
  });

  it('refuses a decision by the owner of the sending account who did not request it, and another reviewer then rejects it', async () => {
    const transferId = await underReview(petra, petraAccount);
    // The API takes a transfer only from the account's owner, so owner and requester differ only once the
    // account has changed hands while the transfer waits; there is no API for that, PostgreSQL is where it happens.
    await service.dependencies.postgres.query('UPDATE accounts SET owner_id = $2 WHERE account_id = $1', [
      petraAccount,
      quentin,
    ]);

    await expectRefusedAsSelfReview(transferId, petraAccount, quentin);

    expect((await review(transferId, 'fe-ops', 'SUPER_ADMIN', 'REJECT')).status).toBe(200);
    expect((await service.waitForTerminal([transferId])).get(transferId)).toBe('REJECTED');
    expect(await accountOf(petraAccount)).toMatchObject({ balance: 10_000, held: 0 });
    expect(
      await moneyViolations(service.dependencies.postgres, service.balances, [olgaAccount, petraAccount, payee]),
    ).toEqual([]);
  });
});
