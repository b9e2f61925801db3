// Type-only imports: erased at compile time, so workflow code importing this module never loads zod.
import type { EventData, EventEnvelope } from './event-schemas';
import { EVENT_VERSION, type EventType } from './topics';

/** The envelope and data types, derived from the zod schemas, for code that builds events. */
export type { EventData, EventEnvelope } from './event-schemas';

/**
 * Builds an event. The id is `<transferId>:<type>`, so a publish that is repeated (an activity
 * retried after a crash) is recognisably the same event and consumers drop the copy.
 */
export function transferEvent<T extends EventType>(
  type: T,
  transferId: string,
  occurredAt: string,
  data: EventData[T],
): EventEnvelope<T> {
  return { eventId: `${transferId}:${type}`, type, version: EVENT_VERSION, occurredAt, transferId, data };
}
