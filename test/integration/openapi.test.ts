import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';

import type { Payload } from '@temporalio/common';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { WebSocket } from 'ws';

import { DEVELOPMENT_RAIL_CALLBACK_SECRET } from '../../src/config';
import { PayloadEncryption } from '../../src/payload-encryption';
import { signCallback } from '../../src/rails/callback-signature';
import { registerBusinesses, waitForRemittance } from '../support/remittances';
import { type HttpAnswer, ServiceHarness } from '../support/service-harness';

interface Operation {
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}
type OpenApi = { openapi: string; paths: Record<string, Record<string, Operation>> };

// The validator is an ES module, which this CommonJS test run cannot require; a node child process imports it.
const VALIDATE = `
import { Validator } from '@seriousme/openapi-schema-validator';
let text = '';
for await (const chunk of process.stdin) text += chunk;
const result = await new Validator().validate(JSON.parse(text));
process.stdout.write(JSON.stringify({ valid: result.valid, errors: result.errors ?? [] }));
`;

/** Validates a document with @seriousme/openapi-schema-validator (OpenAPI 3.0 and 3.1, by its version field). */
function validateOpenApi(document: object): Promise<{ valid: boolean; errors: unknown }> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ['--input-type=module', '-e', VALIDATE], (error, stdout) =>
      error ? reject(new Error(error.message)) : resolve(JSON.parse(stdout) as { valid: boolean; errors: unknown }),
    );
    child.stdin?.end(JSON.stringify(document));
  });
}

/**
 * The served document against the OpenAPI 3.1 schema, and real answers of every route against it: each
 * body is validated against the schema the document gives its route, status and content type.
 */
