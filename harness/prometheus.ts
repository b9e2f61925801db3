import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

import { parse } from 'yaml';

import { eventually } from './eventually';

/** One series of an instant query's answer: its labels (the metric name as `__name__`) and its value. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** The labels the stack's Prometheus adds to a registered target's series, on top of `job` and `instance`. */
const RUN_LABEL = 'harness_run';
const TARGET_LABEL = 'harness_target';
/** The scrape job in observability/prometheus.yml that reads its targets from files. */
const HARNESS_JOB = 'harness';

/**
 * Where the stack's Prometheus answers: PROMETHEUS_URL, else the port `npm run stack` started it on
 * (PROMETHEUS_PORT, 9090 by default).
 */
export function prometheusUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.PROMETHEUS_URL ?? `http://127.0.0.1:${env.PROMETHEUS_PORT ?? 9090}`;
}

/** The stack's Prometheus through its HTTP API, as tests use it. */
export class Prometheus {
  constructor(readonly url = prometheusUrl()) {}

  /** An instant query; rejects with Prometheus's own error when it refuses the expression. */
  async query(expression: string): Promise<Sample[]> {
    const data = await this.api<QueryData>(`/api/v1/query?${new URLSearchParams({ query: expression }).toString()}`);
    if (data.resultType === 'vector') {
      return data.result.map(({ metric, value }) => ({ labels: metric, value: Number(value[1]) }));
    }
    if (data.resultType === 'scalar') return [{ labels: {}, value: Number(data.result[1]) }];
    throw new Error(`${expression} answered a ${data.resultType}, not an instant vector or a scalar`);
  }

  /** Every rule Prometheus has loaded, with its health after its latest evaluation (`unknown` before the first). */
  async rules(): Promise<Array<{ name: string; type: 'recording' | 'alerting'; health: string; lastError?: string }>> {
    const { groups } = await this.api<{
      groups: Array<{
        rules: Array<{ name: string; type: 'recording' | 'alerting'; health: string; lastError?: string }>;
      }>;
    }>('/api/v1/rules');
    return groups.flatMap((group) => group.rules);
  }

  /**
   * Has the `harness` job scrape each of `targets` (name → base URL; its `/metrics` is scraped) until
   * `remove()`: one file_sd file for this run, its series labelled with the run and the target's name.
   */
  async register(targets: Record<string, string>): Promise<ScrapeTargets> {
    const directory = await this.targetsDirectory();
    mkdirSync(directory, { recursive: true });
    removeFilesOfEndedProcesses(directory);
    const run = randomUUID();
    const groups = Object.entries(targets).map(([name, url]) => {
      const { host, pathname, protocol } = new URL(url);
      return {
        targets: [host],
        labels: {
          [RUN_LABEL]: run,
          [TARGET_LABEL]: name,
          __scheme__: protocol.replace(':', ''),
          __metrics_path__: `${pathname.replace(/\/$/, '')}/metrics`,
        },
      };
    });
    // Named after this process, so that a run killed before it removed its file is cleaned up by the next.
    const file = join(directory, `${process.pid}-${run}.json`);
    // Renamed into place: Prometheus may read the directory between a write's first and last byte.
    writeFileSync(`${file}.partial`, JSON.stringify(groups));
    renameSync(`${file}.partial`, file);
    return new ScrapeTargets(this, run, Object.keys(targets), file);
  }

  /** The directory the running Prometheus reads the harness job's targets from, as its configuration says. */
  async targetsDirectory(): Promise<string> {
    const { yaml } = await this.api<{ yaml: string }>('/api/v1/status/config');
    const config = parse(yaml) as {
      scrape_configs?: Array<{ job_name: string; file_sd_configs?: Array<{ files?: string[] }> }>;
    };
    const pattern = config.scrape_configs?.find((job) => job.job_name === HARNESS_JOB)?.file_sd_configs?.[0]
      ?.files?.[0];
    if (pattern === undefined || basename(pattern) !== '*.json') {
      throw new Error(
        `the Prometheus at ${this.url} has no '${HARNESS_JOB}' job reading <dir>/*.json files; ` +
          'is it the local stack’s (npm run stack -- up --with-observability)?',
      );
    }
    return dirname(pattern);
  }

