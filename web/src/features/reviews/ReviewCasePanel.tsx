import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';

import { Money } from '../../components/Money';
import { formatTime, formatTimeLeft } from '../../lib/format';
import { useNow } from '../../lib/use-now';

import { type ReviewCase, type ReviewDecision } from './api';

export interface ReviewCasePanelProps {
  item: ReviewCase;
  reviewer: string;
  /** Whether the role may claim and decide; without it the panel only shows the case. */
  mayReview: boolean;
  busy: boolean;
  onClaim: () => void;
  onDecide: (decision: ReviewDecision) => void;
}

/** One case under review: who holds it, how long is left, and the claim and decision controls. */
export function ReviewCasePanel({ item, reviewer, mayReview, busy, onClaim, onDecide }: ReviewCasePanelProps) {
  const now = useNow();
  const [reason, setReason] = useState('');
  const [reasonMissing, setReasonMissing] = useState(false);
  const heldByOther = item.claim !== null && item.claim.by !== reviewer;
  const heldByMe = item.claim?.by === reviewer;

  function decide(decision: ReviewDecision['decision']) {
    // The server refuses a blank reason too; saying so here saves the round trip.
    if (!reason.trim()) {
      setReasonMissing(true);
      return;
    }
    setReasonMissing(false);
    onDecide({ decision, reason: reason.trim() });
  }

  return (
    <section aria-labelledby="case-heading" className="panel">
      <h2 id="case-heading">
        Case <Link to={`/transfers/${item.transferId}`}>{item.transferId}</Link>
      </h2>
      <dl className="facts">
        <dt>Amount</dt>
        <dd>
          <Money amount={item.amount} currency={item.currency} />
        </dd>
        <dt>From → to</dt>
        <dd className="mono">
          {item.fromAccountId} → {item.toAccountId}
        </dd>
        <dt>Risk score</dt>
        <dd>{item.riskScore ?? '—'}</dd>
        <dt>Under review since</dt>
        <dd>{formatTime(item.underReviewSince)}</dd>
        <dt>Time left</dt>
        <dd>{formatTimeLeft(item.reviewDeadline, now)}</dd>
        <dt>Claim</dt>
        <dd>{item.claim ? `Claimed by ${item.claim.by} until ${formatTime(item.claim.expiresAt)}` : 'Unclaimed'}</dd>
      </dl>
      {mayReview && (
        <form onSubmit={(event: FormEvent) => event.preventDefault()} className="stack">
          {!heldByMe && (
            <button type="button" onClick={onClaim} disabled={busy || heldByOther}>
              Claim
            </button>
          )}
          <label>
            Reason
            <textarea
              value={reason}
              onChange={(event) => setReason(event.target.value)}
              rows={3}
              required
              aria-invalid={reasonMissing}
              aria-describedby={reasonMissing ? 'reason-error' : undefined}
              disabled={heldByOther}
            />
          </label>
          {reasonMissing && (
            <p id="reason-error" role="alert" className="field-error">
              A reason is required.
            </p>
          )}
          <div className="actions">
            <button type="button" onClick={() => decide('APPROVE')} disabled={busy || heldByOther}>
              Approve
            </button>
            <button type="button" className="danger" onClick={() => decide('REJECT')} disabled={busy || heldByOther}>
              Reject
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
