import { render, screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';

import { fakeFetch, signedIn } from '../../testing/fake-api';

import { HealthPage } from './HealthPage';

// uPlot draws on a canvas, which happy-dom has not got; the figures under test are text.
vi.mock('../../components/TimeSeriesChart', () => ({ TimeSeriesChart: () => null }));

const stats = {
  at: '2026-12-01T10:00:00.000Z',
  completedPerSecond: 2.5,
  decisions: { PASS: 30, REVIEW: 5, STEP_UP: 10, BLOCK: 5 },
  completedP99Ms: 840,
  outboxLagSeconds: 0.2,
  consumerLag: [],
  openReviews: 3,
  links: { temporalUi: 'http://localhost:8233', metrics: '/metrics' },
};

describe('the health page', () => {
  it("counts STEP_UP in the decision mix, each decision's share of all four", async () => {
    const api = fakeFetch((request) => (request.url === '/v1/stats' ? { status: 200, body: stats } : undefined));
    render(<HealthPage />, { wrapper: signedIn(api.fetch, 'READ_ONLY') });

    const mix = (await screen.findByRole('heading', { name: 'Decisions, last 5 minutes' })).nextElementSibling;
    const shares = within(mix as HTMLElement)
      .getAllByRole('definition')
      .map((figure) => `${figure.previousElementSibling?.textContent} ${figure.textContent}`);
    expect(shares).toEqual(['PASS 30 (60%)', 'REVIEW 5 (10%)', 'STEP_UP 10 (20%)', 'BLOCK 5 (10%)']);
  });
});