  private async api<T>(path: string): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, { signal: AbortSignal.timeout(10_000) });
    } catch (error) {
      throw new Error(
        `no Prometheus answers at ${this.url} (${String(error)}); start it with ` +
          '`npm run stack -- up --with-observability`, or set PROMETHEUS_URL',
      );
    }
    const answer = (await response.json()) as { status: string; data: T; errorType?: string; error?: string };
    if (answer.status !== 'success')
      throw new Error(`Prometheus refused ${path}: ${answer.errorType}: ${answer.error}`);
    return answer.data;
  }
}

/** Targets one test run registered, until it removes them. */
export class ScrapeTargets {
  constructor(
    private readonly prometheus: Prometheus,
    readonly run: string,
    readonly names: string[],
    private readonly file: string,
  ) {}

  /**
   * Waits until Prometheus has stored a successful scrape of every target that began at or after `since`
   * (epoch ms, now by default), so a query then sees each process as it was at `since` or later. `up` is
   * stored with the scrape's samples, so its timestamp says the samples are there too.
   */
  async scraped(since = Date.now(), timeoutMs = 20_000): Promise<void> {
    const up = `up{${RUN_LABEL}="${this.run}"}`;
    await eventually(
      async () => {
        const scrapes = await this.prometheus.query(`timestamp(${up}) and ${up} == 1`);
        const fresh = new Set(
          scrapes.filter((scrape) => scrape.value * 1000 >= since).map((scrape) => scrape.labels[TARGET_LABEL]),
        );
        return this.names.every((name) => fresh.has(name)) ? true : undefined;
      },
      timeoutMs,
      `a scrape of ${this.names.join(', ')} by the Prometheus at ${this.prometheus.url}`,
    );
  }

  /** Every series target `name` served at its latest scrape, with the labels Prometheus added. */
  async series(name: string): Promise<Sample[]> {
    return this.prometheus.query(`{${RUN_LABEL}="${this.run}", ${TARGET_LABEL}="${name}"}`);
  }

  /**
   * The latest scrape of target `name` written back as the text its `/metrics` served (the samples, without
   * comments, the labels Prometheus added or its own `up` and `scrape_*` series), so that what a test reads
   * from a process's exposition it can read as Prometheus stored it.
   */
  async exposition(name: string): Promise<string> {
    const added = new Set(['__name__', 'job', 'instance', RUN_LABEL, TARGET_LABEL]);
    const lines = (await this.series(name))
      .filter(({ labels }) => labels.__name__ !== 'up' && !labels.__name__?.startsWith('scrape_'))
      .map(({ labels, value }) => {
        const own = Object.entries(labels)
          .filter(([label]) => !added.has(label))
          .sort(([a], [b]) => a.localeCompare(b))
          .map(
            ([label, text]) => `${label}="${text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`,
          );
        return `${labels.__name__}${own.length > 0 ? `{${own.join(',')}}` : ''} ${formatValue(value)}`;
      });
    return `${lines.sort().join('\n')}\n`;
  }

  /** Stops the scrapes: Prometheus marks the series stale once the file is gone. */
  remove(): void {
    rmSync(this.file, { force: true });
  }
}

type QueryData =
  | { resultType: 'vector'; result: Array<{ metric: Record<string, string>; value: [number, string] }> }
  | { resultType: 'scalar' | 'string'; result: [number, string] }
  | { resultType: 'matrix'; result: unknown[] };

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

/** Removes the target files of test processes that ended without removing theirs (killed, or crashed). */
function removeFilesOfEndedProcesses(directory: string): void {
  for (const file of readdirSync(directory)) {
    const pid = Number(/^(\d+)-/.exec(file)?.[1]);
    if (Number.isInteger(pid) && pid > 0 && !isRunning(pid)) rmSync(join(directory, file), { force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
