/**
 * The SMS gateway's JSON contract (docs/sms-gateway-api.md) as zod schemas: the HTTP sender parses the
 * gateway's answers with them, and the local stand-in (harness/sms-gateway.ts) validates what it is sent with
 * the same ones.
 */
import { z } from 'zod';

export const SMS_IDEMPOTENCY_HEADER = 'Idempotency-Key';

/** E.164: a plus, a country code that does not start with 0, at most 15 digits in all. */
export const phoneNumberSchema = z.string().regex(/^\+[1-9]\d{6,14}$/, 'an E.164 number such as +821012345678');

/** An alphanumeric sender id as handsets show it: GSM allows at most 11 characters. */
export const senderIdSchema = z.string().regex(/^[A-Za-z0-9]{1,11}$/, 'must be 1-11 letters or digits');

/**
 * Printable ASCII without spaces: it travels as a header too, and a header cannot carry anything else (fetch
 * would throw before sending, which must not pass for the gateway being down).
 */
export const referenceSchema = z.string().regex(/^[\x21-\x7e]{1,200}$/, 'must be 1-200 printable ASCII characters');

/** The body of `POST /v1/messages`. */
export const messageRequestSchema = z.strictObject({
  to: phoneNumberSchema,
  /** An alphanumeric sender id or a number of our own. */
  from: z.union([senderIdSchema, phoneNumberSchema]),
  text: z.string().min(1).max(1600),
  /** Equal to the Idempotency-Key header. */
  reference: referenceSchema,
});
export type MessageRequest = z.infer<typeof messageRequestSchema>;

/**
 * The gateway's answer to an accepted message (202, or 200 when the Idempotency-Key was seen before). Not
 * strict: a field the gateway adds later must not turn every answer into an outage.
 */
export const messageAcceptedSchema = z.object({
  messageId: z.string().min(1),
  status: z.literal('QUEUED'),
});
export type MessageAccepted = z.infer<typeof messageAcceptedSchema>;

/** The body of every 4xx and 5xx: what went wrong and, for a 400 or 422, which field. */
export const smsErrorSchema = z.object({
  error: z.string(),
  field: z.string().optional(),
});
export type SmsError = z.infer<typeof smsErrorSchema>;
