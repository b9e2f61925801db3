import { log, proxyActivities } from '@temporalio/workflow';

import type { Activities } from '../activities';
import { notification } from './options';

type OperatorAlert = Parameters<Activities['alertOperators']>[0];

const { alertOperators } = proxyActivities<Activities>(notification);

/**
 * Tells the operators on Slack, best effort: after the activity's own retries, a Slack outage is
 * logged and the workflow goes on, since a notification never holds up or changes money.
 */
export async function alertOperatorsBestEffort(alert: OperatorAlert): Promise<void> {
  try {
    await alertOperators(alert);
  } catch (error) {
    log.warn('Slack did not take an operator alert', {
      title: alert.title,
      transferId: alert.transferId,
      error: String(error),
    });
  }
}
