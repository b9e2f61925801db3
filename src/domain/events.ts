import type { ClosedStatus, RiskDecision, RuleHit, SyncRequest } from './transfer';

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

/** What each event carries besides the envelope. */
export interface EventData {
  'transfer.initiated': { fromAccountId: string; toAccountId: string; amount: number; currency: string };
  'transfer.created': { fromAccountId: string; toAccountId: string; amount: number; currency: string };
  'transfer.approved': {
    fromAccountId: string;
    toAccountId: string;
    amount: number;
    decision: RiskDecision;
    score: number;
  };
  'transfer.flagged': {
    fromAccountId: string;
    toAccountId: string;
    amount: number;
    decision: Exclude<RiskDecision, 'PASS'>;
    score: number;
    reasons: string[];
    ruleHits: RuleHit[];
  };
  'transfer.completed': { fromAccountId: string; toAccountId: string; amount: number; currency: string };
  'transfer.failed': {
    fromAccountId: string;
    toAccountId: string;
    amount: number;
    status: ClosedStatus;
    reason: string;
  };
  'tx.sync_required': SyncRequest;
}

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
