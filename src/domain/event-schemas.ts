import { z } from 'zod';

import { EVENT_VERSION, type EventType, type RemittanceEventType, type TransferEventType } from './topics';
import { type ClosedStatus, RISK_DECISIONS, type RiskDecision, type RuleHit, type SyncRequest } from './transfer';

/**
 * The event contract of DESIGN.md §5 as zod schemas: the one source of truth. `EventData` and
 * `EventEnvelope` are derived from them here; events.ts takes them by a type-only import, so workflow
 * code keeps importing events.ts without pulling zod into its bundle; the docs under docs/ are generated from
 * `eventSchemas` (`npm run docs:events`).
 */

const accountId = z.string().min(1);

const amount = z
  .number()
  .int('must be a whole number of minor units, at most 2^53 - 1')
  .positive('must be positive')
  .meta({ description: 'Integer minor units (cents); JSON numbers lose precision beyond 2^53 - 1.' });

const currency = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be three capital letters (ISO 4217)')
  .meta({ description: 'ISO 4217 code.' });

const score = z.number().nonnegative().meta({ description: 'Σ scores of the deciding rules that hit + anomaly.' });

const riskDecision = z.enum(RISK_DECISIONS);
const flaggedDecision = z.enum(['REVIEW', 'STEP_UP', 'BLOCK']);
const closedStatus = z.enum(['DECLINED', 'BLOCKED', 'REJECTED', 'FAILED']);

const ruleHit = z.strictObject({
  ruleId: z.string().min(1),
  version: z.number().int().positive(),
  score: z.number().nonnegative(),
  shadow: z.boolean().meta({ description: 'Shadow rules are logged but never change a decision.' }),
  reason: z.string(),
});

const moneyMoving = z.strictObject({ fromAccountId: accountId, toAccountId: accountId, amount, currency });

const businessAccount = z.strictObject({ bank: z.string().min(1), account: z.string().min(1) });

/** What every remittance event says of its remittance. */
const remittanceFacts = {
  number: z.number().int().positive().meta({ description: "The request's unique number (shown as R-000042)." }),
  rail: z.string().min(1).meta({ description: 'The bank rail both legs go over.' }),
  fromBusiness: businessAccount,
  toBusiness: businessAccount,
  amount,
  currency,
  reference: z.string(),
};
const platformLeg = z.strictObject({
  ...remittanceFacts,
  platformAccountId: accountId.meta({ description: 'The platform account the leg was booked on.' }),
});

/**
 * What each event carries besides the envelope. Strict (an unknown field is refused), so a producer
 * cannot grow the contract by accident — except tx.sync_required: other producers send it, and the
 * consumer must not dead-letter a repair request over a field it does not read. Unknown fields are
 * stripped there, not passed on, because the data becomes syncCompensation's workflow input.
 */
export const eventDataSchemas = {
  'transfer.initiated': moneyMoving,
  'transfer.created': moneyMoving,
  'transfer.approved': z.strictObject({
    fromAccountId: accountId,
    toAccountId: accountId,
    amount,
    decision: riskDecision.meta({
      description: 'PASS; REVIEW once a reviewer approved it; STEP_UP once the sender confirmed it with their code.',
    }),
    score,
  }),
  'transfer.flagged': z.strictObject({
    fromAccountId: accountId,
    toAccountId: accountId,
    amount,
    decision: flaggedDecision,
    score,
    reasons: z.array(z.string()),
    ruleHits: z.array(ruleHit),
  }),
  'transfer.confirmation_required': z.strictObject({
    fromAccountId: accountId,
    toAccountId: accountId,
    amount,
    expiresAt: z.iso.datetime().meta({
      description: 'When the first code stops working; a code sent again on request has its own expiry.',
    }),
  }),
  'transfer.completed': moneyMoving,
  'transfer.failed': z.strictObject({
    fromAccountId: accountId,
    toAccountId: accountId,
    amount,
    status: closedStatus.meta({ description: 'The terminal status; no money moved.' }),
    reason: z.string(),
  }),
  'tx.sync_required': z.object({
    fromAccountId: accountId,
    toAccountId: accountId,
    amount,
    currency,
    reason: z.string(),
    source: z
      .string()
      .meta({ description: 'Who asked: transferSaga, stuckTransferSweep, reconcile or another producer.' }),
    kind: z.enum(['transfer', 'orphan-hold', 'account']).optional().meta({
      description:
        'What to repair: the transfer (default), a Redis hold no saga or row owns, or the Redis balance of fromAccountId.',
    }),
  }),
  'remittance.requested': z.strictObject(remittanceFacts),
  'remittance.deposited': platformLeg,
  'remittance.withdrawn': platformLeg,
  'remittance.completed': z.strictObject(remittanceFacts),
  'remittance.failed': z.strictObject({
    ...remittanceFacts,
    reason: z.string(),
    refunded: z.boolean().meta({ description: 'True when the collected money was sent back to fromBusiness.' }),
  }),
} satisfies Record<EventType, z.ZodType>;

