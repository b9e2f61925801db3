import { proxyActivities, uuid4 } from '@temporalio/workflow';

import type { Activities } from '../activities';
import type { Drift } from '../activities/reconcile';
import { transferEvent } from '../domain/events';
import { alertOperatorsBestEffort } from './alerts';
import { scan, untilDone } from './options';

const { findDrift } = proxyActivities<Activities>(scan);
const { publishEvent } = proxyActivities<Activities>(untilDone);

/**
 * Run by the Schedule `reconcile`. Compares, per account, Redis available + holds with PostgreSQL and
 * Redis holds with running sagas; each drift found is published as tx.sync_required (the consumer
 * starts syncCompensation, which repairs it and writes correction_log) and raised on Slack.
 */
export async function reconcile(): Promise<{ drifts: Drift[] }> {
  const drifts = await findDrift();
  for (const drift of drifts) {
    // An orphan hold is repaired under its own transfer id; an account drift gets a fresh one.
    const transferId = drift.transferId ?? uuid4();
    await publishEvent(
      transferEvent('tx.sync_required', transferId, new Date().toISOString(), {
        fromAccountId: drift.accountId,
        toAccountId: drift.accountId,
        amount: drift.amount,
        currency: drift.currency,
        reason: `reconcile: ${drift.detail}`,
        source: 'reconcile',
        kind: drift.kind,
      }),
    );
    await alertOperatorsBestEffort({
      title: drift.kind === 'account' ? 'Redis balance drifted from PostgreSQL' : 'Orphan hold in Redis',
      transferId: drift.transferId,
      fields: { account: drift.accountId, drift: drift.detail, repair: 'syncCompensation via tx.sync_required' },
    });
  }
  return { drifts };
}
