/**
 * The rail's JSON contract (docs/rail-api.md) as zod schemas: the HTTP rail parses the rail's answers and
 * callbacks with them, and the simulator validates what it is sent with the same ones.
 */
import { z } from 'zod';

import type { RailAnswer, RailInstructionType } from './payment-rail';

export const RAIL_TIMESTAMP_HEADER = 'Rail-Timestamp';
export const RAIL_SIGNATURE_HEADER = 'Rail-Signature';

const instructionType = z.enum(['collect', 'payout', 'refund'] satisfies RailInstructionType[]);
const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR');

export const bankAccountSchema = z.strictObject({
  bank: z.string().min(1).max(64),
  account: z.string().min(1).max(64),
});

/** The body of `POST /v1/instructions`. */
export const instructionRequestSchema = z.strictObject({
  key: z.string().min(1).max(200),
  type: instructionType,
  account: bankAccountSchema,
  /** Integer minor units. */
  amount: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  currency,
  reference: z.string().min(1).max(140),
  callbackUrl: z.url({ protocol: /^https?$/ }),
});
export type InstructionRequest = z.infer<typeof instructionRequestSchema>;

/**
 * The rail's answer about one instruction. Not strict: a field the rail adds later must not turn every
 * answer into an outage.
 */
export const instructionAnswerSchema = z.object({
  key: z.string().min(1),
  instructionId: z.string().min(1),
  type: instructionType,
  status: z.enum(['PENDING', 'SUCCEEDED', 'FAILED']),
  reason: z.string().optional(),
}) satisfies z.ZodType<RailAnswer>;

/** The body of a callback the rail posts. Strict: anything unexpected in a signed message is refused. */
export const callbackBodySchema = z.strictObject({
  /** The instruction's idempotency key. */
  reference: z.string().min(1),
  instructionId: z.string().min(1),
  type: instructionType,
  status: z.enum(['PROCESSING', 'SUCCEEDED', 'FAILED']),
  reason: z.string().optional(),
  occurredAt: z.iso.datetime({ offset: true }),
});
export type CallbackBody = z.infer<typeof callbackBodySchema>;

export const positionsSchema = z.object({
  positions: z.array(z.object({ currency, held: z.number().int() })),
});

export const accountBalancesSchema = z.object({
  bank: z.string(),
  account: z.string(),
  balances: z.array(z.object({ currency, net: z.number().int() })),
});
