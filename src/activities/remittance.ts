import { ApplicationFailure } from '@temporalio/activity';

import { ErrorType } from '../domain/errors';
import type { RemittanceFailureKind, RemittanceSagaInput } from '../domain/remittance';
import type { RedisBalances } from '../ledger/redis-balances';
import {
  PlatformAccountRefusedError,
  type RemittanceLedger,
  type RemittanceTransition,
  RemittanceTransitionError,
} from '../remittances/remittance-ledger';
import { finalFailure } from './failures';

/**
 * A remittance's steps on our own stores (local activities): each leg on the platform account is one
 * PostgreSQL transaction with its status change and event, then the Redis half, both idempotent per
 * remittance and leg.
 */
export function createRemittanceActivities({
  remittances,
  balances,
}: {
  remittances: RemittanceLedger;
  balances: RedisBalances;
}) {
  /** Books a credit leg in PostgreSQL, then credits the platform account in Redis unless an earlier run did. */
  async function credit(input: RemittanceSagaInput, leg: 'deposit' | 'reversal', transition: RemittanceTransition) {
    const { redisApplied } = await typed(() => remittances.credit(input, leg, transition));
    if (redisApplied) return;
    await balances.credit(`${input.remittanceId}:${leg}`, input.platformAccountId, input.amount);
    await remittances.markLegApplied(input.remittanceId, leg);
  }

  /**
   * A debit leg, hold then post: PostgreSQL records the hold, Redis holds the amount, PostgreSQL posts
   * it with the status change, Redis closes the hold. A run after a crash picks up where the last stopped.
   */
  async function debit(input: RemittanceSagaInput, leg: 'withdraw' | 'refund', transition: RemittanceTransition) {
    const holdId = `${input.remittanceId}:${leg}`;
    if ((await typed(() => remittances.holdDebit(input, leg))) === 'OPEN') {
      // Short in Redis means Redis and PostgreSQL disagree about the platform account: the hold stays recorded
      // (a Redis rebuild would count it), and the next attempt holds it again.
      if ((await balances.reserve(holdId, input.platformAccountId, input.amount)) === 'INSUFFICIENT') {
        throw platformRefused(`platform account ${input.platformAccountId} cannot cover ${input.amount} in Redis`);
      }
    }
    const { redisApplied } = await typed(() => remittances.postDebit(input, leg, transition));
    if (redisApplied) return;
    await balances.settle(holdId, input.platformAccountId);
    await remittances.markLegApplied(input.remittanceId, leg);
  }

  return {
    /** A status change that moves no money (the rail collected; the rail paid out; the collection was refused). */
    async advanceRemittance(request: { input: RemittanceSagaInput; transition: RemittanceTransition }): Promise<void> {
      await typed(() => remittances.advance(request.input, request.transition));
    },

    /** Books the collected money on the platform account, against the rail's clearing account → DEPOSITED. */
    async depositRemittance(input: RemittanceSagaInput): Promise<void> {
      await credit(input, 'deposit', { to: 'DEPOSITED', step: 'withdraw', event: 'remittance.deposited' });
    },

    /** Debits the platform account for the payout → WITHDRAWN. */
    async withdrawRemittance(input: RemittanceSagaInput): Promise<void> {
      await debit(input, 'withdraw', { to: 'WITHDRAWN', step: 'payout', event: 'remittance.withdrawn' });
    },

    /** Compensation of a refused payout: the withdrawn money back on the platform account → REFUNDING. */
    async reverseWithdrawal(request: { input: RemittanceSagaInput; reason: string }): Promise<void> {
      await credit(request.input, 'reversal', { to: 'REFUNDING', step: 'refund', reason: request.reason });
    },

    /** Books the refund the rail made to A off the platform account → FAILED, with the money back. */
    async bookRefund(request: { input: RemittanceSagaInput; reason: string }): Promise<void> {
      await debit(request.input, 'refund', {
        to: 'FAILED',
        step: 'done',
        reason: request.reason,
        event: 'remittance.failed',
        refunded: true,
      });
    },

    /** Opens (or updates) the failure record of a step that could not finish; answers whether it is new. */
    async recordRemittanceFailure(request: {
      remittanceId: string;
      kind: RemittanceFailureKind;
      error: string;
    }): Promise<boolean> {
      return remittances.openFailure(request.remittanceId, request.kind, request.error);
    },

    /** Closes the failure record of a step that has now finished. */
    async resolveRemittanceFailure(request: { remittanceId: string; kind: RemittanceFailureKind }): Promise<void> {
      await remittances.resolveFailure(request.remittanceId, request.kind);
    },
  };
}

function platformRefused(message: string): ApplicationFailure {
  // Retryable: an operator may reopen the account; the failure record retries it later too.
  return ApplicationFailure.create({ type: ErrorType.PlatformAccountRefused, message });
}

/** The ledger's refusals as the error types the saga sees. */
async function typed<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof PlatformAccountRefusedError) throw platformRefused(error.message);
    if (error instanceof RemittanceTransitionError) throw finalFailure(ErrorType.InvalidTransition, error.message);
    throw error;
  }
}
