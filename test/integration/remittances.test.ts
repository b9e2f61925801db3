import { randomUUID } from 'node:crypto';

import { platformAccountId } from '../../src/domain/remittance';
import { REMITTANCE_RETRY_SCHEDULE_ID, TASK_QUEUE } from '../../src/domain/temporal';
import { remittanceIdFor } from '../../src/domain/transfer-id';
import type { remittanceRetryBatch } from '../../src/workflows';
import { signCallback } from '../../src/rails/callback-signature';
import { DEVELOPMENT_RAIL_CALLBACK_SECRET } from '../../src/config';
import { eventually } from '../../harness/eventually';
import {
  type Businesses,
  moneyOf,
  railMoneyViolations,
  registerBusinesses,
  remit,
  sagaOf,
  sagaState,
  waitForRemittance,
} from '../support/remittances';
import { ServiceHarness } from '../support/service-harness';

let service: ServiceHarness;
let businesses: Businesses;

beforeAll(async () => {
  // A rail of its own, so this file's clearing account is its own to check against the simulator.
  service = await ServiceHarness.start({ RAIL_NAME: `sim-${randomUUID().slice(0, 8)}` });
  businesses = await registerBusinesses(service);
  // The tests run the retry batch themselves, each retry when they want it; the minute's Schedule waits.
  await retrySchedule().pause('test/integration/remittances.test.ts runs the batch itself');
});
afterAll(async () => {
  await retrySchedule()
    .unpause()
    .catch(() => undefined);
  await service?.stop();
});

const retrySchedule = () => service.dependencies.temporal.schedule.getHandle(REMITTANCE_RETRY_SCHEDULE_ID);
beforeEach(() => service.rail.reset());

const staff = () => service.token('ops', 'OPS_AGENT');

async function remitted(overrides: Record<string, unknown> = {}): Promise<string> {
  const accepted = await remit(service, businesses, overrides);
  if (accepted.status !== 202) throw new Error(`remit answered ${accepted.status}: ${JSON.stringify(accepted.body)}`);
  return accepted.body.remittanceId;
}

/** The retry batch, run now as its Schedule runs it. */
async function runRetryBatch(): Promise<{ retried: string[]; exhausted: string[] }> {
  return service.dependencies.temporal.workflow.execute<typeof remittanceRetryBatch>('remittanceRetryBatch', {
    taskQueue: TASK_QUEUE,
    workflowId: `remittance-retry-batch-test-${randomUUID()}`,
    args: [],
  });
}

/** Posts a callback as the rail would, signed with `secret` at `timestamp`. */
function callback(
  body: Record<string, unknown>,
  { secret = DEVELOPMENT_RAIL_CALLBACK_SECRET, timestamp = Math.floor(Date.now() / 1000) } = {},
) {
  const rawBody = JSON.stringify({
    instructionId: 'forged-1',
    type: 'collect',
    occurredAt: new Date().toISOString(),
    ...body,
  });
  return service.request<{ outcome?: string; type?: string }>(
    'POST',
    `/v1/rails/${service.config.rail.name}/callbacks`,
    {
      rawBody,
      headers: { 'Rail-Timestamp': String(timestamp), 'Rail-Signature': signCallback(secret, timestamp, rawBody) },
    },
  );
}

async function callbackRows(reference: string) {
  const { rows } = await service.dependencies.postgres.query<{ outcome: string; status: string | null }>(
    'SELECT outcome, status FROM rail_callbacks WHERE reference = $1 ORDER BY id',
    [reference],
  );
  return rows;
}

