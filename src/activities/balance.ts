import { ErrorType } from '../domain/errors';
import type { TransferSagaInput } from '../domain/transfer';
import type { PostgresLedger } from '../ledger/postgres-ledger';
import type { RedisBalances, ReserveOutcome, VoidOutcome } from '../ledger/redis-balances';
import { finalFailure } from './failures';

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
        const account = accounts.get(accountId);
        if (!account) throw finalFailure(ErrorType.AccountNotFound, `account ${accountId} does not exist`);
        if (account.status !== 'OPEN') throw finalFailure(ErrorType.AccountClosed, `account ${accountId} is closed`);
        if (account.currency !== transfer.currency) {
          throw finalFailure(
            ErrorType.CurrencyMismatch,
            `account ${accountId} holds ${account.currency}, not ${transfer.currency}`,
          );
        }
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
