import { type z } from 'zod';

import { type ApiClient } from '../../lib/api-client';
import { deadLetterList, deadLetterReplayView, deadLetterTopicsView, repairsView } from '@api/views';

export type DeadLetterTopic = z.output<typeof deadLetterTopicsView>['topics'][number];

const topicPath = (topic: string) => `/v1/dead-letters/${encodeURIComponent(topic)}`;

export const getRepairs = (api: ApiClient) => api.request('/v1/repairs', repairsView);
export const listDeadLetterTopics = (api: ApiClient) => api.request('/v1/dead-letters', deadLetterTopicsView);
export const listDeadLetters = (api: ApiClient, topic: string) => api.request(topicPath(topic), deadLetterList);
export const replayDeadLetters = (api: ApiClient, topic: string) =>
  api.request(`${topicPath(topic)}/replay`, deadLetterReplayView, { method: 'POST' });
