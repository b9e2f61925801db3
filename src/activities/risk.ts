import type { Pool } from 'pg';

import { inTransaction } from '../db/transaction';
import { ErrorType } from '../domain/errors';
import { describeRisk, type RiskAssessment, type TransferSagaInput } from '../domain/transfer';
import { type PostgresLedger, TransitionError } from '../ledger/postgres-ledger';
import type { RiskServices } from '../risk';
import type { WithdrawOutcome } from '../risk/redis-risk-state';
import type { RiskEvaluation } from '../risk/risk-log';
import type { ServiceMetrics } from '../service-metrics';
import type { ConfirmationCodes } from '../verification/confirmation-codes';
import { finalFailure } from './failures';

export function createRiskActivities({
  risk,
  ledger,
  postgres,
  serviceMetrics,
  codes,
}: {
  codes: ConfirmationCodes;
  risk: RiskServices;
  ledger: PostgresLedger;
  postgres: Pool;
  serviceMetrics: ServiceMetrics;
}) {
  /**
   * A STEP_UP needs a phone to send the code to; without one, the sender cannot be asked, so staff
   * review the transfer instead (recorded as REVIEW, with the reason).
   */
  async function reachableStepUp(evaluation: RiskEvaluation): Promise<RiskEvaluation> {
    const { assessment } = evaluation;
    if (assessment.decision !== 'STEP_UP' || (await codes.canReach(evaluation.facts.fromAccountId))) return evaluation;
    const reasons = [...assessment.reasons, 'step-up asked, but the sending account has no phone on file'];
    return { ...evaluation, assessment: { ...assessment, decision: 'REVIEW', reasons } };
  }

  return {
    /**
     * Evaluates the transfer and records, in one PostgreSQL transaction, the risk log, the verdict on
     * the transfer row (UNDER_REVIEW for REVIEW, AWAITING_CONFIRMATION for STEP_UP) and its event. Once per transfer: an attempt after the
     * evaluation was recorded answers the recorded decision, so the saga never sees two decisions.
     */
    async evaluateRisk(input: TransferSagaInput): Promise<RiskAssessment> {
      const evaluated = serviceMetrics.riskEvaluation.startTimer();
      const evaluation = await reachableStepUp(await risk.engine.evaluate(input));
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
