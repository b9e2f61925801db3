import type { Pool } from 'pg';

import type { ConfirmationEnd, IssuedCode } from '../domain/confirmation';
import { inTransaction } from '../db/transaction';
import { writeTransferEvent } from '../events/outbox';

/** Whom a transfer's code goes to, and what the message says it is for. */
export interface CodeRecipient {
  phone: string | null;
  amount: number;
  currency: string;
}

/**
 * The codes sent for step-up confirmations, in PostgreSQL as keyed hashes only, and how each
 * confirmation ended. A code is prepared (its hash written) before it is sent and marked sent with the
 * gateway's message id after, together with its transfer.confirmation_required event, so the event is
 * true when it is published and a retried send can tell a code that went out from one that did not.
 */
export class ConfirmationCodes {
  constructor(private readonly pool: Pool) {}

  /** Whether a code can be sent for transfers from this account: it has a phone on file. */
  async canReach(accountId: string): Promise<boolean> {
    const { rows } = await this.pool.query('SELECT 1 FROM accounts WHERE account_id = $1 AND phone IS NOT NULL', [
      accountId,
    ]);
    return rows.length > 0;
  }

  /** The phone of the sending account's owner, with the transfer's amount. */
  async recipient(transferId: string): Promise<CodeRecipient | undefined> {
    const { rows } = await this.pool.query<CodeRecipient>(
      `SELECT a.phone, t.amount::float8 AS amount, t.currency
       FROM transactions t JOIN accounts a ON a.account_id = t.from_account_id WHERE t.transfer_id = $1`,
      [transferId],
    );
    return rows[0];
  }

  /** The code of this attempt if it was sent already (a retry after the send succeeded). */
  async findSent(transferId: string, attempt: number): Promise<IssuedCode | undefined> {
    const { rows } = await this.pool.query<IssuedCode>(
      `SELECT attempt, code_hash AS "codeHash", sent_at AS "sentAt", expires_at AS "expiresAt"
       FROM confirmation_codes WHERE transfer_id = $1 AND attempt = $2 AND message_id IS NOT NULL`,
      [transferId, attempt],
    );
    const row = rows[0];
    return (
      row && { ...row, sentAt: new Date(row.sentAt).toISOString(), expiresAt: new Date(row.expiresAt).toISOString() }
    );
  }

  /** Writes (or, for a retry whose send may not have gone out, replaces) the hash of the code about to be sent. */
  async prepare(transferId: string, attempt: number, codeHash: string, ttlMs: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO confirmation_codes (transfer_id, attempt, code_hash, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4 / 1000.0))
       ON CONFLICT (transfer_id, attempt) DO UPDATE SET code_hash = EXCLUDED.code_hash, sent_at = now(),
         expires_at = EXCLUDED.expires_at
       WHERE confirmation_codes.message_id IS NULL`,
      [transferId, attempt, codeHash, ttlMs],
    );
  }

  /**
   * Marks the code sent, with transfer.confirmation_required for the first, in one transaction. Its
   * validity counts from now, when the sender can have it.
   */
  async markSent(transferId: string, attempt: number, messageId: string, ttlMs: number): Promise<IssuedCode> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<IssuedCode & { fromAccountId: string; toAccountId: string; amount: number }>(
        `WITH sent AS (
           UPDATE confirmation_codes SET message_id = $3, sent_at = now(),
             expires_at = now() + make_interval(secs => $4 / 1000.0)
           WHERE transfer_id = $1 AND attempt = $2 AND message_id IS NULL
           RETURNING attempt, code_hash, sent_at, expires_at)
         SELECT sent.attempt, sent.code_hash AS "codeHash", sent.sent_at AS "sentAt", sent.expires_at AS "expiresAt",
           t.from_account_id AS "fromAccountId", t.to_account_id AS "toAccountId", t.amount::float8 AS amount
         FROM sent, transactions t WHERE t.transfer_id = $1`,
        [transferId, attempt, messageId, ttlMs],
      );
      const row = rows[0];
      if (!row) throw new Error(`code ${attempt} of transfer ${transferId} was not prepared, or was sent already`);
      const issued: IssuedCode = {
        attempt: row.attempt,
        codeHash: row.codeHash,
        sentAt: new Date(row.sentAt).toISOString(),
        expiresAt: new Date(row.expiresAt).toISOString(),
      };
      // Once per transfer (an event id is `<transferId>:<type>`): the first code says a confirmation waits;
      // a resend changes only when it expires, which the transfer's view shows.
      if (issued.attempt === 1) {
        await writeTransferEvent(client, 'transfer.confirmation_required', transferId, {
          fromAccountId: row.fromAccountId,
          toAccountId: row.toAccountId,
          amount: row.amount,
          expiresAt: issued.expiresAt,
        });
      }
      return issued;
    });
  }

  /**
   * How the confirmation ended; the first record stays, and true when this call wrote it. A right code also writes transfer.approved
   * (decision STEP_UP), as an approving review does.
   */
  async recordEnd(transferId: string, end: ConfirmationEnd, by: string | null): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{
        fromAccountId: string;
        toAccountId: string;
        amount: number;
        score: number;
      }>(
        `WITH ended AS (
           INSERT INTO transfer_confirmations (transfer_id, outcome, decided_by) VALUES ($1, $2, $3)
           ON CONFLICT (transfer_id) DO NOTHING RETURNING transfer_id)
         SELECT t.from_account_id AS "fromAccountId", t.to_account_id AS "toAccountId", t.amount::float8 AS amount,
           COALESCE(t.risk_score, 0) AS score
         FROM ended JOIN transactions t USING (transfer_id)`,
        [transferId, end, by],
      );
      const row = rows[0];
      if (row && end === 'CONFIRMED') {
        await writeTransferEvent(client, 'transfer.approved', transferId, { ...row, decision: 'STEP_UP' });
      }
      return row !== undefined;
    });
  }
}
