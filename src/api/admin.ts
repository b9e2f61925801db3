import express, { type Express } from 'express';
import helmet from 'helmet';

import type { Dependencies } from '../dependencies';
import { OutboxStore } from '../events/outbox';
import { checkReadiness, readinessChecks } from './health';
import { outboxMetrics } from './metrics';
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
