import { useState, type FormEvent } from 'react';

import { REMITTANCE_STATUSES } from '@domain/remittance';

import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { FilterActions, Pager } from '../../components/ListControls';
import { useApi } from '../../lib/session';
import { useResource } from '../../lib/use-resource';

import { listRemittances, type RemittanceFilters } from './api';
import { FailureRecords } from './FailureRecords';
import { RemittancesTable } from './RemittancesTable';

const PAGE_SIZE = 25;

export function RemittancesPage() {
  const api = useApi();
  const [filters, setFilters] = useState<RemittanceFilters>({});
  const [cursor, setCursor] = useState<string | undefined>();
  const page = useResource(
    () => listRemittances(api, { ...filters, limit: PAGE_SIZE, cursor }),
    [api, filters, cursor],
  );

  function applyFilters(next: RemittanceFilters) {
    setFilters(next);
    setCursor(undefined);
  }

  return (
    <main>
      <h1>Remittances</h1>
      <StatusFilterForm onApply={applyFilters} />
      <section aria-labelledby="list-heading">
        <h2 id="list-heading">{cursor === undefined ? 'Latest remittances' : 'Older remittances'}</h2>
        <ErrorAlert error={page.error} />
        {page.loading && !page.data ? <Loading /> : <RemittancesTable rows={page.data?.items ?? []} />}
        <Pager cursor={cursor} nextCursor={page.data?.nextCursor} onPage={setCursor} />
      </section>
      <FailureRecords />
    </main>
  );
}

function StatusFilterForm({ onApply }: { onApply: (filters: RemittanceFilters) => void }) {
  const [status, setStatus] = useState('');

  function submit(event: FormEvent) {
    event.preventDefault();
    onApply({ status: REMITTANCE_STATUSES.find((known) => known === status) });
  }

  function clear() {
    setStatus('');
    onApply({});
  }

  return (
    <form className="filters" onSubmit={submit} aria-label="Filter remittances">
      <label>
        Status
        <select value={status} onChange={(event) => setStatus(event.target.value)}>
          <option value="">Any</option>
          {REMITTANCE_STATUSES.map((known) => (
            <option key={known}>{known}</option>
          ))}
        </select>
      </label>
      <FilterActions onClear={clear} />
    </form>
  );
}
