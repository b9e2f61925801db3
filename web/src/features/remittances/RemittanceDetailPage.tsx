import { useParams } from 'react-router';

import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { Money } from '../../components/Money';
import { formatTime } from '../../lib/format';
import { useApi } from '../../lib/session';
import { useResource } from '../../lib/use-resource';

import { getRemittance, type Remittance } from './api';
import { FailureTable } from './FailureRecords';
import { bankAccount } from './RemittancesTable';

export function RemittanceDetailPage() {
  const { remittanceId = '' } = useParams();
  const api = useApi();
  const remittance = useResource(() => getRemittance(api, remittanceId), [api, remittanceId]);

  return (
    <main>
      <h1>
        Remittance <span className="mono">{remittance.data?.number ?? remittanceId}</span>
      </h1>
      <ErrorAlert error={remittance.error} />
      {remittance.loading && !remittance.data && <Loading />}
      {remittance.data && <RemittanceDetail remittance={remittance.data} onRetried={remittance.reload} />}
    </main>
  );
}

function RemittanceDetail({ remittance, onRetried }: { remittance: Remittance; onRetried: () => void }) {
  return (
    <>
      <section aria-labelledby="summary-heading">
        <h2 id="summary-heading">Summary</h2>
        <dl className="facts">
          <dt>Status</dt>
          <dd>{remittance.status}</dd>
          <dt>Saga step</dt>
          <dd>{remittance.step}</dd>
          <dt>Amount</dt>
          <dd>
            <Money amount={remittance.amount} currency={remittance.currency} />
          </dd>
          <dt>From</dt>
          <dd>
            <span className="mono">{bankAccount(remittance.fromBusiness)}</span> ({remittance.fromBusiness.businessId})
          </dd>
          <dt>To</dt>
          <dd>
            <span className="mono">{bankAccount(remittance.toBusiness)}</span> ({remittance.toBusiness.businessId})
          </dd>
          <dt>Reference</dt>
          <dd>{remittance.reference}</dd>
          <dt>Rail</dt>
          <dd className="mono">{remittance.rail}</dd>
          <dt>Created</dt>
          <dd>{formatTime(remittance.createdAt)}</dd>
          <dt>Updated</dt>
          <dd>{formatTime(remittance.updatedAt)}</dd>
          {remittance.failureReason && (
            <>
              <dt>Failure reason</dt>
              <dd>{remittance.failureReason}</dd>
            </>
          )}
        </dl>
        <p>
          <a href={remittance.links.temporalUi} target="_blank" rel="noreferrer">
            Open in Temporal Web UI
          </a>
        </p>
      </section>
      <section aria-labelledby="history-heading">
        <h2 id="history-heading">Status history</h2>
        <ol className="timeline">
          {remittance.history.map((change, index) => (
            <li key={index}>
              <strong>{change.status}</strong> at step {change.step}, {formatTime(change.at)}
              {change.reason && <> — {change.reason}</>}
            </li>
          ))}
        </ol>
      </section>
      <section aria-labelledby="instructions-heading">
        <h2 id="instructions-heading">Rail instructions</h2>
        {remittance.instructions.length === 0 ? (
          <p>No rail instructions yet.</p>
        ) : (
          <table aria-label="Rail instructions">
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Type</th>
                <th scope="col">Status</th>
                <th scope="col">Reason</th>
                <th scope="col">Rail's id</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {remittance.instructions.map((instruction) => (
                <tr key={instruction.key}>
                  <th scope="row" className="mono">
                    {instruction.key}
                  </th>
                  <td>{instruction.type}</td>
                  <td>{instruction.status}</td>
                  <td>{instruction.reason ?? '—'}</td>
                  <td className="mono">{instruction.instructionId ?? '—'}</td>
                  <td>{formatTime(instruction.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="failures-heading">
        <h2 id="failures-heading">Failure records</h2>
        <FailureTable
          failures={remittance.failures}
          label={`Failure records of ${remittance.number}`}
          empty="No failure records."
          onRetried={onRetried}
        />
      </section>
    </>
  );
}
