import { type z } from 'zod';

import {
  accountView,
  riskRecordView,
  transferActivityView,
  transferCounts,
  transferPage,
  transferView,
} from '@api/views';

import { type cancelBody, type listTransfersQuery } from '@api/schemas';

import { type ApiClient } from '../../lib/api-client';

/** The listing's filters as the server reads them (after coercion): amounts are integer minor units. */
export type TransferFilters = Omit<z.output<typeof listTransfersQuery>, 'limit' | 'cursor'>;
export type TransferQuery = TransferFilters & { limit?: number; cursor?: string };
export type Transfer = z.output<typeof transferView>;
export type Confirmation = NonNullable<Transfer['confirmation']>;
export type CancelRequest = z.input<typeof cancelBody>;
/** Where the transfer came from, as the travel, newDevice and country conditions saw it. */
export type RiskPlace = NonNullable<z.output<typeof riskRecordView>['place']>;

export const listTransfers = (api: ApiClient, query: TransferQuery) =>
  api.request('/v1/transfers', transferPage, { query });

export const countTransfers = (api: ApiClient, { status: _status, ...filters }: TransferFilters) =>
  api.request('/v1/transfers/counts', transferCounts, { query: filters });

export const getTransfer = (api: ApiClient, transferId: string) =>
  api.request(`/v1/transfers/${encodeURIComponent(transferId)}`, transferView);

/** Ends a wait for the customer's code (→ REJECTED); answers the transfer as the cancel left it. */
export const cancelTransfer = (api: ApiClient, transferId: string, body: CancelRequest) =>
  api.request(`/v1/transfers/${encodeURIComponent(transferId)}/cancel`, transferView, { method: 'POST', body });

export const getRisk = (api: ApiClient, transferId: string) =>
  api.request(`/v1/transfers/${encodeURIComponent(transferId)}/risk`, riskRecordView);

export const getActivity = (api: ApiClient, transferId: string) =>
  api.request(`/v1/transfers/${encodeURIComponent(transferId)}/activity`, transferActivityView);

export const getAccount = (api: ApiClient, accountId: string) =>
  api.request(`/v1/accounts/${encodeURIComponent(accountId)}`, accountView);
