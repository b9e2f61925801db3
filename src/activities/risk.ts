import type { Pool } from 'pg';

import { inTransaction } from '../db/transaction';
import { ErrorType } from '../domain/errors';
import { describeRisk, type RiskAssessment, type TransferSagaInput } from '../domain/transfer';
import { type PostgresLedger, TransitionError } from '../ledger/postgres-ledger';
import type { RiskServices } from '../risk';
import type { WithdrawOutcome } from '../risk/redis-risk-state';
import type { ServiceMetrics } from '../service-metrics';
import { finalFailure } from './failures';

export function createRiskActivities({
  risk,
  ledger,
  postgres,
  serviceMetrics,
}: {
  risk: RiskServices;
  ledger: PostgresLedger;
  postgres: Pool;
  serviceMetrics: ServiceMetrics;
}) {
  return {
    /**
     * Evaluates the transfer and records, in one PostgreSQL transaction, the risk log, the verdict on
     * the transfer row (UNDER_REVIEW for REVIEW) and its event. Once per transfer: an attempt after the
     * evaluation was recorded answers the recorded decision, so the saga never sees two decisions.
     */
    async evaluateRisk(input: TransferSagaInput): Promise<RiskAssessment> {
      const evaluated = serviceMetrics.riskEvaluation.startTimer();
      const evaluation = await risk.engine.evaluate(input);
      evaluated();
      const { assessment } = evaluation;
      try {
        const recordedNow = await inTransaction(postgres, async (client) => {
          if (!(await risk.log.insert(client, input.transferId, evaluation))) return false;
          await ledger.applyRiskDecision(client, input.transferId, assessment, describeRisk(assessment));
          return true;
        });
        if (recordedNow) {
          serviceMetrics.riskDecisions.inc({ decision: assessment.decision });
          return assessment;
        }
      } catch (error) {
        if (error instanceof TransitionError) throw finalFailure(ErrorType.InvalidTransition, error.message);
        throw error;
      }
      const recorded = await risk.log.find(input.transferId);
      if (!recorded) throw new Error(`risk evaluation of ${input.transferId} vanished after it was written`);
      return recorded;
    },

    /** Compensation of evaluate: a transfer that moves no money stops counting toward velocity and limits. */
    async withdrawVelocity(transferId: string): Promise<WithdrawOutcome> {
      return risk.state.withdraw(transferId);
    },
  };
}
