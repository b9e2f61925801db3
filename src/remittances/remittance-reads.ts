import type { Pool } from 'pg';

import type { BankAccount, RemittanceFailureKind, RemittanceStatus, RemittanceStep } from '../domain/remittance';

/** A remittance as PostgreSQL has it. */
export interface RemittanceRow {
  remittanceId: string;
  number: number;
  status: RemittanceStatus;
  step: RemittanceStep;
  rail: string;
  fromBusiness: BankAccount & { businessId: string; ownerId: string };
  toBusiness: BankAccount & { businessId: string };
  amount: number;
  currency: string;
  reference: string;
  failureReason: string | null;
  requestedBy: string;
  requestHash: string;
  createdAt: string;
  updatedAt: string;
}

export interface RemittanceHistoryRow {
  fromStatus: RemittanceStatus | null;
  toStatus: RemittanceStatus;
  step: RemittanceStep;
  reason: string | null;
  occurredAt: string;
}

export interface RailInstructionRow {
  key: string;
  type: 'collect' | 'payout' | 'refund';
  instructionId: string | null;
  status: 'SENT' | 'PENDING' | 'SUCCEEDED' | 'FAILED';
  reason: string | null;
  updatedAt: string;
}

export interface RemittanceFailureRow {
  id: string;
  remittanceId: string;
  number: number;
  kind: RemittanceFailureKind;
  status: 'OPEN' | 'RESOLVED';
  error: string;
  retries: number;
  retrying: boolean;
  exhausted: boolean;
  amount: number;
  currency: string;
  createdAt: string;
  updatedAt: string;
  resolvedAt: string | null;
}

/** Where a page of the listing ends: the next page starts after this remittance. */
export interface RemittancePosition {
  createdAt: string;
  remittanceId: string;
}

const ROW = `r.remittance_id AS "remittanceId", r.number::int AS number, r.status, r.step, r.rail,
  json_build_object('businessId', f.business_id, 'ownerId', f.owner_id, 'bank', f.bank, 'account', f.account)
    AS "fromBusiness",
  json_build_object('businessId', t.business_id, 'bank', t.bank, 'account', t.account) AS "toBusiness",
  r.amount::float8 AS amount, r.currency, r.reference, r.failure_reason AS "failureReason", r.caller AS "requestedBy",
  r.request_hash AS "requestHash", to_json(r.created_at) #>> '{}' AS "createdAt",
  to_json(r.updated_at) #>> '{}' AS "updatedAt"`;
const FROM = `remittances r JOIN business_profiles f ON f.business_id = r.from_business
  JOIN business_profiles t ON t.business_id = r.to_business`;

const FAILURE = `x.id::text, x.remittance_id AS "remittanceId", r.number::int AS number, x.kind, x.status, x.error,
  x.retries, x.retrying_since IS NOT NULL AS retrying, x.exhausted_alerted_at IS NOT NULL AS exhausted,
  r.amount::float8 AS amount, r.currency, to_json(x.created_at) #>> '{}' AS "createdAt",
  to_json(x.updated_at) #>> '{}' AS "updatedAt", to_json(x.resolved_at) #>> '{}' AS "resolvedAt"`;

/** What the API and the console read of remittances. */
export class RemittanceReads {
  constructor(private readonly pool: Pool) {}

  /** The remittance a caller's idempotency key created, if any. */
  async byCallerKey(caller: string, key: string): Promise<RemittanceRow | undefined> {
    const { rows } = await this.pool.query<RemittanceRow>(
      `SELECT ${ROW} FROM ${FROM} WHERE r.caller = $1 AND r.idempotency_key = $2`,
      [caller, key],
    );
    return rows[0];
  }

  async get(remittanceId: string): Promise<RemittanceRow | undefined> {
    const { rows } = await this.pool.query<RemittanceRow>(`SELECT ${ROW} FROM ${FROM} WHERE r.remittance_id = $1`, [
      remittanceId,
    ]);
    return rows[0];
  }

  /** The remittance's status changes, its rail instructions and its failure records, oldest first. */
  async details(remittanceId: string): Promise<{
    history: RemittanceHistoryRow[];
    instructions: RailInstructionRow[];
    failures: RemittanceFailureRow[];
  }> {
    const [history, instructions, failures] = await Promise.all([
      this.pool.query<RemittanceHistoryRow>(
        `SELECT from_status AS "fromStatus", to_status AS "toStatus", step, reason,
           to_json(occurred_at) #>> '{}' AS "occurredAt"
         FROM remittance_history WHERE remittance_id = $1 ORDER BY id`,
        [remittanceId],
      ),
      this.pool.query<RailInstructionRow>(
        `SELECT key, type, instruction_id AS "instructionId", status, reason, to_json(updated_at) #>> '{}' AS "updatedAt"
         FROM rail_instructions WHERE remittance_id = $1 ORDER BY created_at, key`,
        [remittanceId],
      ),
      this.pool.query<RemittanceFailureRow>(
        `SELECT ${FAILURE} FROM remittance_failures x JOIN remittances r USING (remittance_id)
         WHERE x.remittance_id = $1 ORDER BY x.id`,
        [remittanceId],
      ),
    ]);
    return { history: history.rows, instructions: instructions.rows, failures: failures.rows };
  }

  /** The newest remittances first, a page at a time, optionally of one status. */
  async list(filter: {
    status?: RemittanceStatus;
    limit: number;
    after?: RemittancePosition;
  }): Promise<RemittanceRow[]> {
    const { rows } = await this.pool.query<RemittanceRow>(
      `SELECT ${ROW} FROM ${FROM}
       WHERE ($1::text IS NULL OR r.status = $1)
         AND ($2::timestamptz IS NULL OR (r.created_at, r.remittance_id) < ($2::timestamptz, $3::uuid))
       ORDER BY r.created_at DESC, r.remittance_id DESC LIMIT $4`,
      [filter.status ?? null, filter.after?.createdAt ?? null, filter.after?.remittanceId ?? null, filter.limit],
    );
    return rows;
  }

  /** The failure records, open ones first and oldest first within them. */
  async failures(filter: { status?: 'OPEN' | 'RESOLVED'; limit: number }): Promise<RemittanceFailureRow[]> {
    const { rows } = await this.pool.query<RemittanceFailureRow>(
      `SELECT ${FAILURE} FROM remittance_failures x JOIN remittances r USING (remittance_id)
       WHERE ($1::text IS NULL OR x.status = $1)
       ORDER BY x.status = 'OPEN' DESC, x.id LIMIT $2`,
      [filter.status ?? null, filter.limit],
    );
    return rows;
  }

  /** Each rail's clearing balance per currency: minus what the rail holds for the platform. */
  async clearingBalances(): Promise<Array<{ rail: string; currency: string; balance: number }>> {
    const { rows } = await this.pool.query<{ rail: string; currency: string; balance: number }>(
      'SELECT rail, currency, balance::float8 AS balance FROM clearing_accounts ORDER BY rail, currency',
    );
    return rows;
  }
}
