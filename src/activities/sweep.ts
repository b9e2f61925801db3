import type { Client } from '@temporalio/client';

import { transferWorkflowId } from '../domain/temporal';
import type { TransferRow } from '../ledger/ledger-reads';
import type { ReconcileQueries } from '../ledger/reconcile-queries';

export function createSweepActivities({
  reconcileQueries,
  temporal,
}: {
  reconcileQueries: ReconcileQueries;
  temporal: Client;
}) {
  return {
    /** Transfers PostgreSQL still shows as running after `olderThanMs`, oldest first. */
    async findUnfinishedTransfers(olderThanMs: number): Promise<TransferRow[]> {
      return reconcileQueries.findUnfinished(olderThanMs);
    },

    /** Whether the transfer's saga is still running in Temporal. */
    async isSagaRunning(transferId: string): Promise<boolean> {
      return sagaIsRunning(temporal, transferId);
    },
  };
}

/** Whether a transfer's saga is running in Temporal (false when it ended or never existed). */
export async function sagaIsRunning(temporal: Client, transferId: string): Promise<boolean> {
  try {
    const description = await temporal.workflow.getHandle(transferWorkflowId(transferId)).describe();
    return description.status.name === 'RUNNING';
  } catch (error) {
    if ((error as Error).name === 'WorkflowNotFoundError') return false;
    throw error;
  }
}
