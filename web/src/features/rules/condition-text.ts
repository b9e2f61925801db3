/** A condition to start from: what the language looks like (src/risk/conditions.ts has all of it). */
export const EXAMPLE_CONDITION = JSON.stringify(
  { all: [{ amount: { gte: 500000 } }, { newReceiver: true }, { timeOfDay: { from: '22:00', to: '06:00' } }] },
  null,
  2,
);

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
