import type { Dependencies } from '../dependencies';
import type { ConsumerSpec } from './runner';

/** The events users see live on GET /v1/stream and GET /v1/events. */
export const LIVE_FEED_TOPICS = [
  'transfer.flagged',
  'transfer.confirmation_required',
  'transfer.completed',
  'transfer.failed',
] as const;

/**
 * transfer.flagged / completed / failed → the live feed of both accounts (Redis streams, fanned out
 * to every API process); transfer.confirmation_required → the sending account's only, since only its
 * owner is asked. Appending is idempotent by eventId, so a redelivery pushes nothing twice.
 */
export function liveFeedConsumer({
  feed,
}: Pick<Dependencies, 'feed'>): ConsumerSpec<(typeof LIVE_FEED_TOPICS)[number]> {
  return {
    group: 'transfer-saga.live-feed',
    topics: LIVE_FEED_TOPICS,
    handle: async (event) => {
      const { fromAccountId, toAccountId } = event.data;
      const accounts = event.type === 'transfer.confirmation_required' ? [fromAccountId] : [fromAccountId, toAccountId];
      await feed.append(event, accounts);
    },
  };
}
