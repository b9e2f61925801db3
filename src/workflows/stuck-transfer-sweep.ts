import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, proxyActivities, startChild } from '@temporalio/workflow';

import type { Activities } from '../activities';
import { syncWorkflowId } from '../domain/temporal';
import { DEFAULT_SAGA_TIMINGS } from '../domain/transfer';
import { notification, untilDone } from './options';
import { syncCompensation } from './sync-compensation';

const sweep = proxyActivities<Activities>(untilDone);
const notify = proxyActivities<Activities>(notification);

/**
 * Run every minute by a Temporal Schedule. Finds transfers PostgreSQL still shows as running after
 * the stuck threshold whose saga is gone (terminated, reset, lost with a cluster), alerts Slack once
 * and hands each to syncCompensation, which closes it and gives its hold back.
 */
export async function stuckTransferSweep(
  stuckAfterMs = DEFAULT_SAGA_TIMINGS.stuckAfterMs,
): Promise<{ handedOver: string[] }> {
  const handedOver: string[] = [];
  for (const transfer of await sweep.findUnfinishedTransfers(stuckAfterMs)) {
    if (await sweep.isSagaRunning(transfer.transferId)) continue;
    const reason = `saga no longer running while the transfer is ${transfer.status} at step ${transfer.step}`;
    try {
      await startChild(syncCompensation, {
        workflowId: syncWorkflowId(transfer.transferId),
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [
          {
            transferId: transfer.transferId,
            fromAccountId: transfer.fromAccountId,
            toAccountId: transfer.toAccountId,
            amount: transfer.amount,
            currency: transfer.currency,
            reason,
            source: 'stuckTransferSweep',
          },
        ],
      });
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) continue;
      throw error;
    }
    handedOver.push(transfer.transferId);
    await notify
      .alertOperators({
        title: 'Stuck transfer handed to syncCompensation',
        transferId: transfer.transferId,
        fields: { status: transfer.status, step: transfer.step, submittedAt: transfer.submittedAt, reason },
      })
      .catch(() => undefined);
  }
  return { handedOver };
}
