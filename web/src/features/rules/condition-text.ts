/** A condition to start from: what the language looks like (src/risk/conditions.ts has all of it). */
export const EXAMPLE_CONDITION = JSON.stringify(
  { all: [{ amount: { gte: 500000 } }, { newReceiver: true }, { timeOfDay: { from: '22:00', to: '06:00' } }] },
  null,
  2,
);

/** One example per operator of the language, as the editor's help lists them. */
export const CONDITION_EXAMPLES: ReadonlyArray<{ condition: Record<string, unknown>; meaning: string }> = [
  { condition: { amount: { gte: 100000 } }, meaning: 'the amount compares (gt, gte, lt, lte, eq), in minor units' },
  {
    condition: { velocity: { windowSeconds: 600, count: { gte: 5 } } },
    meaning: "the sender's count and/or sum over the window",
  },
  { condition: { dailyTotal: { gt: 500000 } }, meaning: "the sender's total for the UTC day" },
  { condition: { newReceiver: true }, meaning: 'the first transfer from this sender to this receiver' },
  { condition: { timeOfDay: { from: '22:00', to: '06:00' } }, meaning: 'submitted within [from, to) UTC' },
  {
    condition: { account: { side: 'from', in: ['acct-1'] } },
    meaning: 'a listed sender (from), receiver (to) or either',
  },
  { condition: { currency: { in: ['EUR'] } }, meaning: 'a listed currency' },
  { condition: { anomalyScore: { gte: 0.8 } }, meaning: "the anomaly model's score, 0 to 1" },
  {
    condition: { travel: { maxSpeedKmh: 1000, withinSeconds: 86400 } },
    meaning:
      "faster than 1000 km/h from the sender's last located transfer, if that was within a day; " +
      'unknown locations and moves under 50 km never hit',
  },
  {
    condition: { newDevice: { days: 30 } },
    meaning: 'a device id the sender has not used in 30 days; none never hits',
  },
  {
    condition: { country: { notIn: ['KR', 'JP'] } },
    meaning: "the IP's country is not listed (or, with in, is); an unknown country never hits",
  },
];

export type ParsedCondition = { ok: true; condition: Record<string, unknown> } | { ok: false; message: string };

/**
 * The editor's text as a condition object, or why it is not JSON (or not an object). Whether it is a
 * valid condition is the server's to say: its 422 names the path.
 */
export function parseConditionText(text: string): ParsedCondition {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `Not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, message: 'A condition is a JSON object, e.g. {"amount": {"gte": 100000}}' };
  }
  return { ok: true, condition: value as Record<string, unknown> };
}

/** Whether a refusal's `field` points into the condition (of a save, or of a dry run's draft). */
export const isConditionField = (field: string | undefined): field is string =>
  field !== undefined && /^body(\.rule)?\.condition\b/.test(field);
