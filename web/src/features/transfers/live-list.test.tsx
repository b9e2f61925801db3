import { act, renderHook, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { fakeFetch, signedIn } from '../../testing/fake-api';

import { type Transfer } from './api';
import { mergeLiveTransfer } from './live-list';
import { useLiveTransfers, type EventSourceLike } from './use-live-transfers';

const transfer = (id: number, change: Partial<Transfer> = {}): Transfer => {
  const transferId = `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`;
  return {
    transferId,
    status: 'PENDING',
    step: 'reserve',
    fromAccountId: 'acc-a',
    toAccountId: 'acc-b',
    amount: 1000,
    currency: 'EUR',
    memo: null,
    riskDecision: null,
    riskScore: null,
    failureReason: null,
    submittedAt: '2025-01-01T12:00:00.000Z',
    settledAt: null,
    history: [],
    review: null,
    confirmation: null,
    links: { self: `/v1/transfers/${transferId}`, temporalUi: `http://localhost:8233/${transferId}` },
    ...change,
  };
};

/** Stands in for the browser's EventSource: the test emits named events into its listeners. */
class FakeEventSource implements EventSourceLike {
  static last: FakeEventSource | null = null;
  readonly listeners = new Map<string, ((event: MessageEvent<string>) => void)[]>();
  closed = false;
  constructor(readonly url: string) {
    FakeEventSource.last = this;
  }
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close() {
    this.closed = true;
  }
  emit(type: string, transferId: string) {
    const data = JSON.stringify({ type: 'event', id: '1', seq: 1, event: { type, transferId } });
    for (const listener of this.listeners.get(type) ?? []) listener(new MessageEvent(type, { data }));
  }
}

describe('mergeLiveTransfer', () => {
  const rows = [transfer(2), transfer(1)];

  it('puts a new matching transfer on top of the first page', () => {
    const merged = mergeLiveTransfer(rows, transfer(3), { filters: {}, onFirstPage: true });
    expect(merged.map((row) => row.transferId)).toEqual([transfer(3), ...rows].map((row) => row.transferId));
  });

  it('leaves a later page as it is when a new transfer arrives', () => {
    expect(mergeLiveTransfer(rows, transfer(3), { filters: {}, onFirstPage: false })).toBe(rows);
  });

  it('updates a row in place', () => {
    const merged = mergeLiveTransfer(rows, transfer(1, { status: 'COMPLETED' }), { filters: {}, onFirstPage: true });
    expect(merged.map((row) => row.status)).toEqual(['PENDING', 'COMPLETED']);
  });

  it('ignores a new transfer the filters exclude, and drops a row that left them', () => {
    const filters = { status: 'PENDING' as const, minAmount: 500 };
    expect(mergeLiveTransfer(rows, transfer(3, { amount: 100 }), { filters, onFirstPage: true })).toBe(rows);
    const merged = mergeLiveTransfer(rows, transfer(1, { status: 'COMPLETED' }), { filters, onFirstPage: true });
    expect(merged.map((row) => row.transferId)).toEqual([transfer(2).transferId]);
  });
});

describe('useLiveTransfers', () => {
  it('on each event refetches the transfer and inserts, updates or ignores its row', async () => {
    const latest = new Map([
      [transfer(3).transferId, transfer(3, { status: 'UNDER_REVIEW' })],
      [transfer(1).transferId, transfer(1, { status: 'UNDER_REVIEW', step: 'review' })],
      [transfer(4).transferId, transfer(4, { status: 'COMPLETED' })],
    ]);
    const api = fakeFetch((request) => {
      const found = latest.get(request.url.split('/').pop() ?? '');
      return found ? { status: 200, body: found } : undefined;
    });
    const initialRows = [transfer(2, { status: 'UNDER_REVIEW' }), transfer(1, { status: 'UNDER_REVIEW' })];
    const { result } = renderHook(
      () =>
        useLiveTransfers(initialRows, {
          filters: { status: 'UNDER_REVIEW' },
          onFirstPage: true,
          openEventSource: (url) => new FakeEventSource(url),
        }),
      { wrapper: signedIn(api.fetch) },
    );
    const source = FakeEventSource.last!;
    expect(source.url).toBe('/v1/events?access_token=test-token');

    act(() => source.emit('transfer.flagged', transfer(3).transferId));
    await waitFor(() => expect(result.current[0]?.transferId).toBe(transfer(3).transferId));

    act(() => source.emit('transfer.flagged', transfer(1).transferId));
    await waitFor(() => expect(result.current.at(-1)?.step).toBe('review'));

    act(() => source.emit('transfer.completed', transfer(4).transferId));
    await waitFor(() => expect(api.requests).toHaveLength(3));
    expect(result.current.map((row) => row.transferId)).toEqual(
      [transfer(3), transfer(2), transfer(1)].map((row) => row.transferId),
    );
  });
});
