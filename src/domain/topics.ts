/**
 * The Kafka event surface (DESIGN.md §5): topic names, the contract's version, the event types. It
 * imports nothing, so the schemas, the workflow-side event builders and the tools all start here.
 */
export const TRANSFER_TOPICS = [
  'transfer.initiated',
  'transfer.created',
  'transfer.approved',
  'transfer.flagged',
  'transfer.confirmation_required',
  'transfer.completed',
  'transfer.failed',
  'tx.sync_required',
] as const;
/** A business remittance's events (issue 17): keyed and identified by the remittance, not a transfer. */
export const REMITTANCE_TOPICS = [
  'remittance.requested',
  'remittance.deposited',
  'remittance.withdrawn',
  'remittance.completed',
  'remittance.failed',
] as const;
export const TOPICS = [...TRANSFER_TOPICS, ...REMITTANCE_TOPICS] as const;
export type TransferEventType = (typeof TRANSFER_TOPICS)[number];
export type RemittanceEventType = (typeof REMITTANCE_TOPICS)[number];
export type EventType = (typeof TOPICS)[number];

/** Each topic has a `<topic>.dlt` twin for the records its consumers could not take. */
export const deadLetterTopic = (topic: string): string => `${topic}.dlt`;

export const EVENT_VERSION = 1;
