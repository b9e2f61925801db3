import type { RequestHandler } from 'express';
import type { Pool } from 'pg';
import { Gauge, Histogram, type Registry } from 'prom-client';

import { isTerminal, TRANSFER_STATUSES } from '../domain/transfer';
import type { OutboxBacklog, OutboxStore } from '../events/outbox';

/** Streams stay open for as long as the client listens; their length is not a latency. */
const STREAMING_PATHS = new Set(['/v1/stream', '/v1/events']);

/** Request count and latency by route and status, for the on-call dashboard. */
export function httpMetrics(registry: Registry): RequestHandler {
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return (request, response, next) => {
    if (STREAMING_PATHS.has(request.path)) return next();
    const stop = duration.startTimer();
    response.once('finish', () => {
      // The matched route pattern, never the raw path, so ids do not explode the label set.
      const route = (request.route as { path?: string } | undefined)?.path;
      stop({
        method: request.method,
        route: route ? `${request.baseUrl}${route}` : 'unmatched',
        status: response.statusCode,
      });
    });
    next();
  };
}

/**
 * Gauges filled from one read per scrape: prom-client collects them all at once, so they share the read
 * in flight. A read that fails (the store is unreachable) sets them to NaN, "unknown", rather than fail
 * the whole scrape.
 */
function gaugesFromOneRead<T>(
  registry: Registry,
  read: () => Promise<T>,
  gauges: Array<[name: string, help: string, figure: (reading: T) => number]>,
): void {
  let reading: Promise<T> | undefined;
  const shared = () =>
    (reading ??= read().finally(() => {
      reading = undefined;
    }));
  for (const [name, help, figure] of gauges) {
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        try {
          this.set(figure(await shared()));
        } catch {
          this.set(Number.NaN);
        }
      },
    });
  }
}

/**
 * Outbox lag and backlog, read from PostgreSQL at each scrape: how far Kafka subscribers are behind the
 * committed state. A lag that keeps growing means the relay cannot publish (Kafka down, no relay running).
 */
export function outboxMetrics(registry: Registry, outbox: OutboxStore): void {
  gaugesFromOneRead<OutboxBacklog>(registry, () => outbox.backlog(), [
    [
      'transfer_saga_outbox_lag_seconds',
      'Age of the oldest outbox event not yet published to Kafka (0 when none waits)',
      (backlog) => backlog.oldestAgeSeconds,
    ],
    [
      'transfer_saga_outbox_pending',
      'Outbox events committed but not yet published to Kafka',
      (backlog) => backlog.pending,
    ],
  ]);
}

interface StoreBacklog {
  reviews: number;
  oldestReviewSeconds: number;
  confirmations: number;
  repairs: number;
  stuck: number;
  oldestOpenSeconds: number;
}

/** The statuses of a transfer still under way, as the stuck alert sees them. */
const OPEN_STATUSES = TRANSFER_STATUSES.filter((status) => !isTerminal(status));

/**
 * What waits in PostgreSQL, read at each scrape: transfers waiting for review and how long the oldest has
 * waited, transfers not finished `stuckAfterMs` after submission (the Slack stuck alert's threshold) and
 * the age of the oldest unfinished one, and repairs (`dlq_events`) not yet resolved. The unfinished
 * transfers are read from the (status, submitted_at) index, so the scrape costs what is open, not the
 * table's size.
 */
export function storeMetrics(registry: Registry, postgres: Pool, stuckAfterMs: number): void {
  const read = async (): Promise<StoreBacklog> => {
    // Every figure is 0 when nothing waits, so each gauge reads a number.
    const { rows } = await postgres.query<StoreBacklog>(
      `SELECT (SELECT count(*)::int FROM transactions WHERE status = 'UNDER_REVIEW') AS reviews,
         (SELECT COALESCE(extract(epoch FROM now() - min(updated_at))::float8, 0) FROM transactions
           WHERE status = 'UNDER_REVIEW') AS "oldestReviewSeconds",
         (SELECT count(*)::int FROM transactions WHERE status = 'AWAITING_CONFIRMATION') AS confirmations,
         (SELECT count(*)::int FROM dlq_events WHERE status = 'OPEN') AS repairs,
         open.stuck, open."oldestOpenSeconds"
       FROM (SELECT count(*) FILTER (WHERE submitted_at <= now() - make_interval(secs => $2 / 1000.0))::int AS stuck,
               COALESCE(extract(epoch FROM now() - min(submitted_at))::float8, 0) AS "oldestOpenSeconds"
             FROM transactions WHERE status = ANY($1::text[])) AS open`,
      [OPEN_STATUSES, stuckAfterMs],
    );
    return rows[0] as StoreBacklog;
  };
  gaugesFromOneRead(registry, read, [
    ['transfer_saga_reviews_open', 'Transfers waiting for a review decision (UNDER_REVIEW)', (r) => r.reviews],
    [
      'transfer_saga_review_oldest_age_seconds',
      'How long the longest-waiting review has waited (0 when none waits)',
      (r) => r.oldestReviewSeconds,
    ],
    [
      'transfer_saga_transfers_stuck',
      'Transfers not in a terminal status once the stuck alert is due (SAGA_STUCK_ALERT_AFTER_MS after submission)',
      (r) => r.stuck,
    ],
    [
      'transfer_saga_transfer_open_oldest_age_seconds',
      'Time since submission of the oldest transfer not in a terminal status (0 when none is open)',
      (r) => r.oldestOpenSeconds,
    ],
    ['transfer_saga_repairs_open', 'Repairs (dlq_events) not yet resolved', (r) => r.repairs],
    [
      'transfer_saga_confirmations_open',
      'Transfers waiting for their sender to confirm with a one-time code (AWAITING_CONFIRMATION)',
      (r) => r.confirmations,
    ],
  ]);
}
