import type { Pool } from 'pg';

import type { RedisBalances } from '../src/ledger/redis-balances';

/**
 * The bank invariants over a set of accounts, once no saga is in flight:
 * - Σ settled balances in PostgreSQL equals what the accounts were funded with, none negative;
 * - no hold is left open, in PostgreSQL or in Redis;
 * - per account, Redis available + held equals the PostgreSQL balance;
 * - every COMPLETED transfer posted exactly one debit and one credit, and nothing else posted.
 * Returns a list of violations (empty when money is conserved), so a failure says everything at once.
 */
export async function moneyViolations(
  postgres: Pool,
  balances: RedisBalances,
  accountIds: string[],
): Promise<string[]> {
  const violations: string[] = [];
  const { rows: accounts } = await postgres.query<{ accountId: string; balance: string; initial: string }>(
    `SELECT account_id AS "accountId", balance, initial_balance AS initial FROM accounts WHERE account_id = ANY($1)`,
    [accountIds],
  );
  const total = accounts.reduce((sum, account) => sum + BigInt(account.balance), 0n);
  const funded = accounts.reduce((sum, account) => sum + BigInt(account.initial), 0n);
  if (total !== funded) violations.push(`Σ balances ${total} ≠ funded ${funded}`);

  for (const account of accounts) {
    if (BigInt(account.balance) < 0n) violations.push(`${account.accountId} balance ${account.balance} is negative`);
    const redis = await balances.read(account.accountId);
    if (BigInt(redis.available + redis.held) !== BigInt(account.balance)) {
      violations.push(
        `${account.accountId}: Redis available ${redis.available} + held ${redis.held} ≠ PostgreSQL ${account.balance}`,
      );
    }
    if (redis.held !== 0 || redis.openHolds.length > 0) {
      violations.push(`${account.accountId}: ${redis.openHolds.length} holds still open in Redis (${redis.held})`);
    }
  }

  const { rows: openHolds } = await postgres.query<{ transferId: string }>(
    `SELECT transfer_id AS "transferId" FROM transactions WHERE from_account_id = ANY($1) AND hold_state = 'OPEN'`,
    [accountIds],
  );
  for (const hold of openHolds) violations.push(`transfer ${hold.transferId} still has an OPEN hold in PostgreSQL`);

  const { rows: postings } = await postgres.query<{
    transferId: string;
    status: string;
    debits: number;
    credits: number;
  }>(
    `SELECT t.transfer_id AS "transferId", t.status,
       count(*) FILTER (WHERE e.direction = 'DEBIT')::int AS debits,
       count(*) FILTER (WHERE e.direction = 'CREDIT')::int AS credits
     FROM transactions t LEFT JOIN ledger_entries e ON e.transfer_id = t.transfer_id
     WHERE t.from_account_id = ANY($1) GROUP BY t.transfer_id, t.status`,
    [accountIds],
  );
  for (const posting of postings) {
    const expected = posting.status === 'COMPLETED' ? 1 : 0;
    if (posting.debits !== expected || posting.credits !== expected) {
      violations.push(
        `transfer ${posting.transferId} (${posting.status}) posted ${posting.debits} debits, ${posting.credits} credits`,
      );
    }
  }
  return violations;
}

/** The legs (in name order) each way a remittance ends books on the platform account, all posted and applied in Redis. */
const LEGS_BY_ENDING: Record<string, string[][]> = {
  COMPLETED: [['deposit', 'withdraw']],
  // Refused at the collection (nothing moved), or refunded after a refused payout.
  FAILED: [[], ['deposit', 'refund', 'reversal', 'withdraw']],
};

/**
 * The money rules of remittances (issue 17), once no remittance saga is in flight:
 * - Σ platform balances + Σ clearing balances is zero (the platform accounts open empty, and every leg
 *   moves both by the same amount), so Σ internal + Σ clearing stays the funded total;
 * - the rail's clearing balance in each currency is minus what the rail says it holds for the platform;
 * - Redis agrees with PostgreSQL on each platform account, with no hold left open in either;
 * - every remittance ended, having booked exactly the legs its ending needs.
 */
export async function remittanceMoneyViolations(
  postgres: Pool,
  balances: RedisBalances,
  rail: { name: string; held: (currency: string) => number },
  remittanceIds: string[],
): Promise<string[]> {
  const violations: string[] = [];
  const { rows: sums } = await postgres.query<{ platform: string; clearing: string }>(
    `SELECT (SELECT COALESCE(sum(balance), 0) FROM accounts WHERE owner_id = 'platform')::text AS platform,
       (SELECT COALESCE(sum(balance), 0) FROM clearing_accounts)::text AS clearing`,
  );
  const { platform = '0', clearing = '0' } = sums[0] ?? {};
  if (BigInt(platform) + BigInt(clearing) !== 0n) {
    violations.push(`Σ platform balances ${platform} + Σ clearing balances ${clearing} ≠ 0`);
  }
  const { rows: clearings } = await postgres.query<{ currency: string; balance: string }>(
    'SELECT currency, balance::text FROM clearing_accounts WHERE rail = $1',
    [rail.name],
  );
  for (const { currency, balance } of clearings) {
    const held = rail.held(currency);
    if (BigInt(balance) !== BigInt(-held)) {
      violations.push(`${rail.name} clearing ${currency} ${balance} ≠ −(${held} the rail holds for the platform)`);
    }
  }
  const { rows: platforms } = await postgres.query<{ accountId: string; balance: string }>(
    `SELECT account_id AS "accountId", balance::text FROM accounts WHERE owner_id = 'platform'`,
  );
  for (const account of platforms) {
    const redis = await balances.read(account.accountId);
    if (BigInt(redis.available + redis.held) !== BigInt(account.balance)) {
      violations.push(
        `${account.accountId}: Redis available ${redis.available} + held ${redis.held} ≠ PostgreSQL ${account.balance}`,
      );
    }
    if (redis.held !== 0) violations.push(`${account.accountId}: ${redis.held} still held in Redis`);
  }
  const { rows: remittances } = await postgres.query<{ remittanceId: string; status: string; legs: string[] }>(
    `SELECT r.remittance_id AS "remittanceId", r.status,
       COALESCE(array_agg(p.leg ORDER BY p.leg) FILTER (WHERE p.hold_state IN ('NONE', 'POSTED') AND p.redis_applied),
                '{}') AS legs
     FROM remittances r LEFT JOIN platform_postings p USING (remittance_id)
     WHERE r.remittance_id = ANY($1::uuid[]) GROUP BY r.remittance_id, r.status`,
    [remittanceIds],
  );
  for (const { remittanceId, status, legs } of remittances) {
    const allowed = LEGS_BY_ENDING[status];
    if (!allowed) violations.push(`remittance ${remittanceId} is still ${status}`);
    else if (!allowed.some((expected) => expected.join() === legs.join())) {
      violations.push(`remittance ${remittanceId} (${status}) booked ${legs.join(', ') || 'nothing'}`);
    }
  }
  const { rows: open } = await postgres.query<{ remittanceId: string; leg: string }>(
    `SELECT remittance_id AS "remittanceId", leg FROM platform_postings WHERE hold_state = 'OPEN'`,
  );
  for (const hold of open) violations.push(`remittance ${hold.remittanceId} still holds its ${hold.leg} in PostgreSQL`);
  return violations;
}
