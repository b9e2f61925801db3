import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { type Role } from '@domain/roles';

import { formatTime } from '../../lib/format';
import { SessionProvider } from '../../lib/session';
import { fakeFetch, type RecordedRequest } from '../../testing/fake-api';

import { type Transfer } from './api';
import { TransferDetailPage } from './TransferDetailPage';

const TRANSFER_ID = '5d2e8f1a-3b4c-4d5e-8f6a-7b8c9d0e1f2a';
const NOW = Date.parse('2026-12-01T10:01:00.000Z');

const waiting: Transfer = {
  transferId: TRANSFER_ID,
  status: 'AWAITING_CONFIRMATION',
  step: 'confirm',
  fromAccountId: 'acc-olga',
  toAccountId: 'acc-petra',
  amount: 4_321,
  currency: 'EUR',
  memo: null,
  riskDecision: 'STEP_UP',
  riskScore: 0,
  failureReason: null,
  submittedAt: '2026-12-01T10:00:00.000Z',
  settledAt: null,
  history: [
    { status: 'PENDING', step: 'reserve', at: '2026-12-01T10:00:00.000Z', reason: null },
    {
      status: 'AWAITING_CONFIRMATION',
      step: 'confirm',
      at: '2026-12-01T10:00:01.000Z',
      reason: 'STEP_UP (score 0; country PT is not in KR)',
    },
  ],
  review: null,
  // 4 min 5 s after NOW; a resend is allowed from 10:01:30.
  confirmation: {
    expiresAt: '2026-12-01T10:05:05.000Z',
    triesLeft: 2,
    resendsLeft: 1,
    resendableAt: '2026-12-01T10:01:30.000Z',
  },
  links: { self: `/v1/transfers/${TRANSFER_ID}`, temporalUi: 'http://localhost:8233/x' },
};

const ended = (status: 'REJECTED' | 'COMPLETED', reason: string | null): Transfer => ({
  ...waiting,
  status,
  step: 'done',
  failureReason: status === 'REJECTED' ? reason : null,
  settledAt: status === 'COMPLETED' ? '2026-12-01T10:01:10.000Z' : null,
  history: [...waiting.history, { status, step: 'done', at: '2026-12-01T10:01:10.000Z', reason }],
  confirmation: null,
});

const account = (accountId: string, held: number) => ({
  accountId,
  ownerId: `owner-${accountId}`,
  currency: 'EUR',
  status: 'OPEN',
  balance: 10_000,
  available: 10_000 - held,
  held,
});

const riskRecord = {
  transferId: TRANSFER_ID,
  decision: 'STEP_UP',
  score: 0,
  anomalyScore: 0.1,
  anomalyReason: null,
  ruleSetVersion: 'v7',
  modelVersion: 'zscore-1',
  reasons: ['country PT is not in KR'],
  evaluatedAt: '2026-12-01T10:00:01.000Z',
  rules: [{ ruleId: 'foreign-ip', version: 2, hit: true, shadow: false, score: 0, reason: 'country PT is not in KR' }],
  place: null,
};

/**
 * The transfer's page and the reads beside it; `transfer()` is what GET answers now, `onCancel` the POST, `risk`
 * the risk record.
 */
function serve(
  transfer: () => Transfer,
  onCancel: (request: RecordedRequest) => { status: number; body?: unknown },
  risk: unknown = riskRecord,
) {
  return fakeFetch((request) => {
    const { url, method } = request;
    if (url === `/v1/transfers/${TRANSFER_ID}` && method === 'GET') return { status: 200, body: transfer() };
    if (url === `/v1/transfers/${TRANSFER_ID}/cancel` && method === 'POST') return onCancel(request);
    if (url === `/v1/transfers/${TRANSFER_ID}/risk`) return { status: 200, body: risk };
    if (url === `/v1/transfers/${TRANSFER_ID}/activity`) return { status: 200, body: { events: [], corrections: [] } };
    const held = transfer().status === 'AWAITING_CONFIRMATION' ? 4_321 : 0;
    if (url === '/v1/accounts/acc-olga') return { status: 200, body: account('acc-olga', held) };
    if (url === '/v1/accounts/acc-petra') return { status: 200, body: account('acc-petra', 0) };
    return undefined;
  });
}

