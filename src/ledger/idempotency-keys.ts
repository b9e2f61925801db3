import type { Pool } from 'pg';

import { transferEvent } from '../domain/events';
import type { TransferRequest } from '../domain/transfer';
import { outboxColumns } from '../events/outbox';

/** Idempotency keys are kept at least this long (DESIGN.md §4). */
const KEY_LIFETIME = '24 hours';

const ACCEPTED_COLUMNS = `transfer_id AS "transferId", request_hash AS "requestHash", request, created_at AS "createdAt"`;

/** A submission as it was accepted under a caller's key. */
export interface AcceptedRequest {
  transferId: string;
  requestHash: string;
  request: TransferRequest;
  createdAt: Date;
}

/** The idempotency records of submissions, scoped to the caller: two users may pick the same key. */
export class IdempotencyKeys {
  constructor(private readonly pool: Pool) {}

  async find(caller: string, key: string): Promise<AcceptedRequest | undefined> {
    const { rows } = await this.pool.query<AcceptedRequest>(
      `SELECT ${ACCEPTED_COLUMNS} FROM idempotency_keys WHERE caller = $1 AND key = $2`,
      [caller, key],
    );
    return rows[0];
  }

  /**
   * Records the submission under the key together with its transfer.initiated event, in one statement
   * (one round trip, one transaction). Answers when it was accepted, or undefined when a concurrent
   * submission with the same key recorded it first.
   */
  async accept(
    caller: string,
    key: string,
    submission: { transferId: string; requestHash: string; request: TransferRequest },
  ): Promise<Date | undefined> {
    const { transferId, requestHash, request } = submission;
    const initiated = transferEvent('transfer.initiated', transferId, new Date().toISOString(), {
      fromAccountId: request.fromAccountId,
      toAccountId: request.toAccountId,
      amount: request.amount,
      currency: request.currency,
    });
    const { rows } = await this.pool.query<{ createdAt: Date }>(
      `WITH accepted AS (
         INSERT INTO idempotency_keys (caller, key, request_hash, request, transfer_id, expires_at)
         VALUES ($1, $2, $3, $4, $5, now() + $6::interval) ON CONFLICT (caller, key) DO NOTHING
         RETURNING created_at
       ), initiated AS (
         INSERT INTO outbox (event_id, topic, key, payload, trace_parent) SELECT $7, $8, $9, $10, $11 FROM accepted
         ON CONFLICT (event_id) DO NOTHING
       )
       SELECT created_at AS "createdAt" FROM accepted`,
      [caller, key, requestHash, JSON.stringify(request), transferId, KEY_LIFETIME, ...outboxColumns(initiated)],
    );
    return rows[0]?.createdAt;
  }

  /** The accepted request behind a transfer id, for a transfer its saga has not recorded yet. */
  async findByTransfer(transferId: string): Promise<(AcceptedRequest & { caller: string }) | undefined> {
    const { rows } = await this.pool.query<AcceptedRequest & { caller: string }>(
      `SELECT ${ACCEPTED_COLUMNS}, caller FROM idempotency_keys WHERE transfer_id = $1`,
      [transferId],
    );
    return rows[0];
  }
}
