import { performance } from 'node:perf_hooks';

import type { Dependencies } from '../../src/dependencies';
import type { ConfirmationEnd } from '../../src/domain/confirmation';
import { isRemittanceTerminal, type RemittanceStatus } from '../../src/domain/remittance';
import { isTerminal, type TransferStatus } from '../../src/domain/transfer';
import { OutboxStore } from '../../src/events/outbox';
import type { Account, Businesses } from './bank';

/**
 * Waits for quiescence after the last heal (`healedAt`, a `performance.now()` time): every acknowledged
 * transfer and remittance ends, and its saga with it, within 2 minutes; then the relay has published
 * every committed event, within 3. Either deadline missed is a violation. A transfer still waiting for
 * its sender (AWAITING_CONFIRMATION) is running too; its code's expiry bounds the wait.
 *
 * @returns each transfer's and each remittance's status as PostgreSQL last answered it, and how each
 *   transfer that stepped up ended its confirmation (null while it waits).
 */
export async function awaitQuiescence(
  { postgres, temporal }: Pick<Dependencies, 'postgres' | 'temporal'>,
  run: { accounts: Account[]; transferIds: string[]; businesses: Businesses; remittanceIds: string[] },
  healedAt: number,
  violations: string[],
): Promise<{
  statuses: Map<string, TransferStatus>;
  remittanceStatuses: Map<string, RemittanceStatus>;
  stepUps: Map<string, ConfirmationEnd | null>;
}> {
  const { transferIds, remittanceIds } = run;
  const accountList = run.accounts.map((account) => `'${account.id}'`).join(', ');
  const sender = `${run.businesses.from.bank}/${run.businesses.from.account}`;
  const sagasRunning = async (): Promise<boolean> => {
    try {
      for (const query of [
        `WorkflowType IN ('transferSaga', 'syncCompensation') AND FromAccount IN (${accountList})`,
        `WorkflowType = 'remittanceSaga' AND FromBusiness = '${sender}'`,
      ]) {
        const running = temporal.workflow.list({ query: `ExecutionStatus = 'Running' AND ${query}`, pageSize: 1 });
        for await (const execution of running) if (execution !== undefined) return true;
      }
      return false;
    } catch {
      return true;
    }
  };

  let statuses = new Map<string, TransferStatus>();
  let remittanceStatuses = new Map<string, RemittanceStatus>();
  let stepUps = new Map<string, ConfirmationEnd | null>();
  for (;;) {
    try {
      const { rows } = await postgres.query<{
        transferId: string;
        status: TransferStatus;
        steppedUp: boolean;
        confirmation: ConfirmationEnd | null;
      }>(
        `SELECT t.transfer_id AS "transferId", t.status, COALESCE(t.risk_decision = 'STEP_UP', false) AS "steppedUp",
           c.outcome AS confirmation
         FROM transactions t LEFT JOIN transfer_confirmations c USING (transfer_id)
         WHERE t.transfer_id = ANY($1::uuid[])`,
        [transferIds],
      );
      statuses = new Map(rows.map((row) => [row.transferId, row.status]));
      stepUps = new Map(rows.filter((row) => row.steppedUp).map((row) => [row.transferId, row.confirmation]));
      const { rows: remittances } = await postgres.query<{ remittanceId: string; status: RemittanceStatus }>(
        'SELECT remittance_id AS "remittanceId", status FROM remittances WHERE remittance_id = ANY($1::uuid[])',
        [remittanceIds],
      );
      remittanceStatuses = new Map(remittances.map((row) => [row.remittanceId, row.status]));
    } catch {
      // PostgreSQL may still be coming back.
    }
    const open = [
      ...transferIds.filter((id) => !isTerminal(statuses.get(id) ?? 'PENDING')),
      ...remittanceIds.filter((id) => !isRemittanceTerminal(remittanceStatuses.get(id) ?? 'REQUESTED')),
    ];
    // PostgreSQL terminal is not the end: a compensation gives the Redis hold back after closing the row.
    if (open.length === 0 && !(await sagasRunning())) break;
    if (performance.now() - healedAt > 120_000) {
      violations.push(
        `${open.length} acknowledged transfers or remittances not terminal 2 minutes after the last heal, e.g. ${open[0]}`,
      );
      break;
    }
    await new Promise((wake) => setTimeout(wake, 500));
  }
  // The relay has published every committed event (the outbox may still hold the last minutes' worth).
  for (;;) {
    const { pending } = await new OutboxStore(postgres).backlog().catch(() => ({ pending: -1 }));
    if (pending === 0) break;
    if (performance.now() - healedAt > 180_000) {
      violations.push(`the outbox still holds ${pending} unpublished events 3 minutes after the last heal`);
      break;
    }
    await new Promise((wake) => setTimeout(wake, 500));
  }
  return { statuses, remittanceStatuses, stepUps };
}
