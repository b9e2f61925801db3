import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';

import type { Redis } from 'ioredis';

import { loadConfig } from '../src/config';
import { createDependencies } from '../src/dependencies';
import {
  DEFAULT_SAGA_TIMINGS,
  type DeviceContext,
  RISK_DECISIONS,
  type RiskDecision,
  type TransferSagaInput,
} from '../src/domain/transfer';
import { createLogger } from '../src/logger';
import type { RiskEngine } from '../src/risk/engine';
import { dbIpCityLiteFiles, MmdbIpLocator } from '../src/risk/ip-location';
import type { RiskEvaluation } from '../src/risk/risk-log';
import type { RuleDefinition } from '../src/risk/rules';
import { renderChart } from './load/plot';
import { printTable } from './load/report';
import { resultPath, writeJsonResult } from './load/results';
import { nearestRank, ratio } from './load/stats';

/** Senders per variant. Each variant has its own, so one's Redis state (history, places, devices) never shapes another's. */
const SENDERS = 20;
const RECEIVERS = 200;
/** The variants take turns this many times, each round in a rotated order, so a drift of the machine hits all alike. */
const ROUNDS = 5;
const CONCURRENCY = 8;
/** Evaluations per variant before the first round: the rule set's first fetch and compilation, and the JIT. */
const WARM_UP = 50;
const WARM_LOOKUPS = 1000;

const VARIANTS = ['no context', 'location', 'ip'] as const;
type Variant = (typeof VARIANTS)[number];
const BASELINE: Variant = 'no context';

/**
 * Two cities 10,000 km apart. A sender alternates between them, so from its second transfer on every one has
 * a previous location, and travel rules judge an impossible journey rather than missing for want of a fact.
 * The IP prefixes are public blocks DB-IP places in those cities; the run checks that before it measures.
 */
const CITIES = [
  { name: 'Seoul', point: { lat: 37.5665, lon: 126.978 }, ipPrefix: '124.0.0.', country: 'KR' },
  { name: 'Lisbon', point: { lat: 38.7223, lon: -9.1393 }, ipPrefix: '193.136.0.', country: 'PT' },
] as const;

const CONTEXT_KINDS = ['travel', 'newDevice', 'country'] as const;
type ContextKind = (typeof CONTEXT_KINDS)[number];

/** Velocity windows the rules read; the facts script counts exactly these. */
const WINDOWS = [60, 600, 3600, 86_400];

/**
 * `npm run bench -- risk [evaluations=3000] [rules=50]`: the cost of a transfer's device context on one risk
 * evaluation (the Redis facts script, every rule, the anomaly model), in-process. Three variants of the same
 * transfers: `no context` (the baseline), `location` (a device location and device id) and `ip` (only an IP
 * address, located by the offline database). Each runs `evaluations` one at a time and as many again with
 * 8 in flight, interleaved with the others over 5 rounds, against `rules` active rules of every kind
 * (travel, newDevice and country among them) that match only this benchmark's senders and are removed
 * afterwards. The IP database's one-time load is timed on its own before any evaluation.
 *
 * Prints latency percentiles and throughput per variant with their ratios to `no context` in the same run;
 * writes bench/results/<date>-risk.{json,png}.
 */
