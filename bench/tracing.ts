import { availableParallelism } from 'node:os';

import { loadConfig } from '../src/config';
import { migrate } from '../src/db/migrate';
import { createDependencies } from '../src/dependencies';
import { createLogger } from '../src/logger';
import { sleep } from './load/async';
import type { RateMeasurement } from './load/measurement';
import { parseLoadOptions } from './load/options';
import { renderChart } from './load/plot';
import { CpuMeter, listenerPid, type MeasuredProcess, stackProcesses } from './load/process-cpu';
import { printTable } from './load/report';
import { resultPath, writeJsonResult } from './load/results';
import { measureService } from './load/service-arm';
import { type BenchAccount, ServiceUnderTest } from './load/service-under-test';
import { ratio } from './load/stats';

/** The stack's Zipkin (`npm run stack -- up --with-observability`), where the traced runs export. */
const ZIPKIN_URL = process.env.ZIPKIN_URL ?? 'http://127.0.0.1:9411';
/** Traces off, on for a tenth of the transfers (parent-based ratio sampling), and on for every one. */
const MODES = {
  off: {},
  'on, 10 % sampled': { OTEL_TRACES_SAMPLER_ARG: '0.1' },
  'on, all sampled': { OTEL_TRACES_SAMPLER_ARG: '1' },
} satisfies Record<string, Record<string, string>>;
type Mode = keyof typeof MODES;
const MODE_NAMES = Object.keys(MODES) as Mode[];
/** Off and on, alternated this many times: a drift of the machine over the run shows as rounds that disagree. */
const ROUNDS = 2;
const ACCOUNTS = 50;
const INITIAL_BALANCE = 1_000_000_000_000;
const WARM_UP = { rate: 5, seconds: 3 };
const QUIET_MS = 2000;
const DEFAULT_RATES = [10, 40];

interface TracedMeasurement {
  mode: Mode;
  round: number;
  measurement: RateMeasurement;
  /** CPU milliseconds of the service process and of Zipkin per completed transfer. */
  serviceCpuMsPerTransfer: number | null;
  zipkinCpuMsPerTransfer: number | null;
}

/**
 * `npm run bench -- tracing [--rates 10,40] [--seconds 20]`: the service as `npm start` runs it, with
 * traces off, on for a tenth of the transfers and on for all (exported to the stack's Zipkin), in turn
 * over two rounds of the same run, offered each rate open-loop through REST. Prints completed/s, latency and CPU per transfer
 * for each and their ratios against traces off; writes bench/results/<date>-tracing.{json,png}.
 */
export async function tracing(args: string[]): Promise<void> {
  const options = parseLoadOptions(['--rates', DEFAULT_RATES.join(','), ...args]);
  const zipkinPort = Number(new URL(ZIPKIN_URL).port || 9411);
  const zipkinPid = listenerPid(zipkinPort);
  if (zipkinPid === undefined) {
    throw new Error(`no Zipkin answers on ${ZIPKIN_URL}; start it with npm run stack -- up --with-observability`);
  }
  const config = loadConfig();
  const logger = createLogger('warn');
  await migrate(config, logger);
  const dependencies = await createDependencies(config, logger);
  const results: TracedMeasurement[] = [];
  let accounts: BenchAccount[] | undefined;
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const mode of MODE_NAMES) {
        // One service at a time: two would share the task queue, each running the other's sagas.
        const traced: Record<string, string> =
          mode === 'off' ? {} : { OTEL_EXPORTER_ZIPKIN_ENDPOINT: `${ZIPKIN_URL}/api/v2/spans` };
        const service = await ServiceUnderTest.start({ ...traced, ...MODES[mode] });
        try {
          accounts ??= await service.openAccounts(ACCOUNTS, INITIAL_BALANCE);
          const processes: MeasuredProcess[] = [
            { name: 'service', pid: service.pid },
            { name: 'zipkin', pid: zipkinPid },
            ...stackProcesses(),
          ];
          const meter = new CpuMeter(processes);
          await measureService(service, dependencies.postgres, accounts, WARM_UP.rate, WARM_UP.seconds, meter);
          for (const rate of options.rates) {
            await sleep(QUIET_MS);
            const measurement = await measureService(
              service,
              dependencies.postgres,
              accounts,
              rate,
              options.seconds,
              meter,
            );
            const perTransfer = (name: string) => {
              const perCompleted = ratio(measurement.cpuSeconds[name], measurement.completed);
              return perCompleted === null ? null : perCompleted * 1000;
            };
            results.push({
              mode,
              round,
              measurement,
              serviceCpuMsPerTransfer: perTransfer('service'),
              zipkinCpuMsPerTransfer: perTransfer('zipkin'),
            });
            console.log(
              `round ${round}, traces ${mode}, ${rate}/s: ${measurement.completed}/${measurement.sent} completed, ` +
                `${measurement.completedPerSecond?.toFixed(1) ?? 'n/a'}/s, p99 ${measurement.latencyMs.p99?.toFixed(0) ?? 'n/a'} ms`,
            );
          }
        } finally {
          await service.stop();
        }
      }
    }
  } finally {
    await dependencies.close();
  }

  const summary = summarise(results, options.rates);
  printTable(
    'traces off against traces on (each the mean of its rounds; ratios against traces off in the same round)',
    [
      'offered/s',
      'traces',
      'done/s',
      'ratio',
      'rounds',
      'p50 ms',
      'p99 ms',
      'ratio p99',
      'service CPU ms/tx',
      'zipkin CPU ms/tx',
    ],
    summary.flatMap((row) =>
      row.modes.map((figures) => [
        String(row.rate),
        figures.mode,
        fixed(figures.completedPerSecond),
        times(figures.throughputRatio),
        figures.roundRatios.map((value) => times(value)).join(' '),
        fixed(figures.p50Ms, 0),
        fixed(figures.p99Ms, 0),
        times(figures.p99Ratio),
        fixed(figures.serviceCpuMs),
        fixed(figures.zipkinCpuMs),
      ]),
    ),
  );

  const date = new Date().toISOString().slice(0, 10);
  const nproc = availableParallelism();
  const json = await writeJsonResult('tracing', {
    benchmark: 'tracing',
    date,
    machine: { nproc },
    options: { ...options, rounds: ROUNDS, accounts: ACCOUNTS, warmUp: WARM_UP, exporter: 'zipkin' },
    measurements: results,
    summary,
  });
  const png = resultPath('tracing.png');
  await plotTracing(png, results, `npm run bench -- tracing, ${date}, ${options.seconds} s per rate, nproc ${nproc}`);
  console.log(`\nwrote ${json}\nwrote ${png}`);
}

