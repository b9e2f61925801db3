import { ErrorType } from '../domain/errors';
import type {
  ClosedStatus,
  ReviewDecision,
  RiskAssessment,
  SyncCompensationInput,
  TransferSagaInput,
  TransferStep,
} from '../domain/transfer';
import { applySettlementInRedis } from '../ledger';
import {
  type CloseOutcome,
  type PostgresLedger,
  SettlementRefusedError,
  type TransferFacts,
  TransitionError,
} from '../ledger/postgres-ledger';
import type { RedisBalances } from '../ledger/redis-balances';
import { countTerminal, type ServiceMetrics } from '../service-metrics';
import { finalFailure } from './failures';

export interface CloseRequest {
  transfer: TransferFacts;
  status: ClosedStatus;
  step: TransferStep;
  reason: string;
  actor?: string;
}

/** The PostgreSQL ledger, and the Redis half of settlement that must follow it. */
export function createLedgerActivities({
  ledger,
  balances,
  serviceMetrics,
}: {
  ledger: PostgresLedger;
  balances: RedisBalances;
  serviceMetrics: ServiceMetrics;
}) {
  return {
    /**
     * Records the transfer as PENDING with an OPEN hold, then makes sure Redis still holds the money:
     * if Redis lost its data after the reserve and rebuilt before this row existed, the rebuild did
     * not count this hold, and reserving again (idempotent) puts it back. Only while PostgreSQL says
     * the hold is OPEN: run again after the transfer settled or closed, it must hold nothing.
     */
    async recordTransfer(input: TransferSagaInput): Promise<void> {
      if ((await ledger.recordTransfer(input)) !== 'OPEN') return;
      const outcome = await balances.reserve(input.transferId, input.fromAccountId, input.amount);
      if (outcome === 'INSUFFICIENT') {
        throw finalFailure(
          ErrorType.InsufficientFunds,
          `the hold on ${input.fromAccountId} was lost and cannot be re-made`,
        );
      }
    },

    /**
     * Moves a running transfer between PENDING and UNDER_REVIEW. Only sagas started before the fast path
     * call it: the fast path's evaluate step sets the status in its own transaction.
     */
    async setTransferStatus(request: {
      transferId: string;
      status: 'PENDING' | 'UNDER_REVIEW';
      step: TransferStep;
      risk?: RiskAssessment;
    }): Promise<void> {
      try {
        await ledger.setRunningStatus(request.transferId, request.status, request.step, request.risk);
      } catch (error) {
        if (error instanceof TransitionError) throw finalFailure(ErrorType.InvalidTransition, error.message);
        throw error;
      }
    },

    /** Records who decided a review, and how, before the saga acts on it; an approval writes transfer.approved. */
    async recordReview(request: ReviewDecision & { transferId: string }): Promise<void> {
      const { transferId, ...review } = request;
      await ledger.recordReview(transferId, review);
    },

    /** Settles in PostgreSQL, then applies the settlement in Redis unless an earlier run already did. */
    async settleTransfer(
      transfer: Pick<TransferSagaInput, 'transferId' | 'fromAccountId' | 'toAccountId' | 'amount'>,
    ): Promise<void> {
      try {
        const { redisApplied, settledNow, submittedAt } = await ledger.settle(transfer.transferId);
        if (settledNow) countTerminal(serviceMetrics, 'COMPLETED', submittedAt);
        if (redisApplied) return;
      } catch (error) {
        if (error instanceof SettlementRefusedError) throw finalFailure(ErrorType.InsufficientFunds, error.message);
        if (error instanceof TransitionError) throw finalFailure(ErrorType.InvalidTransition, error.message);
        throw error;
      }
      await applySettlementInRedis({ ledger, balances }, transfer);
    },

    /** Records the repair and its tx.sync_required event before the saga starts syncCompensation. */
    async requestRepair(request: SyncCompensationInput): Promise<number> {
      return ledger.requestRepair(request);
    },

    /** Ends a transfer that moves no money; PostgreSQL first, so the Redis release cannot be undone. */
    async closeTransfer(request: CloseRequest): Promise<CloseOutcome> {
      const outcome = await ledger.closeTransfer(
        request.transfer,
        request.status,
        request.step,
        request.reason,
        request.actor ?? null,
      );
      if (outcome === 'CLOSED') countTerminal(serviceMetrics, request.status, request.transfer.submittedAt);
      return outcome;
    },
  };
}
