import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, proxyActivities, startChild } from '@temporalio/workflow';

import type { Activities } from '../activities';
import { syncWorkflowId } from '../domain/temporal';
import type { SyncCompensationInput } from '../domain/transfer';
import { alertOperatorsBestEffort } from './alerts';
import { untilDone } from './options';

const repairs = proxyActivities<Activities>(untilDone);

/**
 * Makes PostgreSQL and Redis agree about one transfer after the saga could not (a forward step
 * failed for good, or a compensation could not finish). Runs as `sync-<transferId>`, started by the
 * saga, the stuck sweep or the tx.sync_required consumer; retries every repair until it succeeds,
 * keeps a dead-letter record open meanwhile, and reports the outcome to Slack.
 */
export async function syncCompensation(
  input: SyncCompensationInput,
): Promise<Awaited<ReturnType<Activities['repairTransfer']>>> {
  const deadLetter = await repairs.openDeadLetter(input);
  const outcome = await repairs.repairTransfer(input);
  await repairs.resolveDeadLetter(deadLetter);
  await alertOperatorsBestEffort({
    title: 'Transfer repaired by syncCompensation',
    transferId: input.transferId,
    fields: {
      reason: input.reason,
      source: input.source,
      amount: `${input.amount} ${input.currency}`,
      from: input.fromAccountId,
      to: input.toAccountId,
      'PostgreSQL row': outcome.row,
      'Redis hold': outcome.redis,
    },
  });
  return outcome;
}

/**
 * Starts the repair of a transfer as a child that outlives the workflow starting it. One repair per
 * transfer, whoever asks first (the saga, the tx.sync_required consumer, the stuck sweep): answers
 * false when another had already started it, which is as good.
 */
export async function startRepair(input: SyncCompensationInput): Promise<boolean> {
  try {
    await startChild(syncCompensation, {
      workflowId: syncWorkflowId(input.transferId),
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [input],
    });
    return true;
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw error;
  }
}
