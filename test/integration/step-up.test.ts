import { randomUUID } from 'node:crypto';

import type { Payload } from '@temporalio/common';

import type { TransferStatus } from '../../src/domain/transfer';
import { transferWorkflowId } from '../../src/domain/temporal';
import { PayloadEncryption } from '../../src/payload-encryption';
import type { RiskRecord } from '../../src/risk/risk-log';
import type { Rule } from '../../src/risk/rules';
import { moneyViolations } from '../../harness/conservation';
import { EventCollector } from '../support/event-collector';
import { ServiceHarness } from '../support/service-harness';
import { eventsOf, StreamSocket } from '../support/stream-clients';

// Short enough to watch a code expire in a test; long enough to answer one on a loaded machine.
const CODE_TTL_MS = 15_000;
const SEOUL = { lat: 37.5665, lon: 126.978 };
const LISBON = { lat: 38.7223, lon: -9.1393 };

/**
 * Step-up confirmation through the real stack: the travel rule asks, the code goes to the local SMS
 * gateway, and the owner answers over the API. Each test has its own sender, and the rule is scoped to
 * this file's accounts, since rules are global.
 */
describe('step-up confirmation', () => {
  let service: ServiceHarness;
  let events: EventCollector;
  let rule: Rule;
  const senders: string[] = [];
  let phones = 0;

  beforeAll(async () => {
    service = await ServiceHarness.start({ CONFIRMATION_CODE_TTL_MS: String(CODE_TTL_MS) });
    events = await EventCollector.start(service.dependencies.kafka);
  });
  afterAll(async () => {
    if (rule) {
      await service.request('DELETE', `/v1/rules/${rule.ruleId}`, {
        token: service.token('rule-admin-1', 'RULE_ADMIN'),
        headers: { 'If-Match': String(rule.version) },
      });
    }
    await events?.stop();
    await service?.stop();
  });

  /** A sender with a phone, a receiver, and the travel rule covering the sender. */
  async function sender(options: { phone?: boolean } = {}) {
    const owner = `step-up-${randomUUID().slice(0, 8)}`;
    const phone = `+8210${String(5_000_000 + (phones += 1)).padStart(8, '0')}`;
    const from = await service.openAccount(owner, 100_000, 'EUR', options.phone === false ? {} : { phone });
    const to = await service.openAccount(`${owner}-payee`, 0);
    senders.push(from);
    await coverWithTravelRule();
    return { owner, phone, from, to };
  }

  async function coverWithTravelRule(): Promise<void> {
    const token = service.token('rule-admin-1', 'RULE_ADMIN');
    const definition = {
      name: 'impossible travel (step-up test)',
      description: null,
      condition: { all: [{ account: { side: 'from', in: senders } }, { travel: { maxSpeedKmh: 1000 } }] },
      score: 10,
      action: 'STEP_UP',
      enabled: true,
      shadow: false,
    };
    const answer = rule
      ? await service.request<Rule>('PUT', `/v1/rules/${rule.ruleId}`, {
          token,
          headers: { 'If-Match': String(rule.version) },
          body: definition,
        })
      : await service.request<Rule>('POST', '/v1/rules', {
          token,
          body: { ruleId: `t-travel-${randomUUID().slice(0, 8)}`, ...definition },
        });
    if (answer.status >= 300)
      throw new Error(`the travel rule answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    rule = answer.body;
  }

  const submit = async (
    who: { owner: string; from: string; to: string },
    context: Record<string, unknown>,
    amount = 2_500,
  ) => {
    const accepted = await service.request<{ transferId: string }>('POST', '/v1/transfers', {
      token: service.token(who.owner, 'USER'),
      headers: { 'Idempotency-Key': randomUUID() },
      body: { fromAccountId: who.from, toAccountId: who.to, amount, currency: 'EUR', context },
    });
    if (accepted.status !== 202)
      throw new Error(`submit answered ${accepted.status}: ${JSON.stringify(accepted.body)}`);
    return accepted.body.transferId;
  };

  /** Seoul, then Lisbon moments later: a transfer that waits AWAITING_CONFIRMATION with a code sent. */
  async function impossibleTrip(who: { owner: string; from: string; to: string; phone: string }) {
    const seoul = await submit(who, { location: SEOUL, deviceId: 'phone-1' });
    expect(await finalStatus(seoul)).toBe('COMPLETED');
    const lisbon = await submit(who, { location: LISBON, deviceId: 'laptop-9' });
    await service.waitForStatus(lisbon, 'AWAITING_CONFIRMATION');
    const code = await service.codeSentTo(who.phone);
    return { transferId: lisbon, code };
  }

  const finalStatus = async (transferId: string): Promise<TransferStatus> =>
    (await service.waitForTerminal([transferId])).get(transferId) as TransferStatus;
  const confirm = (owner: string, transferId: string, body: unknown, role: 'USER' | 'OPS_AGENT' = 'USER') =>
    service.request<Record<string, unknown>>('POST', `/v1/transfers/${transferId}/confirm`, {
      token: service.token(owner, role),
      body,
    });
  const heldOn = async (accountId: string) => (await service.balances.read(accountId)).held;

  it('a Seoul transfer, then a Lisbon one: STEP_UP; the code the SMS gateway received settles it', async () => {
    const alice = await sender();
    const stream = await StreamSocket.open(service.api.url, { token: service.token(alice.owner, 'USER') });
    const { transferId, code } = await impossibleTrip(alice);

    const risk = (
      await service.request<RiskRecord>('GET', `/v1/transfers/${transferId}/risk`, {
        token: service.token('analyst-1', 'RISK_ANALYST'),
      })
    ).body;
    expect(risk.decision).toBe('STEP_UP');
    expect(risk.place).toMatchObject({
      location: LISBON,
      locationSource: 'device',
      previousLocation: SEOUL,
      deviceId: 'laptop-9',
    });
    expect(risk.rules.find((outcome) => outcome.ruleId === rule.ruleId)).toMatchObject({ hit: true });
    expect(await heldOn(alice.from)).toBe(2_500);
    const waiting = await service.request<Record<string, unknown>>('GET', `/v1/transfers/${transferId}`, {
      token: service.token(alice.owner, 'USER'),
    });
    expect(waiting.body).toMatchObject({ status: 'AWAITING_CONFIRMATION', step: 'confirm' });
    expect(waiting.body.confirmation).toMatchObject({ triesLeft: 3, resendsLeft: 2 });

    // The stream tells the owner a confirmation waits, for which transfer, and never the code.
    const [asked] = await stream.inbox.waitFor(
      (messages) =>
        eventsOf(messages).some(
          (message) =>
            message.event.type === 'transfer.confirmation_required' && message.event.transferId === transferId,
        ),
      'the confirmation on the stream',
    );
    expect(asked).toBeDefined();
    expect(JSON.stringify(stream.inbox.items)).not.toContain(code);
    await stream.disconnect();

    const answer = await confirm(alice.owner, transferId, { code });
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('COMPLETED');
    expect(await finalStatus(transferId)).toBe('COMPLETED');
    expect(await heldOn(alice.from)).toBe(0);

    // A second answer after the decision is a conflict.
    expect((await confirm(alice.owner, transferId, { code })).status).toBe(409);

    const types = events.of(transferId).map((event) => event.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'transfer.flagged',
        'transfer.confirmation_required',
        'transfer.approved',
        'transfer.completed',
      ]),
    );
    expect(await moneyViolations(service.dependencies.postgres, service.balances, [alice.from, alice.to])).toEqual([]);
  });

  it('three wrong codes reject it: each wrong one is a 422 with the tries left, then the hold is voided', async () => {
    const bob = await sender();
    const { transferId, code } = await impossibleTrip(bob);
    const wrong = code === '000000' ? '000001' : '000000';

    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await confirm(bob.owner, transferId, { code: wrong }));

    expect(answers.map((answer) => [answer.status, answer.body.type, answer.body.triesLeft])).toEqual([
      [422, expect.stringContaining('wrong-code'), 2],
      [422, expect.stringContaining('wrong-code'), 1],
      [422, expect.stringContaining('wrong-code'), 0],
    ]);
    expect(answers[0]?.body.field).toBe('code');
    expect(await finalStatus(transferId)).toBe('REJECTED');
    expect(await heldOn(bob.from)).toBe(0);
    // The right code after the rejection changes nothing.
    expect((await confirm(bob.owner, transferId, { code })).status).toBe(409);
    expect(await moneyViolations(service.dependencies.postgres, service.balances, [bob.from, bob.to])).toEqual([]);
  });

  it("the sender's decline rejects it; someone else's answer is a 404, and staff cannot confirm", async () => {
    const carol = await sender();
    const { transferId, code } = await impossibleTrip(carol);

    expect((await confirm('mallory', transferId, { code })).status).toBe(404);
    expect((await confirm(`${carol.owner}-payee`, transferId, { code })).status).toBe(404);
    expect((await confirm('ops-1', transferId, { code }, 'OPS_AGENT')).status).toBe(403);
    const declined = await confirm(carol.owner, transferId, { decision: 'DECLINE' });

    expect(declined.status).toBe(200);
    expect(declined.body.status).toBe('REJECTED');
    expect(await heldOn(carol.from)).toBe(0);
  });

  it('an unanswered code expires and rejects it', async () => {
    const dave = await sender();
    const { transferId } = await impossibleTrip(dave);

    expect(await finalStatus(transferId)).toBe('REJECTED');
    const transfer = await service.dependencies.reads.getTransfer(transferId);
    expect(transfer?.failureReason).toBe('the confirmation code expired');
    expect(await heldOn(dave.from)).toBe(0);
  });

  it('staff cancel a waiting transfer: REJECTED, naming who', async () => {
    const erin = await sender();
    const { transferId } = await impossibleTrip(erin);

    const cancelled = await service.request<Record<string, unknown>>('POST', `/v1/transfers/${transferId}/cancel`, {
      token: service.token('ops-1', 'OPS_AGENT'),
      body: { reason: 'customer phoned: not them' },
    });

    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('REJECTED');
    expect(cancelled.body.failureReason).toBe('cancelled by ops-1: customer phoned: not them');
  });

  it('a worker killed while the saga waits leaves the wait to the next one, and the code still works', async () => {
    const frank = await sender();
    const { transferId, code } = await impossibleTrip(frank);

    await service.crashAndRestartWorker();
    await service.waitForStatus(transferId, 'AWAITING_CONFIRMATION');
    const answer = await confirm(frank.owner, transferId, { code });

    expect(answer.status).toBe(200);
    expect(await finalStatus(transferId)).toBe('COMPLETED');
    expect(service.sms.messagesTo(frank.phone)).toHaveLength(1);
  });

  it('the code is in no log, event or workflow history', async () => {
    const grace = await sender();
    const { transferId, code } = await impossibleTrip(grace);
    await confirm(grace.owner, transferId, { code });
    await finalStatus(transferId);

    const history = await service.dependencies.temporal.workflow
      .getHandle(transferWorkflowId(transferId))
      .fetchHistory();
    const { rows } = await service.dependencies.postgres.query<{ code_hash: string }>(
      'SELECT * FROM confirmation_codes WHERE transfer_id = $1',
      [transferId],
    );
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(code);
    // Every payload as Temporal stores it, and opened with the payload key: the hash is there, the code never.
    const payloads: Payload[] = [];
    const walk = (node: unknown): void => {
      if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return;
      const candidate = node as Payload;
      if (candidate.data instanceof Uint8Array && candidate.metadata) payloads.push(candidate);
      else for (const child of Object.values(node)) walk(child);
    };
    walk(history.events);
    const stored = payloads.map((payload) => Buffer.from(payload.data ?? []).toString('utf8')).join('\n');
    const opened = (await new PayloadEncryption(service.config.temporal.payloadKeys).decode(payloads))
      .map((payload) => Buffer.from(payload.data ?? []).toString('utf8'))
      .join('\n');
    expect(opened).toContain(rows[0]?.code_hash);
    for (const text of [stored, opened, JSON.stringify(history)]) expect(text).not.toContain(code);
    expect(JSON.stringify(events.of(transferId))).not.toContain(code);
    // The worker logs at info; the code's send and the saga's steps are in this tail.
    expect(service.worker.recentOutput).toMatch(/"level":30/);
    expect(service.worker.recentOutput).not.toContain(code);
  });

  it('a sender with no phone on file cannot be asked, so the transfer goes to review instead', async () => {
    const heidi = await sender({ phone: false });
    const seoul = await submit(heidi, { location: SEOUL });
    expect(await finalStatus(seoul)).toBe('COMPLETED');
    const lisbon = await submit(heidi, { location: LISBON });

    await service.waitForStatus(lisbon, 'UNDER_REVIEW');
  });
});