export async function risk(evaluations: number, ruleCount: number): Promise<void> {
  if (!Number.isInteger(evaluations) || evaluations < ROUNDS || !Number.isInteger(ruleCount) || ruleCount < 1) {
    throw new Error(`usage: npm run bench -- risk [evaluations ≥ ${ROUNDS}] [rules ≥ 1]`);
  }
  const config = loadConfig();
  // An evaluation reads and writes only Redis and PostgreSQL; Kafka need not be up for this benchmark.
  const dependencies = await createDependencies(config, createLogger('warn'), { kafkaAtStartup: false });
  const run = randomUUID().slice(0, 8);
  const streams = Object.fromEntries(
    VARIANTS.map((variant) => [variant, new TransferStream(variant, `bench-risk-${run}-${VARIANT_TAGS[variant]}`)]),
  ) as Record<Variant, TransferStream>;
  const senders = VARIANTS.flatMap((variant) => streams[variant].senders);
  const ruleKinds = new Map<string, string>();
  try {
    // Before any evaluation, so the engine never pays for it inside a measured one.
    const ipDatabase = loadIpDatabase();

    for (let n = 0; n < ruleCount; n++) {
      const ruleId = `bench-${run}-${n}`;
      const { kind, definition } = benchRule(n, senders);
      await dependencies.risk.rules.create(ruleId, definition, 'bench');
      ruleKinds.set(ruleId, kind);
    }
    const engine = dependencies.risk.engine;
    for (const variant of VARIANTS) {
      for (let n = 0; n < WARM_UP; n++) await engine.evaluate(streams[variant].next());
    }

    const tallies = Object.fromEntries(VARIANTS.map((variant) => [variant, new Tally(ruleKinds)])) as Record<
      Variant,
      Tally
    >;
    for (let round = 0; round < ROUNDS; round++) {
      const size = Math.floor((evaluations * (round + 1)) / ROUNDS) - Math.floor((evaluations * round) / ROUNDS);
      const order = VARIANTS.map((_, index) => VARIANTS[(index + round) % VARIANTS.length] as Variant);
      for (const variant of order) {
        await measureRound(engine, streams[variant], tallies[variant], size);
      }
      console.log(
        `round ${round + 1}/${ROUNDS}: ` +
          VARIANTS.map((variant) => {
            const last = tallies[variant].rounds.at(-1);
            return `${variant} p50 ${ms(last ? nearestRank(sorted(last.sequentialMs), 50) : null)} ms, ${perSecond(last)}/s`;
          }).join('; '),
      );
    }

    const figures = summarise(tallies);
    const contextRules = [...ruleKinds.values()].filter((kind) => isContextKind(kind)).length;
    report(figures, ipDatabase, evaluations, ruleCount, contextRules);

    const date = new Date().toISOString().slice(0, 10);
    const nproc = availableParallelism();
    const json = await writeJsonResult('risk', {
      benchmark: 'risk',
      date,
      machine: { nproc },
      options: {
        evaluationsPerVariant: evaluations,
        rules: ruleCount,
        contextRules,
        velocityWindowsSeconds: WINDOWS,
        rounds: ROUNDS,
        concurrency: CONCURRENCY,
        sendersPerVariant: SENDERS,
        receivers: RECEIVERS,
        warmUpPerVariant: WARM_UP,
        cities: CITIES,
      },
      ipDatabase,
      variants: figures,
    });
    const png = resultPath('risk.png');
    await plotRisk(png, figures, `npm run bench -- risk ${evaluations} ${ruleCount}, ${date}, nproc ${nproc}`);
    console.log(`\nwrote ${json}\nwrote ${png}`);
  } finally {
    for (const ruleId of ruleKinds.keys()) await dependencies.risk.rules.remove(ruleId, 'bench');
    await deleteKeys(dependencies.redis, `risk:{bench-risk-${run}-*`);
    for (const variant of VARIANTS) await deleteSeenMarkers(dependencies.redis, streams[variant].transferIds);
    await dependencies.close();
  }
}

const VARIANT_TAGS: Record<Variant, string> = { 'no context': 'none', location: 'loc', ip: 'ip' };

/** One variant's transfers, in order: sender after sender, each sender's context alternating between the cities. */
class TransferStream {
  readonly senders: string[];
  /** Every transfer handed out, so its `risk:seen:` marker can be removed afterwards. */
  readonly transferIds: string[] = [];

  constructor(
    private readonly variant: Variant,
    private readonly prefix: string,
  ) {
    this.senders = Array.from({ length: SENDERS }, (_, n) => `${prefix}-s${n}`);
  }

