import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { format, resolveConfig } from 'prettier';

const RESULTS_DIR = join(__dirname, '..', 'results');

/** bench/results/<YYYY-MM-DD>-<name>, the date in UTC. */
export function resultPath(name: string): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  return join(RESULTS_DIR, `${new Date().toISOString().slice(0, 10)}-${name}`);
}

/** Microseconds are below what any of these clocks can tell apart; more digits would only be noise to read. */
const roundToMicroseconds = (_key: string, value: unknown): unknown =>
  typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 1000) / 1000 : value;

/**
 * Writes `data` as JSON, fractions rounded to three places, formatted as the repository's prettier
 * formats it, so `prettier --check` stays clean.
 */
export async function writeJsonResult(name: string, data: unknown): Promise<string> {
  const path = resultPath(`${name}.json`);
  const options = (await resolveConfig(path)) ?? {};
  writeFileSync(path, await format(JSON.stringify(data, roundToMicroseconds), { ...options, filepath: path }));
  return path;
}
