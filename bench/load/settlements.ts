import type { Pool } from 'pg';

import { isTerminal, TRANSFER_STATUSES, type TransferStatus } from '../../src/domain/transfer';
import { sleep } from './async';
import { type Percentiles, percentiles } from './stats';

const TERMINAL_STATUSES = TRANSFER_STATUSES.filter(isTerminal);
const POLL_MS = 250;

/** How a set of transfers ended, by PostgreSQL: their statuses, and those still not terminal when the wait ran out. */
export interface Outcomes {
  statuses: Map<string, TransferStatus>;
  leftOver: string[];
}

/** Waits (at most `timeoutMs`) until PostgreSQL shows every transfer in a terminal status. */
export async function waitUntilTerminal(postgres: Pool, transferIds: string[], timeoutMs: number): Promise<Outcomes> {
  const deadline = Date.now() + timeoutMs;
  while (transferIds.length > 0 && Date.now() < deadline) {
    const { rows } = await postgres.query<{ terminal: number }>(
      `SELECT count(*)::int AS terminal FROM transactions WHERE transfer_id = ANY($1::uuid[]) AND status = ANY($2)`,
      [transferIds, TERMINAL_STATUSES],
    );
    if ((rows[0]?.terminal ?? 0) === transferIds.length) break;
    await sleep(POLL_MS);
  }
  const { rows } = await postgres.query<{ transferId: string; status: TransferStatus }>(
    `SELECT transfer_id AS "transferId", status FROM transactions WHERE transfer_id = ANY($1::uuid[])`,
    [transferIds],
  );
  const statuses = new Map(rows.map((row) => [row.transferId, row.status]));
  const leftOver = transferIds.filter((id) => !isTerminal(statuses.get(id) ?? 'PENDING'));
  return { statuses, leftOver };
}

/** Submission and settlement times of COMPLETED transfers, as PostgreSQL recorded them (epoch ms). */
export interface SettlementTimes {
  /** settled_at − submitted_at of each COMPLETED transfer. */
  latenciesMs: number[];
  settledAtMs: Map<string, number>;
  firstSubmittedMs: number | null;
  lastSettledMs: number | null;
}

/** Reads the service's own timestamps of the transfers, so latency is not the benchmark's view of it. */
export async function settlementTimes(postgres: Pool, transferIds: string[]): Promise<SettlementTimes> {
  const { rows } = await postgres.query<{ transferId: string; submittedMs: number; settledMs: number | null }>(
    `SELECT transfer_id AS "transferId", extract(epoch FROM submitted_at)::float8 * 1000 AS "submittedMs",
       CASE WHEN status = 'COMPLETED' THEN extract(epoch FROM settled_at)::float8 * 1000 END AS "settledMs"
     FROM transactions WHERE transfer_id = ANY($1::uuid[])`,
    [transferIds],
  );
  const settled = rows.filter((row): row is typeof row & { settledMs: number } => row.settledMs !== null);
  return {
    latenciesMs: settled.map((row) => row.settledMs - row.submittedMs),
    settledAtMs: new Map(settled.map((row) => [row.transferId, row.settledMs])),
    firstSubmittedMs: rows.length > 0 ? Math.min(...rows.map((row) => row.submittedMs)) : null,
    lastSettledMs: settled.length > 0 ? Math.max(...settled.map((row) => row.settledMs)) : null,
  };
}

/** Outbox lag of a set of transfers' events, and how many of their rows were still unpublished. */
export interface OutboxLag {
  lagMs: Percentiles;
  rows: number;
  unpublished: number;
}

/**
 * published_at − created_at of the outbox rows of these transfers, once the relay has published them
 * all (or `timeoutMs` ran out); null where the service has no outbox table.
 */
export async function outboxLag(postgres: Pool, transferIds: string[], timeoutMs: number): Promise<OutboxLag | null> {
  const { rows: table } = await postgres.query<{ exists: boolean }>(
    `SELECT to_regclass('public.outbox') IS NOT NULL AS exists`,
  );
  if (!table[0]?.exists) return null;
  // A join on the unnested ids, so the lookup is one hash join rather than an ANY() per outbox row.
  const ofTheseTransfers = `FROM outbox o JOIN unnest($1::text[]) AS t(id) ON o.payload->>'transferId' = t.id`;
  const deadline = Date.now() + timeoutMs;
  let unpublished = 0;
  for (;;) {
    const { rows } = await postgres.query<{ unpublished: number }>(
      `SELECT count(*)::int AS unpublished ${ofTheseTransfers} WHERE o.published_at IS NULL`,
      [transferIds],
    );
    unpublished = rows[0]?.unpublished ?? 0;
    if (unpublished === 0 || Date.now() > deadline) break;
    await sleep(POLL_MS);
  }
  const { rows } = await postgres.query<{ lagMs: number }>(
    `SELECT extract(epoch FROM o.published_at - o.created_at)::float8 * 1000 AS "lagMs"
     ${ofTheseTransfers} WHERE o.published_at IS NOT NULL`,
    [transferIds],
  );
  const lags = rows.map((row) => row.lagMs);
  return { lagMs: percentiles(lags), rows: lags.length + unpublished, unpublished };
}
