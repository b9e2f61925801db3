/**
 * An SMS gateway in memory behind a real HTTP server on loopback: the contract of docs/sms-gateway-api.md, for
 * tests and local runs. Nothing is texted; what arrives is kept, so a test (or a developer, through
 * `GET /_sms/messages`) reads the code a real phone would have received. Its log lines never carry a text.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

import { CODE_DIGITS } from '../src/verification/one-time-code';
import { maskedNumber } from '../src/verification/verification-sender';
import {
  type MessageAccepted,
  type MessageRequest,
  messageRequestSchema,
  SMS_IDEMPOTENCY_HEADER,
  type SmsError,
} from '../src/verification/sms-wire';
import { describeIssue } from '../src/wire';

import { listenOnLoopback, loopbackUrl } from './loopback';

const MAX_BODY_BYTES = 64 * 1024;
/** E.164's +999 is a country code no one has, so the stand-in has nowhere to deliver it: the 422 on demand. */
const UNDELIVERABLE_PREFIX = '+999';
const CODE_IN_TEXT = new RegExp(`(?<!\\d)\\d{${CODE_DIGITS}}(?!\\d)`);

/** What a test may see of one message the gateway accepted. */
export interface ReceivedSms {
  messageId: string;
  to: string;
  from: string;
  text: string;
  reference: string;
  /** ISO 8601. */
  receivedAt: string;
}

