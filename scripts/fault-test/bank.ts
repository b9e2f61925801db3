import { randomUUID } from 'node:crypto';

import type { Config } from '../../src/config';
import { issueToken } from '../../src/api/tokens';
import type { Role } from '../../src/domain/roles';

/** One request to the service's REST API as `sub` in `role`; a body that is not JSON reads as `{}`. */
export type ApiCall = (
  method: string,
  path: string,
  sub: string,
  role: string,
  body?: unknown,
  key?: string,
) => Promise<{ status: number; body: Record<string, unknown> }>;

export interface Account {
  id: string;
  owner: string;
  /** E.164, one per account: where the owner's step-up codes go. */
  phone: string;
}

/** The two businesses of one run's remittances: A's owner remits to B over the run's rail. */
export interface Businesses {
  owner: string;
  from: { bank: string; account: string };
  to: { bank: string; account: string };
}

/** The accounts of one run, what they were funded with, and the rules that BLOCK, REVIEW or STEP_UP some transfers. */
export interface Bank {
  accounts: Account[];
  funded: number;
  ruleIds: string[];
  businesses: Businesses;
}

/** Calls the API on `port` with a token the service accepts for each caller, each request bounded to 10 s. */
export function apiClient(port: number, auth: Config['auth']): ApiCall {
  const api = `http://127.0.0.1:${port}`;
  const token = (sub: string, role: string) => issueToken(auth, { sub, role: role as Role });
  return async (method, path, sub, role, body, key) => {
    const response = await fetch(`${api}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token(sub, role)}`,
        'content-type': 'application/json',
        ...(key ? { 'Idempotency-Key': key } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: response.status, body: (await response.json().catch(() => ({}))) as Record<string, unknown> };
  };
}

/**
 * Accounts (each with a phone of its own, so every step-up can be asked and its code read back from the
 * run's SMS gateway), funded total, and the rules that make some transfers BLOCK, go to REVIEW, or ask
 * their sender to confirm an impossible trip.
 */
export async function openBank(call: ApiCall, accountCount: number): Promise<Bank> {
  const run = randomUUID().slice(0, 8);
  const accounts = Array.from({ length: accountCount }, (_, n) => ({
    id: `fault-${run}-${n}`,
    owner: `fault-${run}-o${n}`,
    phone: `+8210${String(n).padStart(8, '0')}`,
  }));
  for (const account of accounts) {
    await call('POST', '/v1/accounts', 'fault-admin', 'SUPER_ADMIN', {
      accountId: account.id,
      ownerId: account.owner,
      currency: 'EUR',
      initialBalance: 10_000,
      phone: account.phone,
    });
  }
  const funded = 10_000 * accounts.length;
  const ruleIds = [`fault-block-${run}`, `fault-review-${run}`, `fault-travel-${run}`];
  const quarter = Math.max(1, Math.floor(accounts.length / 4));
  await call('POST', '/v1/rules', 'fault-admin', 'SUPER_ADMIN', {
    ruleId: ruleIds[0],
    name: 'fault test: block large transfers of the first quarter',
    score: 100,
    action: 'BLOCK',
    condition: {
      all: [{ account: { side: 'from', in: accounts.slice(0, quarter).map((a) => a.id) } }, { amount: { gte: 2_500 } }],
    },
  });
  await call('POST', '/v1/rules', 'fault-admin', 'SUPER_ADMIN', {
    ruleId: ruleIds[1],
    name: 'fault test: review large transfers of the second quarter',
    score: 60,
    action: 'REVIEW',
    condition: {
      all: [
        { account: { side: 'from', in: accounts.slice(quarter, 2 * quarter).map((a) => a.id) } },
        { amount: { gte: 2_000 } },
      ],
    },
  });
  // Every account, since the load's located transfers come from any sender. Score 0: only the action
  // asks, so a trip never adds up to REVIEW or BLOCK by score.
  await call('POST', '/v1/rules', 'fault-admin', 'SUPER_ADMIN', {
    ruleId: ruleIds[2],
    name: 'fault test: confirm an impossible trip',
    score: 0,
    action: 'STEP_UP',
    condition: {
      all: [{ account: { side: 'from', in: accounts.map((a) => a.id) } }, { travel: { maxSpeedKmh: 1000 } }],
    },
  });
  const businesses: Businesses = {
    owner: `fault-${run}-business`,
    from: { bank: 'SIMBANK', account: `fault-${run}-a` },
    to: { bank: 'SIMBANK', account: `fault-${run}-b` },
  };
  for (const [account, ownerId] of [
    [businesses.from, businesses.owner],
    [businesses.to, `${businesses.owner}-payee`],
  ] as const) {
    await call('POST', '/v1/business-profiles', 'fault-admin', 'SUPER_ADMIN', {
      businessId: account.account,
      ownerId,
      name: 'fault test business',
      ...account,
    });
  }
  return { accounts, funded, ruleIds, businesses };
}

/** Deletes the run's rules, so they do not decide later transfers; a failure is left for the next run. */
export async function closeBank(call: ApiCall, { ruleIds }: Bank): Promise<void> {
  for (const ruleId of ruleIds) {
    await call('DELETE', `/v1/rules/${ruleId}`, 'fault-admin', 'SUPER_ADMIN').catch(() => undefined);
  }
}
