import { ApplicationFailure } from '@temporalio/activity';

import { ErrorType } from '../domain/errors';
import type { EventEnvelope } from '../domain/events';
import { InvalidEventError, type EventPublisher } from '../events/publisher';

export function createEventActivities({ events }: { events: EventPublisher }) {
  return {
    /**
     * Publishes one event; repeating it is harmless because consumers de-duplicate by eventId. An
     * event its schema refuses fails as `InvalidEvent`, naming the field, and is retried like any
     * other failure (see ErrorType.InvalidEvent for why it is not final).
     */
    async publishEvent(event: EventEnvelope): Promise<void> {
      try {
        await events.publish(event);
      } catch (error) {
        if (!(error instanceof InvalidEventError)) throw error;
        throw ApplicationFailure.create({ type: ErrorType.InvalidEvent, message: error.message, nonRetryable: false });
      }
    },
  };
}
