import { join } from 'node:path';

import { runner } from 'node-pg-migrate';

import { loadConfig } from '../config';
import { createLogger, type Logger } from '../logger';

const MIGRATIONS_DIR = join(__dirname, 'migrations');

/**
 * Brings the schema up to date. Safe to run from every process at start-up: node-pg-migrate takes
 * an advisory lock, so concurrent callers apply each migration once.
 */
export async function migrate(databaseUrl: string, logger: Logger): Promise<void> {
  const applied = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    singleTransaction: true,
    logger: {
      debug: () => undefined,
      info: () => undefined,
      warn: (msg) => logger.warn(msg),
      error: (msg) => logger.error(msg),
    },
  });
  if (applied.length > 0) logger.info({ migrations: applied.map((m) => m.name) }, 'database migrated');
}

if (require.main === module) {
  const config = loadConfig();
  migrate(config.postgres.url, createLogger(config.logLevel)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
