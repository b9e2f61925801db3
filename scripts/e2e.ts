/**
 * `npm run test:e2e [-- <playwright test args>]` drives the operator console in a real browser against the
 * real stack: Debian's Chromium (installed with apt when missing, never downloaded by Playwright), the
 * console built if stale, and the service started by Playwright's webServer (test/e2e/playwright.config.ts).
 * The stack must be up (`npm run stack -- up`), as for jest.
 */
import { spawnSync } from 'node:child_process';

import { buildConsole } from './console';
import { aptInstall, commandExists } from './stack/process';
import { repoRoot } from './stack/service';

const CHROMIUM = '/usr/bin/chromium';

if (!commandExists('chromium')) aptInstall('chromium', 'Chromium, for the console e2e tests');
buildConsole();
const result = spawnSync(
  'npx',
  ['playwright', 'test', '--config', 'test/e2e/playwright.config.ts', ...process.argv.slice(2)],
  {
    cwd: repoRoot,
    stdio: 'inherit',
    env: {
      ...process.env,
      CHROMIUM_PATH: process.env.CHROMIUM_PATH ?? CHROMIUM,
      PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1',
    },
  },
);
process.exit(result.status ?? 1);
