import { randomUUID } from 'node:crypto';

import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { Registry } from 'prom-client';

import { startApi } from '../../src/api/server';
import { transferEvent } from '../../src/domain/events';
import { moneyViolations } from '../../harness/conservation';
import { EventCollector } from '../support/event-collector';
import { ServiceHarness } from '../support/service-harness';

interface BadRequest {
  body?: unknown;
  rawBody?: string;
  /** null: send no Idempotency-Key header at all. */
  key?: null;
}

/*
 * Over 350 lines on purpose: every case here runs against one started service (API, worker, relay,
 * consumers), which costs seconds to start, and most of the length is the bad-input table, one row per
 * refused field.
 */
describe('transfers through the REST API', () => {
  let service: ServiceHarness;
  let events: EventCollector;
  beforeAll(async () => {
    service = await ServiceHarness.start();
    events = await EventCollector.start(service.dependencies.kafka);
  });
  afterAll(async () => {
    await events?.stop();
    await service?.stop();
  });

  const accountView = async (accountId: string) =>
    (
      await service.request<{ balance: number; available: number; held: number }>('GET', `/v1/accounts/${accountId}`, {
        token: service.token('auditor', 'AUDITOR'),
      })
    ).body;

  it('on the PASS path moves the money, answers 202 at once and emits every event in order', async () => {
    const alice = await service.openAccount('alice', 10_000);
    const bob = await service.openAccount('bob', 500);

    const accepted = await service.submit('alice', {
      fromAccountId: alice,
      toAccountId: bob,
      amount: 2_500,
      memo: 'rent',
    });

    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({
      status: 'PENDING',
      links: { self: `/v1/transfers/${accepted.body.transferId}` },
    });
    const statuses = await service.waitForTerminal([accepted.body.transferId]);
    expect(statuses.get(accepted.body.transferId)).toBe('COMPLETED');
    expect(await accountView(alice)).toMatchObject({ balance: 7_500, available: 7_500, held: 0 });
    expect(await accountView(bob)).toMatchObject({ balance: 3_000, available: 3_000, held: 0 });

    const transfer = await service.request<{ status: string; history: Array<{ status: string }>; amount: number }>(
      'GET',
      `/v1/transfers/${accepted.body.transferId}`,
      { token: service.token('bob', 'USER') },
    );
    expect(transfer.body).toMatchObject({ status: 'COMPLETED', amount: 2_500 });
    expect(transfer.body.history.map((change) => change.status)).toEqual(['PENDING', 'COMPLETED']);

    const emitted = await events.waitFor(accepted.body.transferId, 4);
    expect(emitted.map((event) => event.type)).toEqual([
      'transfer.initiated',
      'transfer.created',
      'transfer.approved',
      'transfer.completed',
    ]);
    expect(emitted[0]).toMatchObject({ eventId: `${accepted.body.transferId}:transfer.initiated`, version: 1 });
    expect(await moneyViolations(service.dependencies.postgres, service.balances, [alice, bob])).toEqual([]);
  });

  it('when the sender cannot cover the amount, declines it and holds nothing', async () => {
    const carol = await service.openAccount('carol', 100);
    const dave = await service.openAccount('dave', 0);

    const accepted = await service.submit('carol', { fromAccountId: carol, toAccountId: dave, amount: 101 });

    expect(accepted.status).toBe(202);
    const statuses = await service.waitForTerminal([accepted.body.transferId]);
    expect(statuses.get(accepted.body.transferId)).toBe('DECLINED');
    expect(await accountView(carol)).toMatchObject({ balance: 100, available: 100, held: 0 });
    const emitted = await events.waitFor(accepted.body.transferId, 2);
    expect(emitted.at(-1)).toMatchObject({ type: 'transfer.failed', data: { status: 'DECLINED' } });
  });

  it('when the same key and body arrive 20 times at once, starts one transfer and answers the same each time', async () => {
    const erin = await service.openAccount('erin', 1_000);
    const frank = await service.openAccount('frank', 0);
    const key = randomUUID();
    const body = { fromAccountId: erin, toAccountId: frank, amount: 300 };

    const answers = await Promise.all(Array.from({ length: 20 }, () => service.submit('erin', body, key)));

    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(202));
    const ids = new Set(answers.map((answer) => answer.body.transferId));
    expect(ids.size).toBe(1);
    const [transferId] = [...ids] as [string];
    await service.waitForTerminal([transferId]);
    const replay = await service.submit('erin', body, key);
    expect(replay.body).toMatchObject({ transferId, status: 'COMPLETED' });
    expect(await accountView(erin)).toMatchObject({ balance: 700, available: 700 });
    expect(await accountView(frank)).toMatchObject({ balance: 300 });
  });

  it('answers a new key with at most 3 PostgreSQL round trips and no Temporal query, and a repeat from PostgreSQL alone, even after the account closed', async () => {
    const uma = await service.openAccount('uma', 1_000);
    const vic = await service.openAccount('vic', 0);
    const { postgres, temporal } = service.dependencies;
    const queries = jest.spyOn(postgres, 'query');
    const transactions = jest.spyOn(postgres, 'connect');
    const handles = jest.spyOn(temporal.workflow, 'getHandle');
    const starts = jest.spyOn(temporal.workflow, 'start');
    try {
      const key = randomUUID();
      const body = { fromAccountId: uma, toAccountId: vic, amount: 250 };
      const accepted = await service.submit('uma', body, key);

      expect(accepted.status).toBe(202);
      expect(accepted.body).toMatchObject({ status: 'PENDING', step: 'submitted' });
      // The money path's pool; the audit row is appended after the answer, on the audit trail's own.
      expect(queries.mock.calls.length).toBeLessThanOrEqual(3);
      // pool.query checks a client out for itself; a transaction would check out one more.
      expect(transactions.mock.calls.length).toBe(queries.mock.calls.length);
      expect(handles).not.toHaveBeenCalled();
      expect(starts).toHaveBeenCalledTimes(1);

      await service.waitForTerminal([accepted.body.transferId]);
      await postgres.query(`UPDATE accounts SET status = 'CLOSED' WHERE account_id = $1`, [uma]);
      starts.mockClear();
      const repeat = await service.submit('uma', body, key);

      expect(repeat.status).toBe(202);
      expect(repeat.body).toMatchObject({ transferId: accepted.body.transferId, status: 'COMPLETED' });
      expect(starts).not.toHaveBeenCalled();
      expect(handles).not.toHaveBeenCalled();
    } finally {
      for (const spy of [queries, transactions, handles, starts]) spy.mockRestore();
    }
  });

  it('when the key is reused with a different body, answers 409 and moves nothing more', async () => {
    const gina = await service.openAccount('gina', 1_000);
    const hugo = await service.openAccount('hugo', 0);
    const key = randomUUID();

    const first = await service.submit('gina', { fromAccountId: gina, toAccountId: hugo, amount: 100 }, key);
    const second = await service.submit('gina', { fromAccountId: gina, toAccountId: hugo, amount: 999 }, key);

    expect(first.status).toBe(202);
    expect(second.status).toBe(409);
    expect(second.contentType).toContain('application/problem+json');
    expect(second.body).toMatchObject({ field: 'Idempotency-Key' });
    await service.waitForTerminal([first.body.transferId]);
    expect(await accountView(gina)).toMatchObject({ balance: 900 });
  });

  it('when Temporal is unreachable, answers 503 with Retry-After and reserves nothing; the same key later starts it once', async () => {
    const ivan = await service.openAccount('ivan', 1_000);
    const jane = await service.openAccount('jane', 0);
    const key = randomUUID();
    const body = { fromAccountId: ivan, toAccountId: jane, amount: 250, currency: 'EUR' };
    // A second API process whose Temporal is gone (nothing listens on port 1). Its client gives up after
    // two tries instead of the SDK's ten (about 20 s of backoff): what is tested is the answer once it does.
    const interceptors = [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 2 }))];
    const unreachable = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', interceptors }) });
    const isolated = await startApi({ ...service.dependencies, temporal: unreachable, metrics: new Registry() }, 0);
    try {
      const response = await fetch(`${isolated.url}/v1/transfers`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${service.token('ivan', 'USER')}`,
          'content-type': 'application/json',
          'Idempotency-Key': key,
        },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(((await response.json()) as { type: string }).type).toMatch(/workflow-engine-unavailable$/);
      expect(await accountView(ivan)).toMatchObject({ balance: 1_000, available: 1_000, held: 0 });
    } finally {
      await isolated.stop();
    }

    const retried = await service.submit('ivan', body, key);
    expect(retried.status).toBe(202);
    await service.waitForTerminal([retried.body.transferId]);
    expect(await accountView(ivan)).toMatchObject({ balance: 750, held: 0 });
  });

  it('lists transfers for staff from PostgreSQL, newest first, a page at a time', async () => {
    const kim = await service.openAccount('kim', 1_000);
    const leo = await service.openAccount('leo', 0);
    const ids: string[] = [];
    for (const amount of [10, 20, 30]) {
      ids.push((await service.submit('kim', { fromAccountId: kim, toAccountId: leo, amount })).body.transferId);
    }
    await service.waitForTerminal(ids);
    const staff = service.token('reader', 'READ_ONLY');

    type Page = { items: Array<{ transferId: string; amount: number; status: string }>; nextCursor: string | null };
    const first = await service.request<Page>('GET', `/v1/transfers?accountId=${kim}&limit=2`, { token: staff });
    const second = await service.request<Page>(
      'GET',
      `/v1/transfers?accountId=${kim}&limit=2&cursor=${first.body.nextCursor ?? ''}`,
      { token: staff },
    );

    expect(first.status).toBe(200);
    expect(first.body.items.map((item) => item.amount)).toEqual([30, 20]);
    expect(second.body.items.map((item) => item.amount)).toEqual([10]);
    expect(second.body.nextCursor).toBeNull();
    const completed = await service.request<Page>('GET', `/v1/transfers?accountId=${kim}&status=COMPLETED`, {
      token: staff,
    });
    expect(completed.body.items).toHaveLength(3);
    const forUser = await service.request('GET', `/v1/transfers?accountId=${kim}`, {
      token: service.token('kim', 'USER'),
    });
    expect(forUser.status).toBe(403);
    const badCursor = await service.request('GET', '/v1/transfers?cursor=not-a-cursor', { token: staff });
    expect(badCursor.body).toMatchObject({ status: 400, field: 'query.cursor' });
  });

  it('describes itself at /openapi.json', async () => {
    const answer = await service.request<{ openapi: string; paths: Record<string, unknown> }>('GET', '/openapi.json');
    expect(answer.body.openapi).toMatch(/^3\./);
    expect(Object.keys(answer.body.paths)).toEqual(
      expect.arrayContaining(['/v1/accounts', '/v1/accounts/{id}', '/v1/transfers', '/v1/transfers/{id}']),
    );
  });

  it('when another producer asks for tx.sync_required, repairs the transfer once, past a poison message and a duplicate', async () => {
    const mona = await service.openAccount('mona', 2_000);
    const ned = await service.openAccount('ned', 0);
    // A saga that died right after its reserve: Redis holds the money, PostgreSQL has no row.
    const transferId = randomUUID();
    await service.balances.reserve(transferId, mona, 400);
    expect(await service.balances.read(mona)).toMatchObject({ available: 1_600, held: 400 });
    const request = transferEvent('tx.sync_required', transferId, new Date().toISOString(), {
      fromAccountId: mona,
      toAccountId: ned,
      amount: 400,
      currency: 'EUR',
      reason: 'saga lost after reserve',
      source: 'external-test',
    });

    const { events: publisher } = service.dependencies;
    await publisher.send('tx.sync_required', { key: mona, value: '{"not": "an event"', headers: {} });
    await publisher.publish(request);
    await publisher.publish(request);

    const statuses = await service.waitForTerminal([transferId], 60_000);
    expect(statuses.get(transferId)).toBe('FAILED');
    await service.dependencies.temporal.workflow.getHandle(`sync-${transferId}`).result();
    expect(await service.balances.read(mona)).toMatchObject({ available: 2_000, held: 0 });
    const processed = await service.dependencies.postgres.query('SELECT 1 FROM processed_events WHERE event_id = $1', [
      request.eventId,
    ]);
    expect(processed.rows).toHaveLength(1);
    expect(await moneyViolations(service.dependencies.postgres, service.balances, [mona, ned])).toEqual([]);
  });

  describe('bad input', () => {
    let ivan: string;
    let judy: string;
    let usd: string;
    beforeAll(async () => {
      ivan = await service.openAccount('ivan', 5_000);
      judy = await service.openAccount('judy', 0);
      usd = await service.openAccount('judy', 0, 'USD');
    });

    const transfer = (fields: Record<string, unknown>) => ({
      body: { fromAccountId: ivan, toAccountId: judy, amount: 1, currency: 'EUR', ...fields },
    });
    const cases: Array<{ name: string; status: number; field: string; input: () => BadRequest }> = [
      { name: 'a missing amount', status: 400, field: 'body.amount', input: () => transfer({ amount: undefined }) },
      { name: 'an unknown field', status: 400, field: 'body.fee', input: () => transfer({ fee: 2 }) },
      { name: 'a float amount', status: 400, field: 'body.amount', input: () => transfer({ amount: 10.5 }) },
      { name: 'a zero amount', status: 400, field: 'body.amount', input: () => transfer({ amount: 0 }) },
      { name: 'a negative amount', status: 400, field: 'body.amount', input: () => transfer({ amount: -5 }) },
      {
        name: 'an oversize amount',
        status: 400,
        field: 'body.amount',
        input: () => transfer({ amount: 1_000_000_001 }),
      },
      {
        name: 'a decimal amount string',
        status: 400,
        field: 'body.amount',
        input: () => transfer({ amount: '10.00' }),
      },
      {
        name: 'a lower-case currency',
        status: 400,
        field: 'body.currency',
        input: () => transfer({ currency: 'eur' }),
      },
      {
        name: 'a currency ISO-4217 does not know',
        status: 400,
        field: 'body.currency',
        input: () => transfer({ currency: 'XYZ' }),
      },
      {
        name: 'a transfer to itself',
        status: 400,
        field: 'body.toAccountId',
        input: () => transfer({ toAccountId: ivan }),
      },
      {
        name: 'an unknown receiver',
        status: 422,
        field: 'toAccountId',
        input: () => transfer({ toAccountId: 'no-such-account' }),
      },
      {
        name: 'a currency the sender does not hold',
        status: 422,
        field: 'currency',
        input: () => transfer({ toAccountId: usd, currency: 'USD' }),
      },
      ...(
        [
          ['an IP that is no address', 'body.context.ip', { ip: '300.1.2.3' }],
          ['an IPv6 address with a zone', 'body.context.ip', { ip: 'fe80::1%eth0' }],
          ['a latitude over 90', 'body.context.location.lat', { location: { lat: 90.5, lon: 0 } }],
          ['a longitude under -180', 'body.context.location.lon', { location: { lat: 0, lon: -180.01 } }],
          ['a latitude given as a string', 'body.context.location.lat', { location: { lat: '37.5', lon: 127 } }],
          ['a location without a longitude', 'body.context.location.lon', { location: { lat: 37.5 } }],
          ['a location with an altitude', 'body.context.location.alt', { location: { lat: 1, lon: 1, alt: 5 } }],
          ['a device id with a space', 'body.context.deviceId', { deviceId: 'my phone' }],
          ['a device id of 129 characters', 'body.context.deviceId', { deviceId: 'd'.repeat(129) }],
          ['an empty device id', 'body.context.deviceId', { deviceId: '' }],
          ['an unknown context field', 'body.context.userAgent', { userAgent: 'curl' }],
          ['a context that is a string', 'body.context', '127.0.0.1'],
        ] as const
      ).map(([name, field, context]) => ({ name, status: 400, field, input: () => transfer({ context }) })),
      { name: 'malformed JSON', status: 400, field: 'body', input: () => ({ rawBody: '{"fromAccountId": ' }) },
      { name: 'an oversize body', status: 413, field: 'body', input: () => transfer({ memo: 'x'.repeat(20_000) }) },
      {
        name: 'no Idempotency-Key',
        status: 400,
        field: 'Idempotency-Key',
        input: () => ({ ...transfer({}), key: null }),
      },
    ];

    it.each(cases)(
      'with $name, answers $status naming $field and reserves, writes and publishes nothing',
      async ({ status, field, input }) => {
        const request = input();
        const before = await footprint(ivan);
        const answer = await service.request('POST', '/v1/transfers', {
          token: service.token('ivan', 'USER'),
          headers: request.key === null ? {} : { 'Idempotency-Key': randomUUID() },
          ...(request.rawBody === undefined ? { body: request.body } : { rawBody: request.rawBody }),
        });
        expect(answer.status).toBe(status);
        expect(answer.contentType).toContain('application/problem+json');
        expect(answer.body).toMatchObject({ status, field });
        expect(await footprint(ivan)).toEqual(before);
      },
    );

    it('when a USER moves money out of an account it does not own, answers 403 and writes nothing', async () => {
      const before = await footprint(ivan);
      const answer = await service.submit('judy', { fromAccountId: ivan, toAccountId: judy, amount: 1 });
      expect(answer.status).toBe(403);
      expect(await footprint(ivan)).toEqual(before);
    });

    it('without a token, answers 401', async () => {
      const answer = await service.request('POST', '/v1/transfers', { body: {} });
      expect(answer.status).toBe(401);
    });

    /** Everything a transfer from `accountId` would touch: its balances, rows, keys and events. */
    async function footprint(accountId: string) {
      const { rows } = await service.dependencies.postgres.query<{ transfers: number; keys: number }>(
        `SELECT (SELECT count(*)::int FROM transactions WHERE from_account_id = $1) AS transfers,
                (SELECT count(*)::int FROM idempotency_keys WHERE caller = 'ivan') AS keys`,
        [accountId],
      );
      const published = events.events.filter((event) => event.data.fromAccountId === accountId).length;
      return { ...(await accountView(accountId)), ...rows[0], published };
    }
  });
});
