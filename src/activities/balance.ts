import { type AccountProblem, accountProblem } from '../domain/accounts';
import { ErrorType } from '../domain/errors';
import type { TransferSagaInput } from '../domain/transfer';
import type { PostgresLedger } from '../ledger/postgres-ledger';
import type { RedisBalances, ReserveOutcome, VoidOutcome } from '../ledger/redis-balances';
import { finalFailure } from './failures';

/** The reserve step's refusals, as the error types the saga treats as final. */
const ERROR_TYPES: Record<AccountProblem['problem'], ErrorType> = {
  'unknown-account': ErrorType.AccountNotFound,
  'account-closed': ErrorType.AccountClosed,
  'currency-mismatch': ErrorType.CurrencyMismatch,
};

type Transfer = Pick<TransferSagaInput, 'transferId' | 'fromAccountId' | 'toAccountId' | 'amount' | 'currency'>;

/** Redis holds: the first, reversible half of moving money. */
export function createBalanceActivities({ balances, ledger }: { balances: RedisBalances; ledger: PostgresLedger }) {
  return {
    /**
     * Holds the amount on the sender (idempotent per transfer); DECLINE errors are final. A failed
     * workflow task runs this step again even after the transfer settled or closed, and Redis may have
     * lost the finished hold's tombstone meanwhile: PostgreSQL's record of the hold decides, so such a
     * run holds nothing.
     */
    async reserveFunds(transfer: Transfer): Promise<ReserveOutcome> {
      const { accounts, holdState } = await ledger.accountsAndHold(transfer.transferId, [
        transfer.fromAccountId,
        transfer.toAccountId,
      ]);
      if (holdState === 'POSTED') return 'POSTED';
      // Closed before or after a hold: nothing may be held for it any more.
      if (holdState === 'VOIDED' || holdState === 'NONE') return 'VOIDED';
      for (const accountId of [transfer.fromAccountId, transfer.toAccountId]) {
        const refused = accountProblem(accountId, accounts.get(accountId), transfer.currency);
        if (refused) throw finalFailure(ERROR_TYPES[refused.problem], refused.detail);
      }
      const outcome = await balances.reserve(transfer.transferId, transfer.fromAccountId, transfer.amount);
      if (outcome === 'INSUFFICIENT') {
        throw finalFailure(
          ErrorType.InsufficientFunds,
          `account ${transfer.fromAccountId} cannot cover ${transfer.amount}`,
        );
      }
      return outcome;
    },

    /** Gives the hold back (compensation); idempotent, and a no-op for a hold never made. */
    async releaseHold(transfer: Pick<Transfer, 'transferId' | 'fromAccountId'>): Promise<VoidOutcome> {
      return balances.void(transfer.transferId, transfer.fromAccountId);
    },
  };
}
