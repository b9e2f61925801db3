import express, { type Express } from 'express';

import type { Dependencies } from '../dependencies';
import { getAccount, openAccount } from '../use-cases/accounts';
import { getTransfer, listTransfers, submitTransfer } from '../use-cases/transfers';
import { authenticate, authorize, principalOf } from './auth';
import { checkReadiness, readinessChecks } from './health';
import { httpMetrics } from './metrics';
import { openApiDocument } from './openapi';
import { notFoundRoute, problemHandler } from './problem';
import {
  accountId,
  idempotencyKey,
  listTransfersQuery,
  openAccountBody,
  parse,
  transferBody,
  transferId,
} from './schemas';

/** Builds the HTTP application; each route parses its input and calls one use case. */
export function createApp(dependencies: Dependencies): Express {
  const { config, logger, metrics } = dependencies;
  const context = dependencies;
  const submitBody = transferBody(config.money.maxTransferAmount);
  const document = openApiDocument(config.money.maxTransferAmount);

  const app = express();
  app.disable('x-powered-by');
  app.use(httpMetrics(metrics));
  app.use(express.json({ limit: '16kb', strict: true }));

  app.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });
  app.get('/readyz', async (_request, response) => {
    const readiness = await checkReadiness(readinessChecks(dependencies));
    response.status(readiness.ready ? 200 : 503).json(readiness);
  });
  app.get('/metrics', async (_request, response) => {
    response.type(metrics.contentType).send(await metrics.metrics());
  });
  app.get('/openapi.json', (_request, response) => {
    response.json(document);
  });

  const v1 = express.Router();
  v1.use(authenticate(config.auth.jwtSecret));

  v1.post('/accounts', authorize('open accounts'), async (request, response) => {
    response.status(201).json(await openAccount(context, parse(openAccountBody, request.body ?? {}, 'body')));
  });
  v1.get('/accounts/:id', authorize('read accounts'), async (request, response) => {
    response.json(await getAccount(context, principalOf(response), parse(accountId, request.params.id, 'path.id')));
  });

  v1.post('/transfers', authorize('submit transfers'), async (request, response) => {
    const key = parse(idempotencyKey, request.get('Idempotency-Key'), 'Idempotency-Key');
    const body = parse(submitBody, request.body ?? {}, 'body');
    const transfer = await submitTransfer(context, principalOf(response), key, body);
    response.status(202).location(transfer.links.self).json(transfer);
  });
  v1.get('/transfers', authorize('list transfers'), async (request, response) => {
    response.json(await listTransfers(context, parse(listTransfersQuery, request.query, 'query')));
  });
  v1.get('/transfers/:id', authorize('read transfers'), async (request, response) => {
    response.json(await getTransfer(context, principalOf(response), parse(transferId, request.params.id, 'path.id')));
  });

  app.use('/v1', v1);
  app.use(notFoundRoute);
  app.use(problemHandler(logger));
  return app;
}
