import { type z } from 'zod';

import { type reviewBody } from '@api/schemas';
import { reviewClaimView, reviewQueue, type reviewQueueItem, transferView } from '@api/views';

import { type ApiClient } from '../../lib/api-client';

export type ReviewCase = z.output<typeof reviewQueueItem>;
export type ReviewDecision = z.input<typeof reviewBody>;

/** Oldest first, as the server orders them. */
export const listReviews = (api: ApiClient) => api.request('/v1/reviews', reviewQueue, { query: { limit: 100 } });

export const claimReview = (api: ApiClient, transferId: string) =>
  api.request(`/v1/reviews/${encodeURIComponent(transferId)}/claim`, reviewClaimView, { method: 'POST' });

export const decideReview = (api: ApiClient, transferId: string, body: ReviewDecision) =>
  api.request(`/v1/transfers/${encodeURIComponent(transferId)}/review`, transferView, { method: 'POST', body });
