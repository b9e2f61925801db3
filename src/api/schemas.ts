import { isIP } from 'node:net';

import { z } from 'zod';

import { REMITTANCE_STATUSES } from '../domain/remittance';
import { STAFF_ROLES } from '../domain/roles';
import { TOPICS } from '../domain/topics';
import { RISK_DECISIONS, TRANSFER_STATUSES } from '../domain/transfer';
import { RULE_ACTIONS } from '../risk/rules';
import { MIN_PASSWORD_LENGTH } from '../staff/password-policy';
import { RequestRefused } from '../use-cases/errors';

/** ISO-4217 codes as the runtime's ICU knows them (Node ships full ICU). */
const ISO_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

export const accountId = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/,
    'must be 1–64 letters, digits, or _ . : - (starting with a letter or digit)',
  );

const currency = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be a three-letter ISO-4217 code in capitals')
  .refine((code) => ISO_CURRENCIES.has(code), 'is not an ISO-4217 currency');

/** Minor units as a JSON integer or a string of decimal digits; never a float. */
const minorUnits = (min: number, max: number) =>
  z
    .union([
      z.number().int('must be a whole number of minor units (cents)'),
      z.string().regex(/^\d+$/, 'must contain only decimal digits'),
    ])
    .transform((value) => Number(value))
    .refine(
      (value) => Number.isSafeInteger(value) && value >= min && value <= max,
      `must be between ${min} and ${max}`,
    );

export const openAccountBody = z.strictObject({
  accountId: accountId.optional(),
  ownerId: z.string().min(1).max(128),
  currency,
  initialBalance: minorUnits(0, Number.MAX_SAFE_INTEGER),
  phone: z
    .string()
    .regex(/^\+[1-9][0-9]{6,14}$/, 'must be an E.164 number, e.g. +821012345678')
    .optional()
    .describe("the owner's mobile number (E.164): where step-up confirmation codes go"),
});

/**
 * Control characters and bidirectional overrides: a memo is shown to operators (Slack, the console) and
 * to the receiver, where these could hide or reorder text, e.g. make a memo read as another amount.
 */
const UNSAFE_TEXT = /[\p{Cc}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

const memo = z
  .string()
  .max(140)
  .refine((text) => !UNSAFE_TEXT.test(text), 'must not contain control or bidirectional-override characters');

const degrees = (limit: number) =>
  z
    .number()
    .min(-limit, `must be from -${limit} to ${limit} degrees`)
    .max(limit, `must be from -${limit} to ${limit} degrees`);

/** Where the sender is, as its client reports it: each part optional, all of it only ever read by risk. */
export const deviceContext = z
  .strictObject({
    ip: z
      .string()
      .max(45)
      // isIP also takes an IPv6 zone (`fe80::1%eth0`), which names an interface on the client, not an address.
      .refine((ip) => isIP(ip) !== 0 && !ip.includes('%'), 'must be an IPv4 or IPv6 address')
      .meta({
        description: "the sender's public IP address, located offline for the travel and country rules",
        // JSON Schema cannot see into a refinement, so the rule it checks is stated here.
        anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }],
      })
      .optional(),
    location: z
      .strictObject({
        lat: degrees(90).describe('latitude in degrees, from -90 to 90'),
        lon: degrees(180).describe('longitude in degrees, from -180 to 180'),
      })
      .optional()
      .describe("the device's own location; wins over the IP's for the travel rules (the country stays the IP's)"),
    deviceId: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1–128 letters, digits, or . _ : -')
      .optional()
      .describe('a stable id of the sending device or app install, for the new-device rules'),
  })
  .describe('where the transfer is sent from, for risk: the IP, the device location and the device id');

export function transferBody(maxAmount: number) {
  return z
    .strictObject({
      fromAccountId: accountId,
      toAccountId: accountId,
      amount: minorUnits(1, maxAmount),
      currency,
      memo: memo.optional(),
      context: deviceContext.optional(),
    })
    .refine((body) => body.fromAccountId !== body.toAccountId, {
      path: ['toAccountId'],
      message: 'must differ from fromAccountId',
    });
}

/** A bank or account identifier as a rail carries it: letters, digits and a few separators, no spaces. */
const bankIdentifier = (what: string) =>
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/, `must be 1–64 letters, digits, or . _ / - naming the ${what}`);

const bankAccount = z.strictObject({ bank: bankIdentifier('bank'), account: bankIdentifier('account') });

