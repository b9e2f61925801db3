import { proxyActivities } from '@temporalio/workflow';

import type { Activities } from '../activities';
import { FAILURE_RETRIES } from '../domain/remittance';
import { alertOperatorsBestEffort } from './alerts';
import { untilDone } from './options';

const batch = proxyActivities<Activities>(untilDone);

/**
 * The retry batch of the remittance failure records, run every minute by a Temporal Schedule. Alerts
 * once on each record whose three retries are spent, then asks the saga behind each record that is due
 * to try its step again (the saga runs the step, so a retry is exactly the step, keys and all).
 */
export async function remittanceRetryBatch(): Promise<{ retried: string[]; exhausted: string[] }> {
  const exhausted: string[] = [];
  for (const failure of await batch.claimExhaustedRemittanceFailures()) {
    exhausted.push(failure.id);
    await alertOperatorsBestEffort({
      title: `Remittance ${failure.kind} still failing after ${FAILURE_RETRIES} retries`,
      remittanceId: failure.remittanceId,
      fields: { record: failure.id, error: failure.error, next: 'retry it from the console once the cause is fixed' },
    });
  }
  const retried: string[] = [];
  for (const failure of await batch.claimRemittanceRetries()) {
    if (await batch.askRemittanceSagaToRetry({ remittanceId: failure.remittanceId, kind: failure.kind })) {
      retried.push(failure.id);
    } else {
      await alertOperatorsBestEffort({
        title: `Remittance ${failure.kind} failure record has no saga to retry it`,
        remittanceId: failure.remittanceId,
        fields: { record: failure.id },
      });
    }
  }
  return { retried, exhausted };
}
