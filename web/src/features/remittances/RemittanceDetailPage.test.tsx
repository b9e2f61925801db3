import { render, screen, within } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { describe, expect, it } from 'vitest';

import { SessionProvider } from '../../lib/session';
import { fakeFetch } from '../../testing/fake-api';

import { RemittanceDetailPage } from './RemittanceDetailPage';

const REMITTANCE_ID = '3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';

const remittance = {
  remittanceId: REMITTANCE_ID,
  number: 'R-000042',
  status: 'FAILED',
  step: 'done',
  rail: 'sim',
  fromBusiness: { businessId: 'acme', bank: 'SIMBANK', account: 'acme-1' },
  toBusiness: { businessId: 'globex', bank: 'SIMBANK', account: 'globex-9' },
  amount: 12_500,
  currency: 'EUR',
  reference: 'invoice 42',
  failureReason: 'the payout was refused: beneficiary account closed',
  createdAt: '2026-12-01T10:00:00.000Z',
  updatedAt: '2026-12-01T10:00:09.000Z',
  history: [
    { status: 'REQUESTED', step: 'requested', at: '2026-12-01T10:00:00.000Z', reason: null },
    { status: 'DEPOSIT_PENDING', step: 'collect', at: '2026-12-01T10:00:01.000Z', reason: null },
    { status: 'FAILED', step: 'done', at: '2026-12-01T10:00:09.000Z', reason: 'beneficiary account closed' },
  ],
  instructions: [
    {
      key: `${REMITTANCE_ID}:collect`,
      type: 'collect',
      instructionId: 'sim-1',
      status: 'SUCCEEDED',
      reason: null,
      updatedAt: '2026-12-01T10:00:01.000Z',
    },
    {
      key: `${REMITTANCE_ID}:payout`,
      type: 'payout',
      instructionId: 'sim-2',
      status: 'FAILED',
      reason: 'beneficiary account closed',
      updatedAt: '2026-12-01T10:00:05.000Z',
    },
  ],
  failures: [],
  links: { self: `/v1/remittances/${REMITTANCE_ID}`, temporalUi: 'http://localhost:8233/namespaces/default/x' },
};

describe('the remittance page', () => {
  it('shows its status history, its rail instructions, its failure records and the saga in the Web UI', async () => {
    const api = fakeFetch((request) =>
      request.url === `/v1/remittances/${REMITTANCE_ID}` ? { status: 200, body: remittance } : undefined,
    );
    const session = { token: 't', username: 'olga', role: 'OPS_AGENT' as const, expiresAt: null };
    render(
      <SessionProvider initialSession={session} fetch={api.fetch}>
        <MemoryRouter initialEntries={[`/remittances/${REMITTANCE_ID}`]}>
          <Routes>
            <Route path="/remittances/:remittanceId" element={<RemittanceDetailPage />} />
          </Routes>
        </MemoryRouter>
      </SessionProvider>,
    );

    expect(await screen.findByRole('heading', { level: 1, name: 'Remittance R-000042' })).toBeTruthy();
    const history = within(screen.getByRole('region', { name: 'Status history' })).getAllByRole('listitem');
    expect(history.map((item) => item.querySelector('strong')?.textContent)).toEqual([
      'REQUESTED',
      'DEPOSIT_PENDING',
      'FAILED',
    ]);
    expect(history[2]!.textContent).toContain('beneficiary account closed');
    const payout = screen.getByRole('row', { name: new RegExp(`${REMITTANCE_ID}:payout`) });
    expect(within(payout).getByText('FAILED')).toBeTruthy();
    expect(within(payout).getByText('beneficiary account closed')).toBeTruthy();
    expect(screen.getByText('No failure records.')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Open in Temporal Web UI' }).getAttribute('href')).toBe(
      remittance.links.temporalUi,
    );
  });
});