export function remittanceBody(maxAmount: number) {
  return z
    .strictObject({
      fromBusiness: bankAccount.describe("the sending business's bank account (a registered business profile)"),
      toBusiness: bankAccount.describe("the receiving business's bank account (a registered business profile)"),
      amount: minorUnits(1, maxAmount),
      currency,
      reference: memo.min(1).max(140).describe('shown on both bank statements'),
    })
    .refine(
      (body) =>
        body.fromBusiness.bank !== body.toBusiness.bank || body.fromBusiness.account !== body.toBusiness.account,
      { path: ['toBusiness'], message: 'must be another bank account than fromBusiness' },
    );
}

export const businessId = accountId.describe('the business profile id');

export const businessProfileBody = z.strictObject({
  businessId,
  ownerId: z.string().min(1).max(128).describe('the USER (`sub`) who may remit from it'),
  name: memo.min(1).max(140),
  bank: bankIdentifier('bank'),
  account: bankIdentifier('account'),
});

export const remittanceId = z.uuid();

export const listRemittancesQuery = z.strictObject({
  status: z.enum(REMITTANCE_STATUSES).optional().describe('only remittances in this status'),
  limit: z.coerce.number().int().min(1).max(100).default(20).describe('page size'),
  cursor: z.string().max(200).optional().describe('the `nextCursor` of the previous page'),
});

export const remittanceFailuresQuery = z.strictObject({
  status: z.enum(['OPEN', 'RESOLVED']).optional().describe('only records in this status'),
  limit: z.coerce.number().int().min(1).max(200).default(100).describe('at most this many'),
});

export const failureId = z.string().regex(/^[1-9][0-9]{0,17}$/, 'must be a failure record id');

export const railName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'must name a rail');

/** The staff listing's filters, shared by the page and the counts by status. */
const transferFilters = {
  accountId: accountId.optional().describe('only transfers from or to this account'),
  decision: z.enum(RISK_DECISIONS).optional().describe('only transfers risk decided so'),
  submittedFrom: z.iso.datetime({ offset: true }).optional().describe('submitted at or after'),
  submittedTo: z.iso.datetime({ offset: true }).optional().describe('submitted before'),
  minAmount: z.coerce.number().int().min(0).optional().describe('at least, in minor units'),
  maxAmount: z.coerce.number().int().min(0).optional().describe('at most, in minor units'),
};

const orderedRanges = <
  T extends { submittedFrom?: string; submittedTo?: string; minAmount?: number; maxAmount?: number },
>(
  query: T,
  context: z.RefinementCtx,
) => {
  if (query.submittedFrom && query.submittedTo && Date.parse(query.submittedFrom) > Date.parse(query.submittedTo)) {
    context.addIssue({ code: 'custom', path: ['submittedTo'], message: 'must not be before submittedFrom' });
  }
  if (query.minAmount !== undefined && query.maxAmount !== undefined && query.minAmount > query.maxAmount) {
    context.addIssue({ code: 'custom', path: ['maxAmount'], message: 'must not be below minAmount' });
  }
};

export const transferCountsQuery = z.strictObject(transferFilters).superRefine(orderedRanges);

export const listTransfersQuery = z
  .strictObject({
    status: z.enum(TRANSFER_STATUSES).optional().describe('only transfers in this status'),
    ...transferFilters,
    limit: z.coerce.number().int().min(1).max(100).default(20).describe('page size'),
    cursor: z.string().max(200).optional().describe('the `nextCursor` of the previous page'),
  })
  .superRefine(orderedRanges);

export const idempotencyKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
  .describe('the same key with the same body answers the same transfer; with another body, 409');

export const transferId = z.uuid();

export const reviewBody = z.strictObject({
  decision: z.enum(['APPROVE', 'REJECT']),
  reason: z.string().trim().min(1).max(500),
});

export const confirmBody = z
  .strictObject({
    code: z
      .string()
      .regex(/^[0-9]{6}$/, 'must be the 6 digits of the code sent by SMS')
      .optional()
      .describe('the one-time code'),
    decision: z.literal('DECLINE').optional().describe('refuse the transfer instead'),
  })
  .refine((body) => (body.code === undefined) !== (body.decision === undefined), {
    path: ['code'],
    message: 'give either the code or decision "DECLINE", not both',
  });

export const cancelBody = z.strictObject({ reason: z.string().trim().min(1).max(500) });

export const reviewsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50).describe('how many to list'),
});