describe('business remittances over the bank rail', () => {
  it('collects from A, books and withdraws it on the platform account, pays B, and leaves the clearing account at minus what the rail holds', async () => {
    const accepted = await remit(service, businesses);
    expect(accepted.status).toBe(202);
    expect(accepted.body.status).toBe('REQUESTED');
    expect(accepted.body.number).toMatch(/^R-\d{6}$/);
    const { remittanceId } = accepted.body;

    await waitForRemittance(service, remittanceId, 'COMPLETED');
    const state = await sagaState(service, remittanceId);
    expect(state.history.map((change) => change.status)).toEqual([
      'REQUESTED',
      'DEPOSIT_PENDING',
      'DEPOSITED',
      'WITHDRAWN',
      'COMPLETED',
    ]);
    expect(await railMoneyViolations(service, [remittanceId])).toEqual([]);
    expect(service.rail.accountNet(businesses.from.bank, businesses.from.account, 'EUR')).toBe(-12_500);
    expect(service.rail.accountNet(businesses.to.bank, businesses.to.account, 'EUR')).toBe(12_500);

    const read = await service.request('GET', `/v1/remittances/${remittanceId}`, { token: staff() });
    expect(read.body).toMatchObject({
      status: 'COMPLETED',
      history: [
        { status: 'REQUESTED' },
        { status: 'DEPOSIT_PENDING' },
        { status: 'DEPOSITED' },
        { status: 'WITHDRAWN' },
        { status: 'COMPLETED' },
      ],
      instructions: [
        { key: `${remittanceId}:collect`, status: 'SUCCEEDED' },
        { key: `${remittanceId}:payout`, status: 'SUCCEEDED' },
      ],
    });
    const { rows: events } = await service.dependencies.postgres.query<{ topic: string }>(
      `SELECT topic FROM outbox WHERE event_id LIKE $1 ORDER BY id`,
      [`${remittanceId}:%`],
    );
    expect(events.map((event) => event.topic)).toEqual([
      'remittance.requested',
      'remittance.deposited',
      'remittance.withdrawn',
      'remittance.completed',
    ]);
  });

  it('sends the same instruction again with the same key when the rail fails twice, and completes on the third attempt', async () => {
    service.rail.setKnobs({ failNext: 2 });
    const remittanceId = await remitted();
    await waitForRemittance(service, remittanceId, 'COMPLETED');
    const collect = service.rail.instructions().filter((instruction) => instruction.type === 'collect');
    expect(collect).toEqual([
      expect.objectContaining({ key: `${remittanceId}:collect`, receipts: 1, status: 'SUCCEEDED' }),
    ]);
    expect(await railMoneyViolations(service, [remittanceId])).toEqual([]);
  });

  it('asks the rail for the outcome when no callback comes, and goes on with what the status endpoint says', async () => {
    service.rail.setKnobs({ neverCallBack: true });
    const remittanceId = await remitted();
    await waitForRemittance(service, remittanceId, 'COMPLETED');
    expect(service.rail.callbacksSent()).toBe(0);
    expect(service.rail.instructions().map((instruction) => instruction.receipts)).toEqual([1, 1]);
    expect(await railMoneyViolations(service, [remittanceId])).toEqual([]);
  });

  it('takes each outcome once when every callback comes twice, and records the repeats as duplicates with no effect', async () => {
    service.rail.setKnobs({ callBackTwice: true, processingCallback: true });
    const remittanceId = await remitted();
    await waitForRemittance(service, remittanceId, 'COMPLETED');
    await service.rail.settled();
    const outcomes = (await callbackRows(`${remittanceId}:collect`)).map((row) => row.outcome).sort();
    expect(outcomes).toEqual(['applied', 'duplicate', 'progress']);
    expect(await railMoneyViolations(service, [remittanceId])).toEqual([]);
    expect(service.rail.accountNet(businesses.to.bank, businesses.to.account, 'EUR')).toBeGreaterThan(0);
  });

  it('handles a callback that overtakes the instruction answer, and a progress report that comes after the outcome', async () => {
    service.rail.setKnobs({ callBackBeforeResponse: true });
    const remittanceId = await remitted();
    await waitForRemittance(service, remittanceId, 'COMPLETED');
    const late = await callback({ reference: `${remittanceId}:payout`, type: 'payout', status: 'PROCESSING' });
    expect(late).toMatchObject({ status: 200, body: { outcome: 'late' } });
    const again = await callback({ reference: `${remittanceId}:payout`, type: 'payout', status: 'SUCCEEDED' });
    expect(again).toMatchObject({ status: 200, body: { outcome: 'duplicate' } });
    const contrary = await callback({ reference: `${remittanceId}:payout`, type: 'payout', status: 'FAILED' });
    expect(contrary).toMatchObject({ status: 200, body: { outcome: 'contradicts' } });
    expect((await service.dependencies.remittanceReads.get(remittanceId))?.status).toBe('COMPLETED');
    expect(await railMoneyViolations(service, [remittanceId])).toEqual([]);
  });

  it('ends FAILED with nothing booked when the rail refuses the collection', async () => {
    const before = await moneyOf(service);
    service.rail.setKnobs({ refuseCollects: 1 });
    const remittanceId = await remitted();
    await waitForRemittance(service, remittanceId, 'FAILED');
    const row = await service.dependencies.remittanceReads.get(remittanceId);
    expect(row?.failureReason).toContain('insufficient funds');
    expect(service.rail.instructions().map((instruction) => instruction.type)).toEqual(['collect']);
    expect(await moneyOf(service)).toEqual(before);
    expect(await railMoneyViolations(service, [remittanceId])).toEqual([]);
  });

  it('gives A its money back over the rail when the payout is refused, and ends FAILED with nothing lost', async () => {
    service.rail.setKnobs({ refusePayouts: 1 });
    const remittanceId = await remitted();
    await waitForRemittance(service, remittanceId, 'FAILED');
    const state = await sagaState(service, remittanceId);
    expect(state.history.map((change) => change.status)).toEqual([
      'REQUESTED',
      'DEPOSIT_PENDING',
      'DEPOSITED',
      'WITHDRAWN',
      'REFUNDING',
      'FAILED',
    ]);
    expect(service.rail.accountNet(businesses.from.bank, businesses.from.account, 'EUR')).toBe(0);
    expect(service.rail.accountNet(businesses.to.bank, businesses.to.account, 'EUR')).toBe(0);
    const { rows } = await service.dependencies.postgres.query<{ data: { refunded: boolean } }>(
      `SELECT payload->'data' AS data FROM outbox WHERE event_id = $1`,
      [`${remittanceId}:remittance.failed`],
    );
    expect(rows[0]?.data.refunded).toBe(true);
    expect(await railMoneyViolations(service, [remittanceId])).toEqual([]);
  });

  it('opens a payout-failure record and alerts when the refund is refused too, and completes the refund once the rail takes it', async () => {
    service.rail.setKnobs({ refusePayouts: 1, refuseRefunds: 1 });
    const remittanceId = await remitted();
    const failure = await eventually(
      async () => {
        const { failures } = await service.dependencies.remittanceReads.details(remittanceId);
        return failures.find((one) => one.kind === 'payout' && one.status === 'OPEN');
      },
      30_000,
      'the payout-failure record',
    );
    await eventually(
      async () => service.slack.textsAbout(remittanceId).find((text) => text.includes('refund was refused')),
      10_000,
      'the alert',
    );
    // Money is on the platform account, owed to A, and nowhere else.
    expect((await service.dependencies.remittanceReads.get(remittanceId))?.status).toBe('REFUNDING');
    expect(await railMoneyViolations(service, [])).toEqual([]);

    // The rail takes refunds again; the batch asks the saga, which sends a new refund instruction.
    expect((await runRetryBatch()).retried).toContain(failure.id);
    await waitForRemittance(service, remittanceId, 'FAILED');
    const keys = service.rail.instructions().map((instruction) => `${instruction.key.slice(37)} ${instruction.status}`);
    expect(keys).toEqual(['collect SUCCEEDED', 'payout FAILED', 'refund FAILED', 'refund:2 SUCCEEDED']);
    const { failures } = await service.dependencies.remittanceReads.details(remittanceId);
    expect(failures).toEqual([expect.objectContaining({ id: failure.id, status: 'RESOLVED', retries: 1 })]);
    expect(service.rail.accountNet(businesses.from.bank, businesses.from.account, 'EUR')).toBe(0);
    expect(await railMoneyViolations(service, [remittanceId])).toEqual([]);
  });

  it('pays B exactly once when the worker is killed between the withdrawal and the payout', async () => {
    // The payout's outcome waits, so the kill lands while the saga is between the two.
    service.rail.setKnobs({ delayMs: 1500 });
    const remittanceId = await remitted();
    await waitForRemittance(service, remittanceId, 'WITHDRAWN');
    await service.crashAndRestartWorker();
    await waitForRemittance(service, remittanceId, 'COMPLETED', 90_000);
    const payouts = service.rail.instructions().filter((instruction) => instruction.type === 'payout');
    expect(payouts).toEqual([expect.objectContaining({ key: `${remittanceId}:payout`, status: 'SUCCEEDED' })]);
    expect(service.rail.accountNet(businesses.to.bank, businesses.to.account, 'EUR')).toBe(12_500);
    expect(await railMoneyViolations(service, [remittanceId])).toEqual([]);
  });

  it('opens a withdrawal-failure record when Redis cannot hold the money, and withdraws once a rebuild has repaired Redis', async () => {
    // Its own currency, so its platform account holds nothing of other tests'.
    const currency = 'GBP';
    // A first remittance loads the platform account into Redis (and leaves it at zero).
    const first = await remitted({ currency });
    await waitForRemittance(service, first, 'COMPLETED');
    // Redis "loses" the next deposit's credit: its marker is there before the deposit, so the credit is skipped,
    // as if Redis had lost the credit after making it; PostgreSQL has the money, Redis does not.
    const key = randomUUID();
    const remittanceId = remittanceIdFor(businesses.owner, key);
    await service.dependencies.redis.set(`credit:${remittanceId}:deposit`, '1', 'EX', 600);
    expect((await remit(service, businesses, { currency }, key)).status).toBe(202);

    const failureOf = async () =>
      (await service.dependencies.remittanceReads.details(remittanceId)).failures.find(
        (one) => one.kind === 'withdrawal',
      );
    const failure = await eventually(failureOf, 30_000, 'the withdrawal-failure record');
    expect(failure).toMatchObject({ status: 'OPEN', error: expect.stringContaining('cannot cover') as unknown });
    expect((await service.dependencies.remittanceReads.get(remittanceId))?.status).toBe('DEPOSITED');
    await eventually(
      async () => service.slack.textsAbout(remittanceId).find((text) => text.includes('withdrawal failed')),
      10_000,
      'the alert',
    );

    // The repair reconcile would make: Redis rebuilt from PostgreSQL, which records the withdrawal's hold.
    await service.balances.forceRebuild(platformAccountId(currency));
    expect((await runRetryBatch()).retried).toContain(failure.id);
    await waitForRemittance(service, remittanceId, 'COMPLETED');
    expect(await failureOf()).toMatchObject({ status: 'RESOLVED' });
    expect(await railMoneyViolations(service, [first, remittanceId])).toEqual([]);
  });

  it('opens a deposit-failure record when the platform account refuses, alerts after three retries, and finishes once an operator retries it', async () => {
    // Its own currency, so closing its platform account touches no other test.
    const currency = 'CHF';
    await service.dependencies.postgres.query(
      `INSERT INTO accounts (account_id, owner_id, currency, balance, initial_balance, status)
       VALUES ('platform-chf', 'platform', 'CHF', 0, 0, 'CLOSED')
       ON CONFLICT (account_id) DO UPDATE SET status = 'CLOSED'`,
    );
    const remittanceId = await remitted({ currency });
    const failureOf = async () =>
      (await service.dependencies.remittanceReads.details(remittanceId)).failures.find((one) => one.kind === 'deposit');
    const failure = await eventually(failureOf, 30_000, 'the deposit-failure record');
    expect(failure).toMatchObject({ status: 'OPEN', retries: 0 });
    for (let retry = 1; retry <= 3; retry += 1) {
      expect((await runRetryBatch()).retried).toContain(failure.id);
      await eventually(
        async () => {
          const now = await failureOf();
          return now && !now.retrying && now.retries === retry ? now : undefined;
        },
        30_000,
        `retry ${retry}`,
      );
    }
    expect((await runRetryBatch()).exhausted).toContain(failure.id);
    await eventually(
      async () => service.slack.textsAbout(remittanceId).find((text) => text.includes('after 3 retries')),
      10_000,
      'the exhausted alert',
    );

    await service.dependencies.postgres.query(`UPDATE accounts SET status = 'OPEN' WHERE account_id = 'platform-chf'`);
    const retried = await service.request('POST', `/v1/remittance-failures/${failure.id}/retry`, { token: staff() });
    expect(retried.status).toBe(202);
    await waitForRemittance(service, remittanceId, 'COMPLETED');
    expect(await failureOf()).toMatchObject({ status: 'RESOLVED' });
    expect(await railMoneyViolations(service, [remittanceId])).toEqual([]);
  });

  it('refuses a forged or stale callback with 401, and one for an unknown reference with 404, changing nothing and logging each', async () => {
    const remittanceId = await remitted();
    await waitForRemittance(service, remittanceId, 'COMPLETED');
    const reference = `${remittanceId}:payout`;
    await service.rail.settled();
    const auditedBefore = await eventually(async () => {
      const { rows } = await service.dependencies.postgres.query<{ seq: string }>(
        `SELECT COALESCE(max(seq), 0)::text AS seq FROM audit_log`,
      );
      return rows[0]?.seq;
    }, 1_000);
    const forged = await callback(
      { reference, type: 'payout', status: 'FAILED' },
      { secret: 'not-the-rail-secret-at-all-0123' },
    );
    expect(forged).toMatchObject({
      status: 401,
      body: { type: expect.stringContaining('callback-signature') as unknown },
    });
    const stale = await callback(
      { reference, type: 'payout', status: 'FAILED' },
      { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 },
    );
    expect(stale).toMatchObject({ status: 401, body: { type: expect.stringContaining('callback-stale') as unknown } });
    const unknown = await callback({ reference: `${randomUUID()}:payout`, type: 'payout', status: 'SUCCEEDED' });
    expect(unknown.status).toBe(404);
    expect((await service.dependencies.remittanceReads.get(remittanceId))?.status).toBe('COMPLETED');

    // The trail is written once each answer has gone out.
    const audited = await eventually(
      async () => {
        const { rows } = await service.dependencies.postgres.query<{ status: number }>(
          `SELECT status FROM audit_log WHERE action = 'rail callback' AND status >= 400 AND seq > $1 ORDER BY seq`,
          [auditedBefore],
        );
        return rows.length >= 3 ? rows : undefined;
      },
      10_000,
      'three audit rows',
    );
    expect(audited.map((row) => row.status).sort()).toEqual([401, 401, 404]);
  });

  it('answers 20 concurrent submissions with one key with one remittance, and the key with another body with 409', async () => {
    const key = randomUUID();
    const answers = await Promise.all(Array.from({ length: 20 }, () => remit(service, businesses, {}, key)));
    expect(new Set(answers.map((answer) => answer.status))).toEqual(new Set([202]));
    expect(new Set(answers.map((answer) => answer.body.remittanceId)).size).toBe(1);
    const remittanceId = answers[0]?.body.remittanceId as string;
    await waitForRemittance(service, remittanceId, 'COMPLETED');
    expect(service.rail.instructions().filter((instruction) => instruction.type === 'collect')).toHaveLength(1);
    const conflict = await remit(service, businesses, { amount: 1 }, key);
    expect(conflict).toMatchObject({ status: 409, body: { field: 'Idempotency-Key' } });
    const { rows } = await service.dependencies.postgres.query(
      `SELECT 1 FROM remittances WHERE caller = $1 AND idempotency_key = $2`,
      [businesses.owner, key],
    );
    expect(rows).toHaveLength(1);
  });

  it('refuses bad input naming the field, and a business the caller does not own with 404, writing nothing', async () => {
    const count = async () =>
      Number(
        (await service.dependencies.postgres.query<{ n: string }>('SELECT count(*) AS n FROM remittances')).rows[0]?.n,
      );
    const before = await count();
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ amount: 0 }, 400, 'body.amount'],
      [{ amount: 1.5 }, 400, 'body.amount'],
      [{ currency: 'XXQ' }, 400, 'body.currency'],
      [{ toBusiness: businesses.from }, 400, 'body.toBusiness'],
      [{ surprise: true }, 400, 'body.surprise'],
      [{ toBusiness: { bank: 'SIMBANK', account: 'nobody-here' } }, 422, 'toBusiness'],
    ];
    for (const [overrides, status, field] of cases) {
      const answer = await remit(service, businesses, overrides);
      expect([JSON.stringify(overrides), answer.status, answer.body]).toEqual([
        JSON.stringify(overrides),
        status,
        expect.objectContaining({ field }),
      ]);
    }
    const stranger = await service.request('POST', '/v1/remittances', {
      token: service.token('someone-else', 'USER'),
      headers: { 'Idempotency-Key': randomUUID() },
      body: { fromBusiness: businesses.from, toBusiness: businesses.to, amount: 100, currency: 'EUR', reference: 'x' },
    });
    expect(stranger).toMatchObject({ status: 404, body: { field: 'fromBusiness' } });
    expect(await count()).toBe(before);
  });

  it('shows the owner its remittance without the rail internals, and another customer a 404', async () => {
    const remittanceId = await remitted();
    await waitForRemittance(service, remittanceId, 'COMPLETED');
    const own = await service.request('GET', `/v1/remittances/${remittanceId}`, {
      token: service.token(businesses.owner, 'USER'),
    });
    expect(own.status).toBe(200);
    expect(own.body).not.toHaveProperty('instructions');
    expect(own.body).not.toHaveProperty('failures');
    const other = await service.request('GET', `/v1/remittances/${remittanceId}`, {
      token: service.token('someone-else', 'USER'),
    });
    expect(other.status).toBe(404);
  });

  it('is visible to operators in Temporal: search attributes and the status query', async () => {
    const remittanceId = await remitted();
    await waitForRemittance(service, remittanceId, 'COMPLETED');
    const description = await sagaOf(service, remittanceId).describe();
    expect(description.typedSearchAttributes.get({ name: 'RemittanceStatus', type: 'KEYWORD' } as never)).toBe(
      'COMPLETED',
    );
    expect(description.searchAttributes.FromBusiness).toEqual([`${businesses.from.bank}/${businesses.from.account}`]);
    expect((await sagaState(service, remittanceId)).status).toBe('COMPLETED');
  });

  it('runs the retry batch every minute on a Temporal Schedule', async () => {
    const schedule = await retrySchedule().describe();
    expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: 'remittanceRetryBatch' });
    expect(schedule.spec.intervals).toEqual([expect.objectContaining({ every: 60_000 })]);
  });
});
