import { proxyActivities } from '@temporalio/workflow';

import type { Activities } from '../activities';
import { DEFAULT_SAGA_TIMINGS } from '../domain/transfer';
import { alertOperatorsBestEffort } from './alerts';
import { untilDone } from './options';
import { startRepair } from './sync-compensation';

const sweep = proxyActivities<Activities>(untilDone);

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
    const started = await startRepair({
      transferId: transfer.transferId,
      fromAccountId: transfer.fromAccountId,
      toAccountId: transfer.toAccountId,
      amount: transfer.amount,
      currency: transfer.currency,
      reason,
      source: 'stuckTransferSweep',
    });
    if (!started) continue;
    handedOver.push(transfer.transferId);
    await alertOperatorsBestEffort({
      title: 'Stuck transfer handed to syncCompensation',
      transferId: transfer.transferId,
      fields: { status: transfer.status, step: transfer.step, submittedAt: transfer.submittedAt, reason },
    });
  }
  return { handedOver };
}