export interface SmsGatewayOptions {
  /** 0 (the default) for any free port. */
  port?: number;
  apiKey: string;
  /** Told one line per message and per refusal, never a message's text. */
  log?: (line: string) => void;
}

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export class SmsGateway {
  /** By Idempotency-Key, in arrival order. */
  private readonly received = new Map<string, ReceivedSms>();
  private failures: { remaining: number; status: number } = { remaining: 0, status: 503 };
  private isDown = false;
  private readonly apiKey: Buffer;
  private readonly log: (line: string) => void;
  private readonly server = createServer((request, response) => void this.serve(request, response));

  private constructor(options: SmsGatewayOptions) {
    this.apiKey = Buffer.from(`Bearer ${options.apiKey}`);
    this.log = options.log ?? (() => undefined);
  }

  static async start(options: SmsGatewayOptions): Promise<SmsGateway> {
    const gateway = new SmsGateway(options);
    await listenOnLoopback(gateway.server, options.port);
    return gateway;
  }

  get url(): string {
    return loopbackUrl(this.server);
  }

  /** Every message accepted, oldest first; a repeated Idempotency-Key is one message. */
  messages(): ReceivedSms[] {
    return [...this.received.values()].map((message) => ({ ...message }));
  }

  messagesTo(phone: string): ReceivedSms[] {
    return this.messages().filter((message) => message.to === phone);
  }

  /**
   * The code in the latest message to `phone`: its run of exactly {@link CODE_DIGITS} digits. With
   * `referencePrefix`, only messages whose reference starts with it count: the service's references begin
   * `<transferId>:`, so one phone's code for one transfer reads apart from its other transfers' codes.
   */
  lastCodeTo(phone: string, referencePrefix = ''): string | undefined {
    const latest = this.messagesTo(phone)
      .filter((message) => message.reference.startsWith(referencePrefix))
      .at(-1);
    return CODE_IN_TEXT.exec(latest?.text ?? '')?.[0];
  }

  /** The next `count` message POSTs answer `status` and record nothing. */
  failNext(count: number, status = 503): void {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a whole number, not ${count}`);
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError(`status must be a 4xx or 5xx, not ${status}`);
    }
    this.failures = { remaining: count, status };
  }

  /**
   * While down, every `/v1` request answers 503 and nothing is recorded; `/_sms` still answers, so a developer
   * can look and the stack still sees the gateway up. (A gateway that refuses connections is one on a port
   * nothing listens on.)
   */
  down(isDown: boolean): void {
    this.isDown = isDown;
  }

  /** Forgets every message and clears the failure knobs. */
  reset(): void {
    this.received.clear();
    this.failures = { remaining: 0, status: 503 };
    this.isDown = false;
  }

  stop(): Promise<void> {
    return new Promise((closed) => {
      this.server.close(() => closed());
      this.server.closeAllConnections();
    });
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const { status, body } = await this.route(request);
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    } catch (error) {
      const problem = error instanceof HttpProblem ? error : new HttpProblem(500, `gateway failed: ${String(error)}`);
      if (problem.status === 503 || problem.status === 429) response.setHeader('retry-after', '1');
      // The message is the gateway's own words, never what it was sent.
      this.log(`${request.method ?? 'GET'} ${request.url ?? '/'} → ${problem.status} ${problem.message}`);
      const body: SmsError = {
        error: problem.message,
        ...(problem.field === undefined ? {} : { field: problem.field }),
      };
      response.writeHead(problem.status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    }
  }

  private async route(request: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const method = request.method ?? 'GET';
    const { pathname, searchParams } = new URL(request.url ?? '/', 'http://sms.invalid');
    if (method === 'GET' && pathname === '/_sms/messages') {
      // A `+` left unencoded in a query string reads as a space; a developer typing `?to=+82…` means the plus.
      const to = searchParams.get('to')?.replace(/^ /, '+');
      return { status: 200, body: { messages: to === undefined ? this.messages() : this.messagesTo(to) } };
    }
    if (!pathname.startsWith('/v1/')) throw new HttpProblem(404, `no route ${method} ${pathname}`);
    if (this.isDown) throw new HttpProblem(503, 'the gateway is down (simulated)');
    if (method !== 'POST' || pathname !== '/v1/messages') throw new HttpProblem(404, `no route ${method} ${pathname}`);
    if (this.failures.remaining > 0) {
      this.failures.remaining -= 1;
      const { remaining, status } = this.failures;
      throw new HttpProblem(status, `the gateway failed this request (simulated: failNext, ${remaining} to go)`);
    }
    if (!this.authorized(request)) throw new HttpProblem(401, 'a valid Bearer api key is required');
    return this.receive(request.headers[SMS_IDEMPOTENCY_HEADER.toLowerCase()], await readJson(request));
  }

  private authorized(request: IncomingMessage): boolean {
    const presented = Buffer.from(request.headers.authorization ?? '');
    return presented.length === this.apiKey.length && timingSafeEqual(presented, this.apiKey);
  }

  private receive(key: string | string[] | undefined, body: unknown): { status: number; body: MessageAccepted } {
    if (typeof key !== 'string' || key === '') {
      throw new HttpProblem(400, `the ${SMS_IDEMPOTENCY_HEADER} header is required`, SMS_IDEMPOTENCY_HEADER);
    }
    const parsed = messageRequestSchema.safeParse(body);
    if (!parsed.success) {
      const { field, message } = describeIssue(parsed.error);
      throw new HttpProblem(400, message, field);
    }
    const message = parsed.data;
    if (message.reference !== key) {
      throw new HttpProblem(400, `the ${SMS_IDEMPOTENCY_HEADER} header must equal reference`, SMS_IDEMPOTENCY_HEADER);
    }
    const existing = this.received.get(key);
    if (existing) {
      if (!sameMessage(existing, message)) {
        throw new HttpProblem(409, `${SMS_IDEMPOTENCY_HEADER} ${key} was used for another message`);
      }
      this.log(`sms ${existing.messageId} again (reference ${key}) → 200, nothing sent`);
      return { status: 200, body: { messageId: existing.messageId, status: 'QUEUED' } };
    }
    if (message.to.startsWith(UNDELIVERABLE_PREFIX)) {
      throw new HttpProblem(422, 'the number cannot receive SMS', 'to');
    }
    const received: ReceivedSms = {
      messageId: `msg_${randomUUID()}`,
      ...message,
      receivedAt: new Date().toISOString(),
    };
    this.received.set(key, received);
    this.log(`sms ${received.messageId} to ${maskedNumber(message.to)} (reference ${key})`);
    return { status: 202, body: { messageId: received.messageId, status: 'QUEUED' } };
  }
}

function sameMessage(first: ReceivedSms, again: MessageRequest): boolean {
  return first.to === again.to && first.from === again.from && first.text === again.text;
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
        failed(new HttpProblem(413, `the body is over ${MAX_BODY_BYTES} bytes`));
        return;
      }
      try {
        parsed(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        failed(new HttpProblem(400, 'the body is not JSON'));
      }
    });
  });
}
