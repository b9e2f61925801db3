import { useCallback, useRef, useState } from 'react';

import { TRANSFER_STATUSES } from '@domain/transfer';

import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { Pager } from '../../components/ListControls';
import { useApi } from '../../lib/session';
import { useResource } from '../../lib/use-resource';

import { countTransfers, listTransfers, type Transfer, type TransferFilters } from './api';
import { TransferFilterForm } from './TransferFilterForm';
import { TransfersTable } from './TransfersTable';
import { useLiveTransfers, type OpenEventSource } from './use-live-transfers';

const PAGE_SIZE = 25;
const NO_ROWS: Transfer[] = [];
/** Counts are refreshed at most this often while events stream in, not once per event. */
const COUNTS_REFRESH_MS = 3000;

export function TransfersPage({ openEventSource }: { openEventSource?: OpenEventSource }) {
  const api = useApi();
  const [filters, setFilters] = useState<TransferFilters>({});
  const [cursor, setCursor] = useState<string | undefined>();
  const page = useResource(() => listTransfers(api, { ...filters, limit: PAGE_SIZE, cursor }), [api, filters, cursor]);
  const counts = useResource(() => countTransfers(api, filters), [api, filters]);

  const lastCountsRefresh = useRef(0);
  const reloadCounts = counts.reload;
  const refreshCounts = useCallback(() => {
    if (Date.now() - lastCountsRefresh.current < COUNTS_REFRESH_MS) return;
    lastCountsRefresh.current = Date.now();
    reloadCounts();
  }, [reloadCounts]);

  const rows = useLiveTransfers(page.data?.items ?? NO_ROWS, {
    filters,
    onFirstPage: cursor === undefined,
    onUpdate: refreshCounts,
    onGap: page.reload,
    openEventSource,
  });

  function applyFilters(next: TransferFilters) {
    setFilters(next);
    setCursor(undefined);
  }

  return (
    <main>
      <h1>Transfers</h1>
      <TransferFilterForm onApply={applyFilters} />
      <section aria-labelledby="counts-heading">
        <h2 id="counts-heading">Counts by status</h2>
        <ErrorAlert error={counts.error} />
        {counts.data && (
          <dl className="counts">
            {TRANSFER_STATUSES.map((status) => (
              <div key={status}>
                <dt>{status}</dt>
                <dd>{counts.data?.counts[status] ?? 0}</dd>
              </div>
            ))}
          </dl>
        )}
      </section>
      <section aria-labelledby="list-heading">
        <h2 id="list-heading">{cursor === undefined ? 'Latest transfers (live)' : 'Older transfers'}</h2>
        <ErrorAlert error={page.error} />
        {page.loading && !page.data ? <Loading /> : <TransfersTable rows={rows} />}
        <Pager cursor={cursor} nextCursor={page.data?.nextCursor} onPage={setCursor} />
      </section>
    </main>
  );
}
