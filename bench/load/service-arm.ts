import type { Pool } from 'pg';

import { isTerminal } from '../../src/domain/transfer';
import { driveOpenLoop } from './arrivals';
import {
  accountsFor,
  DRAIN_TIMEOUT_MS,
  errorSamples,
  perSecond,
  type RateMeasurement,
  TRANSFER_AMOUNT,
} from './measurement';
import type { CpuMeter } from './process-cpu';
import type { BenchAccount, ServiceUnderTest } from './service-under-test';
import { outboxLag, settlementTimes, waitUntilTerminal } from './settlements';
import { percentiles } from './stats';

/** How long the relay may take to publish a rate's outbox rows after the transfers finished. */
const OUTBOX_DRAIN_TIMEOUT_MS = 30_000;

/**
 * Offers `rate` transfers a second through POST /v1/transfers for `seconds`, waits until they are
 * terminal, and reads their latency from the service's own timestamps in PostgreSQL.
 */
export async function measureService(
  service: ServiceUnderTest,
  postgres: Pool,
  accounts: BenchAccount[],
  rate: number,
  seconds: number,
  meter: CpuMeter,
): Promise<RateMeasurement> {
  meter.start();
  const run = await driveOpenLoop(rate, seconds, (index) => {
    const { from, to } = accountsFor(accounts, index);
    return service.submitTransfer(from, to, TRANSFER_AMOUNT);
  });
  const transferIds = run.arrivals.flatMap((arrival) => arrival.outcome.transferId ?? []);
  const outcomes = await waitUntilTerminal(postgres, transferIds, DRAIN_TIMEOUT_MS);
  // The relay's publishing is part of what a transfer costs, so the CPU window closes after it.
  const outbox = await outboxLag(postgres, transferIds, OUTBOX_DRAIN_TIMEOUT_MS);
  const cpuSeconds = meter.stop();
  const times = await settlementTimes(postgres, transferIds);

  const endedOtherwise = [...outcomes.statuses.values()].filter(
    (status) => isTerminal(status) && status !== 'COMPLETED',
  );
  const refused = run.arrivals.filter((arrival) => arrival.outcome.status !== 202);
  const completed = times.latenciesMs.length;
  return {
    arm: 'service',
    offeredRate: rate,
    seconds,
    sent: run.arrivals.length,
    accepted: transferIds.length,
    errors: refused.length,
    errorSamples: errorSamples([
      ...refused.map((arrival) => `${arrival.outcome.status} ${arrival.outcome.detail ?? ''}`.trim()),
      ...endedOtherwise.map((status) => `ended ${status}`),
    ]),
    completed,
    endedOtherwise: endedOtherwise.length,
    leftOver: outcomes.leftOver.length,
    completedPerSecond: perSecond(completed, times.firstSubmittedMs, times.lastSettledMs),
    latencyMs: percentiles(times.latenciesMs),
    callMs: percentiles(run.arrivals.map((arrival) => arrival.answerMs)),
    outboxLag: outbox,
    driverMaxLateMs: run.maxLateMs,
    cpuSeconds,
  };
}
