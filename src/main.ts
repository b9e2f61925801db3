import { ConfigError, loadConfig } from './config';
import { migrate } from './db/migrate';
import { temporalUiLink } from './domain/temporal';
import { atStartup, createDependencies, StartupError } from './dependencies';
import { ensureTopics } from './events/publisher';
import { createLogger } from './logger';
import { ROLES, type Role, type RunningRole, startRole } from './roles';

const KAFKA_ROLES: ReadonlySet<Role> = new Set(['relay', 'consumers']);

/**
 * The one entry point: `node dist/main.js [api] [worker] [consumers]` (all three when none is named).
 * SIGINT/SIGTERM drain every role, then close every client.
 */
async function main(argv: string[]): Promise<void> {
  const requested = argv.length > 0 ? argv : [...ROLES];
  const unknown = requested.filter((role) => !(ROLES as readonly string[]).includes(role));
  if (unknown.length > 0) throw new ConfigError(`unknown role(s) ${unknown.join(', ')}; expected ${ROLES.join(', ')}`);
  const roles = requested as Role[];

  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  await atStartup('PostgreSQL', config.postgres.url, () => migrate(config.postgres.url, logger));
  // Only the relay and the consumers cannot work without Kafka; the API and the worker start without it.
  const needsKafka = roles.some((role) => KAFKA_ROLES.has(role));
  const dependencies = await createDependencies(config, logger, { kafkaAtStartup: needsKafka });
  if (needsKafka) {
    await atStartup('Kafka', config.kafka.brokers.join(','), () =>
      ensureTopics(dependencies.kafkaAdmin, config.kafka.partitions),
    );
  }

  const running: RunningRole[] = [];
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining');
    for (const role of running.reverse()) await role.stop();
    await dependencies.close();
    logger.info('stopped');
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void shutdown(signal).finally(() => process.exit(0)));
  }

  for (const role of roles) running.push(await startRole(role, dependencies));
  logger.info(
    {
      roles,
      api: roles.includes('api') ? `http://localhost:${config.http.port}/v1` : undefined,
      metrics: roles.includes('api') ? `http://localhost:${config.http.port}/metrics` : undefined,
      temporalUi: temporalUiLink(config.temporal),
    },
    'transfer-saga is running',
  );
}

main(process.argv.slice(2)).catch((error: unknown) => {
  // A bad setting or a dependency that is down is the operator's to fix: say which, without a stack trace.
  const operators = error instanceof ConfigError || error instanceof StartupError;
  console.error(operators ? error.message : error);
  process.exit(1);
});
