import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

import { NON_RETRYABLE_ERRORS } from '../domain/errors';

// The activity option sets of every workflow, declared once. Forward steps give up after three
// attempts at a fixed interval (DESIGN.md §1); what undoes them retries longer with backoff, and what
// it still cannot finish is handed to syncCompensation, which never gives up. Only forward steps have
// final error types: everything else retries whatever it meets.

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

/**
 * A backoff at or above this waits on a durable timer instead of inside the worker, so a forward step's
 * 10-second pause survives a worker crash and its attempt count goes on from where it was. Shorter
 * backoffs (the first second of a compensation's) stay in the worker, where they cost no history.
 */
const LOCAL_RETRY_THRESHOLD = '1 second';

/**
 * The fast path's steps on our own stores, as local activities: three attempts at a fixed interval,
 * as {@link forwardStep}. A failed workflow task runs them again, so each is idempotent per transfer
 * and step.
 */
export function localForwardStep(retryIntervalMs: number): LocalActivityOptions {
  return { ...forwardStep(retryIntervalMs), localRetryThreshold: LOCAL_RETRY_THRESHOLD };
}

/** Undoing a forward step: about a minute of backoff before the saga escalates to syncCompensation. */
export const compensation: ActivityOptions = {
  startToCloseTimeout: '20 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '20 seconds',
    maximumAttempts: 6,
    // Nothing is final when undoing: a typed error still retries, then escalates to syncCompensation.
    nonRetryableErrorTypes: [],
  },
};

/** Kafka events and repairs: retried until they succeed, because giving up would lose them. */
export const untilDone: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: [],
  },
};

/** Undoing a forward step on our own stores, locally; retried as {@link compensation}. */
export const localCompensation: LocalActivityOptions = { ...compensation, localRetryThreshold: LOCAL_RETRY_THRESHOLD };

/** A repair request on our own store, locally: retried until it is written, as {@link untilDone}. */
export const localUntilDone: LocalActivityOptions = { ...untilDone, localRetryThreshold: LOCAL_RETRY_THRESHOLD };

/** A walk over every account: minutes, not seconds; the next scheduled run picks up after a failure. */
export const scan: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes: [] },
};

/** Slack: a few tries, then the saga moves on; a notification never holds up or changes money. */
export const notification: ActivityOptions = {
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 5, nonRetryableErrorTypes: [] },
};
