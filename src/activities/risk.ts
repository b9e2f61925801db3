import type { RiskAssessment, TransferSagaInput } from '../domain/transfer';
import type { RiskEvaluator } from '../risk/evaluator';

export function createRiskActivities({ risk }: { risk: RiskEvaluator }) {
  return {
    async evaluateRisk(input: TransferSagaInput): Promise<RiskAssessment> {
      return risk.evaluate(input);
    },
  };
}
