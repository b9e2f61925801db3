import { type Transfer, type TransferFilters } from './api';

/** Whether `transfer` belongs in a list filtered by `filters`: the same tests the server's listing applies. */
export function matchesFilters(transfer: Transfer, filters: TransferFilters): boolean {
  const submitted = Date.parse(transfer.submittedAt);
  return (
    (!filters.status || transfer.status === filters.status) &&
    (!filters.accountId ||
      transfer.fromAccountId === filters.accountId ||
      transfer.toAccountId === filters.accountId) &&
    (!filters.decision || transfer.riskDecision === filters.decision) &&
    (!filters.submittedFrom || submitted >= Date.parse(filters.submittedFrom)) &&
    (!filters.submittedTo || submitted < Date.parse(filters.submittedTo)) &&
    (filters.minAmount === undefined || transfer.amount >= filters.minAmount) &&
    (filters.maxAmount === undefined || transfer.amount <= filters.maxAmount)
  );
}

export interface LiveListPosition {
  filters: TransferFilters;
  /** New transfers appear only on the first page; a later page is a fixed window into older ones. */
  onFirstPage: boolean;
}

/**
 * The rows after a live update of `transfer`: a row already shown is updated in place, or removed
 * when it no longer matches the filters (e.g. it left the filtered status); a new matching transfer
 * goes on top of the first page; anything else leaves the rows as they were.
 */
export function mergeLiveTransfer(rows: Transfer[], transfer: Transfer, position: LiveListPosition): Transfer[] {
  const index = rows.findIndex((row) => row.transferId === transfer.transferId);
  const matches = matchesFilters(transfer, position.filters);
  if (index >= 0) {
    return matches ? rows.map((row, i) => (i === index ? transfer : row)) : rows.filter((_, i) => i !== index);
  }
  return matches && position.onFirstPage ? [transfer, ...rows] : rows;
}
