import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { Pool } from 'pg';

import type { TransferEventEnvelope } from '../../src/domain/events';
import type { TransferStatus } from '../../src/domain/transfer';
import { workflowReplayOptions } from '../../src/workflow-code';

/**
 * Every 500 ms, reads all balances of `accountIds` in one PostgreSQL snapshot: their sum must be
 * `funded` and none negative, whatever the faults. A read PostgreSQL cannot answer is counted.
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
        'SELECT sum(balance)::text AS total, min(balance)::text AS lowest FROM accounts WHERE account_id = ANY($1)',
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

/**
 * Every COMPLETED transfer has exactly one transfer.completed and no transfer.failed after
 * de-duplication by eventId (what a consumer applies); every other terminal transfer exactly one
 * transfer.failed and no transfer.completed. Also counts the raw duplicates a consumer must drop.
 */
export function eventViolations(
  events: TransferEventEnvelope[],
  statuses: Map<string, TransferStatus>,
): { violations: string[]; raw: number; distinct: number } {
  const ours = events.filter((event) => statuses.has(event.transferId));
  const distinct = new Map(ours.map((event) => [event.eventId, event]));
  const endings = new Map<string, { completed: number; failed: number }>();
  for (const event of distinct.values()) {
    const ending = endings.get(event.transferId) ?? { completed: 0, failed: 0 };
    if (event.type === 'transfer.completed') ending.completed += 1;
    if (event.type === 'transfer.failed') ending.failed += 1;
    endings.set(event.transferId, ending);
  }
  const violations: string[] = [];
  for (const [transferId, status] of statuses) {
    const { completed, failed } = endings.get(transferId) ?? { completed: 0, failed: 0 };
    const expected = status === 'COMPLETED' ? { completed: 1, failed: 0 } : { completed: 0, failed: 1 };
    if (completed !== expected.completed || failed !== expected.failed) {
      violations.push(
        `transfer ${transferId} (${status}) has ${completed} transfer.completed and ${failed} transfer.failed events`,
      );
    }
  }
  return { violations, raw: ours.length, distinct: distinct.size };
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
