import { type Client, WorkflowNotFoundError } from '@temporalio/client';

import { remittanceWorkflowId } from '../domain/remittance';

/**
 * Signals a remittance's saga (a rail result, a retry of a failed step); answers false when the saga no
 * longer runs, which needs nothing more: it ended, and PostgreSQL has what it did.
 */
export async function signalRemittanceSaga(
  temporal: Client,
  remittanceId: string,
  name: string,
  arg: unknown,
): Promise<boolean> {
  try {
    await temporal.workflow.getHandle(remittanceWorkflowId(remittanceId)).signal(name, arg);
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}
