import { randomUUID } from 'node:crypto';

import { WebSocket } from 'ws';

import { type Action, PERMISSIONS } from '../../src/api/permissions';
import { ROLES, type Role } from '../../src/domain/roles';
import { eventually } from '../../harness/eventually';
import { type HttpAnswer, ServiceHarness } from '../support/service-harness';

/** A request ready to send; built fresh per case, so a write never depends on another case's write. */
interface Call {
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** A streaming answer never ends: the call opens it, takes the status and closes it again. */
  stream?: 'websocket' | 'event-stream';
}

/**
 * Walks every endpoint of /v1 with every role against the real stack: a role the permission table
 * allows gets a 2xx, any other a 403, and no token a 401. Each case gets its own fixture (its own rule
 * to edit, its own transfer under review), so an allowed call fails only if the permission is wrong.
 */
describe('the permission matrix', () => {
  let service: ServiceHarness;
  const user = `matrix-user-${randomUUID().slice(0, 8)}`;
  let source: string;
  let target: string;
  let settledTransfer: string;
  let reviewRule: string;
  const rulesMade: string[] = [];
  const sender = { bank: 'SIMBANK', account: `matrix-from-${randomUUID().slice(0, 8)}` };
  const receiver = { bank: 'SIMBANK', account: `matrix-to-${randomUUID().slice(0, 8)}` };
  let remittance: string;

  beforeAll(async () => {
    service = await ServiceHarness.start();
    source = await service.openAccount(user, 1_000_000, 'EUR', { phone: '+821055500077' });
    target = await service.openAccount(`${user}-payee`, 0);
    settledTransfer = (await service.submit(user, { fromAccountId: source, toAccountId: target, amount: 10 })).body
      .transferId;
    await service.waitForTerminal([settledTransfer]);
    for (const [profile, ownerId] of [
      [sender, user],
      [receiver, `${user}-payee`],
    ] as const) {
      await service.dependencies.businessProfiles.register({
        businessId: profile.account,
        ownerId,
        name: 'matrix business',
        createdBy: 'matrix-admin',
        ...profile,
      });
    }
    const remitted = await service.request<{ remittanceId: string }>('POST', '/v1/remittances', {
      token: service.token(user, 'USER'),
      headers: { 'Idempotency-Key': randomUUID() },
      body: remittanceBody(),
    });
    remittance = remitted.body.remittanceId;
    // Only this test's 77-cent transfers go to review.
    reviewRule = await newRule({
      name: 'matrix review',
      condition: { all: [{ account: { side: 'from', in: [source] } }, { amount: { eq: 77 } }] },
      score: 1,
      action: 'REVIEW',
    });
    // And its 78-cent ones ask the sender for a code.
    await newRule({
      name: 'matrix step-up',
      condition: { all: [{ account: { side: 'from', in: [source] } }, { amount: { eq: 78 } }] },
      score: 1,
      action: 'STEP_UP',
    });
  });
  afterAll(async () => {
    const admin = service.token('matrix-admin', 'SUPER_ADMIN');
    const { body } = await service.request<{ items: Array<{ transferId: string; fromAccountId: string }> }>(
      'GET',
      '/v1/reviews?limit=100',
      { token: admin },
    );
    for (const waiting of body.items.filter((item) => item.fromAccountId === source)) {
      // The claim cases leave claims by their callers, which would refuse this clean-up's decision.
      await service.dependencies.postgres.query('DELETE FROM review_claims WHERE transfer_id = $1', [
        waiting.transferId,
      ]);
      await service.request('POST', `/v1/transfers/${waiting.transferId}/review`, {
        token: admin,
        body: { decision: 'REJECT', reason: 'test clean-up' },
      });
    }
    const { rows } = await service.dependencies.postgres.query<{ transferId: string }>(
      `SELECT transfer_id AS "transferId" FROM transactions WHERE from_account_id = $1 AND status = 'AWAITING_CONFIRMATION'`,
      [source],
    );
    for (const { transferId } of rows) {
      await service.request('POST', `/v1/transfers/${transferId}/cancel`, {
        token: admin,
        body: { reason: 'test clean-up' },
      });
    }
    for (const ruleId of rulesMade) await service.request('DELETE', `/v1/rules/${ruleId}`, { token: admin });
    await service.dependencies.postgres.query(
      `UPDATE remittance_failures SET status = 'RESOLVED', resolved_at = now() WHERE remittance_id = $1`,
      [remittance],
    );
    // The matrix's remittances end before their rail (this harness's simulator) goes away with it.
    await eventually(
      async () => {
        const { rows } = await service.dependencies.postgres.query(
          `SELECT 1 FROM remittances WHERE from_business = $1 AND status NOT IN ('COMPLETED', 'FAILED') LIMIT 1`,
          [sender.account],
        );
        return rows.length === 0 ? true : undefined;
      },
      60_000,
      'the matrix remittances ending',
    );
    await service?.stop();
  });

  /** A rule that can never hit: it watches an account nobody has. */
  const ruleBody = () => ({
    name: 'matrix rule',
    condition: { account: { side: 'from', in: [`matrix-nobody-${user}`] } },
    score: 1,
    action: 'SCORE',
  });
  async function newRule(body: object = ruleBody()): Promise<string> {
    const ruleId = `m-${randomUUID().slice(0, 8)}`;
    const answer = await service.request('POST', '/v1/rules', {
      token: service.token('matrix-admin', 'SUPER_ADMIN'),
      body: { ruleId, ...body },
    });
    if (answer.status !== 201) throw new Error(`rule fixture: ${answer.status} ${JSON.stringify(answer.body)}`);
    rulesMade.push(ruleId);
    return ruleId;
  }
  async function transferUnderReview(): Promise<string> {
    const { transferId } = (await service.submit(user, { fromAccountId: source, toAccountId: target, amount: 77 }))
      .body;
    await service.waitForStatus(transferId, 'UNDER_REVIEW');
    return transferId;
  }

  async function transferAwaitingConfirmation(): Promise<string> {
    const { transferId } = (await service.submit(user, { fromAccountId: source, toAccountId: target, amount: 78 }))
      .body;
    await service.waitForStatus(transferId, 'AWAITING_CONFIRMATION');
    return transferId;
  }
  /** A transfer whose first code went out over 30 s ago, so a new one may be asked for. */
  async function transferDueANewCode(): Promise<string> {
    const transferId = await transferAwaitingConfirmation();
    await service.codeSentTo('+821055500077');
    await new Promise((wake) => setTimeout(wake, 31_000));
    return transferId;
  }

  const get = (path: string): Call => ({ method: 'GET', path });
  const remittanceBody = () => ({
    fromBusiness: sender,
    toBusiness: receiver,
    amount: 5,
    currency: 'EUR',
    reference: 'matrix',
  });

  /** An open failure record of the matrix's remittance for the caller to retry (one kind per allowed role). */
  async function openFailure(role: Role): Promise<string> {
    const kind = role === 'OPS_AGENT' ? 'deposit' : 'withdrawal';
    const { rows } = await service.dependencies.postgres.query<{ id: string }>(
      `INSERT INTO remittance_failures (remittance_id, kind, error) VALUES ($1, $2, 'permission matrix') RETURNING id::text`,
      [remittance, kind],
    );
    return rows[0]?.id as string;
  }

  /** Sends a call; a stream is opened only as far as its status (101 for an accepted WebSocket upgrade). */
  async function send(call: Call, token?: string): Promise<Pick<HttpAnswer<unknown>, 'status' | 'body'>> {
    if (call.stream === 'websocket') return upgrade(call.path, token);
    if (call.stream === 'event-stream') {
      const abort = new AbortController();
      const response = await fetch(`${service.api.url}${call.path}`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
        signal: abort.signal,
      });
      const body: unknown = response.ok ? {} : await response.json();
      abort.abort();
      return { status: response.status, body };
    }
    return service.request(call.method, call.path, { token, body: call.body, headers: call.headers });
  }
  function upgrade(path: string, token?: string): Promise<{ status: number; body: unknown }> {
    const socket = new WebSocket(`${service.api.url.replace(/^http/, 'ws')}${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return new Promise((resolve, reject) => {
      socket.once('open', () => {
        socket.close();
        resolve({ status: 101, body: {} });
      });
      socket.once('unexpected-response', (_request, response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        response.on('end', () => {
          socket.terminate();
          resolve({ status: response.statusCode ?? 0, body: text ? (JSON.parse(text) as unknown) : {} });
        });
      });
      socket.once('error', reject);
    });
  }

  /** A case under review claimed by `sub`, so that `sub` may give the claim up. */
  async function claimedBy(sub: string, role: Role): Promise<string> {
    const transferId = await transferUnderReview();
    const claim = await service.request('POST', `/v1/reviews/${transferId}/claim`, { token: service.token(sub, role) });
    if (claim.status !== 200) throw new Error(`claim fixture: ${claim.status} ${JSON.stringify(claim.body)}`);
    return transferId;
  }
  async function staffAccount(): Promise<string> {
    const username = `m-staff-${randomUUID().slice(0, 8)}`;
    const added = await service.request('POST', '/v1/staff', {
      token: service.token('matrix-admin', 'SUPER_ADMIN'),
      body: { username, email: `${username}@example.test`, role: 'READ_ONLY', password: 'matrix password 1' },
    });
    if (added.status !== 201) throw new Error(`staff fixture: ${added.status} ${JSON.stringify(added.body)}`);
    return username;
  }

  /**
   * Every endpoint, the action the table names for it, and how to build one call (with a fixture when
   * allowed; `sub` and `role` are the caller's).
   */
  const ENDPOINTS: Array<{
    route: string;
    action: Action;
    call: (allowed: boolean, caller: { sub: string; role: Role }) => Promise<Call>;
  }> = [
    {
      route: 'POST /v1/accounts',
      action: 'open accounts',
      call: async () => ({
        method: 'POST',
        path: '/v1/accounts',
        body: { ownerId: user, currency: 'EUR', initialBalance: 0 },
      }),
    },
    { route: 'GET /v1/accounts/:id', action: 'read accounts', call: async () => get(`/v1/accounts/${source}`) },
    {
      route: 'POST /v1/transfers',
      action: 'submit transfers',
      call: async () => ({
        method: 'POST',
        path: '/v1/transfers',
        headers: { 'Idempotency-Key': randomUUID() },
        body: { fromAccountId: source, toAccountId: target, amount: 1, currency: 'EUR' },
      }),
    },
    { route: 'GET /v1/transfers', action: 'list transfers', call: async () => get('/v1/transfers?limit=1') },
    {
      route: 'POST /v1/codec/decode',
      action: 'read workflow payloads',
      call: async () => ({ method: 'POST', path: '/v1/codec/decode', body: { payloads: [] } }),
    },
    {
      route: 'GET /v1/transfers/:id',
      action: 'read transfers',
      call: async () => get(`/v1/transfers/${settledTransfer}`),
    },
    {
      route: 'GET /v1/transfers/:id/risk',
      action: 'read risk',
      call: async () => get(`/v1/transfers/${settledTransfer}/risk`),
    },
    {
      route: 'POST /v1/transfers/:id/review',
      action: 'review transfers',
      call: async (allowed) => ({
        method: 'POST',
        path: `/v1/transfers/${allowed ? await transferUnderReview() : settledTransfer}/review`,
        body: { decision: 'REJECT', reason: 'permission matrix' },
      }),
    },
    {
      route: 'POST /v1/transfers/:id/confirm',
      action: 'confirm transfers',
      call: async (allowed) => ({
        method: 'POST',
        path: `/v1/transfers/${allowed ? await transferAwaitingConfirmation() : settledTransfer}/confirm`,
        body: { decision: 'DECLINE' },
      }),
    },
    {
      route: 'POST /v1/transfers/:id/confirm/resend',
      action: 'confirm transfers',
      call: async (allowed) => ({
        method: 'POST',
        path: `/v1/transfers/${allowed ? await transferDueANewCode() : settledTransfer}/confirm/resend`,
      }),
    },
    {
      route: 'POST /v1/transfers/:id/cancel',
      action: 'cancel transfers',
      call: async (allowed) => ({
        method: 'POST',
        path: `/v1/transfers/${allowed ? await transferAwaitingConfirmation() : settledTransfer}/cancel`,
        body: { reason: 'permission matrix' },
      }),
    },
    { route: 'GET /v1/reviews', action: 'list reviews', call: async () => get('/v1/reviews') },
    { route: 'GET /v1/audit', action: 'read audit', call: async () => get('/v1/audit?limit=1') },
    { route: 'GET /v1/rules', action: 'read rules', call: async () => get('/v1/rules') },
    {
      route: 'POST /v1/rules',
      action: 'write rules',
      call: async () => {
        const ruleId = `m-${randomUUID().slice(0, 8)}`;
        rulesMade.push(ruleId);
        return { method: 'POST', path: '/v1/rules', body: { ruleId, ...ruleBody() } };
      },
    },
    { route: 'GET /v1/rules/:id', action: 'read rules', call: async () => get(`/v1/rules/${reviewRule}`) },
    {
      route: 'PUT /v1/rules/:id',
      action: 'write rules',
      call: async (allowed) => ({
        method: 'PUT',
        path: `/v1/rules/${allowed ? await newRule() : reviewRule}`,
        body: ruleBody(),
      }),
    },
    {
      route: 'DELETE /v1/rules/:id',
      action: 'write rules',
      call: async (allowed) => ({ method: 'DELETE', path: `/v1/rules/${allowed ? await newRule() : reviewRule}` }),
    },
    {
      route: 'GET /v1/rules/:id/history',
      action: 'read rules',
      call: async () => get(`/v1/rules/${reviewRule}/history`),
    },
    {
      route: 'GET /v1/transfers/counts',
      action: 'list transfers',
      call: async () => get(`/v1/transfers/counts?accountId=${source}`),
    },
    {
      route: 'GET /v1/transfers/:id/activity',
      action: 'read transfer activity',
      call: async () => get(`/v1/transfers/${settledTransfer}/activity`),
    },
    {
      route: 'POST /v1/reviews/:id/claim',
      action: 'review transfers',
      call: async (allowed) => ({
        method: 'POST',
        path: `/v1/reviews/${allowed ? await transferUnderReview() : settledTransfer}/claim`,
      }),
    },
    {
      route: 'DELETE /v1/reviews/:id/claim',
      action: 'review transfers',
      call: async (allowed, { sub, role }) => ({
        method: 'DELETE',
        path: `/v1/reviews/${allowed ? await claimedBy(sub, role) : settledTransfer}/claim`,
      }),
    },
    {
      route: 'POST /v1/rules/dry-run',
      action: 'test rules',
      call: async () => ({ method: 'POST', path: '/v1/rules/dry-run', body: { rule: ruleBody(), limit: 5 } }),
    },
    { route: 'GET /v1/repairs', action: 'read repairs', call: async () => get('/v1/repairs') },
    { route: 'GET /v1/dead-letters', action: 'read repairs', call: async () => get('/v1/dead-letters') },
    {
      route: 'GET /v1/dead-letters/:topic',
      action: 'read repairs',
      call: async () => get('/v1/dead-letters/transfer.initiated'),
    },
    {
      route: 'POST /v1/dead-letters/:topic/replay',
      action: 'replay dead letters',
      call: async () => ({ method: 'POST', path: '/v1/dead-letters/transfer.initiated/replay' }),
    },
    { route: 'GET /v1/stats', action: 'read stats', call: async () => get('/v1/stats') },
    { route: 'GET /v1/staff', action: 'manage staff', call: async () => get('/v1/staff') },
    {
      route: 'POST /v1/staff',
      action: 'manage staff',
      call: async () => {
        const username = `m-staff-${randomUUID().slice(0, 8)}`;
        return {
          method: 'POST',
          path: '/v1/staff',
          body: { username, email: `${username}@example.test`, role: 'READ_ONLY', password: 'matrix password 1' },
        };
      },
    },
    {
      route: 'PATCH /v1/staff/:username',
      action: 'manage staff',
      call: async (allowed) => ({
        method: 'PATCH',
        path: `/v1/staff/${allowed ? await staffAccount() : 'm-staff-nobody'}`,
        body: { disabled: true },
      }),
    },
    {
      route: 'POST /v1/business-profiles',
      action: 'register businesses',
      call: async () => {
        const account = `matrix-${randomUUID().slice(0, 12)}`;
        return {
          method: 'POST',
          path: '/v1/business-profiles',
          body: { businessId: account, ownerId: user, name: 'matrix business', bank: 'SIMBANK', account },
        };
      },
    },
    {
      route: 'POST /v1/remittances',
      action: 'submit remittances',
      call: async () => ({
        method: 'POST',
        path: '/v1/remittances',
        headers: { 'Idempotency-Key': randomUUID() },
        body: remittanceBody(),
      }),
    },
    { route: 'GET /v1/remittances', action: 'list remittances', call: async () => get('/v1/remittances?limit=1') },
    {
      route: 'GET /v1/remittances/:id',
      action: 'read remittances',
      call: async () => get(`/v1/remittances/${remittance}`),
    },
    {
      route: 'GET /v1/remittance-failures',
      action: 'list remittances',
      call: async () => get('/v1/remittance-failures?limit=1'),
    },
    {
      route: 'POST /v1/remittance-failures/:id/retry',
      action: 'retry remittance failures',
      call: async (allowed, { role }) => ({
        method: 'POST',
        path: `/v1/remittance-failures/${allowed ? await openFailure(role) : '1'}/retry`,
      }),
    },
    {
      route: 'GET /v1/stream',
      action: 'stream events',
      call: async () => ({ ...get('/v1/stream'), stream: 'websocket' }),
    },
    {
      route: 'GET /v1/events',
      action: 'stream events',
      call: async () => ({ ...get('/v1/events'), stream: 'event-stream' }),
    },
  ];

  it('grants the roles what DESIGN.md §4 and the risk step say', () => {
    const actionsOf = (role: Role) =>
      (Object.keys(PERMISSIONS) as Action[]).filter((action) => PERMISSIONS[action].includes(role));
    // Following the event stream is reading too.
    for (const role of ['READ_ONLY', 'AUDITOR'] as const) {
      expect(actionsOf(role).every((action) => /^(read|list|stream) /.test(action))).toBe(true);
    }
    // Moving money and confirming it are the owner's alone.
    expect(actionsOf('SUPER_ADMIN')).toEqual(
      (Object.keys(PERMISSIONS) as Action[]).filter(
        (action) => action !== 'submit transfers' && action !== 'confirm transfers',
      ),
    );
    expect(PERMISSIONS['confirm transfers']).toEqual(['USER']);
    expect(PERMISSIONS['write rules']).toEqual(['RULE_ADMIN', 'SUPER_ADMIN']);
    expect(PERMISSIONS['review transfers']).toEqual(['OPS_AGENT', 'SUPER_ADMIN']);
    expect(PERMISSIONS['submit transfers']).toEqual(['USER']);
    for (const role of ['RISK_ANALYST', 'AUDITOR'] as const) {
      expect(actionsOf(role)).toEqual(expect.arrayContaining(['read rules', 'read risk']));
    }
  });

  /**
   * Outside the table: signing in and its mode take no token, and `GET /v1/auth/me` answers any valid one
   * (test/integration/console-api.test.ts covers them); a rail's callbacks are authenticated by its HMAC
   * signature, not a token (test/integration/remittances.test.ts).
   */
  const OUTSIDE_THE_TABLE = ['/v1/auth/config', '/v1/auth/login', '/v1/auth/me', '/v1/rails/{rail}/callbacks'];

  it('covers every /v1 route the OpenAPI document describes', async () => {
    const { body } = await service.request<{ paths: Record<string, Record<string, unknown>> }>('GET', '/openapi.json');
    const documented = Object.entries(body.paths)
      .filter(([path]) => path.startsWith('/v1/') && !OUTSIDE_THE_TABLE.includes(path))
      .flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
      );
    expect(ENDPOINTS.map((endpoint) => endpoint.route).sort()).toEqual(documented.sort());
  });

  const cases = ENDPOINTS.flatMap((endpoint) => ROLES.map((role) => [endpoint.route, role, endpoint] as const));
  it.each(cases)('%s as %s answers as the permission table says', async (_route, role: Role, endpoint) => {
    const allowed = PERMISSIONS[endpoint.action].includes(role);
    const sub = role === 'USER' ? user : `matrix-${role.toLowerCase()}`;
    const call = await endpoint.call(allowed, { sub, role });

    const answer = await send(call, service.token(sub, role));

    // The body rides along so a failure shows why the service refused; 101 is an accepted WebSocket upgrade.
    const success = answer.status === 101 || (answer.status >= 200 && answer.status < 300);
    if (allowed) expect({ success, ...answer }).toMatchObject({ success: true });
    else expect(answer.status).toBe(403);
  });

  it.each(ENDPOINTS.map((endpoint) => [endpoint.route, endpoint] as const))(
    '%s without a token answers 401',
    async (_route, endpoint) => {
      const answer = await send(await endpoint.call(false, { sub: user, role: 'USER' }));
      expect(answer.status).toBe(401);
    },
  );
});
