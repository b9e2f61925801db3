import express, { type Express } from 'express';

import type { Dependencies } from '../dependencies';
import { checkReadiness, readinessChecks } from './health';
import { notFoundRoute, problemHandler } from './problem';

/** Builds the HTTP application; routes are thin and call one use case each. */
export function createApp(dependencies: Dependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '16kb', strict: true }));

  app.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });
  app.get('/readyz', async (_request, response) => {
    const readiness = await checkReadiness(readinessChecks(dependencies));
    response.status(readiness.ready ? 200 : 503).json(readiness);
  });
  app.get('/metrics', async (_request, response) => {
    response.type(dependencies.metrics.contentType).send(await dependencies.metrics.metrics());
  });

  app.use(notFoundRoute);
  app.use(problemHandler(dependencies.logger));
  return app;
}
