// Type-only imports: erased at compile time, so workflow code importing this module never loads zod.
import type { z } from 'zod';

import type { eventDataSchemas } from './event-schemas';

/** The Kafka event surface (DESIGN.md §5); each topic has a `<topic>.dlt` twin for dead letters. */
export const TOPICS = [
  'transfer.initiated',
  'transfer.created',
  'transfer.approved',
  'transfer.flagged',
  'transfer.completed',
  'transfer.failed',
  'tx.sync_required',
] as const;
export type EventType = (typeof TOPICS)[number];

export const deadLetterTopic = (topic: string): string => `${topic}.dlt`;

export const EVENT_VERSION = 1;

/**
 * What each event carries besides the envelope, derived from the zod schemas in event-schemas.ts
 * (the single source of truth), so the saga cannot build data its own publisher would refuse.
 */
export type EventData = { [T in EventType]: z.output<(typeof eventDataSchemas)[T]> };

export interface EventEnvelope<T extends EventType = EventType> {
  eventId: string;
  type: T;
  version: typeof EVENT_VERSION;
  occurredAt: string;
  transferId: string;
  data: EventData[T];
}

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
