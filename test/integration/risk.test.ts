import { randomUUID } from 'node:crypto';

import { Registry } from 'prom-client';

import { startApi } from '../../src/api/server';
import type { DeviceContext, TransferSagaInput, TransferStatus } from '../../src/domain/transfer';
import type { RiskRecord } from '../../src/risk/risk-log';
import type { Rule } from '../../src/risk/rules';
import { moneyViolations } from '../../harness/conservation';
import { EventCollector } from '../support/event-collector';
import { ServiceHarness } from '../support/service-harness';

// Long enough for the decisions below on a loaded machine.
const REVIEW_TIMEOUT_MS = 25_000;
// Long enough to see the transfer in the review queue first, short enough to watch it time out.
const SHORT_REVIEW_TIMEOUT_MS = 6_000;

/**
 * Risk through the real stack. Every rule here is scoped to this test's own accounts (an `account`
 * condition), because rules are global: a rule left behind must never touch another test's transfers.
 */
describe('risk evaluation, rules and review', () => {
  let service: ServiceHarness;
  let events: EventCollector;
  const created: string[] = [];
  const ruleAdmin = () => service.token('rule-admin-1', 'RULE_ADMIN');
  const analyst = () => service.token('analyst-1', 'RISK_ANALYST');

  beforeAll(async () => {
    service = await ServiceHarness.start({ SAGA_REVIEW_TIMEOUT_MS: String(REVIEW_TIMEOUT_MS) });
    events = await EventCollector.start(service.dependencies.kafka);
  });
  afterAll(async () => {
    for (const ruleId of created) await service.request('DELETE', `/v1/rules/${ruleId}`, { token: ruleAdmin() });
    await events?.stop();
    await service?.stop();
  });

  const createRule = async (rule: Record<string, unknown>): Promise<Rule> => {
    const ruleId = `t-${randomUUID().slice(0, 8)}`;
    const answer = await service.request<Rule>('POST', '/v1/rules', {
      token: ruleAdmin(),
      body: { ruleId, name: ruleId, score: 10, ...rule },
    });
    if (answer.status !== 201)
      throw new Error(`creating a rule answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    created.push(ruleId);
    return answer.body;
  };
  const fromAccount = (accountId: string) => ({ account: { side: 'from', in: [accountId] } });
  const transferOf = async (owner: string, fromAccountId: string, toAccountId: string, amount: number) => {
    const accepted = await service.submit(owner, { fromAccountId, toAccountId, amount });
    expect(accepted.status).toBe(202);
    return accepted.body.transferId;
  };
  const finalStatus = async (transferId: string): Promise<TransferStatus> =>
    (await service.waitForTerminal([transferId])).get(transferId) as TransferStatus;
  const riskOf = async (transferId: string) =>
    (await service.request<RiskRecord>('GET', `/v1/transfers/${transferId}/risk`, { token: analyst() })).body;
  const accountOf = async (accountId: string) =>
    (
      await service.request<{ balance: number; held: number }>('GET', `/v1/accounts/${accountId}`, {
        token: analyst(),
      })
    ).body;

  it('applies a rule change from the next transfer on, and the risk log names the rule version that decided', async () => {
    const alice = await service.openAccount('alice', 10_000);
    const bob = await service.openAccount('bob', 0);
    expect(await finalStatus(await transferOf('alice', alice, bob, 500))).toBe('COMPLETED');

    const rule = await createRule({
      condition: { all: [fromAccount(alice), { amount: { gte: 400 } }] },
      action: 'BLOCK',
    });
    const blocked = await transferOf('alice', alice, bob, 500);
    expect(await finalStatus(blocked)).toBe('BLOCKED');
    const record = await riskOf(blocked);
    expect(record).toMatchObject({ decision: 'BLOCK', modelVersion: 'robust-z-1' });
    expect(record.rules.find((outcome) => outcome.ruleId === rule.ruleId)).toMatchObject({ version: 1, hit: true });
    const flagged = (await events.waitFor(blocked, 4)).find((event) => event.type === 'transfer.flagged');
    expect(flagged?.data).toMatchObject({
      decision: 'BLOCK',
      ruleHits: [expect.objectContaining({ ruleId: rule.ruleId })],
    });

    const changed = await service.request<Rule>('PUT', `/v1/rules/${rule.ruleId}`, {
      token: ruleAdmin(),
      headers: { 'If-Match': '"1"' },
      body: {
        name: rule.name,
        condition: { all: [fromAccount(alice), { amount: { gte: 1_000 } }] },
        score: 10,
        action: 'BLOCK',
      },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ version: 2, updatedBy: 'rule-admin-1' });
    const passed = await transferOf('alice', alice, bob, 500);
    expect(await finalStatus(passed)).toBe('COMPLETED');
    const after = await riskOf(passed);
    expect(after.rules.find((outcome) => outcome.ruleId === rule.ruleId)).toMatchObject({ version: 2, hit: false });
    expect(Number(after.ruleSetVersion)).toBeGreaterThan(Number(record.ruleSetVersion));
    expect(await accountOf(alice)).toMatchObject({ balance: 9_000, held: 0 });
  });

  it('logs a shadow rule that hits, but does not let it decide', async () => {
    const carol = await service.openAccount('carol', 5_000);
    const dave = await service.openAccount('dave', 0);
    const shadow = await createRule({ condition: fromAccount(carol), action: 'BLOCK', score: 500, shadow: true });

    const transfer = await transferOf('carol', carol, dave, 700);

    expect(await finalStatus(transfer)).toBe('COMPLETED');
    const record = await riskOf(transfer);
    expect(record.decision).toBe('PASS');
    expect(record.score).toBeLessThan(50);
    expect(record.rules.find((outcome) => outcome.ruleId === shadow.ruleId)).toMatchObject({ hit: true, shadow: true });
  });

  it('trips a velocity rule on the third transfer in its window, and lets transfers through once the window has passed', async () => {
    const erin = await service.openAccount('erin', 10_000);
    const frank = await service.openAccount('frank', 0);
    await createRule({
      condition: { all: [fromAccount(erin), { velocity: { windowSeconds: 8, count: { gte: 3 } } }] },
      action: 'BLOCK',
    });

    const transfers: string[] = [];
    const statuses: TransferStatus[] = [];
    for (let n = 0; n < 4; n++) {
      transfers.push(await transferOf('erin', erin, frank, 100));
      statuses.push(await finalStatus(transfers[n] as string));
    }
    // The third trips; BLOCKED transfers are withdrawn from the count, so the fourth is again the third.
    expect(statuses).toEqual(['COMPLETED', 'COMPLETED', 'BLOCKED', 'BLOCKED']);

    // Counters go by event time, PostgreSQL's clock at submission, in 1 s buckets: the first transfer
    // leaves the window once that clock reaches the start of its second plus the window.
    const firstSubmitted = Date.parse(
      (await service.dependencies.reads.getTransfer(transfers[0] as string))?.submittedAt ?? '',
    );
    await untilDatabaseClockReaches(Math.floor(firstSubmitted / 1000) * 1000 + 8_000);
    expect(await finalStatus(await transferOf('erin', erin, frank, 100))).toBe('COMPLETED');
    expect(await accountOf(erin)).toMatchObject({ balance: 9_700, held: 0 });
  });

  /** Polls PostgreSQL's clock (the one that stamps submissions) until it reaches `epochMs`. */
  const untilDatabaseClockReaches = async (epochMs: number) => {
    for (;;) {
      const { rows } = await service.dependencies.postgres.query<{ reached: boolean }>(
        'SELECT extract(epoch FROM now()) * 1000 >= $1 AS reached',
        [epochMs],
      );
      if (rows[0]?.reached) return;
      await new Promise((wake) => setTimeout(wake, 100));
    }
  };

  it('holds the money under REVIEW: approve moves it, reject and timeout release it, and a second decision is refused', async () => {
    const gina = await service.openAccount('gina', 10_000);
    const hank = await service.openAccount('hank', 0);
    await createRule({ condition: { all: [fromAccount(gina), { amount: { gte: 100 } }] }, action: 'REVIEW' });
    const ops = service.token('ops-1', 'OPS_AGENT');
    const review = (transferId: string, decision: string, token = ops) =>
      service.request<{ status: TransferStatus; history: Array<{ reason: string | null }> }>(
        'POST',
        `/v1/transfers/${transferId}/review`,
        { token, body: { decision, reason: 'checked with the customer' } },
      );

    // The transfer left to time out is submitted through an API whose sagas get a short review timeout;
    // the two that are decided keep the file's long one, so no decision races its timer.
    const shortReview = await startApi(
      {
        ...service.dependencies,
        metrics: new Registry(),
        config: { ...service.config, saga: { ...service.config.saga, reviewTimeoutMs: SHORT_REVIEW_TIMEOUT_MS } },
      },
      0,
    );
    const approved = await transferOf('gina', gina, hank, 1_000);
    await service.waitForStatus(approved, 'UNDER_REVIEW');
    const rejected = await transferOf('gina', gina, hank, 2_000);
    // The queue is longest-waiting first: each is under review before the next is submitted.
    await service.waitForStatus(rejected, 'UNDER_REVIEW');
    let timedOut: string;
    try {
      const accepted = await fetch(`${shortReview.url}/v1/transfers`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${service.token('gina', 'USER')}`,
          'content-type': 'application/json',
          'Idempotency-Key': randomUUID(),
        },
        body: JSON.stringify({ fromAccountId: gina, toAccountId: hank, amount: 3_000, currency: 'EUR' }),
      });
      expect(accepted.status).toBe(202);
      timedOut = ((await accepted.json()) as { transferId: string }).transferId;
    } finally {
      await shortReview.stop();
    }
    await service.waitForStatus(timedOut, 'UNDER_REVIEW');
    expect(await accountOf(gina)).toMatchObject({ balance: 10_000, held: 6_000 });
    const queue = await service.request<{ items: Array<{ transferId: string }> }>('GET', '/v1/reviews?limit=100', {
      token: service.token('auditor-1', 'AUDITOR'),
    });
    const ours = queue.body.items
      .map((item) => item.transferId)
      .filter((id) => [approved, rejected, timedOut].includes(id));
    expect(ours).toEqual([approved, rejected, timedOut]);

    expect(await review(approved, 'APPROVE')).toMatchObject({ status: 200 });
    const second = await review(approved, 'REJECT', service.token('admin', 'SUPER_ADMIN'));
    expect(second.status).toBe(409);
    expect(await finalStatus(approved)).toBe('COMPLETED');
    const view = await service.request<{ review: Record<string, string> }>('GET', `/v1/transfers/${approved}`, {
      token: analyst(),
    });
    expect(view.body.review).toMatchObject({
      decision: 'APPROVE',
      reviewer: 'ops-1',
      reason: 'checked with the customer',
    });

    expect(await review(rejected, 'REJECT', service.token('admin', 'SUPER_ADMIN'))).toMatchObject({ status: 200 });
    expect(await finalStatus(rejected)).toBe('REJECTED');
    expect((await review(rejected, 'APPROVE')).status).toBe(409);

    expect(await finalStatus(timedOut)).toBe('REJECTED');
    const timedOutView = await service.request<{ failureReason: string }>('GET', `/v1/transfers/${timedOut}`, {
      token: analyst(),
    });
    expect(timedOutView.body.failureReason).toBe('review timed out');
    expect(service.slack.textsAbout(timedOut).some((text) => /half of its time/.test(text))).toBe(true);

    expect(await accountOf(gina)).toMatchObject({ balance: 9_000, held: 0 });
    expect(await accountOf(hank)).toMatchObject({ balance: 1_000, held: 0 });
    expect(await moneyViolations(service.dependencies.postgres, service.balances, [gina, hank])).toEqual([]);
  });

  describe('where the transfer is sent from', () => {
    // DB-IP Lite places these in Seoul and in Lisbon (test/risk/ip-location.test.ts checks that on its own).
    const SEOUL_IP = '124.0.0.1';
    const LISBON_IP = '193.136.0.1';
    const sagaInput = (fromAccountId: string, submittedAtMs: number, context: DeviceContext): TransferSagaInput => ({
      transferId: randomUUID(),
      fromAccountId,
      toAccountId: `receiver-${randomUUID()}`,
      amount: 100,
      currency: 'EUR',
      context,
      requestedBy: 'traveller',
      submittedAt: new Date(submittedAtMs).toISOString(),
      timings: service.config.saga,
    });

    it('decides STEP_UP when a STEP_UP travel rule hits: Seoul, then Lisbon ten minutes later', async () => {
      const sender = `traveller-${randomUUID()}`;
      const rule = await createRule({
        condition: { all: [fromAccount(sender), { travel: { maxSpeedKmh: 1_000 } }] },
        action: 'STEP_UP',
        score: 1,
      });
      const { engine } = service.dependencies.risk;
      const start = Date.now();

      const inSeoul = await engine.evaluate(sagaInput(sender, start, { ip: SEOUL_IP, deviceId: 'phone-1' }));
      const inLisbon = await engine.evaluate(
        sagaInput(sender, start + 10 * 60_000, { ip: LISBON_IP, deviceId: 'phone-1' }),
      );

      expect(inSeoul.assessment.decision).toBe('PASS');
      expect(inSeoul.outcomes.find((outcome) => outcome.ruleId === rule.ruleId)?.reason).toBe(
        'no other located transfer from this sender',
      );
      expect(inLisbon.assessment.decision).toBe('STEP_UP');
      expect(inLisbon.assessment.hits.map((hit) => [hit.ruleId, hit.shadow])).toEqual([[rule.ruleId, false]]);
      expect(inLisbon.assessment.hits[0]?.reason).toMatch(
        / and \d+ km in 600 s \(\d+ km\/h\) since the last located transfer, over 1000 km\/h$/,
      );
      // The facts a dry run will replay: the location and country from the IP, the previous location, the device.
      expect(inLisbon.facts).toMatchObject({
        locationSource: 'ip',
        country: 'PT',
        previousLocation: { atMs: start },
        deviceId: 'phone-1',
        deviceLastSeenMs: start,
      });
      expect(JSON.parse(JSON.stringify(inLisbon.facts)) as unknown).toEqual(inLisbon.facts);
    });

    it("takes the device's own location over its IP's, and a REVIEW rule over a STEP_UP one", async () => {
      const sender = `traveller-${randomUUID()}`;
      await createRule({
        condition: { all: [fromAccount(sender), { travel: { maxSpeedKmh: 1_000 } }] },
        action: 'STEP_UP',
        score: 1,
      });
      await createRule({ condition: { all: [fromAccount(sender), { country: { in: ['KR'] } }] }, action: 'REVIEW' });
      const { engine } = service.dependencies.risk;
      const start = Date.now();

      await engine.evaluate(sagaInput(sender, start, { location: { lat: 38.7223, lon: -9.1393 } }));
      // A Korean IP, but the device says Lisbon again: no travel, and the country is still the IP's.
      const stayed = await engine.evaluate(
        sagaInput(sender, start + 60_000, { ip: SEOUL_IP, location: { lat: 38.7223, lon: -9.1393 } }),
      );
      expect(stayed.facts).toMatchObject({ locationSource: 'device', country: 'KR' });
      expect(stayed.assessment.decision).toBe('REVIEW');
      expect(stayed.assessment.hits).toHaveLength(1);

      const flew = await engine.evaluate(sagaInput(sender, start + 120_000, { ip: SEOUL_IP }));
      expect(flew.facts).toMatchObject({ locationSource: 'ip', country: 'KR' });
      expect(flew.assessment.hits).toHaveLength(2);
      expect(flew.assessment.decision).toBe('REVIEW');
    });

    it('carries a submitted device context through the saga to the rules, whose reasons the risk log keeps', async () => {
      const olga = await service.openAccount('olga', 5_000);
      const pete = await service.openAccount('pete', 0);
      const rule = await createRule({
        condition: { all: [fromAccount(olga), { newDevice: { days: 30 } }] },
        action: 'SCORE',
        score: 1,
      });
      const submitted = await service.request<{ transferId: string }>('POST', '/v1/transfers', {
        token: service.token('olga', 'USER'),
        headers: { 'Idempotency-Key': randomUUID() },
        body: {
          fromAccountId: olga,
          toAccountId: pete,
          amount: 100,
          currency: 'EUR',
          context: { ip: LISBON_IP, deviceId: 'olga-laptop' },
        },
      });
      expect(submitted.status).toBe(202);

      expect(await finalStatus(submitted.body.transferId)).toBe('COMPLETED');
      const record = await riskOf(submitted.body.transferId);
      const outcome = record.rules.find((ruleOutcome) => ruleOutcome.ruleId === rule.ruleId);
      expect(outcome?.hit).toBe(true);
      expect(outcome?.reason).toMatch(/ and device olga-laptop not seen before from this sender$/);
    });
  });

  it('refuses a condition outside the language with a 422 naming its path, and writes nothing', async () => {
    const ruleId = `t-${randomUUID().slice(0, 8)}`;
    const answer = await service.request<{ field: string; detail: string }>('POST', '/v1/rules', {
      token: ruleAdmin(),
      body: {
        ruleId,
        name: 'typo',
        score: 1,
        action: 'SCORE',
        condition: { all: [{ amount: { gte: 1 } }, { amout: {} }] },
      },
    });

    expect(answer.status).toBe(422);
    expect(answer.body.field).toBe('body.condition.all[1]');
    expect(answer.body.detail).toMatch(/unknown operator "amout"/);
    expect((await service.request('GET', `/v1/rules/${ruleId}`, { token: analyst() })).status).toBe(404);
    expect((await service.request('GET', `/v1/rules/${ruleId}/history`, { token: analyst() })).status).toBe(404);
  });

  it('keeps every version when edits race, and refuses an edit based on a stale version', async () => {
    const rule = await createRule({ condition: fromAccount(`nobody-${randomUUID()}`), action: 'SCORE' });
    const edits = await Promise.all(
      Array.from({ length: 12 }, (_, n) =>
        service.request<Rule>('PUT', `/v1/rules/${rule.ruleId}`, {
          token: ruleAdmin(),
          body: { name: `edit ${n}`, condition: rule.condition, score: n, action: 'SCORE' },
        }),
      ),
    );
    expect(edits.map((edit) => edit.status)).toEqual(Array(12).fill(200));

    const history = await service.request<{ versions: Rule[] }>('GET', `/v1/rules/${rule.ruleId}/history`, {
      token: service.token('auditor-1', 'AUDITOR'),
    });
    expect(history.body.versions.map((version) => version.version)).toEqual(
      Array.from({ length: 13 }, (_, n) => n + 1),
    );
    expect(new Set(history.body.versions.slice(1).map((version) => version.name)).size).toBe(12);

    const stale = await service.request('PUT', `/v1/rules/${rule.ruleId}`, {
      token: ruleAdmin(),
      headers: { 'If-Match': '"1"' },
      body: { name: 'late', condition: rule.condition, score: 1, action: 'SCORE' },
    });
    expect(stale.status).toBe(409);
  });
});