function renderPage(fetch: typeof globalThis.fetch, role: Role) {
  const session = { token: 't', username: 'olga', role, expiresAt: null };
  render(
    <SessionProvider initialSession={session} fetch={fetch}>
      <MemoryRouter initialEntries={[`/transfers/${TRANSFER_ID}`]}>
        <Routes>
          <Route path="/transfers/:transferId" element={<TransferDetailPage />} />
        </Routes>
      </MemoryRouter>
    </SessionProvider>,
  );
}

const panel = () => screen.findByRole('region', { name: 'Waiting for the customer' });
const figure = (region: HTMLElement, term: string) =>
  within(region).getByText(term, { selector: 'dt' }).nextElementSibling?.textContent;

describe('a transfer waiting for its customer', () => {
  beforeEach(() => {
    // Only the clock: the countdown reads Date.now(), while timers and the fake fetch run as usual.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shows when the code expires with a live countdown, the tries left and the resends left', async () => {
    renderPage(
      serve(
        () => waiting,
        () => ({ status: 500 }),
      ).fetch,
      'READ_ONLY',
    );

    const region = await panel();
    expect(figure(region, 'Code expires')).toBe(`${formatTime(waiting.confirmation!.expiresAt)} (in 4m 05s)`);
    expect(figure(region, 'Tries left')).toBe('2');
    expect(figure(region, 'Resends left')).toMatch(/^1 \(the customer may ask for a new code from /);

    vi.setSystemTime(NOW + 65_000);
    expect(await within(region).findByText(/\(in 3m 00s\)$/, {}, { timeout: 2_500 })).toBeTruthy();
    expect(figure(region, 'Resends left')).toBe('1');
  });

  it('says so when the saga has not given the figures yet', async () => {
    renderPage(
      serve(
        () => ({ ...waiting, confirmation: null }),
        () => ({ status: 500 }),
      ).fetch,
      'OPS_AGENT',
    );
    expect(within(await panel()).getByText(/No code figures yet/)).toBeTruthy();
  });

  it('credits DB-IP beside the risk reasons, which may place the sender by IP', async () => {
    renderPage(
      serve(
        () => waiting,
        () => ({ status: 500 }),
      ).fetch,
      'READ_ONLY',
    );
    const risk = await screen.findByRole('region', { name: 'Risk provenance' });
    const credit = await within(risk).findByRole('link', { name: 'IP Geolocation by DB-IP' });
    expect(credit.getAttribute('href')).toBe('https://db-ip.com');
  });

  it.each<[Role, boolean]>([
    ['OPS_AGENT', true],
    ['SUPER_ADMIN', true],
    ['READ_ONLY', false],
    ['AUDITOR', false],
    ['RULE_ADMIN', false],
    ['RISK_ANALYST', false],
  ])('for %s, offers Cancel transfer: %s; and never a way to confirm', async (role, offered) => {
    renderPage(
      serve(
        () => waiting,
        () => ({ status: 500 }),
      ).fetch,
      role,
    );
    await panel();
    expect(screen.queryAllByRole('button', { name: 'Cancel transfer' })).toHaveLength(offered ? 1 : 0);
    expect(screen.queryAllByLabelText('Reason for cancelling')).toHaveLength(offered ? 1 : 0);
    expect(screen.queryAllByRole('button', { name: /confirm/i })).toHaveLength(0);
  });

  it('cancels with the reason given, and shows the transfer REJECTED with the hold released', async () => {
    let current = waiting;
    const reason = 'the customer called: the phone was stolen';
    const api = serve(
      () => current,
      () => {
        current = ended('REJECTED', `cancelled by olga: ${reason}`);
        return { status: 200, body: current };
      },
    );
    renderPage(api.fetch, 'OPS_AGENT');
    await panel();

    // No reason: refused here, and nothing is sent.
    await userEvent.click(screen.getByRole('button', { name: 'Cancel transfer' }));
    expect(screen.getByText('A reason is required.')).toBeTruthy();
    expect(api.requests.filter((request) => request.method === 'POST')).toHaveLength(0);

    await userEvent.type(screen.getByLabelText('Reason for cancelling'), `  ${reason} `);
    await userEvent.click(screen.getByRole('button', { name: 'Cancel transfer' }));

    expect(await screen.findByText('Cancel accepted: the transfer is REJECTED.')).toBeTruthy();
    expect(api.requests.filter((request) => request.method === 'POST').map((request) => request.body)).toEqual([
      { reason },
    ]);
    expect(screen.queryByRole('region', { name: 'Waiting for the customer' })).toBeNull();
    const summary = screen.getByRole('region', { name: 'Summary' });
    expect(within(summary).getByText('REJECTED', { selector: 'dd' })).toBeTruthy();
    expect(within(summary).getByText(`cancelled by olga: ${reason}`)).toBeTruthy();
    const sender = await screen.findByRole('row', { name: /Sender/ });
    await vi.waitFor(() => expect(within(sender).getAllByText('€0.00')).toHaveLength(1));
  });

  it('when the customer answered first, shows the 409 and the transfer as the answer left it', async () => {
    let current = waiting;
    const api = serve(
      () => current,
      () => {
        current = ended('COMPLETED', null);
        return {
          status: 409,
          body: {
            type: 'https://transfer-saga.dev/problems/confirmation-refused',
            title: 'Conflict',
            status: 409,
            detail: 'the saga refused it: transfer is COMPLETED, not AWAITING_CONFIRMATION',
          },
        };
      },
    );
    renderPage(api.fetch, 'SUPER_ADMIN');
    await panel();

    await userEvent.type(screen.getByLabelText('Reason for cancelling'), 'suspected account takeover');
    await userEvent.click(screen.getByRole('button', { name: 'Cancel transfer' }));

    const alert = await screen.findByText(/the saga refused it: transfer is COMPLETED, not AWAITING_CONFIRMATION/);
    expect(alert.getAttribute('role')).toBe('alert');
    const summary = screen.getByRole('region', { name: 'Summary' });
    expect(await within(summary).findByText('COMPLETED', { selector: 'dd' })).toBeTruthy();
    expect(screen.queryByRole('region', { name: 'Waiting for the customer' })).toBeNull();
    expect(screen.queryByText(/Cancel accepted/)).toBeNull();
  });
});

describe('where the transfer came from, in the risk provenance', () => {
  const submittedMs = Date.parse(waiting.submittedAt);
  const showing = async (place: unknown) => {
    renderPage(
      serve(
        () => waiting,
        () => ({ status: 500 }),
        { ...riskRecord, place },
      ).fetch,
      'READ_ONLY',
    );
    const risk = await screen.findByRole('region', { name: 'Risk provenance' });
    await within(risk).findByText('Decision', { selector: 'dt' });
    return risk;
  };

  it('tells the location and who gave it, the country, the previous located transfer with the travel, and the device', async () => {
    const risk = await showing({
      location: { lat: 38.7223, lon: -9.1393 },
      locationSource: 'device',
      country: 'PT',
      previousLocation: { lat: 37.5665, lon: 126.978, atMs: submittedMs - 10 * 60_000 },
      deviceId: 'laptop-9',
    });
    expect(figure(risk, 'Place')).toBe(
      'Sent from 38.7223, -9.1393 (reported by the device) · country PT (from its IP) · ' +
        'previous located transfer 37.5665, 126.9780, 10 min before: 10418 km, 62507 km/h · ' +
        'device laptop-9, first seen from this sender',
    );
  });

  it('says a location came from the IP, and when a known device was last seen', async () => {
    const risk = await showing({
      location: { lat: 52.52, lon: 13.405 },
      locationSource: 'ip',
      country: 'DE',
      deviceId: 'phone-2',
      deviceLastSeenMs: submittedMs - 3 * 24 * 3_600_000,
    });
    expect(figure(risk, 'Place')).toBe(
      'Sent from 52.5200, 13.4050 (located from its IP) · country DE (from its IP) · device phone-2, last seen 3 days before',
    );
  });

  it.each([
    ['null', null],
    ['empty', {}],
  ])('shows nothing of the place when it is %s', async (_name, place) => {
    const risk = await showing(place);
    expect(within(risk).queryByText('Place', { selector: 'dt' })).toBeNull();
    expect(within(risk).queryByText(/Sent from|located transfer|device /)).toBeNull();
  });
});
