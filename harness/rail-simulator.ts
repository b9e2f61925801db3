/**
 * A bank rail in memory behind a real HTTP server on loopback: the contract of docs/rail-api.md, with knobs
 * that make it fail, refuse, stay silent or call back at awkward moments, for tests and local runs.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

import { z } from 'zod';

import { signCallback } from '../src/rails/callback-signature';
import type {
  BankAccount,
  RailAnswer,
  RailCallback,
  RailInstructionStatus,
  RailInstructionType,
} from '../src/rails/payment-rail';
import {
  type CallbackBody,
  type InstructionRequest,
  instructionRequestSchema,
  RAIL_SIGNATURE_HEADER,
  RAIL_TIMESTAMP_HEADER,
} from '../src/rails/rail-wire';
import { describeIssue } from '../src/wire';

import { listenOnLoopback, loopbackUrl } from './loopback';

/** The development key and secret the service's config falls back to, so `npm start` and the simulator agree. */
export {
  DEVELOPMENT_RAIL_API_KEY as DEV_RAIL_API_KEY,
  DEVELOPMENT_RAIL_CALLBACK_SECRET as DEV_RAIL_CALLBACK_SECRET,
} from '../src/config';

/** Waits between the attempts of one callback: a 4xx is final, anything else non-2xx is tried again. */
export const CALLBACK_RETRY_DELAYS_MS: readonly number[] = [1000, 2000, 4000];
const CALLBACK_ATTEMPT_TIMEOUT_MS = 5000;
const MAX_BODY_BYTES = 64 * 1024;

const knobsSchema = z.strictObject({
  /** Between receiving an instruction and its outcome. */
  delayMs: z.number().int().min(0).max(600_000),
  /** The next N instruction POSTs answer 503 and record nothing. */
  failNext: z.number().int().min(0),
  /** Every /v1 endpoint answers 503. */
  down: z.boolean(),
  /** The next N payouts end FAILED, 'beneficiary account closed'. */
  refusePayouts: z.number().int().min(0),
  /** The next N refunds end FAILED, 'beneficiary account closed'. */
  refuseRefunds: z.number().int().min(0),
  /** The next N collects end FAILED, 'insufficient funds'. */
  refuseCollects: z.number().int().min(0),
  /** Outcomes happen but no callback is sent; the status endpoint still tells. */
  neverCallBack: z.boolean(),
  /** Every outcome callback is delivered twice, byte for byte. */
  callBackTwice: z.boolean(),
  /** The outcome is decided at once and its callback delivered before the instruction POST is answered. */
  callBackBeforeResponse: z.boolean(),
  /** A PROCESSING callback precedes the outcome's. */
  processingCallback: z.boolean(),
});
export type RailSimulatorKnobs = z.infer<typeof knobsSchema>;

export const DEFAULT_KNOBS: Readonly<RailSimulatorKnobs> = Object.freeze({
  delayMs: 50,
  failNext: 0,
  down: false,
  refusePayouts: 0,
  refuseRefunds: 0,
  refuseCollects: 0,
  neverCallBack: false,
  callBackTwice: false,
  callBackBeforeResponse: false,
  processingCallback: false,
});

/** What a test may see of one instruction. */
export interface SimulatedInstruction {
  key: string;
  instructionId: string;
  type: RailInstructionType;
  status: RailInstructionStatus;
  reason?: string;
  /** How many instruction POSTs carried this key (the 409 ones included). */
  receipts: number;
  amount: number;
  currency: string;
  account: BankAccount;
}

export interface RailSimulatorOptions {
  /** 0 (the default) for any free port. */
  port?: number;
  apiKey: string;
  callbackSecret: string;
  /** Told one line per instruction, outcome and callback attempt. */
  log?: (line: string) => void;
}

interface Outcome {
  status: 'SUCCEEDED' | 'FAILED';
  reason?: string;
}

