import type { EventEnvelope } from '../domain/events';
import type { EventPublisher } from '../events/publisher';

export function createEventActivities({ events }: { events: EventPublisher }) {
  return {
    /** Publishes one event; repeating it is harmless because consumers de-duplicate by eventId. */
    async publishEvent(event: EventEnvelope): Promise<void> {
      await events.publish(event);
    },
  };
}
