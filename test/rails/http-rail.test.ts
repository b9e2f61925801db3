/** @isolated a rail simulator and a callback receiver of its own on loopback; no service */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { eventually } from '../../harness/eventually';
import { RailSimulator } from '../../harness/rail-simulator';
import { signCallback } from '../../src/rails/callback-signature';
import { HttpPaymentRail } from '../../src/rails/http-rail';
import {
  CallbackRefusedError,
  type RailCallback,
  type RailInstruction,
  RailRequestRefusedError,
  RailUnavailableError,
} from '../../src/rails/payment-rail';

const API_KEY = 'test-rail-key';
const CALLBACK_SECRET = 'test-rail-callback-secret';
const WAIT_MS = 10_000;

interface Received {
  rawBody: string;
  callback?: RailCallback;
  refused?: CallbackRefusedError;
}

/** Receives the rail's callbacks as the service would: raw body, verified with the rail, in arrival order. */
class CallbackReceiver {
  readonly received: Received[] = [];
  /** Statuses to answer the next callbacks with, before 204s again. */
  readonly answerNext: number[] = [];
  /** Told when a callback arrives, to see what happened before it. */
  onCallback: () => void = () => undefined;
  verify: (headers: { timestamp?: string; signature?: string }, rawBody: string) => RailCallback = () => {
    throw new Error('no rail to verify with yet');
  };
  private readonly server = createServer((request, response) => {
    void readBody(request).then((rawBody) => {
      const received: Received = { rawBody };
      try {
        received.callback = this.verify(
          { timestamp: header(request, 'rail-timestamp'), signature: header(request, 'rail-signature') },
          rawBody,
        );
      } catch (error) {
        if (!(error instanceof CallbackRefusedError)) throw error;
        received.refused = error;
      }
      this.received.push(received);
      this.onCallback();
      response.writeHead(this.answerNext.shift() ?? (received.refused ? 400 : 204)).end();
    });
  });