export const auditQuery = z.strictObject({
  sub: z.string().min(1).max(200).optional().describe('only what this caller did'),
  action: z.string().min(1).max(200).optional().describe('only this action, e.g. `submit transfer`'),
  outcome: z
    .enum(['done', 'unauthenticated', 'forbidden', 'rate-limited', 'refused', 'failed'])
    .optional()
    .describe('only this outcome'),
  limit: z.coerce.number().int().min(1).max(100).default(50).describe('page size'),
  cursor: z
    .string()
    .regex(/^\d{1,19}$/, 'must be a cursor this API issued')
    .optional()
    .describe('the `nextCursor` of the previous page'),
});

/** The query of both live-feed routes. */
export const streamQuery = z.strictObject({
  after: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe(
      'resume after this eventId (the `id` of the last message received); an id the feed does not know ' +
        'answers 400. Without it the stream starts with the next new event',
    ),
  accountId: accountId
    .optional()
    .describe('only this account: any account for staff, an own account for a USER (another answers 403)'),
  access_token: z
    .string()
    .optional()
    .describe('the JWT, for clients that cannot set the Authorization header (browser WebSocket, EventSource)'),
});

/** `Last-Event-ID`: an EventSource's own resume cursor, as `after` is. */
export const lastEventId = z.string().optional().describe('resume after this eventId, as `after` does; wins over it');

export const ruleId = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_.-]{0,63}$/,
    'must be 1–64 lower-case letters, digits, or _ . - (starting with one of the first two)',
  );

/**
 * A condition as a request carries it: any JSON object, judged by `parseCondition` (a 422 naming the
 * path). The API document shows the language's own schema in its place.
 */
export const conditionJson = z.record(z.string(), z.unknown());

/** A rule's definition; the condition's language is checked separately, so its errors can name a path. */
export const ruleDefinition = z.strictObject({
  name: z.string().trim().min(1).max(120),
  description: z.string().max(1000).nullable().default(null),
  condition: conditionJson,
  score: z.number().finite().min(0).max(10_000),
  action: z.enum(RULE_ACTIONS),
  enabled: z.boolean().default(true),
  shadow: z.boolean().default(false),
});

export const newRuleBody = ruleDefinition.extend({ ruleId: ruleId.optional() });

/** `If-Match: "<version>"` (or a bare number): the version a rule write expects to replace. */
export const expectedVersion = z
  .string()
  .regex(/^"?\d+"?$/, 'must be the rule version the change replaces, e.g. "3"')
  .transform((value) => Number(value.replace(/"/g, '')))
  .optional()
  .describe('the rule version this change replaces, e.g. "3"; a newer current version answers 409');

/**
 * Parses input or refuses it with a 400 that names the first bad field (`where` prefixes it, e.g.
 * `query.limit`); unknown fields are named too.
 */
export function parse<S extends z.ZodType>(schema: S, input: unknown, where?: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0] as z.core.$ZodIssue;
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, ...issue.keys] : issue.path;
  const field = [where, ...path.map(String)].filter(Boolean).join('.') || where || 'body';
  const message = issue.code === 'unrecognized_keys' ? 'is not a known field' : issue.message;
  throw new RequestRefused('invalid', 'validation-failed', `${field} ${message}`, field);
}

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');

/** One payload as Temporal's JSON spells it: every bytes field, metadata values included, in base64. */
export const wirePayload = z.strictObject({
  metadata: z.record(z.string().max(256), base64).optional(),
  data: base64.optional(),
});

/** What the Temporal Web UI and CLI send their codec endpoint. */
export const codecRequest = z.strictObject({ payloads: z.array(wirePayload).max(1_000) });

/** A rule to try on recent transfers before it is saved: a new one, or an existing one's next version. */
export const ruleDryRunBody = z.strictObject({
  rule: newRuleBody,
  limit: z.number().int().min(1).max(1_000).default(200).describe('how many of the latest evaluated transfers'),
});

export const loginBody = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(1_024),
});

export const staffUsername = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._-]{1,63}$/,
    'must be 2–64 lower-case letters, digits, or . _ - (starting with one of the first two)',
  );

export const newStaffBody = z.strictObject({
  username: staffUsername,
  email: z.email().max(254),
  role: z.enum(STAFF_ROLES),
  password: z.string().min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`).max(1_024),
});

export const staffChange = z
  .strictObject({
    role: z.enum(STAFF_ROLES).optional(),
    disabled: z.boolean().optional(),
    unlock: z.literal(true).optional().describe('end a lockout now, and start its failure count again'),
  })
  .refine((change) => change.role !== undefined || change.disabled !== undefined || change.unlock, {
    message: 'name a role, disabled or unlock to change',
  });

/** A dead-letter route names the original topic, e.g. `tx.sync_required`. */
export const eventTopic = z.enum(TOPICS);
