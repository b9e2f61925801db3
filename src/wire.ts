/**
 * Reading another service's JSON answers and requests: what the bank rail's and the SMS gateway's clients,
 * and their local stand-ins, share.
 */
import type { z } from 'zod';

/** The first problem zod found, naming its field: `amount: Too small…`, `callbackUrl: Invalid URL`. */
export function describeIssue(error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0];
  if (!issue) return { field: '(body)', message: 'invalid' };
  const field =
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => [...issue.path, key].join('.')).join(', ')
      : issue.path.join('.') || '(body)';
  return { field, message: `${field}: ${issue.message}` };
}

/** A body parsed as JSON and checked against `schema`; `problem` says what was wrong, naming the field. */
export function parseJson<T>(
  body: string,
  schema: z.ZodType<T>,
): { success: true; data: T } | { success: false; problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { success: false, problem: 'not JSON' };
  }
  const parsed = schema.safeParse(json);
  return parsed.success
    ? { success: true, data: parsed.data }
    : { success: false, problem: describeIssue(parsed.error).message };
}
