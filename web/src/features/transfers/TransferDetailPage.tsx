import { useState } from 'react';
import { useParams } from 'react-router';

import { DbIpCredit } from '../../components/DbIpCredit';
import { ErrorAlert, RefusalRegion } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { Money } from '../../components/Money';
import { ApiError } from '../../lib/api-client';
import { formatTime } from '../../lib/format';
import { can } from '../../lib/permissions';
import { useApi, useSession } from '../../lib/session';
import { useAction } from '../../lib/use-action';
import { useResource } from '../../lib/use-resource';

import { cancelTransfer, getAccount, getActivity, getRisk, getTransfer, type Transfer } from './api';
import { ConfirmationPanel } from './ConfirmationPanel';
import { describePlace } from './place';

export function TransferDetailPage() {
  const { transferId = '' } = useParams();
  // Keyed by the id, so another transfer's page starts afresh: no answer or refusal carried over.
  return <TransferPage key={transferId} transferId={transferId} />;
}

function TransferPage({ transferId }: { transferId: string }) {
  const api = useApi();
  const { session } = useSession();
  const loaded = useResource(() => getTransfer(api, transferId), [api, transferId]);
  // A cancel answers the transfer as it became; shown as is until something reloads it.
  const [answered, setAnswered] = useState<Transfer | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const { refusal, busy, run } = useAction();
  const transfer = answered ?? loaded.data;

  async function cancel(reason: string) {
    setOutcome(null);
    const cancelled = await run(() => cancelTransfer(api, transferId, { reason }));
    if (cancelled) {
      setAnswered(cancelled);
      setOutcome(`Cancel accepted: the transfer is ${cancelled.status}.`);
      return;
    }
    // Refused (a 409 when the customer answered first, or the code expired): show what the transfer is now.
    setAnswered(null);
    loaded.reload();
  }

  return (
    <main>
      <h1>
        Transfer <span className="mono">{transferId}</span>
      </h1>
      <RefusalRegion refusal={refusal} />
      {outcome && <p role="status">{outcome}</p>}
      <ErrorAlert error={loaded.error} />
      {loaded.loading && !transfer && <Loading />}
      {transfer && (
        <TransferDetail
          transfer={transfer}
          mayCancel={can(session?.role, 'cancel transfers')}
          busy={busy}
          onCancel={(reason) => void cancel(reason)}
        />
      )}
    </main>
  );
}

interface TransferDetailProps {
  transfer: Transfer;
  mayCancel: boolean;
  busy: boolean;
  onCancel: (reason: string) => void;
}

function TransferDetail({ transfer, mayCancel, busy, onCancel }: TransferDetailProps) {
  return (
    <>
      <section aria-labelledby="summary-heading">
        <h2 id="summary-heading">Summary</h2>
        <dl className="facts">
          <dt>Status</dt>
          <dd>{transfer.status}</dd>
          <dt>Saga step</dt>
          <dd>{transfer.step}</dd>
          <dt>Amount</dt>
          <dd>
            <Money amount={transfer.amount} currency={transfer.currency} />
          </dd>
          <dt>From</dt>
          <dd className="mono">{transfer.fromAccountId}</dd>
          <dt>To</dt>
          <dd className="mono">{transfer.toAccountId}</dd>
          <dt>Memo</dt>
          <dd>{transfer.memo ?? '—'}</dd>
          <dt>Submitted</dt>
          <dd>{formatTime(transfer.submittedAt)}</dd>
          <dt>Settled</dt>
          <dd>{formatTime(transfer.settledAt)}</dd>
          {transfer.failureReason && (
            <>
              <dt>Failure reason</dt>
              <dd>{transfer.failureReason}</dd>
            </>
          )}
        </dl>
        <p>
          <a href={transfer.links.temporalUi} target="_blank" rel="noreferrer">
            Open in Temporal Web UI
          </a>
        </p>
      </section>
      {transfer.status === 'AWAITING_CONFIRMATION' && (
        <ConfirmationPanel confirmation={transfer.confirmation} mayCancel={mayCancel} busy={busy} onCancel={onCancel} />
      )}
      <Timeline transfer={transfer} />
      <Balances transfer={transfer} />
      <RiskProvenance transferId={transfer.transferId} submittedAt={transfer.submittedAt} />
      <ReviewRecord transfer={transfer} />
      <Activity transfer={transfer} />
    </>
  );
}

function Timeline({ transfer }: { transfer: Transfer }) {
  return (
    <section aria-labelledby="timeline-heading">
      <h2 id="timeline-heading">Status timeline</h2>
      <ol className="timeline">
        {transfer.history.map((change, index) => (
          <li key={index}>
            <strong>{change.status}</strong> at step {change.step}, {formatTime(change.at)}
            {change.reason && <> — {change.reason}</>}
          </li>
        ))}
      </ol>
    </section>
  );
}

