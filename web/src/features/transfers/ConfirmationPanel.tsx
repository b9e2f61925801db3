import { useState, type FormEvent } from 'react';

import { formatTime, formatTimeLeft } from '../../lib/format';
import { useNow } from '../../lib/use-now';

import { type Confirmation } from './api';

/** The server's bound on a cancel's reason (cancelBody). */
const MAX_REASON_LENGTH = 500;

export interface ConfirmationPanelProps {
  /** The code sent last; null while the first code is still being sent, or when the saga did not answer in time. */
  confirmation: Confirmation | null;
  /** Whether the role may cancel; without it the panel only shows the wait. */
  mayCancel: boolean;
  busy: boolean;
  onCancel: (reason: string) => void;
}

/**
 * A transfer AWAITING_CONFIRMATION: when the customer's code expires, the tries and resends they have left,
 * and Cancel transfer for the roles the server lets cancel. Staff never confirm: only the customer can.
 */
export function ConfirmationPanel({ confirmation, mayCancel, busy, onCancel }: ConfirmationPanelProps) {
  const [reason, setReason] = useState('');
  const [reasonMissing, setReasonMissing] = useState(false);

  function cancel(event: FormEvent) {
    event.preventDefault();
    // The server refuses a blank reason too; saying so here saves the round trip.
    if (!reason.trim()) {
      setReasonMissing(true);
      return;
    }
    setReasonMissing(false);
    onCancel(reason.trim());
  }

  return (
    <section aria-labelledby="confirmation-heading" className="panel">
      <h2 id="confirmation-heading">Waiting for the customer</h2>
      <p>
        The sender&apos;s money is held until the customer confirms the transfer with the code sent to their phone,
        declines it, or the code expires. Only the customer can confirm it.
      </p>
      {confirmation ? (
        <ConfirmationFigures confirmation={confirmation} />
      ) : (
        <p>No code figures yet: the first code is still being sent, or the saga did not answer in time.</p>
      )}
      {mayCancel && (
        <form onSubmit={cancel} className="stack" noValidate>
          <label>
            Reason for cancelling
            <textarea
              value={reason}
              onChange={(event) => setReason(event.target.value)}
              rows={3}
              maxLength={MAX_REASON_LENGTH}
              required
              aria-invalid={reasonMissing}
              aria-describedby={reasonMissing ? 'cancel-reason-error' : undefined}
            />
          </label>
          {reasonMissing && (
            <p id="cancel-reason-error" role="alert" className="field-error">
              A reason is required.
            </p>
          )}
          <div className="actions">
            <button type="submit" className="danger" disabled={busy}>
              Cancel transfer
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

/** The figures, with a countdown that ticks every second; a code past its time says so rather than "overdue". */
function ConfirmationFigures({ confirmation }: { confirmation: Confirmation }) {
  const now = useNow();
  const expired = Date.parse(confirmation.expiresAt) <= now;
  const resendLater = confirmation.resendableAt !== null && Date.parse(confirmation.resendableAt) > now;
  return (
    <dl className="facts">
      <dt>Code expires</dt>
      <dd>
        {formatTime(confirmation.expiresAt)} (
        {expired ? 'expired' : `in ${formatTimeLeft(confirmation.expiresAt, now)}`})
      </dd>
      <dt>Tries left</dt>
      <dd>{confirmation.triesLeft}</dd>
      <dt>Resends left</dt>
      <dd>
        {confirmation.resendsLeft}
        {resendLater && <> (the customer may ask for a new code from {formatTime(confirmation.resendableAt)})</>}
      </dd>
    </dl>
  );
}
