import type { Client } from '@temporalio/client';

import { FAILURE_RETRIES, RETRY_STEP_SIGNAL, type RemittanceFailureKind } from '../domain/remittance';
import type { RemittanceLedger } from '../remittances/remittance-ledger';
import { signalRemittanceSaga } from '../remittances/saga-signals';

/** A retry that has run this long without its saga reporting back is claimed again. */
const STALE_RETRY_MS = 10 * 60 * 1000;

/** The retry batch's reads and writes on the failure records, and its signal to a saga. */
export function createRemittanceRetryActivities({
  remittances,
  temporal,
}: {
  remittances: RemittanceLedger;
  temporal: Client;
}) {
  return {
    /** Claims the open failure records due for a retry; each claim counts one of the three. */
    async claimRemittanceRetries() {
      return remittances.claimRetries(FAILURE_RETRIES, STALE_RETRY_MS);
    },

    /** Open records whose retries are spent, each answered once, for the batch to alert on. */
    async claimExhaustedRemittanceFailures() {
      return remittances.claimExhausted(FAILURE_RETRIES);
    },

    /** Asks the saga to try the failed step again; false when the saga no longer runs. */
    async askRemittanceSagaToRetry(request: { remittanceId: string; kind: RemittanceFailureKind }): Promise<boolean> {
      return signalRemittanceSaga(temporal, request.remittanceId, RETRY_STEP_SIGNAL, { kind: request.kind });
    },
  };
}
