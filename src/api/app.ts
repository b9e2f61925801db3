import express, { type Express, type RequestHandler, type Response } from 'express';
import helmet from 'helmet';

import { consumerGroups } from '../consumers';
import type { Dependencies } from '../dependencies';
import { isStaff } from '../domain/roles';
import { getAccount, openAccount } from '../use-cases/accounts';
import {
  deadLettersOf,
  deadLetterTopics,
  healthFigures,
  listRepairs,
  replayDeadLettersOf,
  transferActivity,
} from '../use-cases/operations';
import { claimReview, getRiskRecord, listReviews, releaseReview, reviewTransfer } from '../use-cases/reviews';
import { createRule, deleteRule, dryRunRule, getRule, listRules, ruleHistory, updateRule } from '../use-cases/rules';
import { addStaff, changeStaff, listStaff, signIn, staffSessionStands } from '../use-cases/staff';
import {
  getRemittance,
  listRemittances,
  registerBusiness,
  retryRemittanceFailure,
  submitRemittance,
} from '../use-cases/remittances';
import { cancelTransfer, confirmTransfer, resendCode } from '../use-cases/confirmations';
import { getTransfer, listTransfers, submitTransfer } from '../use-cases/transfers';
import { PayloadEncryption } from '../payload-encryption';
import { auditTrail, keepPathTargets } from './audit-trail';
import { authenticate, authorize, principalOf } from './auth';
import { codecRoutes } from './codec';
import { consoleAssets } from './console-assets';
import { checkReadiness, readinessChecks } from './health';
import { httpMetrics } from './metrics';
import { openApiDocument } from './openapi';
import { customerViewOf, decodeCursor, presentReviewQueue, presentTransfer, presentTransferPage } from './presenters';
import { notFoundRoute, problemHandler } from './problem';
import { railCallbackRoutes } from './rail-callbacks';
import {
  customerRemittanceOf,
  decodeRemittanceCursor,
  presentFailure,
  presentRemittance,
  presentRemittancePage,
} from './remittance-presenters';
import { createRateLimits } from './rate-limits';
import { createTokenVerifier } from './tokens';
import {
  accountId,
  auditQuery,
  businessProfileBody,
  cancelBody,
  confirmBody,
  failureId,
  listRemittancesQuery,
  remittanceBody,
  remittanceFailuresQuery,
  remittanceId,
  eventTopic,
  expectedVersion,
  idempotencyKey,
  listTransfersQuery,
  loginBody,
  newRuleBody,
  newStaffBody,
  openAccountBody,
  parse,
  reviewBody,
  reviewsQuery,
  ruleDefinition,
  ruleDryRunBody,
  ruleId,
  staffChange,
  staffUsername,
  transferBody,
  transferCountsQuery,
  transferId,
} from './schemas';
import type { EventStreams } from './stream';
import {
  accountView,
  auditPage,
  confirmationProgressView,
  businessProfileView,
  customerRemittanceView,
  remittanceFailureList,
  remittanceFailureView,
  remittancePage,
  remittanceView,
  type RemittanceView,
  authConfigView,
  deadLetterList,
  deadLetterReplayView,
  deadLetterTopicsView,
  principalView,
  repairsView,
  reviewClaimView,
  ruleDryRunView,
  sessionView,
  staffList,
  staffView,
  statsView,
  transferActivityView,
  transferCounts,
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
  const remitBody = remittanceBody(config.money.maxTransferAmount);
  const document = openApiDocument(config.money.maxTransferAmount);
  const currentStats = healthFigures(context, consumerGroups(dependencies));

  const app = express();
  app.disable('x-powered-by');
  app.use(httpMetrics(metrics));
  // nosniff and the other headers helmet sets by default, on every answer.
  app.use(helmet());

  const verifyToken = createTokenVerifier(config.auth, logger, (principal) => staffSessionStands(context, principal));
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
  // Also ahead of the body limit's JSON parser: a callback's signature covers its body's exact bytes.
  app.use('/v1/rails', railCallbackRoutes(context, [trail, noStore]));
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
  keepPathTargets(v1);
  // Ahead of the router-wide authentication: browsers can set no header on a WebSocket or an
  // EventSource, so these two also take the token as ?access_token=.
  const streamAuthentication = authenticate(verifyToken, { acceptQueryToken: true, onRefused });
  v1.get('/stream', streamAuthentication, limits.perCaller, authorize('stream events'), streams.webSocket);
  v1.get('/events', streamAuthentication, limits.perCaller, authorize('stream events'), streams.eventStream);
  // Signing in is how a console gets its token, so these two come before the router-wide authentication.
  v1.get('/auth/config', (_request, response) => {
    respond(response, authConfigView, {
      mode: config.auth.verification.kind === 'jwks' ? 'identity-provider' : 'password',
    });
  });
  v1.post('/auth/login', limits.signInAttempts, async (request, response) => {
    respond(response, sessionView, await signIn(context, parse(loginBody, request.body ?? {}, 'body')));
  });
  v1.use(authenticate(verifyToken, { onRefused }), limits.perCaller);
  v1.get('/auth/me', (_request, response) => {
    const { sub, role, expiresAt } = principalOf(response);
    respond(response, principalView, {
      sub,
      role,
      expiresAt: expiresAt === undefined ? null : new Date(expiresAt).toISOString(),
    });
  });

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
  v1.get('/transfers/counts', authorize('list transfers'), async (request, response) => {
    const filter = parse(transferCountsQuery, request.query, 'query');
    respond(response, transferCounts, { counts: await context.reads.countByStatus(filter) });
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
  v1.post('/transfers/:id/confirm', authorize('confirm transfers'), async (request, response) => {
    const id = parse(transferId, request.params.id, 'path.id');
    const { code } = parse(confirmBody, request.body ?? {}, 'body');
    const answer = code === undefined ? { decision: 'DECLINE' as const } : { code };
    answerTransfer(
      response,
      presentTransfer(temporal, await confirmTransfer(context, principalOf(response), id, answer)),
    );
  });
  v1.post('/transfers/:id/confirm/resend', authorize('confirm transfers'), async (request, response) => {
    const id = parse(transferId, request.params.id, 'path.id');
    respond(response, confirmationProgressView, await resendCode(context, principalOf(response), id), 202);
  });
  v1.post('/transfers/:id/cancel', authorize('cancel transfers'), async (request, response) => {
    const id = parse(transferId, request.params.id, 'path.id');
    const body = parse(cancelBody, request.body ?? {}, 'body');
    respond(
      response,
      transferView,
      presentTransfer(temporal, await cancelTransfer(context, principalOf(response), id, body)),
    );
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

  v1.get('/transfers/:id/activity', authorize('read transfer activity'), async (request, response) => {
    const id = parse(transferId, request.params.id, 'path.id');
    respond(response, transferActivityView, await transferActivity(context, id));
  });

  v1.post('/reviews/:id/claim', authorize('review transfers'), async (request, response) => {
    const id = parse(transferId, request.params.id, 'path.id');
    respond(response, reviewClaimView, await claimReview(context, principalOf(response), id));
  });
  v1.delete('/reviews/:id/claim', authorize('review transfers'), async (request, response) => {
    await releaseReview(context, principalOf(response), parse(transferId, request.params.id, 'path.id'));
    response.status(204).end();
  });

  v1.post('/rules/dry-run', authorize('test rules'), async (request, response) => {
    const { rule, limit } = parse(ruleDryRunBody, request.body ?? {}, 'body');
    respond(response, ruleDryRunView, await dryRunRule(context, rule, limit));
  });

  v1.get('/repairs', authorize('read repairs'), async (_request, response) => {
    respond(response, repairsView, await listRepairs(context));
  });
  v1.get('/dead-letters', authorize('read repairs'), async (_request, response) => {
    respond(response, deadLetterTopicsView, await deadLetterTopics(context));
  });
  v1.get('/dead-letters/:topic', authorize('read repairs'), async (request, response) => {
    const topic = parse(eventTopic, request.params.topic, 'path.topic');
    respond(response, deadLetterList, await deadLettersOf(context, topic));
  });
  v1.post('/dead-letters/:topic/replay', authorize('replay dead letters'), async (request, response) => {
    const topic = parse(eventTopic, request.params.topic, 'path.topic');
    respond(response, deadLetterReplayView, await replayDeadLettersOf(context, topic));
  });

  v1.get('/stats', authorize('read stats'), async (request, response) => {
    const stats = await currentStats();
    // The admin listener is on another port of the same host, kept off the public network.
    const metrics = `${request.protocol}://${request.hostname}:${config.http.adminPort}/metrics`;
    respond(response, statsView, { ...stats, links: { temporalUi: temporal.uiUrl, metrics } });
  });

  v1.get('/staff', authorize('manage staff'), async (_request, response) => {
    respond(response, staffList, await listStaff(context));
  });
  v1.post('/staff', authorize('manage staff'), async (request, response) => {
    const member = await addStaff(context, principalOf(response).sub, parse(newStaffBody, request.body ?? {}, 'body'));
    response.location(`/v1/staff/${member.username}`);
    respond(response, staffView, member, 201);
  });
  v1.patch('/staff/:username', authorize('manage staff'), async (request, response) => {
    const username = parse(staffUsername, request.params.username, 'path.username');
    const change = parse(staffChange, request.body ?? {}, 'body');
    respond(response, staffView, await changeStaff(context, principalOf(response), username, change));
  });

  v1.post('/business-profiles', authorize('register businesses'), async (request, response) => {
    const profile = parse(businessProfileBody, request.body ?? {}, 'body');
    respond(response, businessProfileView, await registerBusiness(context, principalOf(response), profile), 201);
  });
  v1.post('/remittances', authorize('submit remittances'), limits.transferSubmissions, async (request, response) => {
    const key = parse(idempotencyKey, request.get('Idempotency-Key'), 'Idempotency-Key');
    const body = parse(remitBody, request.body ?? {}, 'body');
    const remittance = presentRemittance(temporal, await submitRemittance(context, principalOf(response), key, body));
    response.location(remittance.links.self);
    answerRemittance(response, remittance, 202);
  });
  v1.get('/remittances', authorize('list remittances'), async (request, response) => {
    const { cursor, ...query } = parse(listRemittancesQuery, request.query, 'query');
    const after = cursor === undefined ? undefined : decodeRemittanceCursor(cursor);
    respond(
      response,
      remittancePage,
      presentRemittancePage(temporal, await listRemittances(context, { ...query, after })),
    );
  });
  v1.get('/remittances/:id', authorize('read remittances'), async (request, response) => {
    const id = parse(remittanceId, request.params.id, 'path.id');
    answerRemittance(response, presentRemittance(temporal, await getRemittance(context, principalOf(response), id)));
  });
  v1.get('/remittance-failures', authorize('list remittances'), async (request, response) => {
    const filter = parse(remittanceFailuresQuery, request.query, 'query');
    const rows = await context.remittanceReads.failures(filter);
    respond(response, remittanceFailureList, { items: rows.map(presentFailure) });
  });
  v1.post('/remittance-failures/:id/retry', authorize('retry remittance failures'), async (request, response) => {
    const id = parse(failureId, request.params.id, 'path.id');
    respond(response, remittanceFailureView, presentFailure(await retryRemittanceFailure(context, id)), 202);
  });

  app.use('/v1', v1);
  app.use('/console', consoleAssets());
  app.use(notFoundRoute);
  app.use(problemHandler(logger));
  return app;
}

/** Answers a remittance as the caller may see it: staff the whole view, its owner the customer's. */
function answerRemittance(response: Response, view: RemittanceView, status = 200): void {
  if (isStaff(principalOf(response))) respond(response, remittanceView, view, status);
  else respond(response, customerRemittanceView, customerRemittanceOf(view), status);
}

/** Answers a transfer as the caller may see it: staff the whole view, a USER the customer's. */
function answerTransfer(response: Response, view: TransferView, status = 200): void {
  if (isStaff(principalOf(response))) respond(response, transferView, view, status);
  else respond(response, customerTransferView, customerViewOf(view), status);
}
