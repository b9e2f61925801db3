import { type z } from 'zod';

import { type ApiClient } from '../../lib/api-client';
import { statsView } from '@api/views';

export type Stats = z.output<typeof statsView>;

export const getStats = (api: ApiClient) => api.request('/v1/stats', statsView);
