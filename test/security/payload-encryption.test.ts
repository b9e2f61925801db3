import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';

import type { Payload } from '@temporalio/common';

import type { AuditRow } from '../../src/audit/audit-log';
import { transferWorkflowId } from '../../src/domain/temporal';
import { ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../../src/payload-encryption';
import { eventually } from '../../harness/eventually';
import { TEMPORAL_CLI } from '../../scripts/toolchain';
import { ServiceHarness } from '../support/service-harness';

const run = promisify(execFile);
const newKey = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');

/**
 * Issue 14, point 9, through the real stack: Temporal's history of a transfer holds no account id,
 * amount or memo in clear, only AES-256-GCM payloads naming their key; the codec endpoint decodes them
 * for staff (the real Temporal CLI reads a history through it) and for no one else; and a key rotated
 * while a saga waits for review leaves the saga to finish on a worker that encrypts with the new key.
 */
describe('encrypted workflow payloads', () => {
  const keyA = newKey(`a-${randomUUID().slice(0, 6)}`);
  const keyB = newKey(`b-${randomUUID().slice(0, 6)}`);
  const idOf = (key: string) => key.split(':')[0];
  let service: ServiceHarness;
  let sender: { owner: string; accountId: string };
  let payee: string;
  const memo = `rent for flat ${randomUUID().slice(0, 6)}`;

  beforeAll(async () => {
    // Step one of a rotation everywhere: A encrypts, B is already known.
    service = await ServiceHarness.start({ TEMPORAL_PAYLOAD_KEY: keyA, TEMPORAL_PAYLOAD_PREVIOUS_KEY: keyB });
    const owner = `pe-${randomUUID().slice(0, 8)}`;
    sender = { owner, accountId: await service.openAccount(owner, 10_000) };
    payee = await service.openAccount(`pe-payee-${randomUUID().slice(0, 8)}`, 0);
  });
  afterAll(() => service?.stop());

  /**
   * Every payload of the history as Temporal stores it, except the search attributes (clear by design:
   * operators search by them) and the SDK's own bookkeeping in its markers (a patch id; a local
   * activity's type, attempt and times): of a marker, only the local activity's `result` is ours.
   */
  async function storedPayloads(workflowId: string): Promise<Payload[]> {
    const history = await service.dependencies.temporal.workflow.getHandle(workflowId).fetchHistory();
    const found: Payload[] = [];
    const walk = (node: unknown): void => {
      if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return;
      const candidate = node as { metadata?: unknown; data?: unknown };
      if (candidate.data instanceof Uint8Array && candidate.metadata && typeof candidate.metadata === 'object') {
        found.push(candidate as Payload);
        return;
      }
      for (const [key, child] of Object.entries(node)) {
        if (key === 'searchAttributes') continue;
        if (key === 'markerRecordedEventAttributes')
          walk((child as { details?: { result?: unknown } }).details?.result);
        else walk(child);
      }
    };
    walk(history.events);
    return found;
  }

  async function completedTransfer(): Promise<string> {
    const accepted = await service.submit(sender.owner, {
      fromAccountId: sender.accountId,
      toAccountId: payee,
      amount: 1_234,
      memo,
    });
    expect(accepted.status).toBe(202);
    const { transferId } = accepted.body;
    expect((await service.waitForTerminal([transferId])).get(transferId)).toBe('COMPLETED');
    return transferId;
  }

  const decode = (payloads: Payload[], token?: string, headers: Record<string, string> = {}) =>
    service.request<{ payloads: Array<{ metadata: Record<string, string>; data: string }>; type?: string }>(
      'POST',
      '/v1/codec/decode',
      {
        token,
        headers,
        body: {
          payloads: payloads.map((payload) => ({
            metadata: Object.fromEntries(
              Object.entries(payload.metadata ?? {}).map(([name, value]) => [
                name,
                Buffer.from(value ?? []).toString('base64'),
              ]),
            ),
            data: Buffer.from(payload.data ?? []).toString('base64'),
          })),
        },
      },
    );

  it('keeps no account id, amount or memo in clear in the history, only payloads sealed with the current key', async () => {
    const transferId = await completedTransfer();
    const payloads = await storedPayloads(transferWorkflowId(transferId));
    // The saga's input and result, and each activity's arguments and result.
    expect(payloads.length).toBeGreaterThan(5);
    for (const payload of payloads) {
      expect(text(payload.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
      expect(text(payload.metadata?.[KEY_ID_METADATA])).toBe(idOf(keyA));
    }
    const stored = Buffer.concat(payloads.map((payload) => Buffer.from(payload.data ?? [])));
    for (const secret of [sender.accountId, payee, memo, sender.owner]) expect(stored.includes(secret)).toBe(false);
    // The service itself still reads its sagas: the client decrypts the result.
    const result: unknown = await service.dependencies.temporal.workflow
      .getHandle(transferWorkflowId(transferId))
      .result();
    expect(result).toMatchObject({ status: 'COMPLETED' });
  });

  it('decodes for staff through the codec endpoint, audited, and for no customer or anonymous caller', async () => {
    const transferId = await completedTransfer();
    const payloads = await storedPayloads(transferWorkflowId(transferId));
    const analyst = `pe-analyst-${randomUUID().slice(0, 8)}`;

    const decoded = await decode(payloads.slice(0, 1), service.token(analyst, 'RISK_ANALYST'));
    expect(decoded.status).toBe(200);
    const [input] = decoded.body.payloads;
    expect(Buffer.from(input?.metadata.encoding ?? '', 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(input?.data ?? '', 'base64').toString())).toMatchObject({
      transferId,
      fromAccountId: sender.accountId,
      memo,
    });

    expect((await decode(payloads.slice(0, 1), service.token(sender.owner, 'USER'))).status).toBe(403);
    expect((await decode(payloads.slice(0, 1))).status).toBe(401);
    const [first] = payloads as [Payload];
    const altered = Buffer.from(first.data ?? []);
    altered[altered.length - 1] = (altered.at(-1) ?? 0) ^ 1;
    const tampered = await decode([{ ...first, data: altered }], service.token(analyst, 'RISK_ANALYST'));
    expect(tampered.status).toBe(422);
    expect(tampered.body.type).toContain('payload-undecodable');

    const rows = await eventually(async () => {
      const answer = await service.request<{ items: AuditRow[] }>('GET', `/v1/audit?sub=${analyst}`, {
        token: service.token('pe-auditor', 'AUDITOR'),
      });
      return answer.body.items.length === 2 ? answer.body.items : undefined;
    }, 10_000);
    expect(rows.map((row) => [row.action, row.outcome])).toEqual([
      ['read workflow payloads', 'refused'],
      ['read workflow payloads', 'done'],
    ]);
  });

  it('answers the Web UI’s preflight from its own origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${service.api.url}/v1/codec/decode`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,x-namespace',
        },
      });
    const ui = new URL(service.config.temporal.uiUrl).origin;
    const allowed = await preflight(ui);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ui);
    expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    const elsewhere = await preflight('https://evil.example');
    expect(elsewhere.headers.get('access-control-allow-origin')).not.toBe('https://evil.example');
  });

  it('lets the Temporal CLI show a history decoded with a staff token, and not without one', async () => {
    const transferId = await completedTransfer();
    const show = (auth: string[]) =>
      run(TEMPORAL_CLI, [
        ...['workflow', 'show', '--output', 'json', '--workflow-id', transferWorkflowId(transferId)],
        ...['--address', service.config.temporal.address, '--namespace', service.config.temporal.namespace],
        ...['--codec-endpoint', `${service.api.url}/v1/codec`, ...auth],
      ]);
    /** The saga's input as the CLI printed it (JSON output keeps payload data in base64). */
    const inputOf = (stdout: string) => {
      type Started = { workflowExecutionStartedEventAttributes?: { input?: { payloads?: Array<{ data: string }> } } };
      const [started] = (JSON.parse(stdout) as { events: Started[] }).events;
      const payload = started?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
      return Buffer.from(payload?.data ?? '', 'base64').toString('utf8');
    };
    const staff = await show(['--codec-auth', `Bearer ${service.token('pe-ops', 'OPS_AGENT')}`]);
    expect(JSON.parse(inputOf(staff.stdout))).toMatchObject({ fromAccountId: sender.accountId, memo });
    // Without a token the endpoint answers 401: the CLI retries until its time-out, and shows nothing decoded.
    const anonymous = await show(['--command-timeout', '2s']).then(
      (answer) => inputOf(answer.stdout),
      (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ''}${error.stderr ?? ''}`,
    );
    expect(anonymous).not.toContain(sender.accountId);
    expect(anonymous).not.toContain(memo);
  });

  it('finishes a saga that waited for review across a key rotation, on a worker that now encrypts with the new key', async () => {
    const ruleAdmin = service.token('pe-rule-admin', 'RULE_ADMIN');
    const ruleId = `pe-${randomUUID().slice(0, 8)}`;
    const rule = await service.request('POST', '/v1/rules', {
      token: ruleAdmin,
      body: {
        ruleId,
        name: 'review across a rotation',
        condition: { account: { side: 'from', in: [sender.accountId] } },
        score: 0,
        action: 'REVIEW',
      },
    });
    expect(rule.status).toBe(201);
    try {
      const accepted = await service.submit(sender.owner, {
        fromAccountId: sender.accountId,
        toAccountId: payee,
        amount: 700,
      });
      expect(accepted.status).toBe(202);
      const { transferId } = accepted.body;
      await service.waitForStatus(transferId, 'UNDER_REVIEW');

      // Step two, on the worker first: B encrypts, A still decrypts what the saga holds.
      service.env.TEMPORAL_PAYLOAD_KEY = keyB;
      service.env.TEMPORAL_PAYLOAD_PREVIOUS_KEY = keyA;
      await service.redeployWorker();
      const review = await service.request('POST', `/v1/transfers/${transferId}/review`, {
        token: service.token('pe-ops', 'OPS_AGENT'),
        body: { decision: 'APPROVE', reason: 'rotation check' },
      });
      expect(review.status).toBe(200);
      expect((await service.waitForTerminal([transferId], 90_000)).get(transferId)).toBe('COMPLETED');

      const keyIds = new Set(
        (await storedPayloads(transferWorkflowId(transferId))).map((payload) =>
          text(payload.metadata?.[KEY_ID_METADATA]),
        ),
      );
      expect([...keyIds].sort()).toEqual([idOf(keyA), idOf(keyB)].sort());
    } finally {
      await service.request('DELETE', `/v1/rules/${ruleId}`, { token: ruleAdmin });
    }
  }, 180_000);
});