describe('the API document', () => {
  let service: ServiceHarness;
  let document: OpenApi;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const checked = new Set<string>();
  const rules: string[] = [];
  const admin = () => service.token('admin', 'SUPER_ADMIN');
  const ruleAdmin = () => service.token('rule-admin-1', 'RULE_ADMIN');
  const analyst = () => service.token('analyst-1', 'RISK_ANALYST');

  beforeAll(async () => {
    service = await ServiceHarness.start();
    document = (await service.request<OpenApi>('GET', '/openapi.json')).body;
    ajv.addSchema(document, 'openapi');
  });
  afterAll(async () => {
    for (const ruleId of rules) await service.request('DELETE', `/v1/rules/${ruleId}`, { token: ruleAdmin() });
    await service?.stop();
  });

  /**
   * Fails unless the document describes this answer of `method path` and its body fits the schema. With
   * `view`, the body must also be that one of the views the route's schema offers (a route answering
   * staff and customers differently offers both).
   */
  function expectDocumented(method: string, path: string, answer: HttpAnswer<unknown>, view?: string): void {
    const operation = document.paths[path]?.[method.toLowerCase()];
    if (!operation) throw new Error(`${method} ${path} is not in the document`);
    const response = operation.responses[String(answer.status)];
    if (!response) throw new Error(`${method} ${path} answered ${answer.status}, which the document does not list`);
    checked.add(`${method} ${path}`);
    if (!response.content) return;
    const mediaType = answer.contentType.split(';')[0]!.trim();
    if (!response.content[mediaType]) throw new Error(`${method} ${path} ${answer.status} answered ${mediaType}`);
    if (mediaType !== 'application/json' && mediaType !== 'application/problem+json') return;
    const pointer = ['paths', path, method.toLowerCase(), 'responses', String(answer.status), 'content', mediaType]
      .map((segment) => segment.replace(/~/g, '~0').replace(/\//g, '~1'))
      .join('/');
    const validate = ajv.getSchema(`openapi#/${pointer}/schema`);
    if (!validate) throw new Error(`no schema at ${pointer}`);
    if (!validate(answer.body)) {
      throw new Error(
        `${method} ${path} ${answer.status} does not match the document: ${ajv.errorsText(validate.errors)}\n` +
          JSON.stringify(answer.body, null, 2),
      );
    }
    if (view === undefined) return;
    const reference = `#/components/schemas/${view}`;
    if (!JSON.stringify(response.content[mediaType].schema).includes(`"${reference}"`)) {
      throw new Error(`${method} ${path} ${answer.status} does not offer ${view}`);
    }
    const validateView = ajv.getSchema(`openapi${reference}`);
    if (!validateView?.(answer.body)) {
      throw new Error(
        `${method} ${path} ${answer.status} is not a ${view}: ${ajv.errorsText(validateView?.errors)}\n` +
          JSON.stringify(answer.body, null, 2),
      );
    }
  }

  /** Requests `url` and checks the answer against the document's `path` (and `view`, when given). */
  async function call(
    method: string,
    path: string,
    url: string,
    options: Parameters<ServiceHarness['request']>[2] = {},
    view?: string,
  ): Promise<HttpAnswer> {
    const answer = await service.request(method, url, options);
    expectDocumented(method, path, answer, view);
    return answer;
  }

  it('is valid OpenAPI 3.1', async () => {
    expect(await validateOpenApi(document)).toEqual({ valid: true, errors: [] });
    expect(document.openapi).toBe('3.1.0');
  });

  it('describes what the service routes answer: health and the document itself', async () => {
    await call('GET', '/healthz', '/healthz');
    await call('GET', '/readyz', '/readyz');
    await call('GET', '/openapi.json', '/openapi.json');
    // Metrics are on the admin port, which the document does not describe.
    expect(document.paths['/metrics']).toBeUndefined();
  });

  it('describes accounts, transfers, listings, risk, rules and reviews as they are answered', async () => {
    const owner = `oa-${randomUUID().slice(0, 6)}`;
    const from = await service.openAccount(owner, 10_000);
    const to = await service.openAccount(`${owner}-b`, 0);
    const user = service.token(owner, 'USER');
    const stranger = service.token(`${owner}-stranger`, 'USER');

    await call('POST', '/v1/accounts', '/v1/accounts', {
      token: admin(),
      body: { ownerId: owner, currency: 'EUR', initialBalance: 5 },
    });
    await call('POST', '/v1/accounts', '/v1/accounts', {
      token: admin(),
      body: { accountId: from, ownerId: owner, currency: 'EUR', initialBalance: 5 },
    });
    await call('POST', '/v1/accounts', '/v1/accounts', { token: admin(), body: { ownerId: owner, currency: 'EUR' } });
    await call('POST', '/v1/accounts', '/v1/accounts', { body: {} });
    await call('POST', '/v1/accounts', '/v1/accounts', { token: user, body: {} });
    await call('GET', '/v1/accounts/{id}', `/v1/accounts/${from}`, { token: user });
    await call('GET', '/v1/accounts/{id}', `/v1/accounts/${from}`, { token: stranger });
    await call('GET', '/v1/accounts/{id}', '/v1/accounts/no-such-account', { token: analyst() });

    // A REVIEW rule on this test's own sender, so one transfer goes through review.
    const ruleId = `oa-${randomUUID().slice(0, 8)}`;
    const rule = { name: ruleId, condition: { account: { side: 'from', in: [from] } }, score: 0, action: 'REVIEW' };
    await call('POST', '/v1/rules', '/v1/rules', { token: ruleAdmin(), body: { ruleId, ...rule } });
    rules.push(ruleId);
    await call('POST', '/v1/rules', '/v1/rules', {
      token: ruleAdmin(),
      body: { ...rule, condition: { all: [{ amout: { gt: 1 } }] } },
    });
    await call('GET', '/v1/rules', '/v1/rules', { token: analyst() });
    await call('GET', '/v1/rules/{id}', `/v1/rules/${ruleId}`, { token: analyst() });
    await call('GET', '/v1/rules/{id}', '/v1/rules/no-such-rule', { token: analyst() });

    const submit = (key: string, body: Record<string, unknown>, view?: string) =>
      call('POST', '/v1/transfers', '/v1/transfers', { token: user, headers: { 'Idempotency-Key': key }, body }, view);
    const accepted = await submit(
      randomUUID(),
      { fromAccountId: from, toAccountId: to, amount: 700, currency: 'EUR', memo: 'rent' },
      'CustomerTransferView',
    );
    expect(accepted.status).toBe(202);
    const transferId = accepted.body.transferId as string;
    await submit(randomUUID(), { fromAccountId: from, toAccountId: 'no-such-account', amount: 1, currency: 'EUR' });
    await submit(randomUUID(), { fromAccountId: from, toAccountId: to, amount: 1.5, currency: 'EUR' });
    await service.waitForStatus(transferId, 'UNDER_REVIEW');

    await call('GET', '/v1/transfers/{id}', `/v1/transfers/${transferId}`, { token: user }, 'CustomerTransferView');
    await call('GET', '/v1/transfers/{id}', `/v1/transfers/${transferId}`, { token: analyst() }, 'TransferView');
    await call('GET', '/v1/transfers/{id}', `/v1/transfers/${transferId}`, { token: stranger });
    await call('GET', '/v1/transfers/{id}', `/v1/transfers/${randomUUID()}`, { token: analyst() });
    await call('GET', '/v1/transfers/{id}', '/v1/transfers/not-a-uuid', { token: analyst() });
    await call('GET', '/v1/transfers/{id}/risk', `/v1/transfers/${transferId}/risk`, { token: analyst() });
    await call('GET', '/v1/reviews', '/v1/reviews?limit=100', { token: analyst() });
    await call('GET', '/v1/reviews', '/v1/reviews?limit=0', { token: analyst() });
    await call('GET', '/v1/audit', '/v1/audit?limit=5', { token: service.token('auditor-1', 'AUDITOR') });
    await call('GET', '/v1/audit', '/v1/audit?cursor=abc', { token: service.token('auditor-1', 'AUDITOR') });
    await call('GET', '/v1/audit', '/v1/audit', { token: analyst() });

    const ops = service.token('ops-1', 'OPS_AGENT');
    const claim = (token: string, view?: string) =>
      call('POST', '/v1/reviews/{id}/claim', `/v1/reviews/${transferId}/claim`, { token }, view);
    expect((await claim(ops, 'ReviewClaim')).status).toBe(200);
    expect((await claim(service.token('ops-2', 'OPS_AGENT'))).status).toBe(409);
    const queue = await call('GET', '/v1/reviews', '/v1/reviews?limit=100', { token: analyst() });
    const queued = (queue.body.items as Array<{ transferId: string; claim: { by: string } | null }>).find(
      (item) => item.transferId === transferId,
    );
    expect(queued?.claim?.by).toBe('ops-1');
    await call('DELETE', '/v1/reviews/{id}/claim', `/v1/reviews/${transferId}/claim`, { token: ops });
    await call('DELETE', '/v1/reviews/{id}/claim', `/v1/reviews/${transferId}/claim`, { token: ops });
    await call('POST', '/v1/reviews/{id}/claim', `/v1/reviews/${randomUUID()}/claim`, { token: ops });
    await call('POST', '/v1/reviews/{id}/claim', `/v1/reviews/${transferId}/claim`, { token: analyst() });
    await call('GET', '/v1/transfers/{id}/activity', `/v1/transfers/${transferId}/activity`, { token: analyst() });
    await call('GET', '/v1/transfers/{id}/activity', `/v1/transfers/${randomUUID()}/activity`, { token: analyst() });
    await call('GET', '/v1/transfers/counts', `/v1/transfers/counts?accountId=${from}&decision=REVIEW`, {
      token: analyst(),
    });
    await call('GET', '/v1/transfers/counts', '/v1/transfers/counts?minAmount=5&maxAmount=1', { token: analyst() });
    await call('GET', '/v1/transfers/counts', '/v1/transfers/counts', { token: user });
    const dryRun = (body: unknown, token = analyst()) =>
      call('POST', '/v1/rules/dry-run', '/v1/rules/dry-run', { token, body });
    expect((await dryRun({ rule: { ...rule, action: 'BLOCK' }, limit: 50 })).status).toBe(200);
    await dryRun({ rule: { ...rule, condition: { amout: { gt: 1 } } } });
    await dryRun({ rule });
    await dryRun({ rule }, service.token('reader-1', 'READ_ONLY'));
    await dryRun({});

    const review = (decision: string) =>
      call('POST', '/v1/transfers/{id}/review', `/v1/transfers/${transferId}/review`, {
        token: service.token('ops-1', 'OPS_AGENT'),
        body: { decision, reason: 'checked with the customer' },
      });
    expect((await review('APPROVE')).status).toBe(200);
    await service.waitForTerminal([transferId]);
    expect((await review('REJECT')).status).toBe(409);
    const reviewed = await call(
      'GET',
      '/v1/transfers/{id}',
      `/v1/transfers/${transferId}`,
      { token: analyst() },
      'TransferView',
    );
    expect(reviewed.body).toMatchObject({ status: 'COMPLETED', memo: 'rent', review: { decision: 'APPROVE' } });
    const seenByCustomer = await call(
      'GET',
      '/v1/transfers/{id}',
      `/v1/transfers/${transferId}`,
      { token: user },
      'CustomerTransferView',
    );
    expect(seenByCustomer.body).toMatchObject({ status: 'COMPLETED', review: { decision: 'APPROVE' } });

    const first = await call('GET', '/v1/transfers', `/v1/transfers?accountId=${from}&limit=1`, { token: analyst() });
    const cursor = first.body.nextCursor as string;
    await call('GET', '/v1/transfers', `/v1/transfers?accountId=${from}&limit=1&cursor=${cursor}`, {
      token: analyst(),
    });
    await call('GET', '/v1/transfers', '/v1/transfers?cursor=nonsense', { token: analyst() });
    await call('GET', '/v1/transfers', '/v1/transfers', { token: user });

    const replaced = await call('PUT', '/v1/rules/{id}', `/v1/rules/${ruleId}`, {
      token: ruleAdmin(),
      body: { ...rule, enabled: false },
      headers: { 'If-Match': '"1"' },
    });
    expect(replaced.body).toMatchObject({ version: 2 });
    await call('DELETE', '/v1/rules/{id}', `/v1/rules/${ruleId}`, {
      token: ruleAdmin(),
      headers: { 'If-Match': '"1"' },
    });
    await call('DELETE', '/v1/rules/{id}', `/v1/rules/${ruleId}`, {
      token: ruleAdmin(),
      headers: { 'If-Match': '"2"' },
    });
    await call('GET', '/v1/rules/{id}/history', `/v1/rules/${ruleId}/history`, { token: analyst() });
  });

  it('describes the step-up routes: confirming, a wrong code, resending, declining and a staff cancel', async () => {
    const owner = `oa-su-${randomUUID().slice(0, 6)}`;
    const phone = '+821055519876';
    const from = await service.openAccount(owner, 10_000, 'EUR', { phone });
    const to = await service.openAccount(`${owner}-b`, 0);
    const user = service.token(owner, 'USER');
    const ops = service.token('ops-1', 'OPS_AGENT');
    const ruleId = `oa-su-${randomUUID().slice(0, 8)}`;
    await service.request('POST', '/v1/rules', {
      token: ruleAdmin(),
      body: {
        ruleId,
        name: 'step-up for the document test',
        condition: { account: { side: 'from', in: [from] } },
        score: 1,
        action: 'STEP_UP',
      },
    });
    rules.push(ruleId);
    const waiting = async () => {
      const { transferId } = (await service.submit(owner, { fromAccountId: from, toAccountId: to, amount: 10 })).body;
      await service.waitForStatus(transferId, 'AWAITING_CONFIRMATION');
      return transferId;
    };
    const confirm = (transferId: string, body: unknown, token = user) =>
      call('POST', '/v1/transfers/{id}/confirm', `/v1/transfers/${transferId}/confirm`, { token, body });
    const resend = (transferId: string, token = user) =>
      call('POST', '/v1/transfers/{id}/confirm/resend', `/v1/transfers/${transferId}/confirm/resend`, { token });
    const cancel = (transferId: string, body: unknown, token = ops) =>
      call('POST', '/v1/transfers/{id}/cancel', `/v1/transfers/${transferId}/cancel`, { token, body });

    const first = await waiting();
    const code = await service.codeSentTo(phone);
    const asStaff = await call('GET', '/v1/transfers/{id}', `/v1/transfers/${first}`, { token: ops }, 'TransferView');
    expect(asStaff.body.confirmation).toMatchObject({ triesLeft: 3 });
    await call('GET', '/v1/transfers/{id}', `/v1/transfers/${first}`, { token: user }, 'CustomerTransferView');
    expect((await confirm(first, { code: code === '000000' ? '111111' : '000000' })).body.triesLeft).toBe(2);
    expect((await confirm(first, { code: '12345' })).status).toBe(400);
    expect((await confirm(first, { code, decision: 'DECLINE' })).status).toBe(400);
    expect((await confirm(first, { code }, service.token(`${owner}-b`, 'USER'))).status).toBe(404);
    expect((await confirm(first, { code }, ops)).status).toBe(403);
    expect((await resend(first)).status).toBe(409);
    expect((await confirm(first, { code })).body.status).toBe('COMPLETED');
    expect((await confirm(first, { code })).status).toBe(409);
    await confirm(randomUUID(), { code });

    const second = await waiting();
    expect((await confirm(second, { decision: 'DECLINE' })).body.status).toBe('REJECTED');

    const third = await waiting();
    expect((await cancel(third, {})).status).toBe(400);
    expect((await cancel(third, { reason: 'x' }, user)).status).toBe(403);
    expect((await cancel(third, { reason: 'customer phoned' })).body.status).toBe('REJECTED');
    expect((await cancel(third, { reason: 'again' })).status).toBe(409);
    await cancel(randomUUID(), { reason: 'no such transfer' });
    await resend(third, service.token(`${owner}-b`, 'USER'));
  });

  it("describes the console's routes: sign-in, staff, repairs, dead letters and the health figures", async () => {
    const username = `oa-admin-${randomUUID().slice(0, 6)}`;
    const password = 'correct horse battery staple';
    await call('GET', '/v1/auth/config', '/v1/auth/config', {}, 'AuthConfig');
    const created = await call('POST', '/v1/staff', '/v1/staff', {
      token: admin(),
      body: { username, email: `${username}@example.test`, role: 'SUPER_ADMIN', password },
    });
    expect(created.status).toBe(201);
    await call('POST', '/v1/staff', '/v1/staff', {
      token: admin(),
      body: { username, email: `${username}@example.test`, role: 'SUPER_ADMIN', password },
    });
    await call('POST', '/v1/staff', '/v1/staff', { token: admin(), body: { username, password: 'short' } });
    await call('POST', '/v1/staff', '/v1/staff', { token: analyst(), body: {} });
    await call('POST', '/v1/staff', '/v1/staff', { body: {} });
    const session = await call('POST', '/v1/auth/login', '/v1/auth/login', { body: { username, password } });
    expect(session.status).toBe(200);
    const token = session.body.token as string;
    await call('POST', '/v1/auth/login', '/v1/auth/login', { body: { username, password: 'wrong' } });
    await call('POST', '/v1/auth/login', '/v1/auth/login', { body: { username } });
    await call('GET', '/v1/auth/me', '/v1/auth/me', { token });
    await call('GET', '/v1/auth/me', '/v1/auth/me', {});
    await call('GET', '/v1/staff', '/v1/staff', { token });
    await call('GET', '/v1/staff', '/v1/staff', { token: analyst() });
    await call('PATCH', '/v1/staff/{username}', `/v1/staff/${username}`, { token: admin(), body: { disabled: true } });
    await call('PATCH', '/v1/staff/{username}', `/v1/staff/${username}`, { token, body: { role: 'READ_ONLY' } });
    await call('PATCH', '/v1/staff/{username}', '/v1/staff/no-such-staff', {
      token: admin(),
      body: { disabled: true },
    });
    await call('PATCH', '/v1/staff/{username}', `/v1/staff/${username}`, { token: admin(), body: {} });
    await call('PATCH', '/v1/staff/{username}', `/v1/staff/${username}`, { token: analyst(), body: {} });
    for (let attempt = 0; attempt < 5; attempt += 1) {
      await service.request('POST', '/v1/auth/login', { body: { username, password: 'wrong' } });
    }
    const locked = await call('POST', '/v1/auth/login', '/v1/auth/login', { body: { username, password } });
    expect(locked.status).toBe(423);

    await call('GET', '/v1/repairs', '/v1/repairs', { token: analyst() });
    await call('GET', '/v1/repairs', '/v1/repairs', { token: service.token('oa-user', 'USER') });
    await call('GET', '/v1/dead-letters', '/v1/dead-letters', { token: analyst() });
    await call('GET', '/v1/dead-letters', '/v1/dead-letters', {});
    await call('GET', '/v1/dead-letters/{topic}', '/v1/dead-letters/transfer.completed', { token: analyst() });
    await call('GET', '/v1/dead-letters/{topic}', '/v1/dead-letters/no.such.topic', { token: analyst() });
    await call('GET', '/v1/dead-letters/{topic}', '/v1/dead-letters/transfer.completed', {
      token: service.token('oa-user', 'USER'),
    });
    const ops = service.token('oa-ops', 'OPS_AGENT');
    await call('POST', '/v1/dead-letters/{topic}/replay', '/v1/dead-letters/transfer.initiated/replay', { token: ops });
    await call('POST', '/v1/dead-letters/{topic}/replay', '/v1/dead-letters/nope/replay', { token: ops });
    await call('POST', '/v1/dead-letters/{topic}/replay', '/v1/dead-letters/transfer.initiated/replay', {
      token: analyst(),
    });
    await call('GET', '/v1/stats', '/v1/stats', { token: analyst() }, 'Stats');
    await call('GET', '/v1/stats', '/v1/stats', { token: service.token('oa-user', 'USER') });
    await call('GET', '/v1/stats', '/v1/stats', {});
  });

  it('describes the codec endpoint: payloads decrypted for staff, refused for others, undecodable ones', async () => {
    const codec = new PayloadEncryption(service.config.temporal.payloadKeys);
    const [sealed] = await codec.encode([
      { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{}') },
    ]);
    const wire = (payload: Payload) => ({
      metadata: Object.fromEntries(
        Object.entries(payload.metadata ?? {}).map(([name, value]) => [
          name,
          Buffer.from(value ?? []).toString('base64'),
        ]),
      ),
      data: Buffer.from(payload.data ?? []).toString('base64'),
    });
    const decode = (body: unknown, token?: string) =>
      call('POST', '/v1/codec/decode', '/v1/codec/decode', { token, body });
    const decoded = await decode({ payloads: [wire(sealed as Payload)] }, analyst());
    expect(decoded.body).toEqual({ payloads: [{ metadata: { encoding: 'anNvbi9wbGFpbg==' }, data: 'e30=' }] });
    await decode({ payloads: [{ data: 'not base64!' }] }, analyst());
    await decode({ payloads: [] });
    await decode({ payloads: [] }, service.token('oa-customer', 'USER'));
    const garbage = { ...wire(sealed as Payload), data: Buffer.alloc(40).toString('base64') };
    expect((await decode({ payloads: [garbage] }, analyst())).status).toBe(422);
  });

  it('describes the live feeds: an event stream, a WebSocket upgrade, and a refusal without one', async () => {
    const token = analyst();
    const abort = new AbortController();
    const events = await fetch(`${service.api.url}/v1/events?access_token=${token}`, { signal: abort.signal });
    expectDocumented('GET', '/v1/events', {
      status: events.status,
      contentType: events.headers.get('content-type') ?? '',
      body: null,
    });
    abort.abort();
    await call('GET', '/v1/events', '/v1/events?after=no-such-event', { token });
    await call('GET', '/v1/events', '/v1/events?accountId=not-yours', { token: service.token('oa-stranger', 'USER') });

    await call('GET', '/v1/stream', '/v1/stream', { token });
    const socket = new WebSocket(`${service.api.url.replace('http', 'ws')}/v1/stream?access_token=${token}`);
    const status = await new Promise<number>((resolve, reject) => {
      socket.once('upgrade', (response) => resolve(response.statusCode ?? 0));
      socket.once('error', reject);
    });
    expectDocumented('GET', '/v1/stream', { status, contentType: '', body: null });
    socket.close();
  });

  it('describes the remittance routes: submitting, reading, listing, failure records and the rail callbacks', async () => {
    const businesses = await registerBusinesses(service);
    const ops = service.token('oa-ops', 'OPS_AGENT');
    const key = randomUUID();
    const body = {
      fromBusiness: businesses.from,
      toBusiness: businesses.to,
      amount: 900,
      currency: 'EUR',
      reference: 'oa',
    };
    const submitted = await call(
      'POST',
      '/v1/remittances',
      '/v1/remittances',
      { token: service.token(businesses.owner, 'USER'), headers: { 'Idempotency-Key': key }, body },
      'CustomerRemittance',
    );
    const remittanceId = submitted.body.remittanceId as string;
    await call('POST', '/v1/remittances', '/v1/remittances', {
      token: ops,
      headers: { 'Idempotency-Key': key },
      body: { ...body, amount: 0 },
    });
    await call(
      'POST',
      '/v1/remittances',
      '/v1/remittances',
      { token: ops, headers: { 'Idempotency-Key': key }, body },
      'Remittance',
    );
    await waitForRemittance(service, remittanceId, 'COMPLETED');
    await call('GET', '/v1/remittances/{id}', `/v1/remittances/${remittanceId}`, { token: ops }, 'Remittance');
    await call(
      'GET',
      '/v1/remittances/{id}',
      `/v1/remittances/${remittanceId}`,
      {
        token: service.token(businesses.owner, 'USER'),
      },
      'CustomerRemittance',
    );
    await call('GET', '/v1/remittances/{id}', `/v1/remittances/${randomUUID()}`, { token: ops });
    await call('GET', '/v1/remittances', '/v1/remittances?limit=2&status=COMPLETED', { token: ops });
    await call('GET', '/v1/remittances', '/v1/remittances?cursor=bogus', { token: ops });
    await call('GET', '/v1/remittance-failures', '/v1/remittance-failures?status=OPEN', { token: ops });
    await call('POST', '/v1/remittance-failures/{id}/retry', '/v1/remittance-failures/999999999/retry', { token: ops });
    const { rows } = await service.dependencies.postgres.query<{ id: string }>(
      `INSERT INTO remittance_failures (remittance_id, kind, error) VALUES ($1, 'payout', 'openapi test') RETURNING id::text`,
      [remittanceId],
    );
    await call('POST', '/v1/remittance-failures/{id}/retry', `/v1/remittance-failures/${rows[0]?.id}/retry`, {
      token: ops,
    });
    await service.dependencies.postgres.query(`UPDATE remittance_failures SET status = 'RESOLVED' WHERE id = $1`, [
      rows[0]?.id,
    ]);
    await call('POST', '/v1/business-profiles', '/v1/business-profiles', {
      token: admin(),
      body: { businessId: businesses.from.account, ownerId: 'x', name: 'again', ...businesses.from },
    });

    const path = `/v1/rails/${service.config.rail.name}/callbacks`;
    const rawBody = JSON.stringify({
      reference: `${remittanceId}:payout`,
      instructionId: 'oa-1',
      type: 'payout',
      status: 'SUCCEEDED',
      occurredAt: new Date().toISOString(),
    });
    const timestamp = Math.floor(Date.now() / 1000);
    const signed = {
      'Rail-Timestamp': String(timestamp),
      'Rail-Signature': signCallback(DEVELOPMENT_RAIL_CALLBACK_SECRET, timestamp, rawBody),
    };
    await call('POST', '/v1/rails/{rail}/callbacks', path, { rawBody, headers: signed });
    await call('POST', '/v1/rails/{rail}/callbacks', path, {
      rawBody,
      headers: { ...signed, 'Rail-Signature': 'v1=00' },
    });
    await call('POST', '/v1/rails/{rail}/callbacks', '/v1/rails/no-such-rail/callbacks', { rawBody, headers: signed });
    await call('POST', '/v1/rails/{rail}/callbacks', '/v1/rails/NOT%20A%20RAIL/callbacks', {
      rawBody,
      headers: signed,
    });
  });

  it('has been checked against an answer of every route it lists', () => {
    const listed = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect([...checked].sort()).toEqual(listed.sort());
  });
});