  next(): TransferSagaInput {
    const n = this.transferIds.length;
    const transferId = randomUUID();
    this.transferIds.push(transferId);
    const context = contextOf(this.variant, Math.floor(n / SENDERS));
    return {
      transferId,
      fromAccountId: this.senders[n % SENDERS] as string,
      toAccountId: `${this.prefix}-r${(n * 7) % RECEIVERS}`,
      amount: 1_000 + ((n * 7919) % 50_000),
      currency: 'EUR',
      requestedBy: 'bench',
      submittedAt: new Date().toISOString(),
      timings: DEFAULT_SAGA_TIMINGS,
      ...(context ? { context } : {}),
    };
  }
}

/**
 * Where a sender's `sequence`th transfer is made: the city, and one of many addresses in it, so no lookup is
 * answered by anything but the database itself.
 */
function placeOf(sequence: number): { city: (typeof CITIES)[number]; ip: string } {
  const city = CITIES[sequence % CITIES.length] as (typeof CITIES)[number];
  return { city, ip: `${city.ipPrefix}${1 + (sequence % 254)}` };
}

/** The context of a sender's `sequence`th transfer in `variant`. */
function contextOf(variant: Variant, sequence: number): DeviceContext | undefined {
  const { city, ip } = placeOf(sequence);
  switch (variant) {
    case 'no context':
      return undefined;
    case 'location':
      // Mostly one of the sender's three known devices, one transfer in twenty from a new one, so new-device
      // rules judge both a device seen before and one never seen.
      return {
        location: { ...city.point },
        deviceId: sequence % 20 === 19 ? `phone-new-${sequence}` : `phone-${sequence % 3}`,
      };
    case 'ip':
      return { ip };
  }
}

interface RoundSamples {
  sequentialMs: number[];
  concurrentCount: number;
  concurrentSeconds: number;
}

/** What one variant measured, and what its evaluations saw and decided. */
class Tally {
  readonly rounds: RoundSamples[] = [];
  readonly decisions: Record<RiskDecision, number> = { PASS: 0, REVIEW: 0, STEP_UP: 0, BLOCK: 0 };
  /** Evaluations whose facts held each context fact, and in which a rule of each context kind hit. */
  readonly facts = { evaluations: 0, located: 0, previousLocation: 0, deviceSeenBefore: 0, country: 0 };
  readonly contextRuleHits: Record<ContextKind, number> = { travel: 0, newDevice: 0, country: 0 };

  constructor(private readonly ruleKinds: ReadonlyMap<string, string>) {}

  count({ assessment, facts }: RiskEvaluation): void {
    this.decisions[assessment.decision]++;
    this.facts.evaluations++;
    if (facts.location) this.facts.located++;
    if (facts.previousLocation) this.facts.previousLocation++;
    if (facts.deviceLastSeenMs !== undefined) this.facts.deviceSeenBefore++;
    if (facts.country !== undefined) this.facts.country++;
    const kindsHit = new Set(assessment.hits.map((hit) => this.ruleKinds.get(hit.ruleId)));
    for (const kind of CONTEXT_KINDS) if (kindsHit.has(kind)) this.contextRuleHits[kind]++;
  }
}

/** `size` evaluations one at a time, then `size` with {@link CONCURRENCY} in flight. */
async function measureRound(engine: RiskEngine, stream: TransferStream, tally: Tally, size: number): Promise<void> {
  const sequentialMs: number[] = [];
  for (let n = 0; n < size; n++) {
    const transfer = stream.next();
    const before = performance.now();
    const evaluation = await engine.evaluate(transfer);
    sequentialMs.push(performance.now() - before);
    tally.count(evaluation);
  }
  // Eight workers that each start the next evaluation as soon as theirs ends: batches of eight awaited
  // together would leave seven idle behind the slowest of each batch, and measure that instead.
  let left = size;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (left > 0) {
        left--;
        tally.count(await engine.evaluate(stream.next()));
      }
    }),
  );
  const concurrentSeconds = (performance.now() - started) / 1000;
  tally.rounds.push({ sequentialMs, concurrentCount: size, concurrentSeconds });
}

