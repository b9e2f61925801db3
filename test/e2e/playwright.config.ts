import { defineConfig } from '@playwright/test';

import { E2E_ADMIN_PORT, E2E_PORT } from './support/service';

/**
 * The console's end-to-end tests: Debian's Chromium (CHROMIUM_PATH, set by scripts/e2e.ts) against the
 * real service, started here as `npm start` starts it (every process, on ports of its own) over the local
 * stack. One worker: the tests share the service, and each makes its own accounts and staff.
 */
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  globalSetup: './support/global-setup.ts',
  workers: 1,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: process.env.CI
    ? [['list']]
    : [['list'], ['html', { open: 'never', outputFolder: '../../.stack/e2e-report' }]],
  outputDir: '../../.stack/e2e-results',
  use: {
    baseURL: `http://127.0.0.1:${E2E_PORT}`,
    viewport: { width: 1280, height: 800 },
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' },
    trace: 'retain-on-failure',
  },
  webServer: {
    command: 'npx tsx src/main.ts',
    cwd: '../..',
    url: `http://127.0.0.1:${E2E_PORT}/readyz`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      NODE_ENV: 'development',
      PORT: String(E2E_PORT),
      ADMIN_PORT: String(E2E_ADMIN_PORT),
      TEMPORAL_WORKER_METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
      // The lockout test signs in wrongly on purpose; the run's other sign-ins must not reach the budget.
      RATE_LIMIT_SIGN_INS_PER_MINUTE: '1000',
    },
  },
});
