import { type z } from 'zod';

import { remittanceFailureList, remittanceFailureView, remittancePage, remittanceView } from '@api/views';

import { type listRemittancesQuery, type remittanceFailuresQuery } from '@api/schemas';

import { type ApiClient } from '../../lib/api-client';

/** The listing's filters as the server reads them. */
export type RemittanceFilters = Omit<z.output<typeof listRemittancesQuery>, 'limit' | 'cursor'>;
export type RemittanceQuery = RemittanceFilters & { limit?: number; cursor?: string };
export type Remittance = z.output<typeof remittanceView>;
export type RemittanceFailure = z.output<typeof remittanceFailureView>;
export type FailureQuery = Partial<z.output<typeof remittanceFailuresQuery>>;

export const listRemittances = (api: ApiClient, query: RemittanceQuery) =>
  api.request('/v1/remittances', remittancePage, { query });

export const getRemittance = (api: ApiClient, remittanceId: string) =>
  api.request(`/v1/remittances/${encodeURIComponent(remittanceId)}`, remittanceView);

export const listFailures = (api: ApiClient, query: FailureQuery) =>
  api.request('/v1/remittance-failures', remittanceFailureList, { query });

/** Asks the saga to try the failed step again now; a record that is not open, or already retrying, is refused (409). */
export const retryFailure = (api: ApiClient, failureId: string) =>
  api.request(`/v1/remittance-failures/${encodeURIComponent(failureId)}/retry`, remittanceFailureView, {
    method: 'POST',
  });