interface IpDatabaseFigures {
  file: string;
  fileBytes: number;
  /** The first lookup, which reads the whole file into memory; it may come from the OS page cache. */
  firstLookupMs: number;
  /**
   * Resident set size of this process after the first lookup, less before it: what the OS sees, net of whatever
   * a garbage collection during the load gave back, so it can come out below the file's size.
   */
  rssGrowthBytes: number;
  /** The same for the memory held in buffers, where the file's bytes are kept: the load's own share. */
  arrayBuffersGrowthBytes: number;
  /** Lookups once the file is loaded and the lookup code warm, for scale. */
  warmLookupUs: { count: number; p50: number | null; p99: number | null };
}

/**
 * Times the first IP lookup of this process, which loads the IPv4 database, and then warm ones. The engine's
 * locator shares the process's open database, so after this no evaluation loads it. Fails when the bench's
 * addresses are not placed in the countries it expects: the `ip` variant would then measure misses.
 */
function loadIpDatabase(): IpDatabaseFigures {
  const file = dbIpCityLiteFiles().ipv4;
  const locator = new MmdbIpLocator();
  const firstAddress = `${CITIES[0].ipPrefix}1`;
  const memoryBefore = process.memoryUsage();
  const before = performance.now();
  locator.locate(firstAddress);
  const firstLookupMs = performance.now() - before;
  const memoryAfter = process.memoryUsage();

  // A first pass checks every address and warms the lookup code up; timed, its p99 would be the JIT's.
  for (let n = 0; n < WARM_LOOKUPS; n++) {
    const { city, ip } = placeOf(n);
    const place = locator.locate(ip);
    if (place?.country !== city.country) {
      throw new Error(`${ip} is placed in ${place?.country ?? 'no country'}, not ${city.country} (${city.name})`);
    }
  }
  const warmUs: number[] = [];
  for (let n = 0; n < WARM_LOOKUPS; n++) {
    const { ip } = placeOf(n);
    const started = performance.now();
    locator.locate(ip);
    warmUs.push((performance.now() - started) * 1000);
  }
  const warm = sorted(warmUs);
  return {
    file: basename(file),
    fileBytes: statSync(file).size,
    firstLookupMs,
    rssGrowthBytes: memoryAfter.rss - memoryBefore.rss,
    arrayBuffersGrowthBytes: memoryAfter.arrayBuffers - memoryBefore.arrayBuffers,
    warmLookupUs: { count: warm.length, p50: nearestRank(warm, 50), p99: nearestRank(warm, 99) },
  };
}

