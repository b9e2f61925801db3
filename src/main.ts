// First: tracing patches http, express, pg and ioredis as they load.
import './instrument';
import { startAdmin } from './api/admin';
import { ConfigError, loadConfig } from './config';
import { migrate } from './db/migrate';
import { temporalUiLink } from './domain/temporal';
import { atStartup, createDependencies, StartupError } from './dependencies';
import { ensureTopics } from './events/publisher';
import { createLogger } from './logger';
import type { RunningProcess } from './lifecycle';
import { PROCESSES, type ProcessName, startProcess } from './processes';
import { activeTracing } from './tracing';

const NEED_KAFKA: ReadonlySet<ProcessName> = new Set(['relay', 'consumers']);

/**
 * The one entry point: `node dist/main.js [api] [worker] [relay] [consumers]` (all four when none is
 * named). SIGINT/SIGTERM drain every process, then close every client.
 */
async function main(argv: string[]): Promise<void> {
  const requested = argv.length > 0 ? argv : [...PROCESSES];
  const unknown = requested.filter((name) => !(PROCESSES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new ConfigError(`unknown process(es) ${unknown.join(', ')}; expected ${PROCESSES.join(', ')}`);
  }
  const processes = requested as ProcessName[];

  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  await atStartup('PostgreSQL', config.postgres.url, () => migrate(config, logger));
  // Only the relay and the consumers cannot work without Kafka; the API and the worker start without it.
  const needsKafka = processes.some((name) => NEED_KAFKA.has(name));
  const dependencies = await createDependencies(config, logger, { kafkaAtStartup: needsKafka });
  if (needsKafka) {
    await atStartup('Kafka', config.kafka.brokers.join(','), () =>
      ensureTopics(dependencies.kafkaAdmin, config.kafka.partitions),
    );
  }

  const running: RunningProcess[] = [];
  let stopping = false;
  const shutdown = async (signal: string) => {
    stopping = true;
    logger.info({ signal }, 'draining');
    for (const started of running.reverse()) await started.stop();
    await dependencies.close();
    // The spans still batched leave before the process does.
    await activeTracing()?.shutdown();
    logger.info('stopped');
  };
  // A signal during the drain changes nothing: the Temporal SDK drains the worker on SIGTERM too, and the
  // worker then signals the process (see worker.ts). Ending the process there would leave the consumers
  // in their groups, holding their partitions until their sessions time out.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (!stopping) void shutdown(signal).finally(() => process.exit(0));
    });
  }

  for (const name of processes) running.push(await startProcess(name, dependencies));
  // The API serves the admin port itself; a process without it serves its own, for Prometheus to scrape.
  if (!processes.includes('api')) running.push(await startAdmin(dependencies));
  logger.info(
    {
      processes,
      api: processes.includes('api') ? `http://localhost:${config.http.port}/v1` : undefined,
      // The admin port: for operators and Prometheus, not for the public network.
      metrics: `http://localhost:${config.http.adminPort}/metrics`,
      temporalUi: temporalUiLink(config.temporal),
      traces: activeTracing()?.exportsTo,
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
