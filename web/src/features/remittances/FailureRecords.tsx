import { useState } from 'react';
import { Link } from 'react-router';

import { ErrorAlert, RefusalRegion } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { Money } from '../../components/Money';
import { formatTime } from '../../lib/format';
import { can } from '../../lib/permissions';
import { useApi, useSession } from '../../lib/session';
import { useAction } from '../../lib/use-action';
import { useResource } from '../../lib/use-resource';

import { listFailures, retryFailure, type RemittanceFailure } from './api';

/** The failure records of every remittance: open ones first, resolved ones on request. */
export function FailureRecords() {
  const api = useApi();
  const [withResolved, setWithResolved] = useState(false);
  const failures = useResource(
    () => listFailures(api, { status: withResolved ? undefined : 'OPEN' }),
    [api, withResolved],
  );

  return (
    <section aria-labelledby="failures-heading">
      <h2 id="failures-heading">Failure records</h2>
      <label className="checkbox">
        <input type="checkbox" checked={withResolved} onChange={(e) => setWithResolved(e.target.checked)} />
        Show resolved records too
      </label>
      <ErrorAlert error={failures.error} />
      {failures.loading && !failures.data && <Loading />}
      {failures.data && (
        <FailureTable
          failures={failures.data.items}
          label="Failure records"
          empty={withResolved ? 'No failure records.' : 'No open failure records.'}
          linkToRemittance
          onRetried={failures.reload}
        />
      )}
    </section>
  );
}

interface FailureTableProps {
  failures: RemittanceFailure[];
  label: string;
  empty: string;
  /** On the listing each record links to its remittance; on the remittance's own page it need not. */
  linkToRemittance?: boolean;
  /** Called after a retry was asked for, accepted or refused, to show the record as it is now. */
  onRetried: () => void;
}

/**
 * Failure records, each open one with Retry now for the roles the server lets retry; a refusal (409: no
 * longer open, or a retry already running) appears in the refusal region above the table.
 */
export function FailureTable({ failures, label, empty, linkToRemittance = false, onRetried }: FailureTableProps) {
  const api = useApi();
  const { session } = useSession();
  const mayRetry = can(session?.role, 'retry remittance failures');
  const [outcome, setOutcome] = useState<string | null>(null);
  const { refusal, busy, run } = useAction(onRetried);

  async function retry(failure: RemittanceFailure) {
    setOutcome(null);
    const retried = await run(() => retryFailure(api, failure.id));
    if (retried) setOutcome(`Retrying the ${retried.kind} of ${retried.number}.`);
  }

  return (
    <>
      <RefusalRegion refusal={refusal} />
      {outcome && <p role="status">{outcome}</p>}
      {failures.length === 0 ? (
        <p>{empty}</p>
      ) : (
        <table aria-label={label}>
          <thead>
            <tr>
              <th scope="col">Remittance</th>
              <th scope="col">Step</th>
              <th scope="col">Status</th>
              <th scope="col" className="number">
                Retries
              </th>
              <th scope="col" className="number">
                Amount
              </th>
              <th scope="col">Error</th>
              <th scope="col">Recorded</th>
              {mayRetry && (
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {failures.map((failure) => (
              <tr key={failure.id}>
                <th scope="row" className="mono">
                  {linkToRemittance ? (
                    <Link to={`/remittances/${failure.remittanceId}`}>{failure.number}</Link>
                  ) : (
                    failure.number
                  )}
                </th>
                <td>{failure.kind}</td>
                <td>
                  {failure.status === 'RESOLVED' ? `RESOLVED ${formatTime(failure.resolvedAt)}` : 'OPEN'}
                  {failure.retrying && <span className="tag"> retrying</span>}
                  {failure.exhausted && <span className="tag"> retries spent</span>}
                </td>
                <td className="number">{failure.retries}</td>
                <td className="number">
                  <Money amount={failure.amount} currency={failure.currency} />
                </td>
                <td>{failure.error}</td>
                <td>{formatTime(failure.createdAt)}</td>
                {mayRetry && (
                  <td>
                    {failure.status === 'OPEN' && (
                      <button
                        type="button"
                        onClick={() => void retry(failure)}
                        disabled={busy || failure.retrying}
                        aria-label={`Retry now: ${failure.number} ${failure.kind}`}
                      >
                        Retry now
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
