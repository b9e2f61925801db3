/** @isolated an SMS gateway stand-in of its own on loopback; no service */
import { randomInt, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { freePort } from '../../harness/free-port';
import { type ReceivedSms, SmsGateway } from '../../harness/sms-gateway';
import { HttpSmsSender } from '../../src/verification/http-sms-sender';
import { confirmationText, newCode } from '../../src/verification/one-time-code';
import {
  SenderRefusedError,
  SenderUnavailableError,
  type VerificationMessage,
} from '../../src/verification/verification-sender';

const API_KEY = 'test-sms-key';
const FROM = 'TrnsfrSaga';

/** A Korean mobile number of the test's own, so that no two tests read each other's messages. */
const phone = () => `+8210${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;

function codeMessage(overrides: Partial<VerificationMessage> = {}): VerificationMessage & { code: string } {
  const code = newCode();
  return {
    code,
    to: phone(),
    text: confirmationText(code, 1_250_00, 'EUR', 5 * 60_000),
    reference: `${randomUUID()}:code:1`,
    ...overrides,
  };
}

async function failureOf(attempt: Promise<unknown>): Promise<Error> {
  return attempt.then(
    () => {
      throw new Error('the gateway accepted it');
    },
    (error: Error) => error,
  );
}

/** The error, after checking it says neither the code nor the text, nor the whole number. */
async function refusalOf(attempt: Promise<unknown>, message: VerificationMessage & { code: string }): Promise<Error> {
  const error = await failureOf(attempt);
  expect(error.message).not.toContain(message.code);
  expect(error.message).not.toContain(message.text);
  expect(error.message).not.toContain(message.to);
  return error;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((closed) => {
    server.close(() => closed());
    server.closeAllConnections();
  });
}

describe('HttpSmsSender against the SMS gateway stand-in', () => {
  let gateway: SmsGateway;
  let sender: HttpSmsSender;
  const logLines: string[] = [];
  const senderTo = (url: string, options: { apiKey?: string; timeoutMs?: number; fetch?: typeof fetch } = {}) =>
    new HttpSmsSender({ url, apiKey: API_KEY, from: FROM, timeoutMs: 2000, ...options });

  beforeAll(async () => {
    gateway = await SmsGateway.start({ apiKey: API_KEY, log: (line) => logLines.push(line) });
    sender = senderTo(gateway.url);
  });

  beforeEach(() => gateway.reset());

  afterAll(async () => {
    await gateway?.stop();
  });

  it('sends the message, which the gateway receives with its reference, from the sender id', async () => {
    const message = codeMessage();
    const { messageId } = await sender.send(message);
    expect(messageId).toEqual(expect.any(String));
    expect(gateway.messagesTo(message.to)).toEqual([
      {
        messageId,
        to: message.to,
        from: FROM,
        text: message.text,
        reference: message.reference,
        receivedAt: expect.any(String) as string,
      } satisfies ReceivedSms,
    ]);
    expect(gateway.lastCodeTo(message.to)).toBe(message.code);
    expect(gateway.lastCodeTo(phone())).toBeUndefined();
  });

  it('when the same reference is sent twice, the gateway keeps one message and answers the same messageId', async () => {
    const message = codeMessage();
    const first = await sender.send(message);
    const again = await sender.send(message);
    expect(again.messageId).toBe(first.messageId);
    expect(gateway.messages()).toHaveLength(1);
    const resend = { ...codeMessage({ to: message.to }), reference: message.reference.replace(/:1$/, ':2') };
    expect((await sender.send(resend)).messageId).not.toBe(first.messageId);
    expect(gateway.lastCodeTo(message.to)).toBe(resend.code);
  });

  it('when a reference is reused for another text, it is refused with 409 and the first message stands', async () => {
    const message = codeMessage();
    await sender.send(message);
    const other = codeMessage({ to: message.to, reference: message.reference });
    const error = await refusalOf(sender.send(other), other);
    expect(error).toBeInstanceOf(SenderRefusedError);
    expect(error).toMatchObject({ status: 409 });
    expect(gateway.messagesTo(message.to).map(({ text }) => text)).toEqual([message.text]);
  });

  it('a wrong api key is refused with 401, and nothing is sent', async () => {
    const message = codeMessage();
    const error = await refusalOf(senderTo(gateway.url, { apiKey: 'not-the-key' }).send(message), message);
    expect(error).toBeInstanceOf(SenderRefusedError);
    expect(error).toMatchObject({ status: 401 });
    expect(gateway.messages()).toEqual([]);
  });

  it.each([
    ['a number the gateway cannot deliver to', '+99912345678', 422],
    ['a number that is not E.164', '010-1234-5678', 400],
  ])('%s is refused with %s, naming the field to', async (_case, to, status) => {
    const message = codeMessage({ to });
    const error = await refusalOf(sender.send(message), message);
    expect(error).toBeInstanceOf(SenderRefusedError);
    expect(error).toMatchObject({ status, message: expect.stringContaining('(field to)') as string });
    expect(gateway.messages()).toEqual([]);
  });

  it('when the gateway fails twice, the first two sends are unavailable and the third is received once', async () => {
    gateway.failNext(2);
    const message = codeMessage();
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await refusalOf(sender.send(message), message);
      expect(error).toBeInstanceOf(SenderUnavailableError);
      expect(error.message).toContain('503');
    }
    await sender.send(message);
    expect(gateway.messages()).toEqual([expect.objectContaining({ reference: message.reference })]);
  });

  it.each([
    [429, SenderUnavailableError],
    [500, SenderUnavailableError],
    [400, SenderRefusedError],
  ])('a %s from the gateway is a %p', async (status, kind) => {
    gateway.failNext(1, status);
    const message = codeMessage();
    expect(await refusalOf(sender.send(message), message)).toBeInstanceOf(kind);
  });

  it('while the gateway is down, sends are unavailable; once it is back, they go through', async () => {
    gateway.down(true);
    const message = codeMessage();
    expect(await refusalOf(sender.send(message), message)).toBeInstanceOf(SenderUnavailableError);
    expect(gateway.messages()).toEqual([]);
    gateway.down(false);
    await sender.send(message);
    expect(gateway.messagesTo(message.to)).toHaveLength(1);
  });

  it('a gateway nothing listens for is unavailable', async () => {
    const message = codeMessage();
    const error = await refusalOf(senderTo(`http://127.0.0.1:${await freePort()}`).send(message), message);
    expect(error).toBeInstanceOf(SenderUnavailableError);
    expect(error.message).toContain('could not be reached');
  });

  it('a gateway that does not answer in time is unavailable', async () => {
    const silent = createServer(() => undefined);
    try {
      const message = codeMessage();
      const error = await refusalOf(senderTo(await listen(silent), { timeoutMs: 200 }).send(message), message);
      expect(error).toBeInstanceOf(SenderUnavailableError);
      expect(error.message).toContain('timed out');
    } finally {
      await closeServer(silent);
    }
  });

  it('a redirect is not followed: the sender calls it unavailable and the target receives nothing', async () => {
    const redirecting = createServer((_request, response) => {
      response.writeHead(307, { location: `${gateway.url}/v1/messages` }).end();
    });
    try {
      const message = codeMessage();
      const error = await refusalOf(senderTo(await listen(redirecting)).send(message), message);
      expect(error).toBeInstanceOf(SenderUnavailableError);
      expect(error.message).toContain('307');
      expect(gateway.messages()).toEqual([]);
    } finally {
      await closeServer(redirecting);
    }
  });

  it.each([
    ['a body that is not JSON', 'oops', 202],
    ['an answer without a messageId', JSON.stringify({ status: 'QUEUED' }), 202],
    ['an answer of another status', JSON.stringify({ messageId: 'msg_1', status: 'DELIVERED' }), 200],
  ])('a gateway answering %s is unavailable', async (_case, body, status) => {
    const answering = senderTo('http://sms.invalid', { fetch: async () => new Response(body, { status }) });
    expect(await failureOf(answering.send(codeMessage()))).toBeInstanceOf(SenderUnavailableError);
  });

  it('a gateway that echoes the text, the code or the number in its error has them taken out of the message', async () => {
    const message = codeMessage();
    for (const [status, said] of [
      [400, { error: `text refused: ${message.text}`, field: 'text' }],
      [422, { error: `code ${message.code} to ${message.to} refused`, field: 'to' }],
      [502, `<html>upstream said ${message.code.slice(0, 4)}${message.code.slice(4)}</html>`],
    ] as const) {
      const body = typeof said === 'string' ? said : JSON.stringify(said);
      const echoing = senderTo('http://sms.invalid', { fetch: async () => new Response(body, { status }) });
      const error = await refusalOf(echoing.send(message), message);
      expect(error.message).toContain(String(status));
    }
  });

  it('refuses, without sending, a reference that cannot travel as an Idempotency-Key', async () => {
    const message = codeMessage({ reference: `${randomUUID()}:code:1 ü` });
    const error = await refusalOf(sender.send(message), message);
    expect(error).toBeInstanceOf(SenderRefusedError);
    expect(error).toMatchObject({ status: undefined });
    expect(gateway.messages()).toEqual([]);
  });

  it('answers the received messages on GET /_sms/messages, by number, the plus as typed or encoded', async () => {
    const message = codeMessage();
    const other = codeMessage();
    await sender.send(message);
    await sender.send(other);
    for (const query of [`?to=${message.to}`, `?to=${encodeURIComponent(message.to)}`]) {
      const response = await fetch(`${gateway.url}/_sms/messages${query}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ messages: [expect.objectContaining({ text: message.text })] });
    }
    const all = (await (await fetch(`${gateway.url}/_sms/messages`)).json()) as { messages: ReceivedSms[] };
    expect(all.messages.map(({ to }) => to)).toEqual([message.to, other.to]);
  });

  it('the stand-in refuses a message without an Idempotency-Key, or with another than its reference, naming the header', async () => {
    const { code: _code, ...message } = codeMessage();
    const post = (headers: Record<string, string>) =>
      fetch(`${gateway.url}/v1/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ ...message, from: FROM }),
      });
    const wrongHeaders: Array<Record<string, string>> = [{}, { 'idempotency-key': `${message.reference}x` }];
    for (const headers of wrongHeaders) {
      const response = await post(headers);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: expect.any(String) as string, field: 'Idempotency-Key' });
    }
    expect((await post({ 'idempotency-key': message.reference })).status).toBe(202);
  });

  it('logs a line per message (masked number, reference) and per refusal, never a text, a code or a whole number', async () => {
    logLines.length = 0;
    const message = codeMessage();
    const { messageId } = await sender.send(message);
    await sender.send(message);
    expect(logLines).toEqual([
      `sms ${messageId} to ${message.to.slice(0, 3)}…${message.to.slice(-2)} (reference ${message.reference})`,
      `sms ${messageId} again (reference ${message.reference}) → 200, nothing sent`,
    ]);
    const refused = [
      codeMessage({ to: message.to, reference: message.reference }),
      codeMessage({ to: '+99912345678' }),
      codeMessage({ to: 'not a number' }),
    ];
    for (const attempt of refused) await failureOf(sender.send(attempt));
    expect(logLines.slice(2)).toEqual([
      expect.stringMatching(/^POST \/v1\/messages → 409 /),
      expect.stringMatching(/^POST \/v1\/messages → 422 /),
      expect.stringMatching(/^POST \/v1\/messages → 400 to: /),
    ]);
    for (const { code, text, to } of [message, ...refused]) {
      for (const secret of [code, text, to]) expect(logLines.join('\n')).not.toContain(secret);
    }
  });
});
