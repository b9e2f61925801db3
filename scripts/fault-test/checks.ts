import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { Pool } from 'pg';

import type { EventEnvelope, RemittanceEventEnvelope, TransferEventEnvelope } from '../../src/domain/events';
import type { RemittanceStatus } from '../../src/domain/remittance';
import type { TransferStatus } from '../../src/domain/transfer';
import { workflowReplayOptions } from '../../src/workflow-code';

/**
 * Every 500 ms, reads all balances of `accountIds`, the platform accounts and every rail's clearing
 * account in one PostgreSQL snapshot: Σ internal balances + Σ clearing balances must be `funded` (the
 * platform accounts open empty, so remittances add nothing to it) and no account negative, whatever the
 * faults. A read PostgreSQL cannot answer is counted.
 */
export function watchBalances(
  postgres: Pool,
  accountIds: string[],
  funded: number,
  violations: string[],
): { reads: number; unavailable: number; stop(): void } {
  const checks = {
    reads: 0,
    unavailable: 0,
    stop: () => clearInterval(checker),
  };
  const checker = setInterval(() => {
    postgres
      .query<{ total: string; lowest: string }>(
        `SELECT ((SELECT sum(balance) FROM accounts WHERE account_id = ANY($1) OR owner_id = 'platform')
                 + (SELECT COALESCE(sum(balance), 0) FROM clearing_accounts))::text AS total,
           (SELECT min(balance) FROM accounts WHERE account_id = ANY($1) OR owner_id = 'platform')::text AS lowest`,
        [accountIds],
      )
      .then(({ rows }) => {
        checks.reads += 1;
        const row = rows[0];
        if (row && BigInt(row.total) !== BigInt(funded))
          violations.push(`read ${checks.reads}: Σ ${row.total} ≠ ${funded}`);
        if (row && BigInt(row.lowest) < 0n) violations.push(`read ${checks.reads}: a balance is ${row.lowest}`);
      })
      .catch(() => {
        checks.unavailable += 1;
      });
  }, 500);
  return checks;
}

/** What one transfer's events said, after de-duplication. */
interface Told {
  completed: number;
  failed: number;
  /** A transfer.confirmation_required was published. */
  asked: boolean;
  /** The decision of its transfer.flagged and of its transfer.approved, when it has one. */
  flagged?: string;
  approved?: string;
}

/**
 * Every COMPLETED transfer has exactly one transfer.completed and no transfer.failed after
 * de-duplication by eventId (what a consumer applies); every other terminal transfer exactly one
 * transfer.failed and no transfer.completed. A step-up's events tell its path: a code is asked for
 * (transfer.confirmation_required) only of a transfer flagged STEP_UP, a confirmation (transfer.approved
 * with STEP_UP) only of one that was asked, a step-up that COMPLETED was confirmed, and one REJECTED was
 * never approved. Also counts the raw duplicates a consumer must drop.
 */
export function eventViolations(
  events: EventEnvelope[],
  statuses: Map<string, TransferStatus>,
): { violations: string[]; raw: number; distinct: number } {
  const ours = events.filter(
    (event): event is TransferEventEnvelope => 'transferId' in event && statuses.has(event.transferId),
  );
  const distinct = new Map(ours.map((event) => [event.eventId, event]));
  const told = new Map<string, Told>();
  for (const event of distinct.values()) {
    const seen = told.get(event.transferId) ?? { completed: 0, failed: 0, asked: false };
    if (event.type === 'transfer.completed') seen.completed += 1;
    if (event.type === 'transfer.failed') seen.failed += 1;
    if (event.type === 'transfer.confirmation_required') seen.asked = true;
    if (event.type === 'transfer.flagged') seen.flagged = event.data.decision;
    if (event.type === 'transfer.approved') seen.approved = event.data.decision;
    told.set(event.transferId, seen);
  }
  const violations: string[] = [];
  for (const [transferId, status] of statuses) {
    const { completed, failed, asked, flagged, approved }: Told = told.get(transferId) ?? {
      completed: 0,
      failed: 0,
      asked: false,
    };
    const violation = (what: string) => violations.push(`transfer ${transferId} (${status}) ${what}`);
    const expected = status === 'COMPLETED' ? { completed: 1, failed: 0 } : { completed: 0, failed: 1 };
    if (completed !== expected.completed || failed !== expected.failed) {
      violation(`has ${completed} transfer.completed and ${failed} transfer.failed events`);
    }
    const steppedUp = flagged === 'STEP_UP';
    if (asked && !steppedUp) violation(`has transfer.confirmation_required, flagged ${flagged ?? 'never'}`);
    if (approved === 'STEP_UP' && !asked) violation('has transfer.approved STEP_UP, never asked for a code');
    if (steppedUp && status === 'COMPLETED' && approved !== 'STEP_UP') {
      violation(`stepped up and completed, approved ${approved ?? 'never'}`);
    }
    if (steppedUp && status === 'REJECTED' && approved !== undefined) {
      violation(`stepped up and was rejected, yet approved ${approved}`);
    }
  }
  return { violations, raw: ours.length, distinct: distinct.size };
}

/**
 * Every COMPLETED remittance has exactly one remittance.completed and no remittance.failed after
 * de-duplication by eventId, every FAILED one exactly one remittance.failed, and each has one
 * remittance.requested.
 */
export function remittanceEventViolations(events: EventEnvelope[], statuses: Map<string, RemittanceStatus>): string[] {
  const ours = events.filter(
    (event): event is RemittanceEventEnvelope => 'remittanceId' in event && statuses.has(event.remittanceId),
  );
  const counts = new Map<string, Map<string, number>>();
  for (const event of new Map(ours.map((one) => [one.eventId, one])).values()) {
    const types = counts.get(event.remittanceId) ?? new Map<string, number>();
    types.set(event.type, (types.get(event.type) ?? 0) + 1);
    counts.set(event.remittanceId, types);
  }
  const violations: string[] = [];
  for (const [remittanceId, status] of statuses) {
    const types = counts.get(remittanceId) ?? new Map<string, number>();
    const ended = status === 'COMPLETED' ? 'remittance.completed' : 'remittance.failed';
    const other = status === 'COMPLETED' ? 'remittance.failed' : 'remittance.completed';
    if (types.get('remittance.requested') !== 1 || types.get(ended) !== 1 || types.has(other)) {
      violations.push(`remittance ${remittanceId} (${status}) has events ${JSON.stringify(Object.fromEntries(types))}`);
    }
  }
  return violations;
}

/**
 * Replays the history of every workflow that started since `since` and has closed, with the current
 * workflow code: a determinism error here is one a worker would hit replaying after a crash.
 */
export async function replayViolations(
  temporal: Client,
  since: Date,
): Promise<{ violations: string[]; replayed: number }> {
  const histories = temporal.workflow
    .list({ query: `ExecutionStatus != 'Running' AND StartTime >= '${since.toISOString()}'` })
    .intoHistories();
  const violations: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories(
    // The service's own converter: the histories' payloads are encrypted.
    { ...workflowReplayOptions, dataConverter: temporal.options.dataConverter },
    histories,
  )) {
    replayed += 1;
    if (result.error) violations.push(`replaying ${result.workflowId} failed: ${result.error.message}`);
  }
  return { violations, replayed };
}
