import type { Dependencies } from '../dependencies';
import type { ConsumerSpec } from './runner';

/** The events users see live on GET /v1/stream and GET /v1/events. */
export const LIVE_FEED_TOPICS = ['transfer.flagged', 'transfer.completed', 'transfer.failed'] as const;

/**
 * transfer.flagged / completed / failed → the live feed of both accounts (Redis streams, fanned out
 * to every API process). Appending is idempotent by eventId, so a redelivery pushes nothing twice.
 */
export function liveFeedConsumer({
  feed,
}: Pick<Dependencies, 'feed'>): ConsumerSpec<(typeof LIVE_FEED_TOPICS)[number]> {
  return {
    group: 'transfer-saga.live-feed',
    topics: LIVE_FEED_TOPICS,
    handle: async (event) => {
      const { fromAccountId, toAccountId } = event.data;
      await feed.append(event, [fromAccountId, toAccountId]);
    },
  };
}
