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
