import { randomUUID } from 'node:crypto';

import { DEFAULT_SAGA_TIMINGS, type TransferSagaInput } from '../../src/domain/transfer';
import type { BenchAccount } from './service-under-test';
import type { OutboxLag } from './settlements';
import type { Percentiles } from './stats';

/** The three things measured at each offered rate, in the same run. */
export const ARMS = ['service', 'ceiling', 'rawChain'] as const;
export type Arm = (typeof ARMS)[number];

export const ARM_LABELS: Record<Arm, string> = {
  service: 'service (REST → saga)',
  ceiling: 'engine ceiling (4 no-op local activities)',
  rawChain: 'raw chain (same activities, no Temporal)',
};

/** What one arm did at one offered rate. */
export interface RateMeasurement {
  arm: Arm;
  offeredRate: number;
  seconds: number;
  /** Arrivals the open loop sent. */
  sent: number;
  /** Arrivals the target took on: a 202, a started workflow, a chain that began its first step. */
  accepted: number;
  /** Arrivals refused, failed or unanswered. */
  errors: number;
  /** The first few distinct errors and outcomes other than COMPLETED, counted. */
  errorSamples: string[];
  completed: number;
  /** Accepted work that finished other than COMPLETED (a declined transfer, a failed workflow). */
  endedOtherwise: number;
  /** Accepted work still not finished when the bounded wait after the rate ran out. */
  leftOver: number;
  /** COMPLETED ÷ (first submission → last completion), both by the target's own clock. */
  completedPerSecond: number | null;
  /** Submission → completion by the target's own timestamps. */
  latencyMs: Percentiles;
  /** The client's view of one call: POST /v1/transfers, WorkflowClient.start, or the whole in-process chain. */
  callMs: Percentiles;
  /** Service only: the transactional outbox's created → published lag; null where there is no outbox table. */
  outboxLag?: OutboxLag | null;
  /** The latest send behind its due time: if large, the driver could not offer the rate. */
  driverMaxLateMs: number;
  /** CPU seconds used by each measured process from the first arrival until the work was done. */
  cpuSeconds: Record<string, number>;
}

/** Transfer `index` of a run: senders in turn, each paying the account half the list away. */
export function accountsFor(accounts: BenchAccount[], index: number): { from: BenchAccount; to: BenchAccount } {
  const from = accounts[index % accounts.length] as BenchAccount;
  const to = accounts[(index + Math.floor(accounts.length / 2)) % accounts.length] as BenchAccount;
  return { from, to };
}

/** Amount of every benchmark transfer, in cents: small enough that no account ever runs dry. */
export const TRANSFER_AMOUNT = 100;

/** How long a rate's work may take to finish after its last arrival before the rest count as left over. */
export const DRAIN_TIMEOUT_MS = 120_000;

/** The saga's input for transfer `index`, as the API would build it: a new id, submitted now, default timings. */
export function transferInput(accounts: BenchAccount[], index: number): TransferSagaInput {
  const { from, to } = accountsFor(accounts, index);
  return {
    transferId: randomUUID(),
    fromAccountId: from.accountId,
    toAccountId: to.accountId,
    amount: TRANSFER_AMOUNT,
    currency: 'EUR',
    requestedBy: from.owner,
    submittedAt: new Date().toISOString(),
    timings: DEFAULT_SAGA_TIMINGS,
  };
}

/** `count` over the window from `firstMs` to `lastMs`; null when there is no window to divide by. */
export function perSecond(count: number, firstMs: number | null, lastMs: number | null): number | null {
  if (firstMs === null || lastMs === null || lastMs <= firstMs) return null;
  return count / ((lastMs - firstMs) / 1000);
}

/** Keeps the first few distinct error descriptions, counted, for the report. */
export function errorSamples(details: Array<string | undefined>, limit = 5): string[] {
  const counts = new Map<string, number>();
  for (const detail of details) if (detail !== undefined) counts.set(detail, (counts.get(detail) ?? 0) + 1);
  return [...counts.entries()].slice(0, limit).map(([detail, count]) => `${count}× ${detail}`);
}
