import type { Pool } from 'pg';

import type { RiskDecision } from '../domain/transfer';

/** An event a transfer's saga wrote to the outbox, and whether the relay has published it yet. */
export interface TransferEvent {
  eventId: string;
  type: string;
  topic: string;
  createdAt: string;
  publishedAt: string | null;
}

/** A correction_log entry: what sync compensation or reconciliation repaired, and why. */
export interface Correction {
  id: string;
  transferId: string | null;
  accountId: string | null;
  kind: string;
  detail: Record<string, unknown>;
  at: string;
}

/** A dlq_events row not yet resolved. */
export interface OpenRepair {
  id: string;
  source: string;
  eventId: string | null;
  transferId: string | null;
  error: string;
  createdAt: string;
}

/** What PostgreSQL says of the last minutes, for the console's health page. */
export interface StoreStats {
  completedPerSecond: number;
  decisions: Record<RiskDecision, number>;
  completedP99Ms: number | null;
  outboxLagSeconds: number;
  openReviews: number;
}

/** Completed/s is counted over this window, the decision mix and the p99 over the longer one. */
const RATE_WINDOW_SECONDS = 60;
const MIX_WINDOW_SECONDS = 300;

const iso = (value: Date | null): string | null => value?.toISOString() ?? null;

/** The console's reads across the outbox, the correction log, the repairs and the ledger; nothing writes. */
export class OperationsReads {
  constructor(private readonly pool: Pool) {}

  /** The events still in the outbox for a transfer (published ones are purged after their retention). */
  async transferEvents(transferId: string): Promise<TransferEvent[]> {
    const { rows } = await this.pool.query<{
      eventId: string;
      topic: string;
      createdAt: Date;
      publishedAt: Date | null;
    }>(
      `SELECT event_id AS "eventId", topic, created_at AS "createdAt", published_at AS "publishedAt"
       FROM outbox WHERE event_id LIKE $1 || ':%' ORDER BY id`,
      [transferId],
    );
    return rows.map((row) => ({
      eventId: row.eventId,
      type: row.eventId.slice(transferId.length + 1),
      topic: row.topic,
      createdAt: row.createdAt.toISOString(),
      publishedAt: iso(row.publishedAt),
    }));
  }

  /** Corrections of one transfer, or the latest of all when `transferId` is undefined; newest first. */
  async corrections(filter: { transferId?: string; limit: number }): Promise<Correction[]> {
    const { rows } = await this.pool.query<Omit<Correction, 'at'> & { at: Date }>(
      `SELECT id::text, transfer_id AS "transferId", account_id AS "accountId", kind, detail, created_at AS at
       FROM correction_log WHERE ($1::uuid IS NULL OR transfer_id = $1) ORDER BY id DESC LIMIT $2`,
      [filter.transferId ?? null, filter.limit],
    );
    return rows.map((row) => ({ ...row, at: row.at.toISOString() }));
  }

  async openRepairs(limit: number): Promise<OpenRepair[]> {
    const { rows } = await this.pool.query<Omit<OpenRepair, 'createdAt'> & { createdAt: Date }>(
      `SELECT id::text, source, event_id AS "eventId", transfer_id AS "transferId", error, created_at AS "createdAt"
       FROM dlq_events WHERE status = 'OPEN' ORDER BY created_at, id LIMIT $1`,
      [limit],
    );
    return rows.map((row) => ({ ...row, createdAt: row.createdAt.toISOString() }));
  }

  /** One round trip: the rate and latency of completions, the decision mix, the outbox's lag, the queue. */
  async stats(): Promise<StoreStats> {
    const { rows } = await this.pool.query<{
      completed: number;
      p99: number | null;
      pass: number;
      review: number;
      stepUp: number;
      block: number;
      outboxLag: number | null;
      openReviews: number;
    }>(
      `WITH mix AS (
         SELECT count(*) FILTER (WHERE decision = 'PASS')::int AS pass,
                count(*) FILTER (WHERE decision = 'REVIEW')::int AS review,
                count(*) FILTER (WHERE decision = 'STEP_UP')::int AS "stepUp",
                count(*) FILTER (WHERE decision = 'BLOCK')::int AS block
         FROM risk_logs WHERE facts IS NOT NULL AND evaluated_at > now() - make_interval(secs => $2))
       SELECT
         (SELECT count(*)::int FROM transactions WHERE status = 'COMPLETED'
            AND settled_at > now() - make_interval(secs => $1)) AS completed,
         (SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM settled_at - submitted_at) * 1000)
            FROM transactions WHERE status = 'COMPLETED' AND settled_at > now() - make_interval(secs => $2)) AS p99,
         mix.pass, mix.review, mix."stepUp", mix.block,
         (SELECT extract(epoch FROM clock_timestamp() - min(created_at))::float8 FROM outbox
            WHERE published_at IS NULL) AS "outboxLag",
         (SELECT count(*)::int FROM transactions WHERE status = 'UNDER_REVIEW') AS "openReviews"
       FROM mix`,
      [RATE_WINDOW_SECONDS, MIX_WINDOW_SECONDS],
    );
    const row = rows[0]!;
    return {
      completedPerSecond: Math.round((row.completed / RATE_WINDOW_SECONDS) * 100) / 100,
      decisions: { PASS: row.pass, REVIEW: row.review, STEP_UP: row.stepUp, BLOCK: row.block },
      completedP99Ms: row.p99 === null ? null : Math.round(row.p99),
      outboxLagSeconds: row.outboxLag ?? 0,
      openReviews: row.openReviews,
    };
  }
}
