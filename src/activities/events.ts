import { ApplicationFailure } from '@temporalio/activity';
import type { Pool } from 'pg';

import { ErrorType } from '../domain/errors';
import type { UncheckedEventEnvelope } from '../domain/events';
import { InvalidEventError, writeEvent } from '../events/outbox';

export function createEventActivities({ postgres }: { postgres: Pool }) {
  return {
    /**
     * Writes one event into the outbox on its own (reconcile's repair requests, and the steps of sagas
     * started before the fast path, whose own step transactions did not write it); the relay sends it.
     * Repeating it writes nothing new. An event its schema refuses fails as `InvalidEvent`, naming the
     * field, and is retried like any other failure (see ErrorType.InvalidEvent for why it is not final).
     */
    async publishEvent(event: UncheckedEventEnvelope): Promise<void> {
      try {
        await writeEvent(postgres, event);
      } catch (error) {
        if (!(error instanceof InvalidEventError)) throw error;
        throw ApplicationFailure.create({ type: ErrorType.InvalidEvent, message: error.message, nonRetryable: false });
      }
    },
  };
}
