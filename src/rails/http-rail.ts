/** A bank rail reached over HTTP, speaking the contract of docs/rail-api.md. */

import { describeIssue, parseJson } from '../wire';

import { verifyCallbackSignature } from './callback-signature';
import {
  CallbackRefusedError,
  type PaymentRail,
  type RailAnswer,
  type RailCallback,
  type RailInstruction,
  type RailInstructionType,
  RailRequestRefusedError,
  RailUnavailableError,
} from './payment-rail';
import { callbackBodySchema, instructionAnswerSchema, type InstructionRequest } from './rail-wire';

export interface HttpPaymentRailOptions {
  name: string;
  /** The rail's base URL, without the `/v1`. */
  url: string;
  apiKey: string;
  /** Shared with the rail, which signs its callbacks with it. */
  callbackSecret: string;
  /** The full URL the rail calls back, e.g. http://127.0.0.1:3000/v1/rails/simbank/callbacks. */
  callbackUrl: string;
  /** For each request, body included. */
  timeoutMs: number;
  fetch?: typeof fetch;
}

export class HttpPaymentRail implements PaymentRail {
  readonly name: string;
  private readonly baseUrl: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: HttpPaymentRailOptions) {
    this.name = options.name;
    this.baseUrl = options.url.replace(/\/+$/, '');
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  collect(instruction: RailInstruction): Promise<RailAnswer> {
    return this.instruct('collect', instruction);
  }

  payout(instruction: RailInstruction): Promise<RailAnswer> {
    return this.instruct('payout', instruction);
  }

  refund(instruction: RailInstruction): Promise<RailAnswer> {
    return this.instruct('refund', instruction);
  }

  async status(key: string): Promise<RailAnswer | undefined> {
    const what = `status of ${key}`;
    const { status, body } = await this.request('GET', `/v1/instructions/${encodeURIComponent(key)}`, what);
    if (status === 404) return undefined;
    return this.answerFrom(status, body, what, key);
  }

  verifyCallback(headers: { timestamp?: string; signature?: string }, rawBody: string, now = new Date()): RailCallback {
    verifyCallbackSignature(this.options.callbackSecret, headers, rawBody, now);
    let json: unknown;
    try {
      json = JSON.parse(rawBody);
    } catch {
      throw new CallbackRefusedError('malformed', 'the callback body is not JSON');
    }
    const parsed = callbackBodySchema.safeParse(json);
    if (!parsed.success) throw new CallbackRefusedError('malformed', describeIssue(parsed.error).message);
    const { reference, ...rest } = parsed.data;
    return { key: reference, ...rest };
  }

  private async instruct(type: RailInstructionType, instruction: RailInstruction): Promise<RailAnswer> {
    const body: InstructionRequest = {
      key: instruction.key,
      type,
      account: { bank: instruction.account.bank, account: instruction.account.account },
      amount: instruction.amount,
      currency: instruction.currency,
      reference: instruction.reference,
      callbackUrl: this.options.callbackUrl,
    };
    const what = `${type} ${instruction.key}`;
    const answer = await this.request('POST', '/v1/instructions', what, body);
    const parsed = this.answerFrom(answer.status, answer.body, what, instruction.key);
    if (parsed.type !== type) {
      throw new RailUnavailableError(`${this.name} answered ${what} with a ${parsed.type} instruction`);
    }
    return parsed;
  }

  /** Sends one request; anything short of an answer with a body is the rail being unavailable. */
  private async request(
    method: 'GET' | 'POST',
    path: string,
    what: string,
    body?: unknown,
  ): Promise<{ status: number; body: string }> {
    try {
      const response = await this.fetch(this.baseUrl + path, {
        method,
        headers: {
          authorization: `Bearer ${this.options.apiKey}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        // A redirect is not part of the contract; it would carry the api key somewhere else.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      return { status: response.status, body: await response.text() };
    } catch (error) {
      // By name: fetch's DOMException may come from another realm (jest's sandbox, for one).
      const reason = nameOf(error) === 'TimeoutError' ? 'timed out' : 'could not be reached';
      throw new RailUnavailableError(`${this.name} ${reason} (${what})`, { cause: error });
    }
  }

  /** The answer of a 2xx; the typed error every other status stands for. */
  private answerFrom(status: number, body: string, what: string, key: string): RailAnswer {
    if (status >= 400 && status < 500 && status !== 429) {
      throw new RailRequestRefusedError(`${this.name} refused ${what}: ${status} ${problemDetail(body)}`, status);
    }
    if (status < 200 || status >= 300) {
      throw new RailUnavailableError(`${this.name} answered ${what} with ${status} ${problemDetail(body)}`);
    }
    const parsed = parseJson(body, instructionAnswerSchema);
    if (!parsed.success) {
      throw new RailUnavailableError(`${this.name} answered ${what} with a malformed body (${parsed.problem})`);
    }
    if (parsed.data.key !== key) {
      throw new RailUnavailableError(`${this.name} answered ${what} about another key, ${parsed.data.key}`);
    }
    return parsed.data;
  }
}

/** A problem document's detail (or title), else the start of whatever the body is, for error messages. */
function problemDetail(body: string): string {
  try {
    const problem = JSON.parse(body) as { detail?: unknown; title?: unknown };
    const text = problem.detail ?? problem.title;
    if (typeof text === 'string') return text;
  } catch {
    // Not a problem document: the text itself says what went wrong.
  }
  return body.slice(0, 200);
}

function nameOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
}
