import type { TransferSagaInput } from '../../../src/domain/transfer';

/** Takes the saga's input and does nothing: what is left is the engine's cost of a step. */
async function doNothing(_input: TransferSagaInput): Promise<void> {}

/** The four steps of the service's PASS path, by the service's own names, each a no-op. */
export const ceilingActivities = {
  reserveFunds: doNothing,
  recordTransfer: doNothing,
  evaluateRisk: doNothing,
  settleTransfer: doNothing,
};

export type CeilingActivities = typeof ceilingActivities;
