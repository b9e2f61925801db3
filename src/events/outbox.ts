import type { Pool, PoolClient } from 'pg';

import { parseEvent } from '../domain/event-schemas';
import {
  type EventData,
  type EventEnvelope,
  eventKey,
  remittanceEvent,
  transferEvent,
  type UncheckedEventEnvelope,
} from '../domain/events';
import type { RemittanceEventType, TransferEventType } from '../domain/topics';
import { currentTraceParent } from '../tracing';

/** An event its own schema refuses. It is never written: every consumer would dead-letter it. */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';

  constructor(
    readonly eventType: string,
    /** Each bad field as `<path>: <message>`, e.g. `data.amount: must be positive`. */
    readonly problems: string,
  ) {
    super(`refused to publish an invalid ${eventType} event: ${problems}`);
  }
}

/** A pooled client inside a transaction, or the pool for a statement that is a transaction of its own. */
export type Queryable = Pick<PoolClient, 'query'> | Pool;

/**
 * Writes one event into the outbox as part of the caller's transaction (DESIGN.md §5): it becomes
 * visible to the relay exactly when the state change that makes it true commits. The envelope is
 * validated against its topic's schema first and what the schema returns is written, so nothing outside
 * the contract reaches a consumer. The eventId is unique, so a step that runs again writes nothing new.
 *
 * @throws InvalidEventError naming each bad field.
 */
export async function writeEvent(db: Queryable, event: UncheckedEventEnvelope): Promise<void> {
  await db.query(
    `INSERT INTO outbox (event_id, topic, key, payload, trace_parent) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (event_id) DO NOTHING`,
    outboxColumns(event),
  );
}

/**
 * The columns `event_id, topic, key, payload, trace_parent` of an event's outbox row, validated against
 * its schema, for a statement that writes the row together with something else (the submission's
 * idempotency record). The trace is the one in progress, so the event's publishing continues it.
 *
 * @throws InvalidEventError naming each bad field.
 */
export function outboxColumns(
  event: UncheckedEventEnvelope,
): [eventId: string, topic: string, key: string, payload: string, traceParent: string | null] {
  const parsed = parseEvent(event.type, event);
  if (!parsed.ok) throw new InvalidEventError(event.type, parsed.error);
  const valid = parsed.event;
  return [valid.eventId, valid.type, eventKey(valid), JSON.stringify(valid), currentTraceParent()];
}

/** {@link writeEvent} of a transfer event occurring now. */
export function writeTransferEvent<T extends TransferEventType>(
  db: Queryable,
  type: T,
  transferId: string,
  data: EventData[T],
): Promise<void> {
  return writeEvent(db, transferEvent(type, transferId, new Date().toISOString(), data));
}

/** {@link writeEvent} of a remittance event occurring now. */
export function writeRemittanceEvent<T extends RemittanceEventType>(
  db: Queryable,
  type: T,
  remittanceId: string,
  data: EventData[T],
): Promise<void> {
  return writeEvent(db, remittanceEvent(type, remittanceId, new Date().toISOString(), data));
}

/** One unpublished outbox row, as the relay sends it. */
export interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  event: EventEnvelope;
  /** The trace the event was written in, when traces were on. */
  traceParent: string | null;
}

export interface OutboxBacklog {
  pending: number;
  oldestAgeSeconds: number;
}

/** The relay's queries: the oldest unpublished rows, marking them sent, purging, and the lag gauge. */
export class OutboxStore {
  constructor(private readonly pool: Pool) {}

  /** Unpublished rows in the order they were written: per sender, the order their changes committed. */
  async unpublished(limit: number): Promise<OutboxRow[]> {
    const { rows } = await this.pool.query<OutboxRow>(
      `SELECT id, topic, key, payload AS event, trace_parent AS "traceParent" FROM outbox
       WHERE published_at IS NULL ORDER BY id LIMIT $1`,
      [limit],
    );
    return rows;
  }

  async markPublished(ids: string[]): Promise<void> {
    await this.pool.query('UPDATE outbox SET published_at = clock_timestamp() WHERE id = ANY($1::bigint[])', [ids]);
  }

  /** Deletes up to `limit` rows published more than `retentionMs` ago; answers how many. */
  async purge(retentionMs: number, limit = 10_000): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM outbox WHERE id IN (
         SELECT id FROM outbox WHERE published_at < now() - make_interval(secs => $1 / 1000.0) LIMIT $2)`,
      [retentionMs, limit],
    );
    return rowCount ?? 0;
  }

  /** How many rows wait for the relay, and the age in seconds of the oldest (0 when none waits). */
  async backlog(): Promise<OutboxBacklog> {
    const { rows } = await this.pool.query<{ pending: string; oldestAgeSeconds: number | null }>(
      `SELECT count(*) AS pending, extract(epoch FROM clock_timestamp() - min(created_at))::float8 AS "oldestAgeSeconds"
       FROM outbox WHERE published_at IS NULL`,
    );
    const row = rows[0];
    return { pending: Number(row?.pending ?? 0), oldestAgeSeconds: row?.oldestAgeSeconds ?? 0 };
  }
}
