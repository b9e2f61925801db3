import { randomUUID } from 'node:crypto';

import type { StreamMessage } from '../../src/api/feed-session';
import type { EventType } from '../../src/domain/topics';
import { type HttpAnswer, ServiceHarness } from '../support/service-harness';
import { type EventMessage, EventStreamClient, eventsOf, Refusal, StreamSocket } from '../support/stream-clients';

/** Every field of a customer's transfer view; staff see these and `riskScore`. */
const CUSTOMER_FIELDS = [
  'amount',
  // When and how a step-up code may still be given: the customer's to know (null otherwise).
  'confirmation',
  'currency',
  'failureReason',
  'fromAccountId',
  'history',
  'links',
  'memo',
  'review',
  'riskDecision',
  'settledAt',
  'status',
  'step',
  'submittedAt',
  'toAccountId',
  'transferId',
];

type View = Record<string, unknown> & {
  status: string;
  failureReason: string | null;
  history: Array<{ status: string; reason: string | null }>;
  review: Record<string, unknown> | null;
  links: Record<string, unknown>;
};

/** A problem document with one id replaced, to compare the refusal of two different ids. */
const withIdHidden = (body: unknown, id: string): unknown => JSON.parse(JSON.stringify(body).replaceAll(id, '<id>'));

/**
 * Issue 14, point 6, through the real stack: a USER's views of its transfers (the answer to its POST,
 * GET /v1/transfers/:id) and its live streams leave out the risk score, the reasons risk and reviewers
 * gave, the rules that hit (shadow ones too), the reviewer and the Web UI link, while staff keep them
 * all; and a USER asking for another's transfer or account is answered exactly as for an id nobody has.
 * Every rule is scoped to this file's own accounts and removed at the end.
 */
