import { join } from 'node:path';

import { runner } from 'node-pg-migrate';
import { Client } from 'pg';

import { type Config, loadConfig } from '../config';
import { createLogger, type Logger } from '../logger';
import { postgresConnection } from '../transport';

const MIGRATIONS_DIR = join(__dirname, 'migrations');

/** node-pg-migrate's own advisory lock key, so a process on an older build still sees the lock taken. */
const MIGRATION_LOCK = '7241865325823964';

/**
 * Brings the schema up to date. Safe to run from every process at start-up: each waits its turn on an
 * advisory lock, then applies what is still pending, so concurrent callers apply each migration once.
 * (node-pg-migrate's own lock only tries once and fails the second process started at the same time.)
 */
export async function migrate(config: Pick<Config, 'postgres' | 'transport'>, logger: Logger): Promise<void> {
  const session = new Client(postgresConnection(config));
  // A connection lost while waiting fails the query below; without a listener it would end the process.
  session.on('error', () => undefined);
  await session.connect();
  try {
    await session.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await runner({
      dbClient: session,
      noLock: true,
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
  } finally {
    // Ending the session releases the lock.
    await session.end();
  }
}

if (require.main === module) {
  const config = loadConfig();
  migrate(config, createLogger(config.logLevel)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
