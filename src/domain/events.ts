// Type-only imports: erased at compile time, so workflow code importing this module never loads zod.
import type { EventData, EventEnvelope, RemittanceEventEnvelope, TransferEventEnvelope } from './event-schemas';
import { EVENT_VERSION, type RemittanceEventType, type TransferEventType } from './topics';

/** The envelope and data types, derived from the zod schemas, for code that builds events. */
export type {
  EventData,
  EventEnvelope,
  RemittanceEventEnvelope,
  TransferEventEnvelope,
  UncheckedEventEnvelope,
} from './event-schemas';

/**
 * Builds an event. The id is `<transferId>:<type>`, so a publish that is repeated (an activity
 * retried after a crash) is recognisably the same event and consumers drop the copy.
 */
export function transferEvent<T extends TransferEventType>(
  type: T,
  transferId: string,
  occurredAt: string,
  data: EventData[T],
): TransferEventEnvelope<T> {
  const event = { eventId: `${transferId}:${type}`, type, version: EVENT_VERSION, occurredAt, transferId, data };
  // One envelope of the distributive union; TypeScript cannot pick it for a type parameter.
  return event as TransferEventEnvelope<T>;
}

/** Builds a remittance's event, `<remittanceId>:<type>`, as {@link transferEvent} does a transfer's. */
export function remittanceEvent<T extends RemittanceEventType>(
  type: T,
  remittanceId: string,
  occurredAt: string,
  data: EventData[T],
): RemittanceEventEnvelope<T> {
  const event = { eventId: `${remittanceId}:${type}`, type, version: EVENT_VERSION, occurredAt, remittanceId, data };
  return event as RemittanceEventEnvelope<T>;
}

/**
 * The Kafka record key: the sender's account for a transfer's events (per-sender order, DESIGN.md §5),
 * the remittance itself for a remittance's.
 */
export function eventKey(event: EventEnvelope): string {
  return 'remittanceId' in event ? event.remittanceId : event.data.fromAccountId;
}
