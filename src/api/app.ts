import express, { type Express } from 'express';

import type { Dependencies } from '../dependencies';
import { OutboxStore } from '../events/outbox';
import { getAccount, openAccount } from '../use-cases/accounts';
import { getRiskRecord, listReviews, reviewTransfer } from '../use-cases/reviews';
import { createRule, deleteRule, getRule, listRules, ruleHistory, updateRule } from '../use-cases/rules';
import { getTransfer, listTransfers, submitTransfer } from '../use-cases/transfers';
import { authenticate, authorize, principalOf } from './auth';
import { checkReadiness, readinessChecks } from './health';
import { httpMetrics, outboxMetrics } from './metrics';
import { openApiDocument } from './openapi';
import { notFoundRoute, problemHandler } from './problem';
import {
  accountId,
  expectedVersion,
  idempotencyKey,
  listTransfersQuery,
  newRuleBody,
  openAccountBody,
  parse,
  reviewBody,
  reviewsQuery,
  ruleDefinition,
  ruleId,
  transferBody,
  transferId,
} from './schemas';
import type { EventStreams } from './stream';

/**
 * Builds the HTTP application; each route parses its input and calls one use case. `streams` serves the
 * two live-feed routes (the WebSocket one is reached through the server's upgrade listener).
 */
export function createApp(dependencies: Dependencies, streams: EventStreams): Express {
  const { config, logger, metrics } = dependencies;
  const context = dependencies;
  const submitBody = transferBody(config.money.maxTransferAmount);
  const document = openApiDocument(config.money.maxTransferAmount);

  const app = express();
  app.disable('x-powered-by');
  app.use(httpMetrics(metrics));
  outboxMetrics(metrics, new OutboxStore(dependencies.postgres));
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
  // Ahead of the router-wide authentication: browsers can set no header on a WebSocket or an
  // EventSource, so these two also take the token as ?access_token=.
  const streamAuthentication = authenticate(config.auth.jwtSecret, { acceptQueryToken: true });
  v1.get('/stream', streamAuthentication, authorize('stream events'), streams.webSocket);
  v1.get('/events', streamAuthentication, authorize('stream events'), streams.eventStream);
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

  v1.get('/transfers/:id/risk', authorize('read risk'), async (request, response) => {
    response.json(await getRiskRecord(context, parse(transferId, request.params.id, 'path.id')));
  });
  v1.post('/transfers/:id/review', authorize('review transfers'), async (request, response) => {
    const id = parse(transferId, request.params.id, 'path.id');
    const decision = parse(reviewBody, request.body ?? {}, 'body');
    response.json(await reviewTransfer(context, principalOf(response), id, decision));
  });
  v1.get('/reviews', authorize('list reviews'), async (request, response) => {
    response.json(await listReviews(context, parse(reviewsQuery, request.query, 'query')));
  });

  v1.get('/rules', authorize('read rules'), async (_request, response) => {
    response.json(await listRules(context));
  });
  v1.post('/rules', authorize('write rules'), async (request, response) => {
    const rule = await createRule(context, principalOf(response), parse(newRuleBody, request.body ?? {}, 'body'));
    response.status(201).location(`/v1/rules/${rule.ruleId}`).json(rule);
  });
  v1.get('/rules/:id', authorize('read rules'), async (request, response) => {
    response.json(await getRule(context, parse(ruleId, request.params.id, 'path.id')));
  });
  v1.put('/rules/:id', authorize('write rules'), async (request, response) => {
    const id = parse(ruleId, request.params.id, 'path.id');
    const definition = parse(ruleDefinition, request.body ?? {}, 'body');
    const expected = parse(expectedVersion, request.get('If-Match'), 'If-Match');
    response.json(await updateRule(context, principalOf(response), id, definition, expected));
  });
  v1.delete('/rules/:id', authorize('write rules'), async (request, response) => {
    const id = parse(ruleId, request.params.id, 'path.id');
    await deleteRule(context, principalOf(response), id, parse(expectedVersion, request.get('If-Match'), 'If-Match'));
    response.status(204).end();
  });
  v1.get('/rules/:id/history', authorize('read rules'), async (request, response) => {
    response.json(await ruleHistory(context, parse(ruleId, request.params.id, 'path.id')));
  });

  app.use('/v1', v1);
  app.use(notFoundRoute);
  app.use(problemHandler(logger));
  return app;
}
