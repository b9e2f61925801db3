import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import { fakeFetch, signedIn } from '../../testing/fake-api';

import { type Remittance } from './api';
import { RemittancesPage } from './RemittancesPage';

const remittance = (id: number, change: Partial<Remittance> = {}): Remittance => {
  const remittanceId = `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`;
  return {
    remittanceId,
    number: `R-${String(id).padStart(6, '0')}`,
    status: 'COMPLETED',
    step: 'done',
    rail: 'sim',
    fromBusiness: { businessId: 'acme', bank: 'SIMBANK', account: 'acme-1' },
    toBusiness: { businessId: 'globex', bank: 'OTHERBANK', account: 'globex-9' },
    amount: 12_500,
    currency: 'EUR',
    reference: 'invoice 42',
    failureReason: null,
    createdAt: '2026-12-01T10:00:00.000Z',
    updatedAt: '2026-12-01T10:00:05.000Z',
    history: [],
    instructions: [],
    failures: [],
    links: { self: `/v1/remittances/${remittanceId}`, temporalUi: `http://localhost:8233/${remittanceId}` },
    ...change,
  };
};

const listed = (url: string) => new URL(url, 'http://console.test').searchParams;

describe('the remittances page', () => {
  it('lists the remittances the API answers, each row linking to its detail page', async () => {
    const api = fakeFetch((request) => {
      if (request.url.startsWith('/v1/remittances?')) {
        return {
          status: 200,
          body: {
            items: [remittance(42), remittance(41, { status: 'DEPOSIT_PENDING', step: 'deposit' })],
            nextCursor: null,
          },
        };
      }
      if (request.url.startsWith('/v1/remittance-failures?')) return { status: 200, body: { items: [] } };
      return undefined;
    });
    render(<RemittancesPage />, { wrapper: signedIn(api.fetch, 'READ_ONLY') });

    const table = await screen.findByRole('table', { name: 'Remittances' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((row) => within(row).getByRole('rowheader').textContent)).toEqual(['R-000042', 'R-000041']);
    const first = within(rows[0]!);
    expect(first.getByText('COMPLETED')).toBeTruthy();
    expect(first.getByText('SIMBANK/acme-1')).toBeTruthy();
    expect(first.getByText('OTHERBANK/globex-9')).toBeTruthy();
    expect(first.getByText('€125.00')).toBeTruthy();
    expect(first.getByText('invoice 42')).toBeTruthy();
    expect(first.getByRole('link', { name: 'R-000042' }).getAttribute('href')).toBe(
      `/remittances/${remittance(42).remittanceId}`,
    );
    expect(within(rows[1]!).getByText('DEPOSIT_PENDING')).toBeTruthy();
    expect(await screen.findByText('No open failure records.')).toBeTruthy();
    expect(listed(api.requests.find((r) => r.url.startsWith('/v1/remittance-failures'))!.url).get('status')).toBe(
      'OPEN',
    );
  });

  it('asks for the chosen status, and for the next page by its cursor', async () => {
    const api = fakeFetch((request) => {
      if (request.url.startsWith('/v1/remittances?')) {
        const query = listed(request.url);
        const items = query.get('cursor')
          ? [remittance(1, { status: 'FAILED' })]
          : [remittance(2, { status: 'FAILED' })];
        return { status: 200, body: { items, nextCursor: query.get('cursor') ? null : 'cursor-after-2' } };
      }
      if (request.url.startsWith('/v1/remittance-failures?')) return { status: 200, body: { items: [] } };
      return undefined;
    });
    render(<RemittancesPage />, { wrapper: signedIn(api.fetch, 'OPS_AGENT') });
    await screen.findByRole('link', { name: 'R-000002' });

    await userEvent.selectOptions(screen.getByLabelText('Status'), 'FAILED');
    await userEvent.click(screen.getByRole('button', { name: 'Apply filters' }));
    await userEvent.click(await screen.findByRole('button', { name: 'Next page' }));

    expect(await screen.findByRole('link', { name: 'R-000001' })).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Older remittances' })).toBeTruthy();
    const asked = api.requests.filter((r) => r.url.startsWith('/v1/remittances?')).map((r) => listed(r.url));
    expect(asked.map((query) => [query.get('status'), query.get('cursor')])).toEqual([
      [null, null],
      ['FAILED', null],
      ['FAILED', 'cursor-after-2'],
    ]);
    expect(screen.getByRole('button', { name: 'Next page' })).toHaveProperty('disabled', true);
  });
});
