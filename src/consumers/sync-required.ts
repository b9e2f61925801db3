import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';

import { sagaIsRunning } from '../activities/sweep';
import type { Dependencies } from '../dependencies';
import { syncWorkflowId, TASK_QUEUE } from '../domain/temporal';
import type { syncCompensation } from '../workflows/sync-compensation';
import type { ConsumerSpec } from './runner';

export const SYNC_REQUIRED_GROUP = 'transfer-saga.sync-required';

/**
 * tx.sync_required from any producer, not only our saga → start `syncCompensation` as
 * `sync-<transferId>`. One repair per transfer: a duplicate start is recognised and acknowledged, so
 * a request for a transfer already being (or already) repaired is not run again. A transfer whose saga
 * still runs is left to it: the repair would close it as FAILED under the saga's feet (the saga starts
 * its own repair when it needs one).
 */
export function syncRequiredConsumer({
  temporal,
  logger,
}: Pick<Dependencies, 'temporal' | 'logger'>): ConsumerSpec<'tx.sync_required'> {
  return {
    group: SYNC_REQUIRED_GROUP,
    topics: ['tx.sync_required'],
    handle: async (event) => {
      if (await sagaIsRunning(temporal, event.transferId)) {
        logger.warn(
          { transferId: event.transferId, source: event.data.source },
          'repair request for a transfer whose saga still runs; left to the saga',
        );
        return;
      }
      try {
        await temporal.workflow.start<typeof syncCompensation>('syncCompensation', {
          taskQueue: TASK_QUEUE,
          workflowId: syncWorkflowId(event.transferId),
          args: [{ transferId: event.transferId, ...event.data }],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
        logger.info({ transferId: event.transferId, source: event.data.source }, 'sync repair requested');
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
    },
  };
}
