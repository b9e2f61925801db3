/**
 * `npm run console -- build` builds the operator console (web/) into web/dist when it is missing or
 * older than any of its sources: its own, and the server modules it shares (the API's zod views and
 * schemas, the permission matrix, the domain). `npm start` and the e2e tests call it; `--force` always builds.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

// Not the stack's repoRoot: that module reads the service's configuration, which a build does not need.
const repoRoot = resolve(__dirname, '..');

const BUILT = join(repoRoot, 'web', 'dist', 'index.html');
const SOURCES = ['web/src', 'web/index.html', 'web/vite.config.ts', 'src/api', 'src/domain', 'src/risk', 'src/staff'];

function newestChange(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(stats.mtimeMs, ...readdirSync(path).map((entry) => newestChange(join(path, entry))));
}

/** Whether web/dist is missing or older than a source. */
export function consoleIsStale(): boolean {
  if (!existsSync(BUILT)) return true;
  const built = statSync(BUILT).mtimeMs;
  return SOURCES.some((source) => newestChange(join(repoRoot, source)) > built);
}

export function buildConsole({ force = false } = {}): void {
  if (!force && !consoleIsStale()) {
    console.log('console                web/dist is up to date');
    return;
  }
  console.log('console                building web/ into web/dist…');
  execFileSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
}

if (require.main === module) {
  const [command, ...flags] = process.argv.slice(2);
  if (command !== 'build' || flags.some((flag) => flag !== '--force')) {
    console.error('usage: npm run console -- build [--force]');
    process.exit(2);
  }
  buildConsole({ force: flags.includes('--force') });
}
