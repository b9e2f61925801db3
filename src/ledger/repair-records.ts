import type { Pool } from 'pg';

import type { SyncCompensationInput } from '../domain/transfer';
import type { Queryable } from '../events/outbox';

/**
 * The repair records (the dlq_events table): one OPEN record per transfer the saga could not finish,
 * opened with its tx.sync_required event and resolved once syncCompensation has repaired it.
 */
export class RepairRecords {
  constructor(private readonly pool: Pool) {}

  /** Opens the repair's record, or answers the one already open for the transfer. */
  async open(request: SyncCompensationInput): Promise<number> {
    return openRepairRecord(this.pool, request);
  }

  async resolve(id: number): Promise<void> {
    await this.pool.query(`UPDATE dlq_events SET status = 'RESOLVED', resolved_at = now() WHERE id = $1`, [id]);
  }
}

/** Opens a repair's record in `db` (the saga's requesting transaction, or the pool); one OPEN per transfer. */
export async function openRepairRecord(db: Queryable, request: SyncCompensationInput): Promise<number> {
  const source = 'syncCompensation';
  const eventId = `${request.transferId}:tx.sync_required`;
  const existing = await db.query<{ id: string }>(
    `SELECT id FROM dlq_events WHERE source = $1 AND event_id = $2 AND status = 'OPEN' ORDER BY id LIMIT 1`,
    [source, eventId],
  );
  if (existing.rows[0]) return Number(existing.rows[0].id);
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO dlq_events (source, event_id, transfer_id, payload, error) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [source, eventId, request.transferId, JSON.stringify(request), request.reason],
  );
  return Number(rows[0]?.id);
}
