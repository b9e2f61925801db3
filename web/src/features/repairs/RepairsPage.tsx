import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { formatTime } from '../../lib/format';
import { useApi } from '../../lib/session';
import { useResource } from '../../lib/use-resource';

import { getRepairs } from './api';
import { DeadLetters } from './DeadLetters';

/** Values of a record whose fields the API leaves open (drifts, correction details), as compact text. */
const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

export function RepairsPage() {
  const api = useApi();
  const repairs = useResource(() => getRepairs(api), [api]);
  const data = repairs.data;

  return (
    <main>
      <h1>Repairs and dead letters</h1>
      <ErrorAlert error={repairs.error} />
      {repairs.loading && !data && <Loading />}
      {data && (
        <>
          <section aria-labelledby="open-heading">
            <h2 id="open-heading">Open repairs</h2>
            {data.open.length === 0 ? (
              <p>No open repairs.</p>
            ) : (
              <table aria-label="Open repairs">
                <thead>
                  <tr>
                    <th scope="col">Repair</th>
                    <th scope="col">Source</th>
                    <th scope="col">Transfer</th>
                    <th scope="col">Event</th>
                    <th scope="col">Error</th>
                    <th scope="col">Since</th>
                  </tr>
                </thead>
                <tbody>
                  {data.open.map((repair) => (
                    <tr key={repair.id}>
                      <th scope="row" className="mono">
                        {repair.id}
                      </th>
                      <td>{repair.source}</td>
                      <td className="mono">{repair.transferId ?? '—'}</td>
                      <td className="mono">{repair.eventId ?? '—'}</td>
                      <td>{repair.error}</td>
                      <td>{formatTime(repair.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <section aria-labelledby="corrections-heading">
            <h2 id="corrections-heading">Correction log</h2>
            {data.corrections.length === 0 ? (
              <p>No corrections.</p>
            ) : (
              <table aria-label="Correction log">
                <thead>
                  <tr>
                    <th scope="col">Kind</th>
                    <th scope="col">Transfer</th>
                    <th scope="col">Account</th>
                    <th scope="col">Detail</th>
                    <th scope="col">At</th>
                  </tr>
                </thead>
                <tbody>
                  {data.corrections.map((correction) => (
                    <tr key={correction.id}>
                      <th scope="row">{correction.kind}</th>
                      <td className="mono">{correction.transferId ?? '—'}</td>
                      <td className="mono">{correction.accountId ?? '—'}</td>
                      <td>
                        <code>{show(correction.detail)}</code>
                      </td>
                      <td>{formatTime(correction.at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <section aria-labelledby="reconcile-heading">
            <h2 id="reconcile-heading">Last reconcile run</h2>
            {data.reconcile === null ? (
              <p>No reconcile run yet.</p>
            ) : (
              <>
                <p>
                  Run <span className="mono">{data.reconcile.runId}</span>: {data.reconcile.status}, closed{' '}
                  {formatTime(data.reconcile.closedAt)}; {data.reconcile.drifts.length} drifts.
                </p>
                {data.reconcile.drifts.length > 0 && (
                  <ul aria-label="Drifts">
                    {data.reconcile.drifts.map((drift, index) => (
                      <li key={index}>
                        {Object.entries(drift)
                          .map(([key, value]) => `${key}: ${show(value)}`)
                          .join(', ')}
                      </li>
                    ))}
                  </ul>
                )}
              </>
            )}
          </section>
        </>
      )}
      <DeadLetters />
    </main>
  );
}
