import { ApplicationFailure } from '@temporalio/activity';

import type { ErrorType } from '../domain/errors';

/** An activity failure the saga must not retry: it decides the transfer's outcome. */
export function finalFailure(type: ErrorType, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}
