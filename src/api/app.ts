import express, { type Express, type RequestHandler, type Response } from 'express';
import helmet from 'helmet';

import type { Dependencies } from '../dependencies';
import { isStaff } from '../domain/roles';
import { getAccount, openAccount } from '../use-cases/accounts';
import { getRiskRecord, listReviews, reviewTransfer } from '../use-cases/reviews';
import { createRule, deleteRule, getRule, listRules, ruleHistory, updateRule } from '../use-cases/rules';
import { getTransfer, listTransfers, submitTransfer } from '../use-cases/transfers';
import { PayloadEncryption } from '../payload-encryption';
import { auditTrail } from './audit-trail';
import { authenticate, authorize, principalOf } from './auth';
import { codecRoutes } from './codec';
import { checkReadiness, readinessChecks } from './health';
import { httpMetrics } from './metrics';
import { openApiDocument } from './openapi';
import { customerViewOf, decodeCursor, presentReviewQueue, presentTransfer, presentTransferPage } from './presenters';
import { notFoundRoute, problemHandler } from './problem';
import { createRateLimits } from './rate-limits';
import { createTokenVerifier } from './tokens';
import {
  accountId,
  auditQuery,
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
import {
  accountView,
  auditPage,
  customerTransferView,
  liveness,
  readiness as readinessView,
  reviewQueue,
  riskRecordView,
  respond,
  ruleHistoryView,
  ruleList,
  ruleView,
  transferPage,
  transferView,
  type TransferView,
} from './views';

/**
 * Builds the HTTP application; each route parses its input and calls one use case. `streams` serves the
 * two live-feed routes (the WebSocket one is reached through the server's upgrade listener).
 */
export function createApp(dependencies: Dependencies, streams: EventStreams): Express {
  const { config, logger, metrics } = dependencies;
  const context = dependencies;
  const temporal = config.temporal;
  const submitBody = transferBody(config.money.maxTransferAmount);
  const document = openApiDocument(config.money.maxTransferAmount);

  const app = express();
  app.disable('x-powered-by');
  app.use(httpMetrics(metrics));
  // nosniff and the other headers helmet sets by default, on every answer.
  app.use(helmet());

  const verifyToken = createTokenVerifier(config.auth, logger);
  const limits = createRateLimits(dependencies.redis, config.rateLimits, logger);
  const onRefused = (request: { socket: { remoteAddress?: string } }) =>
    limits.countUnauthenticated(request.socket.remoteAddress);
  const trail = auditTrail(dependencies.audit, logger);
  // Balances, transfers and payloads are no one's to cache: not a browser, not a proxy.
  const noStore: RequestHandler = (_request, response, next) => {
    response.setHeader('Cache-Control', 'no-store');
    next();
  };
  // Ahead of the API's body limit, which a workflow history's payloads exceed.
  app.use(
    '/v1/codec',
    codecRoutes(new PayloadEncryption(temporal.payloadKeys), {
      uiUrl: temporal.uiUrl,
      guard: [trail, noStore, authenticate(verifyToken, { onRefused }), limits.perCaller],
    }),
  );
  app.use(express.json({ limit: '16kb', strict: true }));

  app.get('/healthz', (_request, response) => {
    respond(response, liveness, { status: 'ok' });
  });
  // For load balancers: ready or not, without which dependency or why (the admin port says that).
  app.get('/readyz', async (_request, response) => {
    const { ready } = await checkReadiness(readinessChecks(dependencies));
    respond(response, readinessView, { ready }, ready ? 200 : 503);
  });
  app.get('/openapi.json', (_request, response) => {
    response.json(document);
  });

  const v1 = express.Router();
  v1.use(trail, noStore);
  // Ahead of the router-wide authentication: browsers can set no header on a WebSocket or an
  // EventSource, so these two also take the token as ?access_token=.
  const streamAuthentication = authenticate(verifyToken, { acceptQueryToken: true, onRefused });
  v1.get('/stream', streamAuthentication, limits.perCaller, authorize('stream events'), streams.webSocket);
  v1.get('/events', streamAuthentication, limits.perCaller, authorize('stream events'), streams.eventStream);
  v1.use(authenticate(verifyToken, { onRefused }), limits.perCaller);

  v1.post('/accounts', authorize('open accounts'), async (request, response) => {
    const account = await openAccount(
      context,
      principalOf(response),
      parse(openAccountBody, request.body ?? {}, 'body'),
    );
    respond(response, accountView, account, 201);
  });
  v1.get('/accounts/:id', authorize('read accounts'), async (request, response) => {
    const account = await getAccount(context, principalOf(response), parse(accountId, request.params.id, 'path.id'));
    respond(response, accountView, account);
  });

  v1.post('/transfers', authorize('submit transfers'), limits.transferSubmissions, async (request, response) => {
    const key = parse(idempotencyKey, request.get('Idempotency-Key'), 'Idempotency-Key');
    const body = parse(submitBody, request.body ?? {}, 'body');
    const transfer = presentTransfer(temporal, await submitTransfer(context, principalOf(response), key, body));
    response.location(transfer.links.self);
    answerTransfer(response, transfer, 202);
  });
  v1.get('/transfers', authorize('list transfers'), async (request, response) => {
    const { cursor, ...query } = parse(listTransfersQuery, request.query, 'query');
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    respond(response, transferPage, presentTransferPage(temporal, await listTransfers(context, { ...query, after })));
  });
  v1.get('/transfers/:id', authorize('read transfers'), async (request, response) => {
    const id = parse(transferId, request.params.id, 'path.id');
    answerTransfer(response, presentTransfer(temporal, await getTransfer(context, principalOf(response), id)));
  });

  v1.get('/transfers/:id/risk', authorize('read risk'), async (request, response) => {
    respond(response, riskRecordView, await getRiskRecord(context, parse(transferId, request.params.id, 'path.id')));
  });
  v1.post('/transfers/:id/review', authorize('review transfers'), async (request, response) => {
    const id = parse(transferId, request.params.id, 'path.id');
    const decision = parse(reviewBody, request.body ?? {}, 'body');
    const transfer = await reviewTransfer(context, principalOf(response), id, decision);
    respond(response, transferView, presentTransfer(temporal, transfer));
  });
  v1.get('/reviews', authorize('list reviews'), async (request, response) => {
    const rows = await listReviews(context, parse(reviewsQuery, request.query, 'query'));
    respond(response, reviewQueue, presentReviewQueue(temporal, rows));
  });

  v1.get('/audit', authorize('read audit'), async (request, response) => {
    const { cursor, ...filters } = parse(auditQuery, request.query, 'query');
    const items = await dependencies.audit.page({ ...filters, beforeSeq: cursor });
    const nextCursor = items.length === filters.limit ? (items.at(-1)?.seq ?? null) : null;
    respond(response, auditPage, { items, nextCursor });
  });

  v1.get('/rules', authorize('read rules'), async (_request, response) => {
    respond(response, ruleList, await listRules(context));
  });
  v1.post('/rules', authorize('write rules'), async (request, response) => {
    const rule = await createRule(context, principalOf(response), parse(newRuleBody, request.body ?? {}, 'body'));
    response.location(`/v1/rules/${rule.ruleId}`);
    respond(response, ruleView, rule, 201);
  });
  v1.get('/rules/:id', authorize('read rules'), async (request, response) => {
    respond(response, ruleView, await getRule(context, parse(ruleId, request.params.id, 'path.id')));
  });
  v1.put('/rules/:id', authorize('write rules'), async (request, response) => {
    const id = parse(ruleId, request.params.id, 'path.id');
    const definition = parse(ruleDefinition, request.body ?? {}, 'body');
    const expected = parse(expectedVersion, request.get('If-Match'), 'If-Match');
    respond(response, ruleView, await updateRule(context, principalOf(response), id, definition, expected));
  });
  v1.delete('/rules/:id', authorize('write rules'), async (request, response) => {
    const id = parse(ruleId, request.params.id, 'path.id');
    await deleteRule(context, principalOf(response), id, parse(expectedVersion, request.get('If-Match'), 'If-Match'));
    response.status(204).end();
  });
  v1.get('/rules/:id/history', authorize('read rules'), async (request, response) => {
    respond(response, ruleHistoryView, await ruleHistory(context, parse(ruleId, request.params.id, 'path.id')));
  });

  app.use('/v1', v1);
  app.use(notFoundRoute);
  app.use(problemHandler(logger));
  return app;
}

/** Answers a transfer as the caller may see it: staff the whole view, a USER the customer's. */
function answerTransfer(response: Response, view: TransferView, status = 200): void {
  if (isStaff(principalOf(response))) respond(response, transferView, view, status);
  else respond(response, customerTransferView, customerViewOf(view), status);
}
