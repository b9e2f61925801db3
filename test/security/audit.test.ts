import { randomUUID } from 'node:crypto';
import { execFile, execFileSync } from 'node:child_process';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import type { AuditRow } from '../../src/audit/audit-log';
import { eventually } from '../../harness/eventually';
import { ServiceHarness } from '../support/service-harness';

const REPO_ROOT = join(__dirname, '..', '..');

/** Every write (the dead-letter tool's replay too) and every 401/403 leaves a hash-chained row an auditor can read and verify. */
describe('the audit trail', () => {
  let service: ServiceHarness;
  beforeAll(async () => {
    service = await ServiceHarness.start();
  });
  afterAll(() => service?.stop());

  const auditor = () => service.token('auditor-1', 'AUDITOR');
  const rowsOf = async (query: string) =>
    (
      await service.request<{ items: AuditRow[]; nextCursor: string | null }>('GET', `/v1/audit?${query}`, {
        token: auditor(),
      })
    ).body;
  /** The rows of one caller, once `count` of them are there (they are written just after each answer). */
  const rowsOfCaller = (sub: string, count: number) =>
    eventually(async () => {
      const { items } = await rowsOf(`sub=${sub}&limit=100`);
      return items.length >= count ? items : undefined;
    }, 10_000);

  it('records who opened an account and who submitted a transfer, with request id, role, target, outcome and address', async () => {
    const admin = `admin-${randomUUID().slice(0, 8)}`;
    const owner = `owner-${randomUUID().slice(0, 8)}`;
    const accountId = `t-audit-${randomUUID().slice(0, 8)}`;
    const requestId = `req-${randomUUID()}`;
    const opened = await service.request('POST', '/v1/accounts', {
      token: service.token(admin, 'SUPER_ADMIN'),
      headers: { 'X-Request-Id': requestId },
      body: { accountId, ownerId: owner, currency: 'EUR', initialBalance: 500 },
    });
    expect(opened.status).toBe(201);
    const receiver = await service.openAccount(`${owner}-to`, 0);
    const submitted = await service.submit(owner, { fromAccountId: accountId, toAccountId: receiver, amount: 50 });

    const [openedRow] = await rowsOfCaller(admin, 1);
    expect(openedRow).toMatchObject({
      requestId,
      sub: admin,
      role: 'SUPER_ADMIN',
      action: 'open account',
      target: accountId,
      outcome: 'done',
      status: 201,
    });
    expect(openedRow?.clientAddress).toMatch(/127\.0\.0\.1/);
    const [submittedRow] = await rowsOfCaller(owner, 1);
    expect(submittedRow).toMatchObject({
      sub: owner,
      role: 'USER',
      action: 'submit transfer',
      target: submitted.body.transferId,
      outcome: 'done',
      status: 202,
    });
    const { rows } = await service.dependencies.postgres.query<{ openedBy: string }>(
      'SELECT opened_by AS "openedBy" FROM accounts WHERE account_id = $1',
      [accountId],
    );
    expect(rows).toEqual([{ openedBy: admin }]);
  });

  it('records a 401 and a 403, and refuses the trail to a USER (a 403 it records too)', async () => {
    const curious = `curious-${randomUUID().slice(0, 8)}`;
    expect((await service.request('GET', '/v1/audit', { token: service.token(curious, 'USER') })).status).toBe(403);
    const marker = `bad-${randomUUID()}`;
    expect((await service.request('GET', '/v1/reviews', { headers: { 'X-Request-Id': marker } })).status).toBe(401);

    const [forbidden] = await rowsOfCaller(curious, 1);
    expect(forbidden).toMatchObject({ action: 'GET /v1/audit', outcome: 'forbidden', status: 403, role: 'USER' });
    const unauthenticated = await eventually(async () => {
      const { items } = await rowsOf('outcome=unauthenticated&limit=100');
      return items.find((row) => row.requestId === marker);
    }, 10_000);
    expect(unauthenticated).toMatchObject({ sub: null, action: 'GET /v1/reviews', status: 401 });
  });

  it('pages newest first with a cursor, and filters by action', async () => {
    const first = await rowsOf('limit=2');
    expect(first.items).toHaveLength(2);
    expect(Number(first.items[0]?.seq)).toBeGreaterThan(Number(first.items[1]?.seq));
    const second = await rowsOf(`limit=2&cursor=${first.nextCursor ?? ''}`);
    expect(Number(second.items[0]?.seq)).toBeLessThan(Number(first.items[1]?.seq));
    const submissions = await rowsOf('action=submit%20transfer&limit=10');
    expect(submissions.items.every((row) => row.action === 'submit transfer')).toBe(true);
    expect((await service.request('GET', '/v1/audit?cursor=abc', { token: auditor() })).status).toBe(400);
  });

  it('records a dead-letter replay by the operator who ran `npm run dlt -- replay` on this host', async () => {
    // tx.sync_required's dead letters are re-driven to its consumer, which skips what it already handled.
    // Asynchronously: a blocked event loop would let the in-process API drop this file's idle connections.
    const { stdout: out } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'scripts/dlt.ts', 'replay', 'tx.sync_required'],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      },
    );
    expect(out).toMatch(/^re-published \d+ dead letter\(s\) from tx\.sync_required\.dlt/);
    const operator = `${userInfo().username}@${hostname()}`;
    const [row] = (await rowsOf(`sub=${encodeURIComponent(operator)}&action=replay%20dead%20letters&limit=1`)).items;
    expect(row).toMatchObject({
      sub: operator,
      role: 'operator-cli',
      action: 'replay dead letters',
      target: 'tx.sync_required',
      outcome: 'done',
    });
    expect(Date.now() - Date.parse(row?.at ?? '')).toBeLessThan(60_000);
  });

  it('chains every row to the one before, and `npm run audit -- verify` names the first row edited afterwards', async () => {
    const verify = () => {
      try {
        return {
          code: 0,
          out: execFileSync('npx', ['tsx', 'scripts/audit.ts', 'verify'], { cwd: REPO_ROOT, encoding: 'utf8' }),
        };
      } catch (error) {
        const failed = error as { status: number; stdout: string };
        return { code: failed.status, out: failed.stdout };
      }
    };
    expect(verify()).toMatchObject({ code: 0, out: expect.stringMatching(/intact/) as string });

    const { postgres } = service.dependencies;
    const { rows } = await postgres.query<{ seq: string; outcome: string }>(
      'SELECT seq::text, outcome FROM audit_log ORDER BY seq DESC LIMIT 1 OFFSET 1',
    );
    const victim = rows[0] as { seq: string; outcome: string };
    await postgres.query("UPDATE audit_log SET outcome = 'done' || '!' WHERE seq = $1", [victim.seq]);
    try {
      const broken = verify();
      expect(broken.code).toBe(1);
      expect(broken.out).toContain(`row ${victim.seq}`);
    } finally {
      await postgres.query('UPDATE audit_log SET outcome = $2 WHERE seq = $1', [victim.seq, victim.outcome]);
    }
    expect(verify().code).toBe(0);
  });
});