interface LatencyFigures {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

interface VariantFigures {
  variant: Variant;
  /** One evaluation at a time, in ms. */
  sequential: LatencyFigures;
  /** Evaluations per second with {@link CONCURRENCY} in flight, over all rounds. */
  concurrentPerSecond: number | null;
  /** Against `no context` in the same run: above 1 for latency, or below 1 for throughput, is what the context costs. */
  ratios: { p50: number | null; p90: number | null; p99: number | null; concurrentPerSecond: number | null };
  /** Each round's own figures, with ratios against `no context` in the same round. */
  rounds: Array<{
    round: number;
    sequential: LatencyFigures;
    concurrentPerSecond: number | null;
    p50Ratio: number | null;
    concurrentPerSecondRatio: number | null;
  }>;
  decisions: Record<RiskDecision, number>;
  facts: Tally['facts'];
  contextRuleHits: Record<ContextKind, number>;
}

function summarise(tallies: Record<Variant, Tally>): VariantFigures[] {
  const latencyOf = (samples: number[]): LatencyFigures => {
    const values = sorted(samples);
    const at = (p: number) => nearestRank(values, p);
    return { count: values.length, p50: at(50), p90: at(90), p99: at(99), max: at(100) };
  };
  const throughputOf = (rounds: RoundSamples[]) =>
    ratio(
      rounds.reduce((total, round) => total + round.concurrentCount, 0),
      rounds.reduce((total, round) => total + round.concurrentSeconds, 0),
    );
  const measured = VARIANTS.map((variant) => {
    const { rounds } = tallies[variant];
    return {
      variant,
      sequential: latencyOf(rounds.flatMap((round) => round.sequentialMs)),
      concurrentPerSecond: throughputOf(rounds),
      rounds: rounds.map((round, index) => ({
        round: index + 1,
        sequential: latencyOf(round.sequentialMs),
        concurrentPerSecond: throughputOf([round]),
      })),
    };
  });
  const baseline = measured.find((figures) => figures.variant === BASELINE);
  return measured.map((figures) => ({
    variant: figures.variant,
    sequential: figures.sequential,
    concurrentPerSecond: figures.concurrentPerSecond,
    ratios: {
      p50: ratio(figures.sequential.p50, baseline?.sequential.p50),
      p90: ratio(figures.sequential.p90, baseline?.sequential.p90),
      p99: ratio(figures.sequential.p99, baseline?.sequential.p99),
      concurrentPerSecond: ratio(figures.concurrentPerSecond, baseline?.concurrentPerSecond),
    },
    rounds: figures.rounds.map((round, index) => {
      const same = baseline?.rounds[index];
      return {
        ...round,
        p50Ratio: ratio(round.sequential.p50, same?.sequential.p50),
        concurrentPerSecondRatio: ratio(round.concurrentPerSecond, same?.concurrentPerSecond),
      };
    }),
    decisions: tallies[figures.variant].decisions,
    facts: tallies[figures.variant].facts,
    contextRuleHits: tallies[figures.variant].contextRuleHits,
  }));
}

function report(
  figures: VariantFigures[],
  ipDatabase: IpDatabaseFigures,
  evaluations: number,
  ruleCount: number,
  contextRules: number,
): void {
  printTable(
    `one risk evaluation in-process, by device context: per variant ${evaluations} one at a time and ${evaluations} ` +
      `with ${CONCURRENCY} in flight, in ${ROUNDS} interleaved rounds\n${ruleCount} rules, ${contextRules} of them ` +
      `travel, newDevice or country; latency one at a time; ÷ is against no context in the same run`,
    ['variant', 'p50 ms', '÷', 'p90 ms', '÷', 'p99 ms', '÷', `${CONCURRENCY} concurrent /s`, '÷'],
    figures.map((row) => [
      row.variant,
      ms(row.sequential.p50),
      times(row.ratios.p50),
      ms(row.sequential.p90),
      times(row.ratios.p90),
      ms(row.sequential.p99),
      times(row.ratios.p99),
      fixed(row.concurrentPerSecond, 0),
      times(row.ratios.concurrentPerSecond),
    ]),
  );
  printTable(
    'by round, against no context in the same round (the spread says how far to trust the ratios above)',
    ['variant', `p50 ÷, rounds 1–${ROUNDS}`, `${CONCURRENCY} concurrent /s ÷, rounds 1–${ROUNDS}`],
    figures.map((row) => [
      row.variant,
      row.rounds.map((round) => times(round.p50Ratio)).join(' '),
      row.rounds.map((round) => times(round.concurrentPerSecondRatio)).join(' '),
    ]),
  );
  printTable(
    'what the evaluations saw (of all measured, both phases) and decided',
    [
      'variant',
      'evaluations',
      'located',
      'previous place',
      'device seen before',
      'country',
      'rules hit: travel',
      'newDevice',
      'country',
      'decisions',
    ],
    figures.map((row) => [
      row.variant,
      String(row.facts.evaluations),
      String(row.facts.located),
      String(row.facts.previousLocation),
      String(row.facts.deviceSeenBefore),
      String(row.facts.country),
      ...CONTEXT_KINDS.map((kind) => String(row.contextRuleHits[kind])),
      RISK_DECISIONS.map((decision) => `${decision} ${row.decisions[decision]}`).join(', '),
    ]),
  );
  const { firstLookupMs, rssGrowthBytes, arrayBuffersGrowthBytes, fileBytes, file, warmLookupUs } = ipDatabase;
  console.log(
    `\nIP database: first lookup ${fixed(firstLookupMs, 0)} ms (reads ${file}, ${megabytes(fileBytes)} MB), ` +
      `RSS +${megabytes(rssGrowthBytes)} MB (buffers +${megabytes(arrayBuffersGrowthBytes)} MB); ` +
      `a warm lookup p50 ${fixed(warmLookupUs.p50, 1)} µs, p99 ${fixed(warmLookupUs.p99, 1)} µs`,
  );
}

const sorted = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b);
const fixed = (value: number | null, digits: number): string => (value === null ? 'n/a' : value.toFixed(digits));
const ms = (value: number | null): string => fixed(value, 2);
const times = (value: number | null): string => (value === null ? 'n/a' : `${value.toFixed(2)}×`);
const megabytes = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
const perSecond = (round: RoundSamples | undefined): string =>
  fixed(round ? ratio(round.concurrentCount, round.concurrentSeconds) : null, 0);