interface Instruction {
  request: InstructionRequest;
  instructionId: string;
  status: RailInstructionStatus;
  reason?: string;
  receipts: number;
  /** Decided on receipt, so that a refusal knob counts instructions in the order they arrived. */
  outcome: Outcome;
}

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export class RailSimulator {
  private knobs: RailSimulatorKnobs = { ...DEFAULT_KNOBS };
  private readonly records = new Map<string, Instruction>();
  /** Per currency: what the rail holds for the platform. */
  private readonly held = new Map<string, number>();
  /** Per `bank/account`, per currency: the external account's net movement. */
  private readonly nets = new Map<string, Map<string, number>>();
  private sent = 0;
  /** Aborted by reset and stop, so nothing of an earlier state lands in the next. */
  private generation = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly apiKey: Buffer;
  private readonly log: (line: string) => void;
  private readonly server = createServer((request, response) => void this.serve(request, response));

  private constructor(private readonly options: RailSimulatorOptions) {
    this.apiKey = Buffer.from(`Bearer ${options.apiKey}`);
    this.log = options.log ?? (() => undefined);
  }

  static async start(options: RailSimulatorOptions): Promise<RailSimulator> {
    const simulator = new RailSimulator(options);
    await listenOnLoopback(simulator.server, options.port);
    return simulator;
  }

  get url(): string {
    return loopbackUrl(this.server);
  }

  /** Merges `partial` into the knobs and answers them all. */
  setKnobs(partial: Partial<RailSimulatorKnobs>): RailSimulatorKnobs {
    this.knobs = { ...this.knobs, ...knobsSchema.partial().parse(partial) };
    return this.currentKnobs();
  }

  currentKnobs(): RailSimulatorKnobs {
    return { ...this.knobs };
  }

  /** Back to the default knobs with no instructions, balances or callbacks; what was in flight is dropped. */
  reset(): void {
    this.generation.abort();
    this.generation = new AbortController();
    this.knobs = { ...DEFAULT_KNOBS };
    this.records.clear();
    this.held.clear();
    this.nets.clear();
    this.sent = 0;
  }

  instructions(): SimulatedInstruction[] {
    return [...this.records.values()].map(({ request, instructionId, status, reason, receipts }) => ({
      key: request.key,
      instructionId,
      type: request.type,
      status,
      ...(reason === undefined ? {} : { reason }),
      receipts,
      amount: request.amount,
      currency: request.currency,
      account: { ...request.account },
    }));
  }

  /** What the rail holds for the platform per currency: succeeded collects less succeeded payouts and refunds. */
  positions(): Array<{ currency: string; held: number }> {
    return [...this.held].sort(([a], [b]) => a.localeCompare(b)).map(([currency, held]) => ({ currency, held }));
  }

  /** The net movement of an external account: collects take from it, payouts and refunds pay into it. */
  accountNet(bank: string, account: string, currency: string): number {
    return this.nets.get(accountKey({ bank, account }))?.get(currency) ?? 0;
  }

  /** Callback attempts made, retries and duplicates included. */
  callbacksSent(): number {
    return this.sent;
  }

  /** Resolves once no outcome is pending and no callback is being delivered (or waiting to be retried). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Drops pending outcomes and callback retries, waits for them to end, then closes the server. */
  async stop(): Promise<void> {
    this.generation.abort();
    await this.settled();
    await new Promise<void>((closed) => {
      this.server.close(() => closed());
      this.server.closeAllConnections();
    });
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const { status, body } = await this.route(request);
      if (body === undefined) response.writeHead(status).end();
      else response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    } catch (error) {
      const problem =
        error instanceof HttpProblem ? error : new HttpProblem(500, 'internal', `simulator failed: ${String(error)}`);
      if (problem.status === 503) response.setHeader('retry-after', '1');
      response.writeHead(problem.status, { 'content-type': 'application/problem+json' }).end(
        JSON.stringify({
          type: `/problems/${problem.type}`,
          title: problem.type.replace(/-/g, ' '),
          status: problem.status,
          detail: problem.message,
          ...(problem.field === undefined ? {} : { field: problem.field }),
        }),
      );
    }
  }

  private async route(request: IncomingMessage): Promise<{ status: number; body?: unknown }> {
    const method = request.method ?? 'GET';
    const segments = pathSegments(request.url ?? '/');
    const route = `${method} /${segments.slice(0, 2).join('/')}`;
    if (segments[0] === '_sim') return this.routeSim(route, request);
    if (segments[0] !== 'v1') throw new HttpProblem(404, 'not-found', `no route ${method} ${request.url}`);
    if (this.knobs.down) throw new HttpProblem(503, 'unavailable', 'the rail is down (simulated)');
    if (route === 'POST /v1/instructions' && segments.length === 2 && this.knobs.failNext > 0) {
      this.knobs.failNext -= 1;
      this.log(`instruction POST failed on purpose (failNext, ${this.knobs.failNext} to go) → 503`);
      throw new HttpProblem(503, 'unavailable', 'the rail failed this request (simulated)');
    }
    if (!this.authorized(request)) throw new HttpProblem(401, 'unauthorized', 'a valid Bearer api key is required');
    if (route === 'POST /v1/instructions' && segments.length === 2) return this.receive(await readJson(request));
    if (route === 'GET /v1/instructions' && segments.length === 3) {
      const record = this.records.get(segments[2] ?? '');
      if (!record) throw new HttpProblem(404, 'not-found', 'no instruction has this key');
      return { status: 200, body: answerOf(record) };
    }
    if (route === 'GET /v1/positions' && segments.length === 2) {
      return { status: 200, body: { positions: this.positions() } };
    }
    if (route === 'GET /v1/accounts' && segments.length === 4) {
      const [bank = '', account = ''] = segments.slice(2);
      const balances = [...(this.nets.get(accountKey({ bank, account })) ?? [])]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([currency, net]) => ({ currency, net }));
      return { status: 200, body: { bank, account, balances } };
    }
    throw new HttpProblem(404, 'not-found', `no route ${method} ${request.url}`);
  }

  private async routeSim(route: string, request: IncomingMessage): Promise<{ status: number; body?: unknown }> {
    switch (route) {
      case 'GET /_sim/knobs':
        return { status: 200, body: this.currentKnobs() };
      case 'POST /_sim/knobs': {
        const parsed = knobsSchema.partial().safeParse(await readJson(request));
        if (!parsed.success) {
          const { field, message } = describeIssue(parsed.error);
          throw new HttpProblem(400, 'invalid-knobs', message, field);
        }
        this.log(`knobs ${JSON.stringify(parsed.data)}`);
        return { status: 200, body: this.setKnobs(parsed.data) };
      }
      case 'POST /_sim/reset':
        this.reset();
        this.log('reset');
        return { status: 204 };
      case 'GET /_sim/instructions':
        return { status: 200, body: { instructions: this.instructions(), callbacksSent: this.sent } };
      default:
        throw new HttpProblem(404, 'not-found', `no route ${route}`);
    }
  }

  private authorized(request: IncomingMessage): boolean {
    const presented = Buffer.from(request.headers.authorization ?? '');
    return presented.length === this.apiKey.length && timingSafeEqual(presented, this.apiKey);
  }

  private async receive(body: unknown): Promise<{ status: number; body: RailAnswer }> {
    const parsed = instructionRequestSchema.safeParse(body);
    if (!parsed.success) {
      const { field, message } = describeIssue(parsed.error);
      throw new HttpProblem(400, 'invalid-instruction', message, field);
    }
    const request = parsed.data;
    const existing = this.records.get(request.key);
    if (existing) {
      existing.receipts += 1;
      if (!sameInstruction(existing.request, request)) {
        this.log(`instruction ${request.key} again with another body → 409`);
        throw new HttpProblem(409, 'idempotency-conflict', `key ${request.key} was used for another instruction`);
      }
      this.log(`instruction ${request.key} again (receipt ${existing.receipts}) → 200 ${existing.status}`);
      return { status: 200, body: answerOf(existing) };
    }
    const record: Instruction = {
      request,
      instructionId: `ins_${randomUUID()}`,
      status: 'PENDING',
      receipts: 1,
      outcome: this.decideOutcome(request.type),
    };
    this.records.set(request.key, record);
    const knobs = this.currentKnobs();
    const lifecycle = this.track(this.runLifecycle(record, knobs, this.generation.signal));
    if (knobs.callBackBeforeResponse) await lifecycle;
    const { key, type, amount, currency, account } = request;
    this.log(
      `instruction ${key} ${type} ${amount} ${currency} ${account.bank}/${account.account} → 202 ${record.status}`,
    );
    return { status: 202, body: answerOf(record) };
  }

  private decideOutcome(type: RailInstructionType): Outcome {
    const knob = ({ collect: 'refuseCollects', payout: 'refusePayouts', refund: 'refuseRefunds' } as const)[type];
    if (this.knobs[knob] === 0) return { status: 'SUCCEEDED' };
    this.knobs[knob] -= 1;
    return { status: 'FAILED', reason: type === 'collect' ? 'insufficient funds' : 'beneficiary account closed' };
  }

  private track(work: Promise<void>): Promise<void> {
    const tracked = work.catch((error: unknown) => {
      if (!isAbort(error)) this.log(`simulator error: ${String(error)}`);
    });
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
    return tracked;
  }

  /** PROCESSING (when asked for), the outcome after the delay, then its callback (once, twice or never). */
  private async runLifecycle(record: Instruction, knobs: RailSimulatorKnobs, signal: AbortSignal): Promise<void> {
    if (knobs.processingCallback && !knobs.neverCallBack) {
      await this.deliver(record, callbackOf(record, 'PROCESSING'), signal);
    }
    await sleep(knobs.callBackBeforeResponse ? 0 : knobs.delayMs, undefined, { signal });
    this.settle(record);
    if (knobs.neverCallBack) return;
    const callback = callbackOf(record, record.outcome.status, record.outcome.reason);
    await this.deliver(record, callback, signal);
    if (knobs.callBackTwice) await this.deliver(record, callback, signal);
  }

  private settle(record: Instruction): void {
    const { status, reason } = record.outcome;
    record.status = status;
    if (reason !== undefined) record.reason = reason;
    const { key, type, amount, currency, account } = record.request;
    if (status === 'SUCCEEDED') {
      const toPlatform = type === 'collect' ? amount : -amount;
      this.held.set(currency, (this.held.get(currency) ?? 0) + toPlatform);
      const nets = this.nets.get(accountKey(account)) ?? new Map<string, number>();
      nets.set(currency, (nets.get(currency) ?? 0) - toPlatform);
      this.nets.set(accountKey(account), nets);
    }
    this.log(`outcome ${key} ${type} ${status}${reason === undefined ? '' : ` (${reason})`}`);
  }

  /** Posts one signed callback, retrying as the contract says; each attempt is signed afresh. */
  private async deliver(record: Instruction, callback: CallbackBody, signal: AbortSignal): Promise<void> {
    const rawBody = JSON.stringify(callback);
    const { callbackUrl } = record.request;
    for (let attempt = 1; ; attempt += 1) {
      const timestamp = Math.floor(Date.now() / 1000);
      let result: string;
      let again: boolean;
      this.sent += 1;
      try {
        const response = await fetch(callbackUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [RAIL_TIMESTAMP_HEADER]: String(timestamp),
            [RAIL_SIGNATURE_HEADER]: signCallback(this.options.callbackSecret, timestamp, rawBody),
          },
          body: rawBody,
          redirect: 'manual',
          signal: AbortSignal.any([signal, AbortSignal.timeout(CALLBACK_ATTEMPT_TIMEOUT_MS)]),
        });
        await response.arrayBuffer();
        result = String(response.status);
        again = !response.ok && (response.status < 400 || response.status >= 500);
      } catch (error) {
        if (signal.aborted) throw error;
        result = failureOf(error);
        again = true;
      }
      const wait = again ? CALLBACK_RETRY_DELAYS_MS[attempt - 1] : undefined;
      this.log(
        `callback ${callback.status} ${callback.reference} → ${callbackUrl}: ${result} (attempt ${attempt}` +
          `${wait === undefined ? '' : `, again in ${wait} ms`})`,
      );
      if (wait === undefined) return;
      await sleep(wait, undefined, { signal });
    }
  }
}