type EventDataSchemas = typeof eventDataSchemas;

/** What each event carries besides the envelope, so the saga cannot build data its own publisher would refuse. */
export type EventData = { [T in EventType]: z.output<EventDataSchemas[T]> };

interface EnvelopeBase<T extends EventType> {
  eventId: string;
  type: T;
  version: typeof EVENT_VERSION;
  occurredAt: string;
  data: EventData[T];
}

/** One envelope per event type (distributive), so narrowing on `type` narrows `data` too. */
type EnvelopeOf<T extends EventType, Subject> = T extends unknown ? EnvelopeBase<T> & Subject : never;

/** A transfer's event: its id is `<transferId>:<type>`. */
export type TransferEventEnvelope<T extends TransferEventType = TransferEventType> = EnvelopeOf<
  T,
  { transferId: string }
>;
/** A remittance's event: its id is `<remittanceId>:<type>`. */
export type RemittanceEventEnvelope<T extends RemittanceEventType = RemittanceEventType> = EnvelopeOf<
  T,
  { remittanceId: string }
>;

/** The envelope of a topic: remittance topics name their remittance, the others their transfer. */
export type EventEnvelope<T extends EventType = EventType> = T extends RemittanceEventType
  ? RemittanceEventEnvelope<T>
  : T extends TransferEventType
    ? TransferEventEnvelope<T>
    : never;

/** Any event before its schema has checked it: what the outbox and the publisher take, and validate. */
export type UncheckedEventEnvelope = EnvelopeBase<EventType> & ({ transferId: string } | { remittanceId: string });

/** What each event means; carried into the JSON Schema and AsyncAPI documents. */
const DESCRIPTIONS: Record<EventType, string> = {
  'transfer.initiated': 'The saga started: nothing is reserved yet.',
  'transfer.created': 'The amount is held on the sender and the transfer is recorded in PostgreSQL.',
  'transfer.approved': 'Risk passed it (PASS), or a reviewer approved it after REVIEW; settlement follows.',
  'transfer.flagged':
    'Risk decided REVIEW (it waits for an operator), STEP_UP (it asks the sender) or BLOCK (it will fail), with the rule hits.',
  'transfer.confirmation_required':
    'The first one-time code went to the owner of the sending account by SMS; the transfer waits AWAITING_CONFIRMATION. Once per transfer; never carries the code.',
  'transfer.completed': 'Money moved: the transfer settled.',
  'transfer.failed': 'It ended without moving money (DECLINED, BLOCKED, REJECTED or FAILED), after compensation.',
  'tx.sync_required':
    'A transfer needs syncCompensation to reconcile PostgreSQL and Redis: sent by the saga when it could not finish a compensation, and by other producers.',
  'remittance.requested': 'A business remittance was accepted (REQUESTED); the rail is asked to collect next.',
  'remittance.deposited': "The collected money is booked on the platform account, against the rail's clearing account.",
  'remittance.withdrawn': 'The platform account was debited for the payout, which the rail is asked for next.',
  'remittance.completed': 'The rail paid business B: the remittance is done.',
  'remittance.failed':
    'It ended without paying B: the rail refused the collection (nothing moved), or refused the payout and the money went back to A.',
};

/** Producers other than this service publish these topics, so their envelopes are read leniently. */
const FOREIGN_PRODUCERS: ReadonlySet<EventType> = new Set(['tx.sync_required']);

/**
 * The envelope of a topic, fields in the order they are written: `subject` is the id field the event id
 * starts with.
 */
function envelopeShape<T extends EventType, S extends 'transferId' | 'remittanceId'>(
  type: T,
  subject: S,
  foreign: boolean,
) {
  return {
    eventId: z
      .string()
      .regex(new RegExp(`^[0-9a-fA-F-]{36}:${type.replace(/\./g, '\\.')}$`), `must be \`<${subject}>:<type>\``)
      .meta({ description: `\`<${subject}>:<type>\`: deterministic, so a re-published event is the same event.` }),
    type: z.literal(type),
    version: z.literal(EVENT_VERSION),
    // Our producers write UTC (`toISOString`); others may write an offset, which is still ISO-8601.
    occurredAt: z.iso.datetime({ offset: foreign }),
    ...({ [subject]: z.uuid() } as { [K in S]: z.ZodUUID }),
    data: eventDataSchemas[type],
  };
}

