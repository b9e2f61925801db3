import { log, proxyActivities } from '@temporalio/workflow';

import type { Activities } from '../activities';
import type { SyncCompensationInput } from '../domain/transfer';
import { notification, untilDone } from './options';

const repairs = proxyActivities<Activities>(untilDone);
const notify = proxyActivities<Activities>(notification);

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
  try {
    await notify.alertOperators({
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
  } catch (error) {
    log.warn('Slack did not take the sync outcome', { transferId: input.transferId, error: String(error) });
  }
  return outcome;
}
