import { createHash } from 'node:crypto';

import type { Pool } from 'pg';

import { inTransaction } from '../db/transaction';

/** One thing done, or refused, through the API. */
export interface AuditEntry {
  requestId: string;
  sub: string | null;
  role: string | null;
  /** What was asked, e.g. `submit transfer` or `GET /v1/audit`. */
  action: string;
  /** The id it was about, when there is one. */
  target: string | null;
  /** `done`, or why not: `unauthenticated`, `forbidden`, `refused`, `failed`. */
  outcome: string;
  status: number;
  clientAddress: string | null;
}

export interface AuditRow extends AuditEntry {
  seq: string;
  at: string;
  prevHash: string;
  hash: string;
}

/** The hash the first row chains to. */
const GENESIS = '0'.repeat(64);

/** Appends are chained one at a time across every API process: each needs the hash before it. */
const APPEND_LOCK = 0x0_a0d1_7001;

/** A row's fields in column order (prev_hash first): what its hash covers, and what is inserted. */
function fieldsOf(prevHash: string, at: string, entry: AuditEntry) {
  const { requestId, sub, role, action, target, outcome, status, clientAddress } = entry;
  return [prevHash, at, requestId, sub, role, action, target, outcome, status, clientAddress];
}

/** SHA-256 over the fields as JSON, text that cannot be read two ways. */
function hashOf(prevHash: string, at: string, entry: AuditEntry): string {
  return createHash('sha256')
    .update(JSON.stringify(fieldsOf(prevHash, at, entry)))
    .digest('hex');
}

const COLUMNS = `seq::text, at, request_id AS "requestId", sub, role, action, target, outcome, status,
  client_address AS "clientAddress", prev_hash AS "prevHash", hash`;

/** The audit trail in PostgreSQL: append-only, hash-chained, read newest first. */
export class AuditLog {
  constructor(private readonly pool: Pool) {}

  async append(entry: AuditEntry): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK]);
      const { rows } = await client.query<{ hash: string }>(
        'SELECT hash FROM audit_log ORDER BY audit_log.seq DESC LIMIT 1',
      );
      const prevHash = rows[0]?.hash ?? GENESIS;
      const at = new Date().toISOString();
      await client.query(
        `INSERT INTO audit_log (prev_hash, at, request_id, sub, role, action, target, outcome, status, client_address, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [...fieldsOf(prevHash, at, entry), hashOf(prevHash, at, entry)],
      );
    });
  }

  /** Newest first, `limit` at a time, below `beforeSeq`; each filter narrows when given. */
  async page(query: {
    sub?: string;
    action?: string;
    outcome?: string;
    limit: number;
    beforeSeq?: string;
  }): Promise<AuditRow[]> {
    const { rows } = await this.pool.query<AuditRow & { at: Date }>(
      `SELECT ${COLUMNS} FROM audit_log
       WHERE ($1::text IS NULL OR sub = $1) AND ($2::text IS NULL OR action = $2)
         AND ($3::text IS NULL OR outcome = $3) AND ($4::bigint IS NULL OR seq < $4)
       ORDER BY audit_log.seq DESC LIMIT $5`,
      [query.sub ?? null, query.action ?? null, query.outcome ?? null, query.beforeSeq ?? null, query.limit],
    );
    return rows.map((row) => ({ ...row, at: row.at.toISOString() }));
  }

  /**
   * Walks the chain from the first row: answers the first row whose hash is not what its fields and its
   * predecessor's hash make (edited, or a row before it deleted), or undefined and how many rows held.
   */
  async verify(): Promise<{ rows: number; brokenAt?: { seq: string; why: string } }> {
    let prevHash = GENESIS;
    let count = 0;
    let afterSeq = '0';
    for (;;) {
      const { rows } = await this.pool.query<AuditRow & { at: Date }>(
        `SELECT ${COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY audit_log.seq LIMIT 5000`,
        [afterSeq],
      );
      if (rows.length === 0) return { rows: count };
      for (const row of rows) {
        if (row.prevHash !== prevHash) {
          return { rows: count, brokenAt: { seq: row.seq, why: 'its previous hash is not the row before it' } };
        }
        if (hashOf(prevHash, row.at.toISOString(), row) !== row.hash) {
          return { rows: count, brokenAt: { seq: row.seq, why: 'its fields do not match its hash' } };
        }
        prevHash = row.hash;
        count += 1;
        afterSeq = row.seq;
      }
    }
  }
}
