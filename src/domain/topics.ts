/**
 * The Kafka event surface (DESIGN.md §5): topic names, the contract's version, the event types. It
 * imports nothing, so the schemas, the workflow-side event builders and the tools all start here.
 */
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

/** Each topic has a `<topic>.dlt` twin for the records its consumers could not take. */
export const deadLetterTopic = (topic: string): string => `${topic}.dlt`;

export const EVENT_VERSION = 1;
