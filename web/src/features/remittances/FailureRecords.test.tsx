import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import { STAFF_ROLES } from '@domain/roles';

import { fakeFetch, signedIn } from '../../testing/fake-api';

import { type RemittanceFailure } from './api';
import { FailureRecords } from './FailureRecords';

const REMITTANCE_ID = '3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';

const failure = (change: Partial<RemittanceFailure> = {}): RemittanceFailure => ({
  id: '7',
  remittanceId: REMITTANCE_ID,
  number: 'R-000042',
  kind: 'payout',
  status: 'OPEN',
  error: 'the rail answered 503',
  retries: 3,
  retrying: false,
  exhausted: true,
  amount: 12_500,
  currency: 'EUR',
  createdAt: '2026-12-01T10:00:00.000Z',
  updatedAt: '2026-12-01T10:05:00.000Z',
  resolvedAt: null,
  ...change,
});

const RETRY_URL = '/v1/remittance-failures/7/retry';
const RETRY_BUTTON = 'Retry now: R-000042 payout';

/** Answers the open failure records with `records()`, and a retry with `retried()`. */
function failuresApi(retried: () => { status: number; body: unknown }, records = () => [failure()]) {
  return fakeFetch((request) => {
    if (request.url.startsWith('/v1/remittance-failures?')) return { status: 200, body: { items: records() } };
    if (request.method === 'POST' && request.url === RETRY_URL) return retried();
    return undefined;
  });
}

describe('the failure records', () => {
  const mayRetry = ['OPS_AGENT', 'SUPER_ADMIN'] as const;
  const mayNot = STAFF_ROLES.filter((role) => !(mayRetry as readonly string[]).includes(role));

  async function shownTo(role: (typeof STAFF_ROLES)[number]) {
    const api = failuresApi(() => ({ status: 202, body: failure() }));
    render(<FailureRecords />, { wrapper: signedIn(api.fetch, role) });
    await screen.findByRole('table', { name: 'Failure records' });
    return screen.queryByRole('button', { name: RETRY_BUTTON });
  }

  it.each(mayRetry)('offers %s Retry now on an open record', async (role) => {
    expect(await shownTo(role)).not.toBeNull();
  });

  it.each(mayNot)('shows %s the record without Retry now', async (role) => {
    expect(await shownTo(role)).toBeNull();
    expect(screen.getByText('the rail answered 503')).toBeTruthy();
  });

  it('Retry now asks the server to retry the record, says so, and shows the record as it is now', async () => {
    let retried = false;
    const api = failuresApi(
      () => {
        retried = true;
        return { status: 202, body: failure({ retrying: true, retries: 1, exhausted: false }) };
      },
      () => [failure(retried ? { retrying: true, retries: 1, exhausted: false } : {})],
    );
    render(<FailureRecords />, { wrapper: signedIn(api.fetch, 'OPS_AGENT') });

    await userEvent.click(await screen.findByRole('button', { name: RETRY_BUTTON }));

    expect((await screen.findByRole('status')).textContent).toBe('Retrying the payout of R-000042.');
    expect(api.requests.filter((request) => request.method === 'POST').map((request) => request.url)).toEqual([
      RETRY_URL,
    ]);
    // Reloaded: the record is retrying now, so it cannot be asked again until that retry ends.
    await waitFor(() => expect(screen.getByRole('button', { name: RETRY_BUTTON })).toHaveProperty('disabled', true));
    expect(screen.getByText('retrying')).toBeTruthy();
  });

  it('when the server refuses the retry (409), the refusal appears in the alert region', async () => {
    const api = failuresApi(() => ({
      status: 409,
      body: {
        type: 'https://transfer-saga.dev/problems/failure-record-not-retryable',
        title: 'failure record not retryable',
        status: 409,
        detail: 'failure record 7 is not open, or a retry of it is running',
      },
    }));
    render(<FailureRecords />, { wrapper: signedIn(api.fetch, 'SUPER_ADMIN') });

    await userEvent.click(await screen.findByRole('button', { name: RETRY_BUTTON }));

    await waitFor(() =>
      expect(screen.getByRole('alert').textContent).toBe(
        'failure record not retryable: failure record 7 is not open, or a retry of it is running',
      ),
    );
    expect(screen.queryByRole('status')).toBeNull();
  });
});
