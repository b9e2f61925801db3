import type { ActivityOptions } from '@temporalio/workflow';

import { NON_RETRYABLE_ERRORS } from '../domain/errors';

/**
 * The activity option sets of every workflow, declared once. Forward steps give up after three
 * attempts at a fixed interval (DESIGN.md §1); what undoes them retries longer with backoff, and
 * what it still cannot finish is handed to syncCompensation, which never gives up.
 */

/** Reserve, record, evaluate, settle: three attempts at a fixed interval, decisive errors final. */
export function forwardStep(retryIntervalMs: number): ActivityOptions {
  return {
    startToCloseTimeout: '20 seconds',
    retry: {
      initialInterval: retryIntervalMs,
      backoffCoefficient: 1,
      maximumAttempts: 3,
      nonRetryableErrorTypes: NON_RETRYABLE_ERRORS,
    },
  };
}

/** Undoing a forward step: about a minute of backoff before the saga escalates to syncCompensation. */
export const compensation: ActivityOptions = {
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '20 seconds', maximumAttempts: 6 },
};

/** Kafka events and repairs: retried until they succeed, because giving up would lose them. */
export const untilDone: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/** A walk over every account: minutes, not seconds; the next scheduled run picks up after a failure. */
export const scan: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 3 },
};

/** Slack: a few tries, then the saga moves on; a notification never holds up or changes money. */
export const notification: ActivityOptions = {
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 5 },
};