describe("a customer's view of its transfers", () => {
  let service: ServiceHarness;
  const rules: string[] = [];
  const alice = `cv-alice-${randomUUID().slice(0, 8)}`;
  const bob = `cv-bob-${randomUUID().slice(0, 8)}`;
  const mallory = `cv-mallory-${randomUUID().slice(0, 8)}`;
  let aliceAccount: string;
  let bobAccount: string;
  let reviewRule: string;
  let blockRule: string;
  let shadowRule: string;
  const REVIEWED = 300;
  const BLOCKED = 400;
  const SECRET_REASON = 'the note only staff may read';

  const asUser = (sub: string) => service.token(sub, 'USER');
  const analyst = () => service.token('cv-analyst', 'RISK_ANALYST');
  const ruleAdmin = () => service.token('cv-rule-admin', 'RULE_ADMIN');
  const ops = () => service.token('cv-ops', 'OPS_AGENT');

  const createRule = async (rule: Record<string, unknown>): Promise<string> => {
    const ruleId = `cv-${randomUUID().slice(0, 8)}`;
    const answer = await service.request('POST', '/v1/rules', {
      token: ruleAdmin(),
      body: { ruleId, name: ruleId, score: 10, ...rule },
    });
    if (answer.status !== 201) throw new Error(`rule answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    rules.push(ruleId);
    return ruleId;
  };
  const fromAlice = () => ({ account: { side: 'from', in: [aliceAccount] } });

  beforeAll(async () => {
    service = await ServiceHarness.start();
    aliceAccount = await service.openAccount(alice, 100_000);
    bobAccount = await service.openAccount(bob, 0);
    await service.openAccount(mallory, 1_000);
    reviewRule = await createRule({
      condition: { all: [fromAlice(), { amount: { eq: REVIEWED } }] },
      action: 'REVIEW',
    });
    blockRule = await createRule({
      condition: { all: [fromAlice(), { amount: { eq: BLOCKED } }] },
      score: 100,
      action: 'BLOCK',
    });
    // Hits every transfer of alice's and decides none: staff see it among the rule hits, customers never.
    shadowRule = await createRule({ condition: fromAlice(), action: 'BLOCK', score: 500, shadow: true });
  });
  afterAll(async () => {
    for (const ruleId of rules) await service.request('DELETE', `/v1/rules/${ruleId}`, { token: ruleAdmin() });
    await service?.stop();
  });

  const submit = async (amount: number): Promise<HttpAnswer<View>> => {
    const answer = await service.request<View>('POST', '/v1/transfers', {
      token: asUser(alice),
      headers: { 'Idempotency-Key': randomUUID() },
      body: { fromAccountId: aliceAccount, toAccountId: bobAccount, amount, currency: 'EUR' },
    });
    expect(answer.status).toBe(202);
    return answer;
  };
  const view = async (transferId: string, token: string) => {
    const answer = await service.request<View>('GET', `/v1/transfers/${transferId}`, { token });
    expect(answer.status).toBe(200);
    return answer.body;
  };
  const reject = async (transferId: string) => {
    const answer = await service.request('POST', `/v1/transfers/${transferId}/review`, {
      token: ops(),
      body: { decision: 'REJECT', reason: SECRET_REASON },
    });
    expect(answer.status).toBe(200);
  };

  /** Fails naming the first hidden thing a customer's answer mentions: a rule, the reviewer or their reason. */
  const expectNothingHidden = (body: unknown) => {
    const text = JSON.stringify(body);
    for (const hidden of [reviewRule, blockRule, shadowRule, 'cv-ops', SECRET_REASON, 'score', 'temporalUi']) {
      expect({ hidden, found: text.includes(hidden) }).toEqual({ hidden, found: false });
    }
  };

  it('shows a USER its transfer held for review and then rejected without the score, the reasons, the reviewer or the Web UI link; staff see them all', async () => {
    const accepted = await submit(REVIEWED);
    const transferId = accepted.body.transferId as string;
    expect(Object.keys(accepted.body).sort()).toEqual(CUSTOMER_FIELDS);
    expect(accepted.body.links).toEqual({ self: `/v1/transfers/${transferId}` });
    await service.waitForStatus(transferId, 'UNDER_REVIEW');

    const waiting = await view(transferId, asUser(alice));
    expect(Object.keys(waiting).sort()).toEqual(CUSTOMER_FIELDS);
    expect(waiting).toMatchObject({ status: 'UNDER_REVIEW', riskDecision: 'REVIEW', review: null });
    expect(waiting.links).toEqual({ self: `/v1/transfers/${transferId}` });
    expect(waiting.history.find((change) => change.status === 'UNDER_REVIEW')?.reason).toBe('held for review');
    expectNothingHidden(waiting);
    const staffWaiting = await view(transferId, analyst());
    expect(Object.keys(staffWaiting).sort()).toEqual([...CUSTOMER_FIELDS, 'riskScore'].sort());
    expect(staffWaiting.riskScore).toEqual(expect.any(Number));
    expect(staffWaiting.links.temporalUi).toEqual(expect.stringContaining(transferId));
    expect(staffWaiting.history.find((change) => change.status === 'UNDER_REVIEW')?.reason).toContain(reviewRule);

    await reject(transferId);
    await service.waitForTerminal([transferId]);

    const rejected = await view(transferId, asUser(alice));
    expect(Object.keys(rejected).sort()).toEqual(CUSTOMER_FIELDS);
    expect(rejected).toMatchObject({ status: 'REJECTED', failureReason: 'rejected in review' });
    expect(Object.keys(rejected.review ?? {}).sort()).toEqual(['decidedAt', 'decision']);
    expect(rejected.review).toMatchObject({ decision: 'REJECT' });
    expectNothingHidden(rejected);
    // The receiver sees the transfer too, and no more than the sender.
    const received = await view(transferId, asUser(bob));
    expect(received).toEqual(rejected);
    const staffRejected = await view(transferId, analyst());
    expect(staffRejected.review).toMatchObject({ decision: 'REJECT', reviewer: 'cv-ops', reason: SECRET_REASON });
    expect(staffRejected.failureReason).toBe(`rejected by cv-ops: ${SECRET_REASON}`);
  });

  it('shows a USER its blocked transfer as BLOCKED, without the rule that blocked it; staff see the rule', async () => {
    const transferId = (await submit(BLOCKED)).body.transferId as string;
    await service.waitForTerminal([transferId]);

    const blocked = await view(transferId, asUser(alice));
    expect(Object.keys(blocked).sort()).toEqual(CUSTOMER_FIELDS);
    expect(blocked).toMatchObject({
      status: 'BLOCKED',
      riskDecision: 'BLOCK',
      failureReason: 'blocked by risk checks',
    });
    expectNothingHidden(blocked);
    const staffBlocked = await view(transferId, analyst());
    expect(staffBlocked.failureReason).toContain(blockRule);
    expect(staffBlocked.riskScore).toEqual(expect.any(Number));
  });

  it("streams a USER the decision on its flagged transfers, but no score, reasons, rule hits or reviewer; staff's stream has them", async () => {
    const userSocket = await StreamSocket.open(service.api.url, { token: asUser(alice) });
    const userEvents = await EventStreamClient.open(service.api.url, { token: asUser(alice) });
    const staffSocket = await StreamSocket.open(service.api.url, {
      token: analyst(),
      query: { accountId: aliceAccount },
    });
    const blocked = (await submit(BLOCKED)).body.transferId as string;
    const reviewed = (await submit(REVIEWED)).body.transferId as string;
    await service.waitForStatus(reviewed, 'UNDER_REVIEW');
    await reject(reviewed);
    const expected = [
      `${blocked}:transfer.flagged`,
      `${blocked}:transfer.failed`,
      `${reviewed}:transfer.flagged`,
      `${reviewed}:transfer.failed`,
    ];
    const hasAll = (messages: StreamMessage[]) => {
      const ids = eventsOf(messages).map((message) => message.id);
      return expected.every((id) => ids.includes(id));
    };
    const dataOf = (messages: StreamMessage[], transferId: string, type: EventType) =>
      eventsOf(messages).find((message: EventMessage) => message.id === `${transferId}:${type}`)?.event.data;

    for (const client of [userSocket, userEvents, staffSocket]) await client.inbox.waitFor(hasAll, 'four events');
    for (const customer of [await userSocket.disconnect(), await userEvents.disconnect()]) {
      for (const transferId of [blocked, reviewed]) {
        expect(Object.keys(dataOf(customer, transferId, 'transfer.flagged') ?? {}).sort()).toEqual([
          'amount',
          'decision',
          'fromAccountId',
          'toAccountId',
        ]);
      }
      expect(dataOf(customer, blocked, 'transfer.flagged')).toMatchObject({ decision: 'BLOCK' });
      expect(dataOf(customer, reviewed, 'transfer.flagged')).toMatchObject({ decision: 'REVIEW' });
      expect(dataOf(customer, blocked, 'transfer.failed')).toMatchObject({
        status: 'BLOCKED',
        reason: 'blocked by risk checks',
      });
      expect(dataOf(customer, reviewed, 'transfer.failed')).toMatchObject({
        status: 'REJECTED',
        reason: 'rejected in review',
      });
      expectNothingHidden(customer);
    }
    const staff = await staffSocket.disconnect();
    expect(dataOf(staff, blocked, 'transfer.flagged')).toMatchObject({
      score: expect.any(Number) as number,
      reasons: expect.arrayContaining([expect.stringContaining(blockRule)]) as unknown[],
      ruleHits: expect.arrayContaining([
        expect.objectContaining({ ruleId: blockRule, shadow: false }),
        expect.objectContaining({ ruleId: shadowRule, shadow: true }),
      ]) as unknown[],
    });
    expect(dataOf(staff, reviewed, 'transfer.failed')).toMatchObject({
      reason: `rejected by cv-ops: ${SECRET_REASON}`,
    });
  });

  it("answers a USER asking for another's transfer, account or stream exactly as for an id nobody has (404); staff still see them", async () => {
    const transferId = (await submit(10)).body.transferId as string;
    await service.waitForTerminal([transferId]);
    const nobodysTransfer = randomUUID();
    const nobodysAccount = `cv-nobody-${randomUUID().slice(0, 8)}`;
    const probe = (path: string) => service.request('GET', path, { token: asUser(mallory) });

    const transfer = await probe(`/v1/transfers/${transferId}`);
    const noTransfer = await probe(`/v1/transfers/${nobodysTransfer}`);
    expect(transfer.status).toBe(404);
    expect(transfer.contentType).toContain('application/problem+json');
    expect(withIdHidden(transfer, transferId)).toEqual(withIdHidden(noTransfer, nobodysTransfer));

    const account = await probe(`/v1/accounts/${aliceAccount}`);
    const noAccount = await probe(`/v1/accounts/${nobodysAccount}`);
    expect(account.status).toBe(404);
    expect(account.contentType).toContain('application/problem+json');
    expect(withIdHidden(account, aliceAccount)).toEqual(withIdHidden(noAccount, nobodysAccount));

    const refusal = (opening: Promise<unknown>) =>
      opening.then(
        () => {
          throw new Error('the stream opened');
        },
        (error: unknown) => {
          if (!(error instanceof Refusal)) throw error;
          return { status: error.status, body: error.body };
        },
      );
    const transports = [
      (accountId: string) => StreamSocket.open(service.api.url, { token: asUser(mallory), query: { accountId } }),
      (accountId: string) => EventStreamClient.open(service.api.url, { token: asUser(mallory), query: { accountId } }),
    ];
    for (const open of transports) {
      const narrowTo = (accountId: string) => refusal(open(accountId));
      const stream = await narrowTo(aliceAccount);
      expect(stream.status).toBe(404);
      expect(withIdHidden(stream, aliceAccount)).toEqual(withIdHidden(await narrowTo(nobodysAccount), nobodysAccount));
    }

    expect((await service.request('GET', `/v1/transfers/${transferId}`, { token: analyst() })).status).toBe(200);
    expect((await service.request('GET', `/v1/accounts/${aliceAccount}`, { token: analyst() })).status).toBe(200);
    await (
      await StreamSocket.open(service.api.url, { token: analyst(), query: { accountId: aliceAccount } })
    ).disconnect();
  });
});