interface ModeFigures {
  mode: Mode;
  completedPerSecond: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  serviceCpuMs: number | null;
  zipkinCpuMs: number | null;
  /** Against traces off: the means' ratio, and each round's own. */
  throughputRatio: number | null;
  roundRatios: Array<number | null>;
  p99Ratio: number | null;
}

/** Per rate and mode: the figures averaged over the rounds, and their ratios against traces off. */
function summarise(results: TracedMeasurement[], rates: number[]): Array<{ rate: number; modes: ModeFigures[] }> {
  return rates.map((rate) => {
    const of = (mode: Mode) =>
      results.filter((result) => result.mode === mode && result.measurement.offeredRate === rate);
    const plain = of('off');
    const plainThroughput = mean(plain.map((result) => result.measurement.completedPerSecond));
    const plainP99 = mean(plain.map((result) => result.measurement.latencyMs.p99));
    const modes = MODE_NAMES.map((mode): ModeFigures => {
      const runs = of(mode);
      const completedPerSecond = mean(runs.map((result) => result.measurement.completedPerSecond));
      const p99Ms = mean(runs.map((result) => result.measurement.latencyMs.p99));
      return {
        mode,
        completedPerSecond,
        p50Ms: mean(runs.map((result) => result.measurement.latencyMs.p50)),
        p99Ms,
        serviceCpuMs: mean(runs.map((result) => result.serviceCpuMsPerTransfer)),
        zipkinCpuMs: mean(runs.map((result) => result.zipkinCpuMsPerTransfer)),
        throughputRatio: ratio(completedPerSecond, plainThroughput),
        roundRatios: runs.map((run) =>
          ratio(
            run.measurement.completedPerSecond,
            plain.find((other) => other.round === run.round)?.measurement.completedPerSecond,
          ),
        ),
        p99Ratio: ratio(p99Ms, plainP99),
      };
    });
    return { rate, modes };
  });
}

function mean(values: Array<number | null | undefined>): number | null {
  const known = values.filter((value): value is number => typeof value === 'number' && Number.isFinite(value));
  return known.length === 0 ? null : known.reduce((sum, value) => sum + value, 0) / known.length;
}

const fixed = (value: number | null, digits = 1): string => (value === null ? 'n/a' : value.toFixed(digits));
const times = (value: number | null): string => (value === null ? 'n/a' : `${value.toFixed(2)}×`);

/** completed/s and p99 by offered rate, one point per round, traces off against on. */
export async function plotTracing(path: string, results: TracedMeasurement[], title: string): Promise<void> {
  const values = results.map((result) => ({
    traces: `traces ${result.mode}`,
    round: result.round,
    offeredRate: result.measurement.offeredRate,
    completedPerSecond: result.measurement.completedPerSecond,
    p99Ms: result.measurement.latencyMs.p99,
  }));
  const x = {
    field: 'offeredRate',
    type: 'ordinal',
    title: 'offered rate (arrivals/s)',
    axis: { labelAngle: 0 },
  } as const;
  const color = {
    field: 'traces',
    type: 'nominal',
    title: null,
    scale: { domain: MODE_NAMES.map((mode) => `traces ${mode}`), range: ['#1f77b4', '#ff7f0e', '#d62728'] },
    legend: { orient: 'bottom', labelLimit: 400, labelFontSize: 12 },
  } as const;
  const xOffset = { field: 'traces', type: 'nominal' } as const;
  await renderChart(path, {
    title: { text: title, subtitle: 'each point one round; latency: submit → COMPLETED in PostgreSQL', fontSize: 14 },
    config: { font: 'DejaVu Sans', view: { stroke: '#ddd' } },
    data: { values },
    hconcat: [
      {
        width: 300,
        height: 260,
        title: 'completed/s',
        mark: { type: 'point', filled: true, size: 80 },
        encoding: { x, xOffset, y: { field: 'completedPerSecond', type: 'quantitative', title: 'completed/s' }, color },
      },
      {
        width: 300,
        height: 260,
        title: 'p99 latency (log scale)',
        mark: { type: 'point', filled: true, size: 80 },
        encoding: {
          x,
          xOffset,
          y: { field: 'p99Ms', type: 'quantitative', title: 'p99 (ms)', scale: { type: 'log' } },
          color,
        },
      },
    ],
  });
}
