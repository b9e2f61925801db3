import { randomUUID } from 'node:crypto';

import type { RemittanceState, RemittanceStatus } from '../../src/domain/remittance';
import { isRemittanceTerminal, platformAccountId, remittanceWorkflowId } from '../../src/domain/remittance';
import { remittanceMoneyViolations } from '../../harness/conservation';
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
 * The money rules of remittances (harness/conservation.ts) over this harness's rail, whose simulator says
 * what it holds for the platform, once nothing is in flight; `remittanceIds` must have booked what their
 * ending needs.
 */
export function railMoneyViolations(service: ServiceHarness, remittanceIds: string[]): Promise<string[]> {
  const held = (currency: string) => service.rail.positions().find((one) => one.currency === currency)?.held ?? 0;
  return remittanceMoneyViolations(
    service.dependencies.postgres,
    service.balances,
    { name: service.config.rail.name, held },
    remittanceIds,
  );
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