function answerOf({ request, instructionId, status, reason }: Instruction): RailAnswer {
  return { key: request.key, instructionId, type: request.type, status, ...(reason === undefined ? {} : { reason }) };
}

function callbackOf(record: Instruction, status: RailCallback['status'], reason?: string): CallbackBody {
  return {
    reference: record.request.key,
    instructionId: record.instructionId,
    type: record.request.type,
    status,
    ...(reason === undefined ? {} : { reason }),
    occurredAt: new Date().toISOString(),
  };
}

/**
 * Whether a repeated key carries the same instruction. The callback URL is left out: a retry from a
 * redeployed service may name another one, and the instruction is still the same (the first URL is kept).
 */
function sameInstruction(first: InstructionRequest, again: InstructionRequest): boolean {
  return (
    first.type === again.type &&
    first.account.bank === again.account.bank &&
    first.account.account === again.account.account &&
    first.amount === again.amount &&
    first.currency === again.currency &&
    first.reference === again.reference
  );
}

function accountKey({ bank, account }: BankAccount): string {
  return `${bank}/${account}`;
}

/** The path's segments, each URL-decoded (an instruction key may hold `:` or `/`). */
function pathSegments(url: string): string[] {
  const { pathname } = new URL(url, 'http://rail.invalid');
  try {
    return pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    throw new HttpProblem(400, 'invalid-path', `${pathname} is not validly URL-encoded`);
  }
}

function readJson(request: IncomingMessage): Promise<unknown> {
  return new Promise((parsed, failed) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('error', failed);
    request.on('end', () => {
      if (size > MAX_BODY_BYTES) {
        failed(new HttpProblem(413, 'too-large', `the body is over ${MAX_BODY_BYTES} bytes`));
        return;
      }
      try {
        parsed(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        failed(new HttpProblem(400, 'invalid-json', 'the body is not JSON'));
      }
    });
  });
}

/** By name: the abort may come from another realm (fetch's DOMException inside jest's sandbox). */
function isAbort(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}

/** What a failed fetch says, with its cause's code (fetch's own message is only "fetch failed"). */
function failureOf(error: unknown): string {
  const { message, cause } = (typeof error === 'object' && error !== null ? error : {}) as {
    message?: unknown;
    cause?: { code?: unknown; message?: unknown };
  };
  const why = cause?.code ?? cause?.message;
  const what = typeof message === 'string' ? message : 'failed';
  return typeof why === 'string' ? `${what} (${why})` : what;
}
