import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';

import { createActivities } from '../../src/activities';
import { loadConfig } from '../../src/config';
import { migrate } from '../../src/db/migrate';
import { createDependencies } from '../../src/dependencies';
import { createLogger } from '../../src/logger';
import { sleep } from './async';
import { measureCeiling } from './ceiling-arm';
import { CeilingWorkerProcess } from './ceiling/worker-process';
import { DRAIN_TIMEOUT_MS, type RateMeasurement, TRANSFER_AMOUNT } from './measurement';
import { parseLoadOptions } from './options';
import { plotLoad } from './plot';
import { CpuMeter, type MeasuredProcess, stackProcesses } from './process-cpu';
import { measureRawChain } from './raw-chain';
import { computeRatios, printMeasurements, printRatios } from './report';
import { resultPath, writeJsonResult } from './results';
import { ratio } from './stats';
import { measureService } from './service-arm';
import { ServiceUnderTest } from './service-under-test';

const ACCOUNTS = 50;
const INITIAL_BALANCE = 1_000_000_000_000;
/** Discarded load before the ladder, so the first rate does not pay for cold caches, JIT and connection set-up. */
const WARM_UP = { rate: 5, seconds: 3 };
/** A pause between arms, so the consumers' and relay's tail of one does not run into the next. */
const QUIET_MS = 2000;

/**
 * `npm run bench -- load [--rates 5,10,20,30,40,60] [--seconds 20]`: the service as `npm start` runs it,
 * offered each rate open-loop through REST, against the engine ceiling and the raw chain of the same
 * activities at the same rates in the same run. Prints tables; writes bench/results/<date>-load.{json,png}.
 */
export async function load(args: string[]): Promise<void> {
  const options = parseLoadOptions(args);
  const config = loadConfig();
  const logger = createLogger('warn');
  await migrate(config, logger);
  const dependencies = await createDependencies(config, logger);
  let service: ServiceUnderTest | undefined;
  let ceilingWorker: CeilingWorkerProcess | undefined;
  try {
    const rules = await dependencies.postgres.query<{ enabled: number }>(
      `SELECT count(*)::int AS enabled FROM rules WHERE enabled AND NOT shadow`,
    );
    const enabledRules = rules.rows[0]?.enabled ?? 0;
    if (enabledRules > 0) console.warn(`${enabledRules} risk rules are enabled: some transfers may not PASS`);

    const ceilingQueue = `bench-ceiling-${randomUUID().slice(0, 8)}`;
    const running = await ServiceUnderTest.start();
    service = running;
    ceilingWorker = await CeilingWorkerProcess.start(ceilingQueue);
    const accounts = await running.openAccounts(ACCOUNTS, INITIAL_BALANCE);
    const processes: MeasuredProcess[] = [
      { name: 'service', pid: running.pid },
      { name: 'ceiling worker', pid: ceilingWorker.pid },
      { name: 'bench', pid: process.pid, alone: true },
      ...stackProcesses(),
    ];
    const meter = new CpuMeter(processes);
    const activities = createActivities(dependencies);
    const { postgres, temporal } = dependencies;

    const arms = (rate: number, seconds: number) => [
      () => measureService(running, postgres, accounts, rate, seconds, meter),
      () => measureCeiling(temporal, ceilingQueue, accounts, rate, seconds, meter),
      () => measureRawChain(activities, postgres, accounts, rate, seconds, meter),
    ];
    console.log(`warming up: ${WARM_UP.rate}/s for ${WARM_UP.seconds} s through each arm`);
    for (const arm of arms(WARM_UP.rate, WARM_UP.seconds)) {
      await arm();
      await sleep(QUIET_MS);
    }

    // Each rate runs all three arms back to back, so every ratio compares figures taken minutes apart at most.
    const measurements: RateMeasurement[] = [];
    for (const rate of options.rates) {
      for (const arm of arms(rate, options.seconds)) {
        const measurement = await arm();
        measurements.push(measurement);
        console.log(
          `${measurement.arm.padEnd(8)} ${rate}/s: ${measurement.completed}/${measurement.sent} completed, ` +
            `${measurement.completedPerSecond?.toFixed(1) ?? 'n/a'}/s, ` +
            `p99 ${measurement.latencyMs.p99?.toFixed(0) ?? 'n/a'} ms` +
            (measurement.leftOver > 0 ? `, ${measurement.leftOver} left over after ${DRAIN_TIMEOUT_MS / 1000} s` : ''),
        );
        await sleep(QUIET_MS);
      }
    }

    const names = processes.map((measured) => measured.name);
    printMeasurements(measurements, names);
    const ratios = computeRatios(measurements);
    printRatios(ratios);

    const date = new Date().toISOString().slice(0, 10);
    const nproc = availableParallelism();
    const json = await writeJsonResult('load', {
      benchmark: 'load',
      date,
      machine: { nproc },
      options: {
        ...options,
        accounts: ACCOUNTS,
        transferAmount: TRANSFER_AMOUNT,
        warmUp: WARM_UP,
        enabledRiskRules: enabledRules,
      },
      processes,
      measurements: measurements.map((measurement) => ({
        ...measurement,
        cpuSecondsPerTransfer: Object.fromEntries(
          names.map((name) => [name, ratio(measurement.cpuSeconds[name], measurement.completed)]),
        ),
      })),
      ratios,
    });
    const png = resultPath('load.png');
    await plotLoad(png, measurements, `npm run bench -- load, ${date}, ${options.seconds} s per rate, nproc ${nproc}`);
    console.log(`\nwrote ${json}\nwrote ${png}`);
  } finally {
    await ceilingWorker?.stop();
    await service?.stop();
    await dependencies.close();
  }
}