function Balances({ transfer }: { transfer: Transfer }) {
  const api = useApi();
  const accounts = useResource(
    () => Promise.all([getAccount(api, transfer.fromAccountId), getAccount(api, transfer.toAccountId)]),
    // Read again when the status moves (a cancel voids the hold), so "now" stays true.
    [api, transfer.fromAccountId, transfer.toAccountId, transfer.status],
  );
  return (
    <section aria-labelledby="balances-heading">
      <h2 id="balances-heading">Balances now</h2>
      <ErrorAlert error={accounts.error} />
      {accounts.data && (
        <table>
          <thead>
            <tr>
              <th scope="col">Side</th>
              <th scope="col">Account</th>
              <th scope="col" className="number">
                Balance
              </th>
              <th scope="col" className="number">
                Available
              </th>
              <th scope="col" className="number">
                Held
              </th>
            </tr>
          </thead>
          <tbody>
            {accounts.data.map((account, index) => (
              <tr key={account.accountId + index}>
                <th scope="row">{index === 0 ? 'Sender' : 'Receiver'}</th>
                <td className="mono">{account.accountId}</td>
                <td className="number">
                  <Money amount={account.balance} currency={account.currency} />
                </td>
                <td className="number">
                  <Money amount={account.available} currency={account.currency} />
                </td>
                <td className="number">
                  <Money amount={account.held} currency={account.currency} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function RiskProvenance({ transferId, submittedAt }: { transferId: string; submittedAt: string }) {
  const api = useApi();
  const risk = useResource(() => getRisk(api, transferId), [api, transferId]);
  const notEvaluated = risk.error instanceof ApiError && risk.error.status === 404;
  const place = risk.data ? describePlace(risk.data.place, submittedAt) : null;
  return (
    <section aria-labelledby="risk-heading">
      <h2 id="risk-heading">Risk provenance</h2>
      {notEvaluated ? <p>Not evaluated yet.</p> : <ErrorAlert error={risk.error} />}
      {risk.data && (
        <>
          <dl className="facts">
            <dt>Decision</dt>
            <dd>{risk.data.decision}</dd>
            <dt>Score</dt>
            <dd>{risk.data.score}</dd>
            <dt>Anomaly score</dt>
            <dd>{risk.data.anomalyScore}</dd>
            <dt>Model</dt>
            <dd>
              {risk.data.modelVersion}
              {risk.data.anomalyReason && <> — {risk.data.anomalyReason}</>}
            </dd>
            <dt>Rule set</dt>
            <dd>{risk.data.ruleSetVersion}</dd>
            <dt>Evaluated</dt>
            <dd>{formatTime(risk.data.evaluatedAt)}</dd>
            {place && (
              <>
                <dt>Place</dt>
                <dd>{place}</dd>
              </>
            )}
          </dl>
          <table aria-label="Rules evaluated">
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">Hit</th>
                <th scope="col" className="number">
                  Score
                </th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {risk.data.rules.map((rule) => (
                <tr key={`${rule.ruleId}@${rule.version}`}>
                  <th scope="row" className="mono">
                    {rule.ruleId}@{rule.version}
                    {rule.shadow && <span className="tag"> shadow</span>}
                  </th>
                  <td>{rule.hit ? 'hit' : 'no'}</td>
                  <td className="number">{rule.score}</td>
                  <td>{rule.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <DbIpCredit />
        </>
      )}
    </section>
  );
}

function ReviewRecord({ transfer }: { transfer: Transfer }) {
  return (
    <section aria-labelledby="review-heading">
      <h2 id="review-heading">Review</h2>
      {transfer.review ? (
        <p>
          <strong>{transfer.review.decision}</strong> by {transfer.review.reviewer} at{' '}
          {formatTime(transfer.review.decidedAt)}: {transfer.review.reason}
        </p>
      ) : (
        <p>No review.</p>
      )}
    </section>
  );
}

function Activity({ transfer }: { transfer: Transfer }) {
  const api = useApi();
  // The status moving means the saga wrote an event (transfer.failed after a cancel): read them again.
  const activity = useResource(
    () => getActivity(api, transfer.transferId),
    [api, transfer.transferId, transfer.status],
  );
  return (
    <section aria-labelledby="activity-heading">
      <h2 id="activity-heading">Events and corrections</h2>
      <ErrorAlert error={activity.error} />
      {activity.data && (
        <>
          <table aria-label="Events published">
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Topic</th>
                <th scope="col">Created</th>
                <th scope="col">Published</th>
              </tr>
            </thead>
            <tbody>
              {activity.data.events.map((event) => (
                <tr key={event.eventId}>
                  <th scope="row">{event.type}</th>
                  <td className="mono">{event.topic}</td>
                  <td>{formatTime(event.createdAt)}</td>
                  <td>{event.publishedAt ? formatTime(event.publishedAt) : 'not yet'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {activity.data.corrections.length === 0 ? (
            <p>No corrections.</p>
          ) : (
            <table aria-label="Corrections">
              <thead>
                <tr>
                  <th scope="col">Kind</th>
                  <th scope="col">At</th>
                  <th scope="col">Detail</th>
                </tr>
              </thead>
              <tbody>
                {activity.data.corrections.map((correction) => (
                  <tr key={correction.id}>
                    <th scope="row">{correction.kind}</th>
                    <td>{formatTime(correction.at)}</td>
                    <td>
                      <code>{JSON.stringify(correction.detail)}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