const isContextKind = (kind: string): kind is ContextKind => CONTEXT_KINDS.some((context) => context === kind);

/** Rule n of the set: every kind of condition, each behind the check that the sender is ours. */
function benchRule(n: number, senders: string[]): { kind: string; definition: RuleDefinition } {
  const watched = Array.from({ length: 100 }, (_, i) => `watched-${n}-${i}`);
  const kinds: Array<[string, unknown]> = [
    ['amount', { amount: { gte: 40_000 + n } }],
    [
      'velocity',
      { velocity: { windowSeconds: WINDOWS[n % WINDOWS.length], count: { gte: 50 }, sum: { gte: 5_000_000 } } },
    ],
    ['dailyTotal', { dailyTotal: { gt: 50_000_000 } }],
    ['newReceiver', { all: [{ newReceiver: true }, { amount: { gte: 30_000 } }] }],
    ['timeOfDay', { timeOfDay: { from: '01:00', to: '04:30' } }],
    ['account', { account: { side: 'to', in: watched } }],
    ['anomalyScore', { any: [{ anomalyScore: { gte: 0.8 } }, { not: { currency: { in: ['EUR', 'USD'] } } }] }],
    ['velocity', { all: [{ velocity: { windowSeconds: 60, count: { gte: 20 } } }, { newReceiver: true }] }],
    ['travel', { travel: { maxSpeedKmh: 900, ...(n % 2 === 0 ? { withinSeconds: 6 * 3600 } : {}) } }],
    ['newDevice', { all: [{ newDevice: { days: 30 } }, { amount: { gte: 20_000 } }] }],
    ['country', { country: { notIn: ['PT', 'ES', 'FR', 'DE', 'IT', 'NL', 'BE', 'IE'] } }],
  ];
  const [kind, condition] = kinds[n % kinds.length] as [string, unknown];
  return {
    kind,
    definition: {
      name: `bench rule ${n}`,
      description: null,
      condition: { all: [{ account: { side: 'from', in: senders } }, condition] },
      score: 5 + (n % 4) * 5,
      action: n % 10 === 9 ? 'REVIEW' : 'SCORE',
      enabled: true,
      shadow: n % 7 === 6,
    },
  };
}

