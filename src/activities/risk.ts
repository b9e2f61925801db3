import type { RiskAssessment, TransferSagaInput } from '../domain/transfer';
import type { RiskServices } from '../risk';
import type { WithdrawOutcome } from '../risk/redis-risk-state';

export function createRiskActivities({ risk }: { risk: RiskServices }) {
  return {
    /**
     * Evaluates once per transfer: a retry after the evaluation was recorded answers the recorded
     * decision, so the saga never sees two different decisions for one transfer.
     */
    async evaluateRisk(input: TransferSagaInput): Promise<RiskAssessment> {
      const recorded = await risk.log.find(input.transferId);
      if (recorded) return recorded;
      return risk.log.record(input.transferId, await risk.engine.evaluate(input));
    },

    /** Compensation of evaluate: a transfer that moves no money stops counting toward velocity and limits. */
    async withdrawVelocity(transferId: string): Promise<WithdrawOutcome> {
      return risk.state.withdraw(transferId);
    },
  };
}
