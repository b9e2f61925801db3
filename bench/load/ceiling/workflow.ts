import { proxyLocalActivities } from '@temporalio/workflow';

import type { TransferSagaInput } from '../../../src/domain/transfer';
import type { CeilingActivities } from './activities';

const steps = proxyLocalActivities<CeilingActivities>({ startToCloseTimeout: '20 seconds' });

/**
 * The engine ceiling: the service's PASS path with nothing in it, four local activities in a row that
 * carry the saga's input and do nothing. No transfer can complete faster than this on the same server.
 */
export async function ceilingWorkflow(input: TransferSagaInput): Promise<void> {
  await steps.reserveFunds(input);
  await steps.recordTransfer(input);
  await steps.evaluateRisk(input);
  await steps.settleTransfer(input);
}
