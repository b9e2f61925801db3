import { useState } from 'react';

import { ErrorAlert, RefusalRegion } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { Money } from '../../components/Money';
import { formatTimeLeft } from '../../lib/format';
import { can } from '../../lib/permissions';
import { useApi, useSession } from '../../lib/session';
import { useNow } from '../../lib/use-now';
import { useResource } from '../../lib/use-resource';
import { useAction } from '../../lib/use-action';

import { claimReview, decideReview, listReviews, type ReviewCase, type ReviewDecision } from './api';
import { nextCase } from './next-case';
import { ReviewCasePanel } from './ReviewCasePanel';

export function ReviewQueuePage() {
  const api = useApi();
  const { session } = useSession();
  const reviewer = session?.username ?? '';
  const mayReview = can(session?.role, 'review transfers');
  const queue = useResource(() => listReviews(api), [api]);
  const now = useNow();
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [decided, setDecided] = useState<string | null>(null);
  // 403 self-review (four eyes) and 409 claimed-by-other land in `refusal`, shown in the alert region.
  const { refusal, busy, run } = useAction(queue.reload);

  const items = queue.data?.items ?? [];
  const selected = items.find((item) => item.transferId === selectedId) ?? null;

  const claim = (item: ReviewCase) => void run(() => claimReview(api, item.transferId));
  const decide = (item: ReviewCase, decision: ReviewDecision) =>
    void run(() => decideReview(api, item.transferId, decision)).then(
      (transfer) => transfer && setDecided(item.transferId),
    );

  function goToNextCase() {
    setSelectedId(nextCase(items, reviewer, decided)?.transferId ?? null);
    setDecided(null);
  }

  return (
    <main>
      <h1>Review queue</h1>
      <RefusalRegion refusal={refusal} />
      <ErrorAlert error={queue.error} />
      {queue.loading && !queue.data && <Loading />}
      {/* The decision is confirmed even when it emptied the queue; Next case only when there is one. */}
      {(decided || !selected) && (decided || items.length > 0) && (
        <p role="status">
          {decided ? 'Decision recorded. ' : null}
          {items.length > 0 && (
            <button type="button" onClick={goToNextCase}>
              Next case
            </button>
          )}
        </p>
      )}
      {selected && !decided && (
        <ReviewCasePanel
          key={selected.transferId}
          item={selected}
          reviewer={reviewer}
          mayReview={mayReview}
          busy={busy}
          onClaim={() => claim(selected)}
          onDecide={(decision) => decide(selected, decision)}
        />
      )}
      {queue.data && items.length === 0 && <p>No transfers are waiting for review.</p>}
      {items.length > 0 && (
        <table aria-label="Transfers under review">
          <thead>
            <tr>
              <th scope="col">Transfer</th>
              <th scope="col" className="number">
                Amount
              </th>
              <th scope="col">Time left</th>
              <th scope="col">Claim</th>
              <th scope="col">
                <span className="visually-hidden">Open</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={item.transferId} aria-current={item.transferId === selectedId ? 'true' : undefined}>
                <th scope="row" className="mono">
                  {item.transferId}
                </th>
                <td className="number">
                  <Money amount={item.amount} currency={item.currency} />
                </td>
                <td>{formatTimeLeft(item.reviewDeadline, now)}</td>
                <td>{item.claim ? `Claimed by ${item.claim.by}` : 'Unclaimed'}</td>
                <td>
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => {
                      setSelectedId(item.transferId);
                      setDecided(null);
                    }}
                    aria-label={`Open case ${item.transferId}`}
                  >
                    Open
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
