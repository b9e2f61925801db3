import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import { fakeFetch, signedIn } from '../../testing/fake-api';

import { ReviewQueuePage } from './ReviewQueuePage';

const TRANSFER_ID = '3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';

const transfer = (status: 'UNDER_REVIEW' | 'COMPLETED') => ({
  transferId: TRANSFER_ID,
  status,
  step: status === 'UNDER_REVIEW' ? 'review' : 'done',
  fromAccountId: 'acc-olga',
  toAccountId: 'acc-petra',
  amount: 2_500,
  currency: 'EUR',
  memo: null,
  riskDecision: 'REVIEW',
  riskScore: 6,
  failureReason: null,
  submittedAt: '2026-12-01T10:00:00.000Z',
  settledAt: null,
  history: [],
  review: null,
  confirmation: null,
  links: { self: `/v1/transfers/${TRANSFER_ID}`, temporalUi: 'http://localhost:8233/x' },
});

describe('the review queue', () => {
  it('confirms a decision that empties the queue, and offers no next case', async () => {
    let decided = false;
    const api = fakeFetch((request) => {
      if (request.url.startsWith('/v1/reviews?')) {
        const items = decided
          ? []
          : [
              {
                ...transfer('UNDER_REVIEW'),
                underReviewSince: '2026-12-01T10:00:01.000Z',
                reviewDeadline: '2099-12-02T10:00:01.000Z',
                claim: {
                  transferId: TRANSFER_ID,
                  by: 'alice',
                  at: '2026-12-01T10:01:00.000Z',
                  expiresAt: '2099-01-01T00:00:00.000Z',
                },
              },
            ];
        return { status: 200, body: { items } };
      }
      if (request.url === `/v1/transfers/${TRANSFER_ID}/review`) {
        decided = true;
        return { status: 200, body: transfer('COMPLETED') };
      }
      return undefined;
    });
    render(<ReviewQueuePage />, { wrapper: signedIn(api.fetch, 'OPS_AGENT') });

    await userEvent.click(await screen.findByRole('button', { name: `Open case ${TRANSFER_ID}` }));
    await userEvent.type(screen.getByLabelText('Reason'), 'called the customer');
    await userEvent.click(screen.getByRole('button', { name: 'Approve' }));

    // Once the queue has reloaded empty, the confirmation is still there.
    expect(await screen.findByText('No transfers are waiting for review.')).toBeTruthy();
    expect(screen.getByText('Decision recorded.')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Next case' })).toBeNull();
    expect(api.requests.find((request) => request.method === 'POST')?.body).toEqual({
      decision: 'APPROVE',
      reason: 'called the customer',
    });
  });
});