/** Latency percentiles per variant, one evaluation at a time, and throughput with 8 in flight; each round a dot. */
async function plotRisk(path: string, figures: VariantFigures[], title: string): Promise<void> {
  const percentileNames = ['p50', 'p90', 'p99'] as const;
  const latency = figures.flatMap((row) =>
    percentileNames.map((percentile) => ({
      variant: row.variant,
      percentile,
      ms: row.sequential[percentile],
      label: times(row.ratios[percentile]),
    })),
  );
  const roundLatency = figures.flatMap((row) =>
    row.rounds.flatMap((round) =>
      percentileNames.map((percentile) => ({ variant: row.variant, percentile, ms: round.sequential[percentile] })),
    ),
  );
  const throughput = figures.map((row) => ({
    variant: row.variant,
    perSecond: row.concurrentPerSecond,
    label: times(row.ratios.concurrentPerSecond),
  }));
  const roundThroughput = figures.flatMap((row) =>
    row.rounds.map((round) => ({ variant: row.variant, perSecond: round.concurrentPerSecond })),
  );
  // Mutable, as vega-lite's types want a domain, which `as const` below would otherwise make readonly.
  const variants: string[] = [...VARIANTS];
  const color = {
    field: 'variant',
    type: 'nominal',
    title: null,
    scale: { domain: variants, range: ['#1f77b4', '#ff7f0e', '#2ca02c'] },
    legend: { orient: 'bottom', labelFontSize: 12 },
  } as const;
  const variantOffset = { field: 'variant', type: 'nominal', scale: { domain: variants } } as const;
  const percentileAxis = { field: 'percentile', type: 'ordinal', title: null, axis: { labelAngle: 0 } } as const;
  const msAxis = { field: 'ms', type: 'quantitative', title: 'ms' } as const;
  const variantAxis = {
    field: 'variant',
    type: 'nominal',
    title: null,
    sort: variants,
    axis: { labelAngle: 0 },
  } as const;
  const perSecondAxis = { field: 'perSecond', type: 'quantitative', title: 'evaluations/s' } as const;
  const roundDot = { type: 'point', filled: true, size: 16, color: '#333', opacity: 0.7 } as const;
  await renderChart(path, {
    title: {
      text: title,
      subtitle: 'bars: the whole run, labelled with the ratio to no context; dots: each round',
      fontSize: 14,
    },
    config: { font: 'DejaVu Sans', view: { stroke: '#ddd' } },
    hconcat: [
      {
        width: 440,
        height: 280,
        title: 'latency of one evaluation, one at a time',
        layer: [
          {
            data: { values: latency },
            mark: { type: 'bar' },
            encoding: { x: percentileAxis, xOffset: variantOffset, y: msAxis, color },
          },
          {
            data: { values: latency },
            mark: { type: 'text', dy: -8, fontSize: 9 },
            encoding: { x: percentileAxis, xOffset: variantOffset, y: msAxis, text: { field: 'label' } },
          },
          {
            data: { values: roundLatency },
            mark: roundDot,
            encoding: { x: percentileAxis, xOffset: variantOffset, y: msAxis },
          },
        ],
      },
      {
        width: 220,
        height: 280,
        title: `throughput, ${CONCURRENCY} in flight`,
        layer: [
          {
            data: { values: throughput },
            mark: { type: 'bar' },
            encoding: { x: variantAxis, y: perSecondAxis, color },
          },
          {
            data: { values: throughput },
            mark: { type: 'text', dy: -8, fontSize: 9 },
            encoding: { x: variantAxis, y: perSecondAxis, text: { field: 'label' } },
          },
          { data: { values: roundThroughput }, mark: roundDot, encoding: { x: variantAxis, y: perSecondAxis } },
        ],
      },
    ],
  });
}

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/** The once-only markers of the bench's transfers, which live outside the senders' keys (90 days otherwise). */
async function deleteSeenMarkers(redis: Redis, transferIds: readonly string[]): Promise<void> {
  for (let start = 0; start < transferIds.length; start += 1000) {
    await redis.del(...transferIds.slice(start, start + 1000).map((transferId) => `risk:seen:${transferId}`));
  }
}
