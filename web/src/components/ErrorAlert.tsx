import { ApiError } from '../lib/api-client';

/** Why `error` happened, in words an operator can act on. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    const where = error.field ? ` (${error.field})` : '';
    return `${error.title}${error.detail && error.detail !== error.title ? `: ${error.detail}` : ''}${where}`;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

/** A refusal or failure, announced to screen readers; nothing when there is no error. */
export function ErrorAlert({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  return (
    <div role="alert" className="alert">
      {describeError(error)}
    </div>
  );
}

/**
 * The region where an action's refusal appears (a 403, a 409, a 422). Always mounted, so a screen reader
 * announces a refusal the moment it is written into it; empty until then.
 */
export function RefusalRegion({ refusal }: { refusal: unknown }) {
  const refused = refusal !== null && refusal !== undefined;
  return (
    <div role="alert" className={refused ? 'alert' : undefined}>
      {refused ? describeError(refusal) : null}
    </div>
  );
}
