import type { Pool } from 'pg';

/** Rows deleted per statement: each delete stays a short transaction, however large the backlog. */
const PURGE_BATCH = 10_000;

export interface Purged {
  idempotencyKeys: number;
  processedEvents: number;
}

/**
 * Forgets what no longer protects anything: idempotency keys past their `expires_at` (a retry a day
 * later is a new request), and a consumer's record of an event processed longer ago than
 * `processedEventRetentionMs` (no record older than EVENT_MAX_AGE_MS is acted on again anyway).
 */
export function createRetentionActivities({
  postgres,
  processedEventRetentionMs,
}: {
  postgres: Pool;
  processedEventRetentionMs: number;
}) {
  const purge = async (statement: string, parameters: unknown[] = []): Promise<number> => {
    let total = 0;
    for (;;) {
      const { rowCount } = await postgres.query(statement, [...parameters, PURGE_BATCH]);
      total += rowCount ?? 0;
      if ((rowCount ?? 0) < PURGE_BATCH) return total;
    }
  };
  return {
    async purgeExpiredRecords(): Promise<Purged> {
      const idempotencyKeys = await purge(
        `DELETE FROM idempotency_keys WHERE ctid IN (
           SELECT ctid FROM idempotency_keys WHERE expires_at < now() LIMIT $1)`,
      );
      const processedEvents = await purge(
        `DELETE FROM processed_events WHERE ctid IN (
           SELECT ctid FROM processed_events WHERE processed_at < now() - make_interval(secs => $1 / 1000.0) LIMIT $2)`,
        [processedEventRetentionMs],
      );
      return { idempotencyKeys, processedEvents };
    },
  };
}
