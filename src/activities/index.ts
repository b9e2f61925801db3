import type { Dependencies } from '../dependencies';
import { createBalanceActivities } from './balance';
import { createConfirmationActivities } from './confirmation';
import { createEventActivities } from './events';
import { createLedgerActivities } from './ledger';
import { createNotifyActivities } from './notify';
import { createRailActivities } from './rail';
import { createReconcileActivities } from './reconcile';
import { createRemittanceActivities } from './remittance';
import { createRemittanceRetryActivities } from './remittance-retries';
import { createRetentionActivities } from './retention';
import { createRiskActivities } from './risk';
import { createSweepActivities } from './sweep';
import { createSyncActivities } from './sync';

/** Binds every activity to the process's clients; the worker registers the result. */
export function createActivities(dependencies: Dependencies) {
  const { ledger, balances, risk, reconcileQueries, repairRecords, corrections, serviceMetrics, confirmationCodes } =
    dependencies;
  return {
    ...createBalanceActivities({ balances, ledger }),
    ...createLedgerActivities({ ledger, balances, serviceMetrics }),
    ...createRiskActivities({
      risk,
      ledger,
      postgres: dependencies.postgres,
      serviceMetrics,
      codes: confirmationCodes,
    }),
    ...createConfirmationActivities({
      codes: confirmationCodes,
      sender: dependencies.verificationSender,
      codeSecret: dependencies.config.confirmation.codeSecret,
      serviceMetrics,
    }),
    ...createEventActivities({ postgres: dependencies.postgres }),
    ...createNotifyActivities({ slack: dependencies.slack, config: dependencies.config }),
    ...createSyncActivities({ ledger, balances, risk, repairRecords, corrections, serviceMetrics }),
    ...createSweepActivities({ reconcileQueries, temporal: dependencies.temporal }),
    ...createReconcileActivities({ reconcileQueries, balances, temporal: dependencies.temporal, serviceMetrics }),
    ...createRemittanceActivities({ remittances: dependencies.remittances, balances }),
    ...createRailActivities({ rail: dependencies.rail, remittances: dependencies.remittances }),
    ...createRemittanceRetryActivities({ remittances: dependencies.remittances, temporal: dependencies.temporal }),
    ...createRetentionActivities({
      postgres: dependencies.postgres,
      processedEventRetentionMs: dependencies.config.retention.processedEventsMs,
    }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