  static async start(): Promise<CallbackReceiver> {
    const receiver = new CallbackReceiver();
    await new Promise<void>((listening) => receiver.server.listen(0, '127.0.0.1', listening));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/rails/simbank/callbacks`;
  }

  callbacksFor(key: string): RailCallback[] {
    return this.received.flatMap(({ callback }) => (callback?.key === key ? [callback] : []));
  }

  rawBodiesFor(key: string): string[] {
    return this.received.filter(({ callback }) => callback?.key === key).map(({ rawBody }) => rawBody);
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((read, failed) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => read(body));
    request.on('error', failed);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((closed) => {
    server.close(() => closed());
    server.closeAllConnections();
  });
}

function instruction(overrides: Partial<RailInstruction> = {}): RailInstruction {
  const remittanceId = randomUUID();
  return {
    key: `${remittanceId}:collect`,
    account: { bank: 'SIMBANK', account: `A-${remittanceId.slice(0, 8)}` },
    amount: 125_00,
    currency: 'EUR',
    reference: `remittance ${remittanceId.slice(0, 8)}`,
    ...overrides,
  };
}

async function refusalOf(attempt: Promise<unknown>): Promise<unknown> {
  return attempt.then(
    () => {
      throw new Error('the rail accepted it');
    },
    (error: unknown) => error,
  );
}

describe('HttpPaymentRail against the rail simulator', () => {
  let simulator: RailSimulator;
  let receiver: CallbackReceiver;
  let rail: HttpPaymentRail;

  const outcomeCallbacks = (key: string) =>
    eventually(
      async () => {
        const outcomes = receiver.callbacksFor(key).filter((callback) => callback.status !== 'PROCESSING');
        return outcomes.length > 0 ? outcomes : undefined;
      },
      WAIT_MS,
      `an outcome callback for ${key}`,
    );

  beforeAll(async () => {
    simulator = await RailSimulator.start({ apiKey: API_KEY, callbackSecret: CALLBACK_SECRET });
    receiver = await CallbackReceiver.start();
    rail = new HttpPaymentRail({
      name: 'simbank',
      url: simulator.url,
      apiKey: API_KEY,
      callbackSecret: CALLBACK_SECRET,
      callbackUrl: receiver.url,
      timeoutMs: 2000,
    });
    receiver.verify = (headers, rawBody) => rail.verifyCallback(headers, rawBody);
  });

  beforeEach(async () => {
    await simulator.settled();
    simulator.reset();
    receiver.received.length = 0;
    receiver.answerNext.length = 0;
    receiver.onCallback = () => undefined;
  });

  afterAll(async () => {
    await simulator?.stop();
    await receiver?.stop();
  });

  it('answers a collect PENDING, then calls back SUCCEEDED with a signature that verifies', async () => {
    const collect = instruction();
    const answer = await rail.collect(collect);
    expect(answer).toEqual({
      key: collect.key,
      instructionId: expect.any(String) as string,
      type: 'collect',
      status: 'PENDING',
    });
    const [callback] = await outcomeCallbacks(collect.key);
    expect(callback).toEqual({
      key: collect.key,
      instructionId: answer.instructionId,
      type: 'collect',
      status: 'SUCCEEDED',
      occurredAt: expect.any(String) as string,
    });
    expect(await rail.status(collect.key)).toMatchObject({ instructionId: answer.instructionId, status: 'SUCCEEDED' });
    expect(receiver.received.filter(({ refused }) => refused)).toEqual([]);
  });

  it('when the same key is sent twice with the same body, executes it once and answers the same instruction', async () => {
    const collect = instruction();
    const first = await rail.collect(collect);
    const again = await rail.collect(collect);
    expect(again.instructionId).toBe(first.instructionId);
    expect(simulator.instructions()).toEqual([
      expect.objectContaining({ key: collect.key, instructionId: first.instructionId, receipts: 2 }),
    ]);
    await outcomeCallbacks(collect.key);
    // Asked again once it has an outcome, the rail answers the instruction as it stands now.
    expect(await rail.collect(collect)).toMatchObject({ instructionId: first.instructionId, status: 'SUCCEEDED' });
    await simulator.settled();
    expect(simulator.positions()).toEqual([{ currency: 'EUR', held: collect.amount }]);
    expect(receiver.callbacksFor(collect.key)).toHaveLength(1);
  });

  it('when the key is reused with a different body, it is refused with 409 and the first instruction stands', async () => {
    const collect = instruction();
    const first = await rail.collect(collect);
    const error = await refusalOf(rail.collect({ ...collect, amount: collect.amount + 1 }));
    expect(error).toBeInstanceOf(RailRequestRefusedError);
    expect(error).toMatchObject({ status: 409 });
    expect(await refusalOf(rail.payout(collect))).toMatchObject({ status: 409 });
    expect(simulator.instructions()).toEqual([
      expect.objectContaining({ instructionId: first.instructionId, amount: collect.amount, type: 'collect' }),
    ]);
  });

  it('when the rail fails twice, the first two sends are unavailable and the third is received once', async () => {
    simulator.setKnobs({ failNext: 2 });
    const collect = instruction();
    for (let attempt = 0; attempt < 2; attempt++) {
      expect(await refusalOf(rail.collect(collect))).toBeInstanceOf(RailUnavailableError);
      expect(simulator.instructions()).toEqual([]);
    }
    expect(await rail.collect(collect)).toMatchObject({ key: collect.key, status: 'PENDING' });
    expect(simulator.instructions()).toEqual([expect.objectContaining({ key: collect.key, receipts: 1 })]);
  });

  it('while the rail is down, instructions and status questions are unavailable', async () => {
    simulator.setKnobs({ down: true });
    expect(await refusalOf(rail.collect(instruction()))).toBeInstanceOf(RailUnavailableError);
    expect(await refusalOf(rail.status('anything'))).toBeInstanceOf(RailUnavailableError);
    simulator.setKnobs({ down: false });
    expect(await rail.status('anything')).toBeUndefined();
  });

  it('answers undefined for the status of a key the rail never received, even one with : and /', async () => {
    expect(await rail.status(`${randomUUID()}:payout`)).toBeUndefined();
    const odd = instruction({ key: `${randomUUID()}/refund:1 %` });
    await rail.refund(odd);
    expect(await rail.status(odd.key)).toMatchObject({ key: odd.key, type: 'refund' });
  });

  it('when the bank refuses a payout, the callback says FAILED with the reason, and so does status', async () => {
    simulator.setKnobs({ refusePayouts: 1 });
    const payout = instruction({ key: `${randomUUID()}:payout` });
    await rail.payout(payout);
    const [callback] = await outcomeCallbacks(payout.key);
    expect(callback).toMatchObject({ status: 'FAILED', reason: 'beneficiary account closed', type: 'payout' });
    expect(await rail.status(payout.key)).toMatchObject({ status: 'FAILED', reason: 'beneficiary account closed' });
    expect(simulator.positions()).toEqual([]);
    const next = instruction({ key: `${randomUUID()}:payout` });
    await rail.payout(next);
    expect(await outcomeCallbacks(next.key)).toEqual([expect.objectContaining({ status: 'SUCCEEDED' })]);
  });

  it('when the bank refuses a collect, the callback says FAILED for insufficient funds and nothing is held', async () => {
    simulator.setKnobs({ refuseCollects: 1 });
    const collect = instruction();
    await rail.collect(collect);
    expect(await outcomeCallbacks(collect.key)).toEqual([
      expect.objectContaining({ status: 'FAILED', reason: 'insufficient funds' }),
    ]);
    expect(simulator.accountNet(collect.account.bank, collect.account.account, 'EUR')).toBe(0);
  });

  it('when the rail never calls back, no callback arrives but status says SUCCEEDED', async () => {
    simulator.setKnobs({ neverCallBack: true });
    const collect = instruction();
    await rail.collect(collect);
    await eventually(
      async () => ((await rail.status(collect.key))?.status === 'SUCCEEDED' ? true : undefined),
      WAIT_MS,
      'the collect succeeding',
    );
    await simulator.settled();
    expect(receiver.received).toEqual([]);
    expect(simulator.callbacksSent()).toBe(0);
  });

  it('when the rail calls back twice, the two callbacks are identical', async () => {
    simulator.setKnobs({ callBackTwice: true });
    const collect = instruction();
    await rail.collect(collect);
    await eventually(
      async () => (receiver.callbacksFor(collect.key).length === 2 ? true : undefined),
      WAIT_MS,
      'two callbacks',
    );
    const [first, second] = receiver.rawBodiesFor(collect.key);
    expect(second).toBe(first);
    expect(simulator.positions()).toEqual([{ currency: 'EUR', held: collect.amount }]);
  });

  it('when the rail calls back before it answers, the callback arrives before collect resolves', async () => {
    simulator.setKnobs({ callBackBeforeResponse: true });
    const collect = instruction();
    const order: string[] = [];
    receiver.onCallback = () => order.push('callback');
    const answer = await rail.collect(collect);
    order.push('answer');
    expect(order).toEqual(['callback', 'answer']);
    expect(answer.status).toBe('SUCCEEDED');
    expect(receiver.callbacksFor(collect.key)).toEqual([
      expect.objectContaining({ status: 'SUCCEEDED', instructionId: answer.instructionId }),
    ]);
  });

  it('with processing callbacks on, PROCESSING arrives before the outcome', async () => {
    simulator.setKnobs({ processingCallback: true });
    const collect = instruction();
    await rail.collect(collect);
    await outcomeCallbacks(collect.key);
    expect(receiver.callbacksFor(collect.key).map(({ status }) => status)).toEqual(['PROCESSING', 'SUCCEEDED']);
  });

  it('after a collect and a payout, the positions hold the difference and the accounts show the movements', async () => {
    const from = instruction();
    const to = instruction({ key: `${randomUUID()}:payout`, amount: 100_00 });
    await rail.collect(from);
    await rail.payout(to);
    await outcomeCallbacks(from.key);
    await outcomeCallbacks(to.key);
    expect(simulator.positions()).toEqual([{ currency: 'EUR', held: from.amount - to.amount }]);
    expect(simulator.accountNet(from.account.bank, from.account.account, 'EUR')).toBe(-from.amount);
    expect(simulator.accountNet(to.account.bank, to.account.account, 'EUR')).toBe(to.amount);
    const headers = { authorization: `Bearer ${API_KEY}` };
    const positions = await fetch(`${simulator.url}/v1/positions`, { headers });
    expect(await positions.json()).toEqual({ positions: [{ currency: 'EUR', held: 25_00 }] });
    const account = await fetch(
      `${simulator.url}/v1/accounts/${from.account.bank}/${encodeURIComponent(from.account.account)}`,
      { headers },
    );
    expect(await account.json()).toEqual({ ...from.account, balances: [{ currency: 'EUR', net: -from.amount }] });
  });

  it('a callback answered 503 is delivered again; one answered 4xx is not', async () => {
    receiver.answerNext.push(503);
    const retried = instruction();
    await rail.collect(retried);
    await eventually(
      async () => (receiver.callbacksFor(retried.key).length === 2 ? true : undefined),
      WAIT_MS,
      'the retried callback',
    );
    await simulator.settled();
    expect(receiver.callbacksFor(retried.key)).toHaveLength(2);

    receiver.answerNext.push(422);
    const final = instruction();
    await rail.collect(final);
    await outcomeCallbacks(final.key);
    await simulator.settled();
    expect(receiver.callbacksFor(final.key)).toHaveLength(1);
    expect(simulator.callbacksSent()).toBe(3);
  });

  it('a wrong api key is refused with 401; an invalid body with 400 naming the field', async () => {
    const stranger = new HttpPaymentRail({
      name: 'simbank',
      url: simulator.url,
      apiKey: 'not-the-key',
      callbackSecret: CALLBACK_SECRET,
      callbackUrl: receiver.url,
      timeoutMs: 2000,
    });
    expect(await refusalOf(stranger.collect(instruction()))).toMatchObject({ status: 401 });
    const invalid = await refusalOf(rail.collect(instruction({ amount: 12.5 })));
    expect(invalid).toBeInstanceOf(RailRequestRefusedError);
    expect(invalid).toMatchObject({ status: 400, message: expect.stringContaining('amount') as string });
    expect(await refusalOf(rail.collect(instruction({ currency: 'euro' })))).toMatchObject({
      status: 400,
      message: expect.stringContaining('currency') as string,
    });
  });

  it('a rail that does not answer in time is unavailable', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((listening) => silent.listen(0, '127.0.0.1', listening));
    try {
      const slow = new HttpPaymentRail({
        name: 'simbank',
        url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
        apiKey: API_KEY,
        callbackSecret: CALLBACK_SECRET,
        callbackUrl: receiver.url,
        timeoutMs: 200,
      });
      const error = await refusalOf(slow.collect(instruction()));
      expect(error).toBeInstanceOf(RailUnavailableError);
      expect(error).toMatchObject({ message: expect.stringContaining('timed out') as string });
    } finally {
      await closeServer(silent);
    }
  });

  it.each([
    ['a body that is not JSON', 'oops', 202],
    ['an answer without an instruction id', JSON.stringify({ key: 'k', type: 'collect', status: 'PENDING' }), 202],
    ['a 429', '{}', 429],
    ['a 500', '{}', 500],
  ])('a rail answering %s is unavailable', async (_, body, status) => {
    const answering = new HttpPaymentRail({
      name: 'simbank',
      url: 'http://rail.invalid',
      apiKey: API_KEY,
      callbackSecret: CALLBACK_SECRET,
      callbackUrl: receiver.url,
      timeoutMs: 2000,
      fetch: async () => new Response(body, { status }),
    });
    expect(await refusalOf(answering.collect(instruction({ key: 'k' })))).toBeInstanceOf(RailUnavailableError);
  });

  it('refuses a signed callback whose body is not the contract, naming the field', () => {
    const now = new Date();
    const timestamp = Math.floor(now.getTime() / 1000);
    const body = (fields: Record<string, unknown>) =>
      JSON.stringify({
        reference: 'k',
        instructionId: 'ins_1',
        type: 'collect',
        status: 'SUCCEEDED',
        occurredAt: now.toISOString(),
        ...fields,
      });
    for (const [fields, field] of [
      [{ status: 'DONE' }, 'status'],
      [{ amount: 5 }, 'amount'],
      [{ occurredAt: 'yesterday' }, 'occurredAt'],
    ] as const) {
      const rawBody = body(fields);
      const signature = signCallback(CALLBACK_SECRET, timestamp, rawBody);
      let refused: unknown;
      try {
        rail.verifyCallback({ timestamp: String(timestamp), signature }, rawBody, now);
      } catch (error) {
        refused = error;
      }
      expect(refused).toBeInstanceOf(CallbackRefusedError);
      expect(refused).toMatchObject({ problem: 'malformed', message: expect.stringContaining(field) as string });
    }
  });

  it('sets knobs, shows instructions and resets over HTTP under /_sim', async () => {
    const knobs = await fetch(`${simulator.url}/_sim/knobs`, {
      method: 'POST',
      body: JSON.stringify({ refuseRefunds: 2, delayMs: 0 }),
    });
    expect(await knobs.json()).toMatchObject({ refuseRefunds: 2, delayMs: 0, down: false });
    const unknown = await fetch(`${simulator.url}/_sim/knobs`, {
      method: 'POST',
      body: JSON.stringify({ slow: true }),
    });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ field: 'slow' });
    const refund = instruction({ key: `${randomUUID()}:refund` });
    await rail.refund(refund);
    expect(await outcomeCallbacks(refund.key)).toEqual([expect.objectContaining({ status: 'FAILED' })]);
    const shown = await fetch(`${simulator.url}/_sim/instructions`);
    expect(await shown.json()).toEqual({
      instructions: [expect.objectContaining({ key: refund.key, status: 'FAILED', receipts: 1 })],
      callbacksSent: 1,
    });
    expect((await fetch(`${simulator.url}/_sim/reset`, { method: 'POST' })).status).toBe(204);
    expect(simulator.instructions()).toEqual([]);
    expect(simulator.currentKnobs()).toMatchObject({ refuseRefunds: 0, delayMs: 50 });
  });
});

describe('RailSimulator.stop', () => {
  it('ends at once while a callback waits to be retried, and sends nothing afterwards', async () => {
    const simulator = await RailSimulator.start({ apiKey: API_KEY, callbackSecret: CALLBACK_SECRET });
    const receiver = await CallbackReceiver.start();
    try {
      const rail = new HttpPaymentRail({
        name: 'simbank',
        url: simulator.url,
        apiKey: API_KEY,
        callbackSecret: CALLBACK_SECRET,
        callbackUrl: receiver.url,
        timeoutMs: 2000,
      });
      receiver.verify = (headers, rawBody) => rail.verifyCallback(headers, rawBody);
      receiver.answerNext.push(503);
      await rail.collect(instruction());
      await eventually(async () => (receiver.received.length === 1 ? true : undefined), WAIT_MS, 'a first callback');
      const stopping = Date.now();
      await simulator.stop();
      // The retry was due a second after the first attempt.
      expect(Date.now() - stopping).toBeLessThan(900);
      expect(simulator.callbacksSent()).toBe(1);
    } finally {
      await receiver.stop();
    }
  });
});
