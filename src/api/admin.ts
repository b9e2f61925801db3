import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import express, { type Express } from 'express';
import helmet from 'helmet';

import type { Dependencies } from '../dependencies';
import { OutboxStore } from '../events/outbox';
import type { RunningProcess } from '../lifecycle';
import { checkReadiness, readinessChecks } from './health';
import { outboxMetrics, storeMetrics } from './metrics';
import { notFoundRoute, problemHandler } from './problem';
import { readinessDetail, respond } from './views';

/**
 * The admin listener (ADMIN_PORT): Prometheus metrics and readiness with each dependency's state. Both
 * tell more than the public may know — the error of a dependency that does not answer names its host —
 * so they live on a port the operator keeps inside the private network, not on the public one.
 */
export function createAdminApp(dependencies: Dependencies): Express {
  const { logger, metrics } = dependencies;
  outboxMetrics(metrics, new OutboxStore(dependencies.postgres));
  storeMetrics(metrics, dependencies.postgres, dependencies.config.saga.stuckAfterMs);

  const app = express();
  app.disable('x-powered-by');
  app.use(helmet());
  app.get('/metrics', async (_request, response) => {
    response.type(metrics.contentType).send(await metrics.metrics());
  });
  app.get('/readyz', async (_request, response) => {
    const readiness = await checkReadiness(readinessChecks(dependencies));
    respond(response, readinessDetail, readiness, readiness.ready ? 200 : 503);
  });
  app.use(notFoundRoute);
  app.use(problemHandler(logger));
  return app;
}

export interface RunningAdmin extends RunningProcess {
  url: string;
}

/**
 * Serves the admin app on ADMIN_PORT (0 picks a free one, as tests do). Every process has one: the API's
 * starts with it, a process of other roles starts its own (src/main.ts), so Prometheus scrapes each.
 */
export async function startAdmin(
  dependencies: Dependencies,
  port = dependencies.config.http.adminPort,
): Promise<RunningAdmin> {
  const server = createServer(createAdminApp(dependencies));
  const bound = await listen(server, port);
  dependencies.logger.info({ adminPort: bound }, 'admin listening');
  return {
    url: `http://127.0.0.1:${bound}`,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
    },
  };
}

export function listen(server: Server, port: number): Promise<number> {
  return new Promise((listening, failed) => {
    server.once('error', failed);
    server.listen(port, () => {
      server.off('error', failed);
      listening((server.address() as AddressInfo).port);
    });
  });
}