function transferEnvelope<T extends Exclude<EventType, RemittanceEventType>>(type: T) {
  const foreign = FOREIGN_PRODUCERS.has(type);
  const shape = envelopeShape(type, 'transferId', foreign);
  const envelope = foreign ? z.object(shape) : z.strictObject(shape);
  return envelope
    .refine((event) => event.eventId === `${event.transferId}:${event.type}`, {
      path: ['eventId'],
      message: 'must be `<transferId>:<type>` of this event',
    })
    .meta({ title: type, description: DESCRIPTIONS[type] });
}

function remittanceEnvelope<T extends RemittanceEventType>(type: T) {
  return z
    .strictObject(envelopeShape(type, 'remittanceId', false))
    .refine((event) => event.eventId === `${event.remittanceId}:${event.type}`, {
      path: ['eventId'],
      message: 'must be `<remittanceId>:<type>` of this event',
    })
    .meta({ title: type, description: DESCRIPTIONS[type] });
}

type EnvelopeSchema<T extends EventType> = T extends RemittanceEventType
  ? ReturnType<typeof remittanceEnvelope<T>>
  : ReturnType<typeof transferEnvelope<Exclude<T, RemittanceEventType>>>;

/** The full envelope schema of each topic: what a producer may send and a consumer accepts. */
export const eventSchemas: { readonly [T in EventType]: z.ZodType<EventEnvelope<T>> } = {
  'transfer.initiated': transferEnvelope('transfer.initiated'),
  'transfer.created': transferEnvelope('transfer.created'),
  'transfer.approved': transferEnvelope('transfer.approved'),
  'transfer.flagged': transferEnvelope('transfer.flagged'),
  'transfer.confirmation_required': transferEnvelope('transfer.confirmation_required'),
  'transfer.completed': transferEnvelope('transfer.completed'),
  'transfer.failed': transferEnvelope('transfer.failed'),
  'tx.sync_required': transferEnvelope('tx.sync_required'),
  'remittance.requested': remittanceEnvelope('remittance.requested'),
  'remittance.deposited': remittanceEnvelope('remittance.deposited'),
  'remittance.withdrawn': remittanceEnvelope('remittance.withdrawn'),
  'remittance.completed': remittanceEnvelope('remittance.completed'),
  'remittance.failed': remittanceEnvelope('remittance.failed'),
};

/** A record's value checked against its topic's schema; `error` names each bad field by its path. */
export type ParsedEvent<T extends EventType> = { ok: true; event: EventEnvelope<T> } | { ok: false; error: string };

/**
 * Validates a JSON value (already parsed) as an event of `type`. The answer's `error` lists every
 * problem as `<path>: <message>` (e.g. `data.amount: must be positive`), joined by `; `, so a dead
 * letter or a refused publish says which field to fix.
 */
export function parseEvent<T extends EventType>(type: T, value: unknown): ParsedEvent<T> {
  if (!Object.hasOwn(eventSchemas, type)) return { ok: false, error: `type: "${String(type)}" is not an event type` };
  const result = eventSchemas[type].safeParse(value);
  // The guards at the bottom of this file tie each schema's output to its envelope type.
  return result.success
    ? { ok: true, event: result.data as EventEnvelope<T> }
    : { ok: false, error: describeIssues(result.error) };
}

/** One `<path>: <message>` per bad field (its first problem: an eventId can fail two checks at once). */
function describeIssues(error: z.ZodError): string {
  const where = (path: PropertyKey[]) => path.map(String).join('.') || 'event';
  const problems = new Map<string, string>();
  for (const issue of error.issues) {
    const found: Array<[string, string]> =
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => [where([...issue.path, key]), 'is not a known field'])
        : [[where(issue.path), issue.message]];
    for (const [path, message] of found) if (!problems.has(path)) problems.set(path, message);
  }
  return [...problems].map(([path, message]) => `${path}: ${message}`).join('; ');
}

/*
 * Compile-time guards: each schema's output and the domain type it stands for must be assignable to
 * each other, so the contract cannot drift from what the saga builds (a mismatch fails `tsc`, not a
 * consumer). Mutual assignability rather than type identity, which an interface and zod's mapped
 * output type never share even when they describe the same values.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<Condition extends true> = Condition;

type _EventSchemaGuards = [
  Assert<Same<{ [T in EventType]: Same<z.output<EnvelopeSchema<T>>, EventEnvelope<T>> }[EventType], true>>,
  Assert<Same<z.output<typeof riskDecision>, RiskDecision>>,
  Assert<Same<z.output<typeof flaggedDecision>, Exclude<RiskDecision, 'PASS'>>>,
  Assert<Same<z.output<typeof closedStatus>, ClosedStatus>>,
  Assert<Same<z.output<typeof ruleHit>, RuleHit>>,
  Assert<Same<z.output<EventDataSchemas['tx.sync_required']>, SyncRequest>>,
];
