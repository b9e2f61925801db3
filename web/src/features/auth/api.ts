import { type z } from 'zod';

import { type ApiClient } from '../../lib/api-client';
import { type loginBody } from '@api/schemas';
import { authConfigView, principalView, sessionView } from '@api/views';

export const getAuthConfig = (api: ApiClient) => api.request('/v1/auth/config', authConfigView);

export const logIn = (api: ApiClient, body: z.input<typeof loginBody>) =>
  api.request('/v1/auth/login', sessionView, { method: 'POST', body });

/** Who a pasted identity-provider token names; the token is sent as the bearer, not yet in the session. */
export const whoIs = (api: ApiClient, token: string) =>
  api.request('/v1/auth/me', principalView, { headers: { Authorization: `Bearer ${token}` } });
