import { randomUUID } from 'node:crypto';

import type { RemittanceState, RemittanceStatus } from '../../src/domain/remittance';
import { isRemittanceTerminal, platformAccountId, remittanceWorkflowId } from '../../src/domain/remittance';
import type { HttpAnswer, ServiceHarness } from './service-harness';

export interface Businesses {
  owner: string;
  from: { bank: string; account: string };
  to: { bank: string; account: string };
}

/** Registers a sending business owned by a fresh USER, and a receiving one, through the API. */
export async function registerBusinesses(service: ServiceHarness): Promise<Businesses> {
  const owner = `biz-owner-${randomUUID().slice(0, 8)}`;
  const register = async (name: string, ownerId: string) => {
    const account = { bank: 'SIMBANK', account: `${name}-${randomUUID().slice(0, 12)}` };
    const answer = await service.request('POST', '/v1/business-profiles', {
      token: service.token('admin', 'SUPER_ADMIN'),
      body: { businessId: account.account, ownerId, name: `${name} Ltd`, ...account },
    });
    if (answer.status !== 201)
      throw new Error(`registering ${name} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return account;
  };
  return { owner, from: await register('acme', owner), to: await register('globex', `other-${owner}`) };
}

export type RemittanceAnswer = HttpAnswer<{
  remittanceId: string;
  number: string;
  status: RemittanceStatus;
  title?: string;
}>;

/** Submits a remittance from the businesses' sender as its owner. */
export function remit(
  service: ServiceHarness,
  businesses: Businesses,
  overrides: Record<string, unknown> = {},
  key: string = randomUUID(),
): Promise<RemittanceAnswer> {
  return service.request('POST', '/v1/remittances', {
    token: service.token(businesses.owner, 'USER'),
    headers: { 'Idempotency-Key': key },
    body: {
      fromBusiness: businesses.from,
      toBusiness: businesses.to,
      amount: 12_500,
      currency: 'EUR',
      reference: 'invoice 42',
      ...overrides,
    },
  });
}

/** Waits until PostgreSQL shows the remittance in `wanted` and, for a final status, its saga has closed. */
export async function waitForRemittance(
  service: ServiceHarness,
  remittanceId: string,
  wanted: RemittanceStatus,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = (await service.dependencies.remittanceReads.get(remittanceId))?.status;
    if (status === wanted) break;
    if (status && isRemittanceTerminal(status))
      throw new Error(`remittance ${remittanceId} ended ${status}, not ${wanted}`);
    if (Date.now() > deadline) throw new Error(`remittance ${remittanceId} is ${status}, never became ${wanted}`);
    await new Promise((wake) => setTimeout(wake, 200));
  }
  if (isRemittanceTerminal(wanted)) await sagaOf(service, remittanceId).result();
}

export const sagaOf = (service: ServiceHarness, remittanceId: string) =>
  service.dependencies.temporal.workflow.getHandle(remittanceWorkflowId(remittanceId));

/** The saga's own `status` query. */
export const sagaState = (service: ServiceHarness, remittanceId: string) =>
  sagaOf(service, remittanceId).query<RemittanceState>('status');

/**
 * The money rules of a remittance rail, once nothing is in flight (issue 17): the rail's clearing balance
 * is minus what the rail says it holds for the platform; the platform account moved by exactly minus
 * what the clearing account did since `before` (so Σ internal + Σ clearing is unchanged); and Redis
 * agrees with PostgreSQL about the platform account, with no hold left open.
 */
export async function railMoneyViolations(
  service: ServiceHarness,
  before: { platform: number; clearing: number },
  currency = 'EUR',
): Promise<string[]> {
  const now = await moneyOf(service, currency);
  const held = service.rail.positions().find((position) => position.currency === currency)?.held ?? 0;
  const violations: string[] = [];
  if (now.clearing !== -held) violations.push(`clearing ${now.clearing} ≠ −(rail holds ${held})`);
  if (now.platform - before.platform + (now.clearing - before.clearing) !== 0) {
    violations.push(
      `platform moved ${now.platform - before.platform}, clearing ${now.clearing - before.clearing}: not zero-sum`,
    );
  }
  const redis = await service.balances.read(platformAccountId(currency));
  if (redis.available + redis.held !== now.platform) {
    violations.push(`Redis available ${redis.available} + held ${redis.held} ≠ PostgreSQL ${now.platform}`);
  }
  if (redis.held !== 0) violations.push(`${redis.held} still held on the platform account in Redis`);
  const { rows } = await service.dependencies.postgres.query(
    `SELECT remittance_id, leg FROM platform_postings WHERE hold_state = 'OPEN' AND rail = $1`,
    [service.config.rail.name],
  );
  for (const row of rows) violations.push(`leg ${JSON.stringify(row)} still holds money`);
  return violations;
}

/** The platform account's and this harness's rail's clearing balance in PostgreSQL. */
export async function moneyOf(
  service: ServiceHarness,
  currency = 'EUR',
): Promise<{ platform: number; clearing: number }> {
  const { rows } = await service.dependencies.postgres.query<{ platform: string | null; clearing: string | null }>(
    `SELECT (SELECT balance FROM accounts WHERE account_id = $1) AS platform,
       (SELECT balance FROM clearing_accounts WHERE rail = $2 AND currency = $3) AS clearing`,
    [platformAccountId(currency), service.config.rail.name, currency],
  );
  return { platform: Number(rows[0]?.platform ?? 0), clearing: Number(rows[0]?.clearing ?? 0) };
}
