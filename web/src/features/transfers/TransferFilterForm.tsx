import { useState, type FormEvent } from 'react';

import { RISK_DECISIONS, TRANSFER_STATUSES } from '@domain/transfer';

import { type TransferFilters } from './api';
import { FilterActions } from '../../components/ListControls';

/** The form's text, before it becomes a query: every field may be empty. */
interface FilterFields {
  status: string;
  accountId: string;
  decision: string;
  submittedFrom: string;
  submittedTo: string;
  minAmount: string;
  maxAmount: string;
}

const EMPTY: FilterFields = {
  status: '',
  accountId: '',
  decision: '',
  submittedFrom: '',
  submittedTo: '',
  minAmount: '',
  maxAmount: '',
};

/** A `datetime-local` value is local time without a zone; the API wants an ISO instant. */
const toIso = (local: string) => (local ? new Date(local).toISOString() : undefined);
const orUndefined = (text: string) => (text.trim() ? text.trim() : undefined);
const minorUnits = (text: string) => (/^\d+$/.test(text.trim()) ? Number(text.trim()) : undefined);

function toFilters(fields: FilterFields): TransferFilters {
  return {
    status: orUndefined(fields.status) as TransferFilters['status'],
    accountId: orUndefined(fields.accountId),
    decision: orUndefined(fields.decision) as TransferFilters['decision'],
    submittedFrom: toIso(fields.submittedFrom),
    submittedTo: toIso(fields.submittedTo),
    minAmount: minorUnits(fields.minAmount),
    maxAmount: minorUnits(fields.maxAmount),
  };
}

export function TransferFilterForm({ onApply }: { onApply: (filters: TransferFilters) => void }) {
  const [fields, setFields] = useState<FilterFields>(EMPTY);
  const set = (name: keyof FilterFields) => (event: { target: { value: string } }) =>
    setFields((current) => ({ ...current, [name]: event.target.value }));

  function submit(event: FormEvent) {
    event.preventDefault();
    onApply(toFilters(fields));
  }

  function clear() {
    setFields(EMPTY);
    onApply({});
  }

  return (
    <form className="filters" onSubmit={submit} aria-label="Filter transfers">
      <label>
        Status
        <select value={fields.status} onChange={set('status')}>
          <option value="">Any</option>
          {TRANSFER_STATUSES.map((status) => (
            <option key={status}>{status}</option>
          ))}
        </select>
      </label>
      <label>
        Account
        <input value={fields.accountId} onChange={set('accountId')} placeholder="sender or receiver" />
      </label>
      <label>
        Decision
        <select value={fields.decision} onChange={set('decision')}>
          <option value="">Any</option>
          {RISK_DECISIONS.map((decision) => (
            <option key={decision}>{decision}</option>
          ))}
        </select>
      </label>
      <label>
        Submitted from
        <input type="datetime-local" value={fields.submittedFrom} onChange={set('submittedFrom')} />
      </label>
      <label>
        Submitted before
        <input type="datetime-local" value={fields.submittedTo} onChange={set('submittedTo')} />
      </label>
      <label>
        Min amount (minor units)
        <input inputMode="numeric" pattern="\d*" value={fields.minAmount} onChange={set('minAmount')} />
      </label>
      <label>
        Max amount (minor units)
        <input inputMode="numeric" pattern="\d*" value={fields.maxAmount} onChange={set('maxAmount')} />
      </label>
      <FilterActions onClear={clear} />
    </form>
  );
}
