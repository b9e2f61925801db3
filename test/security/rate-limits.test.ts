import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';

import { ServiceHarness } from '../support/service-harness';

const TRANSFERS_PER_MINUTE = 3;
const REQUESTS_PER_MINUTE = 12;
const UNAUTHENTICATED_PER_MINUTE = 4;

const SIGN_INS_PER_MINUTE = 3;

/** A random loopback address (all of 127/8 is loopback), so no earlier run has spent its budget. */
const freshLoopback = () =>
  `127.${1 + Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;

/** A GET (or, with a body, a POST) from the given loopback address, so the address budget it spends is its own. */
function getFrom(
  localAddress: string,
  url: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    const outgoing = httpRequest(
      url,
      { localAddress, method: body === undefined ? 'GET' : 'POST', headers },
      (response) => {
        response.resume();
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'] }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Budgets per minute in Redis: per caller, per caller's submissions, per address without a valid token. */
describe('rate limits', () => {
  let service: ServiceHarness;
  beforeAll(async () => {
    service = await ServiceHarness.start({
      RATE_LIMIT_TRANSFERS_PER_MINUTE: String(TRANSFERS_PER_MINUTE),
      RATE_LIMIT_REQUESTS_PER_MINUTE: String(REQUESTS_PER_MINUTE),
      RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: String(UNAUTHENTICATED_PER_MINUTE),
      RATE_LIMIT_SIGN_INS_PER_MINUTE: String(SIGN_INS_PER_MINUTE),
    });
  });
  afterAll(() => service?.stop());

  /**
   * Straight into the ledger: through the API it would be opened as `admin`, a caller every test file
   * shares, whose budget here is this file's small one.
   */
  const openAccount = async (ownerId: string, initialBalance: number) => {
    const accountId = `t-${ownerId}-${randomUUID().slice(0, 8)}`;
    await service.ledger.openAccount({ accountId, ownerId, currency: 'EUR', initialBalance });
    return accountId;
  };

  it('refuses a caller its 4th transfer in a minute with 429, and reserves, writes and starts nothing', async () => {
    const owner = `burst-${randomUUID().slice(0, 8)}`;
    const from = await openAccount(owner, 1_000);
    const to = await openAccount(`${owner}-to`, 0);
    const accepted: string[] = [];
    for (let n = 0; n < TRANSFERS_PER_MINUTE; n += 1) {
      const answer = await service.submit(owner, { fromAccountId: from, toAccountId: to, amount: 10 });
      expect(answer.status).toBe(202);
      accepted.push(answer.body.transferId);
    }
    await service.waitForTerminal(accepted);
    const key = randomUUID();
    const refused = await service.request('POST', '/v1/transfers', {
      token: service.token(owner, 'USER'),
      headers: { 'Idempotency-Key': key },
      body: { fromAccountId: from, toAccountId: to, amount: 10, currency: 'EUR' },
    });
    expect(refused.status).toBe(429);
    expect(refused.contentType).toMatch(/^application\/problem\+json/);
    expect(String(refused.body.type)).toMatch(/rate-limited$/);
    expect(await service.balances.read(from)).toMatchObject({ available: 970, held: 0 });
    const { rows } = await service.dependencies.postgres.query(
      'SELECT 1 FROM idempotency_keys WHERE caller = $1 AND key = $2',
      [owner, key],
    );
    expect(rows).toHaveLength(0);
    const listing = await service.request<{ items: unknown[] }>('GET', `/v1/transfers?accountId=${from}`, {
      token: service.token(`auditor-${randomUUID().slice(0, 8)}`, 'READ_ONLY'),
    });
    expect(listing.body.items).toHaveLength(TRANSFERS_PER_MINUTE);
  });

  it('refuses a caller beyond its request budget, whatever the route, and leaves other callers alone', async () => {
    const greedy = service.token(`greedy-${randomUUID().slice(0, 8)}`, 'READ_ONLY');
    const statuses: number[] = [];
    for (let n = 0; n <= REQUESTS_PER_MINUTE; n += 1) {
      statuses.push((await service.request('GET', '/v1/reviews', { token: greedy })).status);
    }
    expect(statuses.slice(0, REQUESTS_PER_MINUTE).every((status) => status === 200)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    const other = service.token(`patient-${randomUUID().slice(0, 8)}`, 'READ_ONLY');
    expect((await service.request('GET', '/v1/reviews', { token: other })).status).toBe(200);
  });

  it('answers an address that keeps sending bad tokens 429 instead of 401, and still takes its valid tokens', async () => {
    const address = freshLoopback();
    const url = `${service.api.url}/v1/reviews`;
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let n = 0; n <= UNAUTHENTICATED_PER_MINUTE; n += 1) {
      const answer = await getFrom(address, url, 'not-a-token');
      statuses.push(answer.status);
      retryAfter = answer.retryAfter;
    }
    expect(statuses).toEqual([...Array<number>(UNAUTHENTICATED_PER_MINUTE).fill(401), 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    const valid = service.token(`valid-${randomUUID().slice(0, 8)}`, 'READ_ONLY');
    expect((await getFrom(address, url, valid)).status).toBe(200);
  });

  it('refuses an address its 4th sign-in attempt in a minute with 429, before any password is checked', async () => {
    const address = freshLoopback();
    const url = `${service.api.url}/v1/auth/login`;
    const username = `rl-${randomUUID().slice(0, 8)}`;
    const statuses: number[] = [];
    for (let n = 0; n <= SIGN_INS_PER_MINUTE; n += 1) {
      statuses.push((await getFrom(address, url, undefined, { username, password: 'a guess' })).status);
    }
    expect(statuses).toEqual([...Array<number>(SIGN_INS_PER_MINUTE).fill(401), 429]);
    // Another address still has its budget.
    expect((await getFrom(freshLoopback(), url, undefined, { username, password: 'a guess' })).status).toBe(401);
  });
});
