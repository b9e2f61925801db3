import { randomUUID } from 'node:crypto';

import { issueToken } from '../../../src/api/tokens';
import { loadConfig } from '../../../src/config';
import type { Role } from '../../../src/domain/roles';

/** The service the e2e tests drive, on ports of its own so a running `npm start` or jest run is left alone. */
export const E2E_PORT = 3310;
export const E2E_ADMIN_PORT = 9476;
const BASE = `http://127.0.0.1:${E2E_PORT}`;

const config = loadConfig();

/** The password global-setup gives every staff account it makes. */
export const STAFF_PASSWORD = 'e2e console password';

/** The staff accounts global-setup (re)creates before each run, by role. */
export const STAFF = {
  admin: { username: 'e2e-admin', role: 'SUPER_ADMIN' },
  agent: { username: 'e2e-agent', role: 'OPS_AGENT' },
  secondAgent: { username: 'e2e-agent-2', role: 'OPS_AGENT' },
  ruleAdmin: { username: 'e2e-rule-admin', role: 'RULE_ADMIN' },
  reader: { username: 'e2e-reader', role: 'READ_ONLY' },
  auditor: { username: 'e2e-auditor', role: 'AUDITOR' },
  lockable: { username: 'e2e-lockable', role: 'OPS_AGENT' },
} as const satisfies Record<string, { username: string; role: Role }>;

export const token = (sub: string, role: Role): string => issueToken(config.auth, { sub, role });

/** A JSON request to the e2e service; throws unless it answers `expected`. */
export async function api<T = Record<string, unknown>>(
  method: string,
  path: string,
  {
    token: bearer,
    body,
    headers = {},
    expected,
  }: { token?: string; body?: unknown; headers?: Record<string, string>; expected?: number } = {},
): Promise<{ status: number; body: T }> {
  const response = await fetch(BASE + path, {
    method,
    headers: {
      ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const parsed = (text ? JSON.parse(text) : {}) as T;
  if (expected !== undefined && response.status !== expected) {
    throw new Error(`${method} ${path} answered ${response.status}, not ${expected}: ${text}`);
  }
  return { status: response.status, body: parsed };
}

const admin = () => token('e2e-setup', 'SUPER_ADMIN');

/** Opens a EUR account; with `phone` (E.164), its owner can be asked to confirm a step-up by SMS. */
export async function openAccount(ownerId: string, initialBalance: number, phone?: string): Promise<string> {
  const { body } = await api<{ accountId: string }>('POST', '/v1/accounts', {
    token: admin(),
    body: { ownerId, currency: 'EUR', initialBalance, phone },
    expected: 201,
  });
  return body.accountId;
}

export async function submitTransfer(owner: string, fromAccountId: string, toAccountId: string, amount: number) {
  const { body } = await api<{ transferId: string }>('POST', '/v1/transfers', {
    token: token(owner, 'USER'),
    headers: { 'Idempotency-Key': randomUUID() },
    body: { fromAccountId, toAccountId, amount, currency: 'EUR' },
    expected: 202,
  });
  return body.transferId;
}

export async function transferStatus(transferId: string): Promise<string> {
  const { body } = await api<{ status: string }>('GET', `/v1/transfers/${transferId}`, {
    token: token('e2e-setup', 'READ_ONLY'),
    expected: 200,
  });
  return body.status;
}

export interface BankAccount {
  bank: string;
  account: string;
}

/** A sending business owned by `ownerId` and a receiving one owned by someone else, each on an account of its own. */
export async function registerBusinesses(ownerId: string): Promise<{ from: BankAccount; to: BankAccount }> {
  const register = async (name: string, owner: string): Promise<BankAccount> => {
    const account = { bank: 'SIMBANK', account: unique(`e2e-${name}`) };
    await api('POST', '/v1/business-profiles', {
      token: admin(),
      body: { businessId: account.account, ownerId: owner, name: `${name} Ltd`, ...account },
      expected: 201,
    });
    return account;
  };
  return { from: await register('acme', ownerId), to: await register('globex', unique('e2e-payee-owner')) };
}

export async function submitRemittance(
  owner: string,
  fromBusiness: BankAccount,
  toBusiness: BankAccount,
  amount: number,
  reference: string,
): Promise<{ remittanceId: string; number: string }> {
  const { body } = await api<{ remittanceId: string; number: string }>('POST', '/v1/remittances', {
    token: token(owner, 'USER'),
    headers: { 'Idempotency-Key': randomUUID() },
    body: { fromBusiness, toBusiness, amount, currency: 'EUR', reference },
    expected: 202,
  });
  return body;
}

export async function remittanceStatus(remittanceId: string): Promise<string> {
  const { body } = await api<{ status: string }>('GET', `/v1/remittances/${remittanceId}`, {
    token: token('e2e-setup', 'READ_ONLY'),
    expected: 200,
  });
  return body.status;
}

export interface RuleFixture {
  ruleId: string;
  /** Deletes the rule at whatever version it has reached. */
  remove: () => Promise<void>;
}

/**
 * A rule watching one sender's account only, so it acts on this test's transfers and nobody else's; `also`
 * narrows it further (it must hold as well).
 */
export async function ruleFor(
  accountId: string,
  {
    also,
    ...rule
  }: {
    name: string;
    action: 'SCORE' | 'REVIEW' | 'STEP_UP' | 'BLOCK';
    score: number;
    shadow?: boolean;
    also?: Record<string, unknown>;
  },
): Promise<RuleFixture> {
  const ruleId = `e2e-rule-${randomUUID().slice(0, 8)}`;
  const rules = token('e2e-setup', 'RULE_ADMIN');
  const sender = { account: { side: 'from', in: [accountId] } };
  await api('POST', '/v1/rules', {
    token: rules,
    body: { ruleId, condition: also ? { all: [sender, also] } : sender, ...rule },
    expected: 201,
  });
  return {
    ruleId,
    remove: async () => {
      const { body } = await api<{ version: number }>('GET', `/v1/rules/${ruleId}`, { token: rules });
      await api('DELETE', `/v1/rules/${ruleId}`, { token: rules, headers: { 'If-Match': `"${body.version}"` } });
    },
  };
}

/** A REVIEW rule on one sender's account: its transfers go to review. */
export const reviewRuleFor = (accountId: string): Promise<RuleFixture> =>
  ruleFor(accountId, { name: 'e2e review', action: 'REVIEW', score: 0 });

/** A STEP_UP rule on one sender's transfers of exactly `amount`: their owner is asked for a code. */
export const stepUpRuleFor = (accountId: string, amount: number): Promise<RuleFixture> =>
  ruleFor(accountId, { name: 'e2e step-up', action: 'STEP_UP', score: 0, also: { amount: { eq: amount } } });

export const unique = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;
