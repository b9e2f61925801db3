import { ARM_LABELS, type Arm, ARMS, type RateMeasurement } from './measurement';
import { ratio } from './stats';

/** Service ÷ baseline at one offered rate: above 1 for latency, or below 1 for throughput, is what the service costs. */
export interface RateRatios {
  offeredRate: number;
  completedPerSecond: { serviceOverCeiling: number | null; serviceOverRawChain: number | null };
  p99: { serviceOverCeiling: number | null; serviceOverRawChain: number | null };
}

export interface Ratios {
  byRate: RateRatios[];
  /** The highest completed/s each arm reached on the ladder, and the service's share of each baseline's. */
  maxSustained: {
    completedPerSecond: Record<Arm, number | null>;
    serviceOverCeiling: number | null;
    serviceOverRawChain: number | null;
  };
}

/** The ratios of the service against both baselines, rate by rate and at each arm's best. */
export function computeRatios(measurements: RateMeasurement[]): Ratios {
  const find = (arm: Arm, rate: number) =>
    measurements.find((measurement) => measurement.arm === arm && measurement.offeredRate === rate);
  const rates = [...new Set(measurements.map((measurement) => measurement.offeredRate))];
  const byRate = rates.map((rate) => {
    const [service, ceiling, rawChain] = ARMS.map((arm) => find(arm, rate));
    return {
      offeredRate: rate,
      completedPerSecond: {
        serviceOverCeiling: ratio(service?.completedPerSecond, ceiling?.completedPerSecond),
        serviceOverRawChain: ratio(service?.completedPerSecond, rawChain?.completedPerSecond),
      },
      p99: {
        serviceOverCeiling: ratio(service?.latencyMs.p99, ceiling?.latencyMs.p99),
        serviceOverRawChain: ratio(service?.latencyMs.p99, rawChain?.latencyMs.p99),
      },
    };
  });
  const best = (arm: Arm) => {
    const values = measurements
      .filter((measurement) => measurement.arm === arm)
      .flatMap((measurement) => measurement.completedPerSecond ?? []);
    return values.length > 0 ? Math.max(...values) : null;
  };
  const completedPerSecond = { service: best('service'), ceiling: best('ceiling'), rawChain: best('rawChain') };
  return {
    byRate,
    maxSustained: {
      completedPerSecond,
      serviceOverCeiling: ratio(completedPerSecond.service, completedPerSecond.ceiling),
      serviceOverRawChain: ratio(completedPerSecond.service, completedPerSecond.rawChain),
    },
  };
}

const number = (value: number | null | undefined, digits = 1): string =>
  value === null || value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits);
const ms = (value: number | null | undefined): string =>
  number(value, value !== null && value !== undefined && value < 10 ? 1 : 0);
const times = (value: number | null): string => (value === null ? 'n/a' : `${value.toFixed(2)}×`);

/** Prints columns left-aligned under their headers, two spaces apart. */
export function printTable(title: string, headers: string[], rows: string[][]): void {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) => cells.map((cell, column) => cell.padStart(widths[column] ?? 0)).join('  ');
  console.log(`\n${title}`);
  console.log(line(headers));
  for (const row of rows) console.log(line(row));
}

/** One table per arm: offered against achieved, errors, latency, and CPU per completed transfer. */
export function printMeasurements(measurements: RateMeasurement[], processes: string[]): void {
  for (const arm of ARMS) {
    const rows = measurements.filter((measurement) => measurement.arm === arm);
    if (rows.length === 0) continue;
    const callName = { service: 'POST', ceiling: 'start()', rawChain: 'chain' }[arm];
    const latencyName = arm === 'ceiling' ? 'start→close' : 'submit→COMPLETED';
    printTable(
      `${ARM_LABELS[arm]} — latency in ms, from ${arm === 'ceiling' ? "Temporal's" : "PostgreSQL's"} own timestamps`,
      [
        'offered/s',
        'sent',
        'accepted',
        'errors',
        'completed',
        'other end',
        'left over',
        'completed/s',
        `${latencyName} p50`,
        'p95',
        'p99',
        `${callName} p50`,
        `${callName} p99`,
        ...(arm === 'service' ? ['outbox lag p99'] : []),
        'driver late max',
      ],
      rows.map((row) => [
        number(row.offeredRate, 0),
        String(row.sent),
        String(row.accepted),
        String(row.errors),
        String(row.completed),
        String(row.endedOtherwise),
        String(row.leftOver),
        number(row.completedPerSecond),
        ms(row.latencyMs.p50),
        ms(row.latencyMs.p95),
        ms(row.latencyMs.p99),
        ms(row.callMs.p50),
        ms(row.callMs.p99),
        ...(arm === 'service' ? [row.outboxLag ? ms(row.outboxLag.lagMs.p99) : 'n/a'] : []),
        ms(row.driverMaxLateMs),
      ]),
    );
    printTable(
      `${ARM_LABELS[arm]} — CPU seconds per completed transfer, by process`,
      ['offered/s', ...processes],
      rows.map((row) => [
        number(row.offeredRate, 0),
        ...processes.map((name) => number(ratio(row.cpuSeconds[name], row.completed), 4)),
      ]),
    );
    for (const row of rows.filter((candidate) => candidate.errorSamples.length > 0)) {
      console.log(`  at ${row.offeredRate}/s: ${row.errorSamples.join('; ')}`);
    }
  }
}

export function printRatios(ratios: Ratios): void {
  printTable(
    "service ÷ baseline (completed/s: 1.00× is the baseline's throughput; p99: 1.00× is the baseline's latency)",
    ['offered/s', 'completed/s ÷ ceiling', 'completed/s ÷ raw chain', 'p99 ÷ ceiling', 'p99 ÷ raw chain'],
    ratios.byRate.map((rate) => [
      number(rate.offeredRate, 0),
      times(rate.completedPerSecond.serviceOverCeiling),
      times(rate.completedPerSecond.serviceOverRawChain),
      times(rate.p99.serviceOverCeiling),
      times(rate.p99.serviceOverRawChain),
    ]),
  );
  const { completedPerSecond, serviceOverCeiling, serviceOverRawChain } = ratios.maxSustained;
  console.log(
    `\nmax sustained completed/s: service ${number(completedPerSecond.service)}, ` +
      `ceiling ${number(completedPerSecond.ceiling)}, ` +
      `raw chain ${number(completedPerSecond.rawChain)} → service ÷ ceiling ${times(serviceOverCeiling)}, ` +
      `service ÷ raw chain ${times(serviceOverRawChain)}`,
  );
}
