import type { Pool } from 'pg';

import type { Activities } from '../../src/activities';
import type { TransferSagaInput } from '../../src/domain/transfer';
import { driveOpenLoop } from './arrivals';
import { withTimeout } from './async';
import { errorSamples, perSecond, type RateMeasurement, transferInput } from './measurement';
import type { CpuMeter } from './process-cpu';
import type { BenchAccount } from './service-under-test';
import { settlementTimes } from './settlements';
import { percentiles } from './stats';

/** A chain not finished by then counts as an error (each call is also bounded by its client's own timeouts). */
const CHAIN_TIMEOUT_MS = 60_000;

type ChainOutcome = { transferId: string } | { detail: string };

/**
 * The raw chain: per arrival, the PASS path's activity functions called in order in this process,
 * reserve → record → evaluate → settle, with no Temporal in between; `rate` a second for `seconds`.
 * Latency comes from the same PostgreSQL timestamps as the service's (submitted_at is the arrival).
 */
export async function measureRawChain(
  activities: Activities,
  postgres: Pool,
  accounts: BenchAccount[],
  rate: number,
  seconds: number,
  meter: CpuMeter,
): Promise<RateMeasurement> {
  meter.start();
  const run = await driveOpenLoop(rate, seconds, (index) => {
    const input = transferInput(accounts, index);
    return withTimeout(runChain(activities, input), CHAIN_TIMEOUT_MS, () => ({
      detail: `not finished after ${CHAIN_TIMEOUT_MS} ms`,
    }));
  });
  const cpuSeconds = meter.stop();

  const settled = run.arrivals.flatMap((arrival) =>
    'transferId' in arrival.outcome ? [arrival.outcome.transferId] : [],
  );
  const failed = run.arrivals.flatMap((arrival) => ('detail' in arrival.outcome ? [arrival.outcome.detail] : []));
  const times = await settlementTimes(postgres, settled);
  return {
    arm: 'rawChain',
    offeredRate: rate,
    seconds,
    sent: run.arrivals.length,
    accepted: run.arrivals.length,
    errors: failed.length,
    errorSamples: errorSamples(failed),
    completed: times.latenciesMs.length,
    endedOtherwise: 0,
    leftOver: 0,
    completedPerSecond: perSecond(times.latenciesMs.length, times.firstSubmittedMs, times.lastSettledMs),
    latencyMs: percentiles(times.latenciesMs),
    callMs: percentiles(run.arrivals.map((arrival) => arrival.answerMs)),
    driverMaxLateMs: run.maxLateMs,
    cpuSeconds,
  };
}

/** The four steps in the saga's order; a decision other than PASS ends the chain, as it leaves the fast path. */
async function runChain(activities: Activities, input: TransferSagaInput): Promise<ChainOutcome> {
  try {
    await activities.reserveFunds(input);
    await activities.recordTransfer(input);
    const risk = await activities.evaluateRisk(input);
    if (risk.decision !== 'PASS') return { detail: `risk decided ${risk.decision}` };
    await activities.settleTransfer(input);
    return { transferId: input.transferId };
  } catch (error) {
    return { detail: (error as Error).message };
  }
}
