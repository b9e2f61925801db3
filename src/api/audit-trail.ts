import { randomUUID } from 'node:crypto';

import type { Request, RequestHandler, Response, Router } from 'express';

import type { AuditLog } from '../audit/audit-log';
import type { Principal } from '../domain/roles';
import type { Logger } from '../logger';

/**
 * The audited routes under the names the trail gives them: every write, and the one read that reveals
 * what encryption hides (a workflow history's payloads).
 */
const AUDITED: Record<string, string> = {
  'POST /v1/accounts': 'open account',
  'POST /v1/transfers': 'submit transfer',
  'POST /v1/transfers/:id/review': 'decide review',
  'POST /v1/rules': 'create rule',
  'PUT /v1/rules/:id': 'update rule',
  'DELETE /v1/rules/:id': 'delete rule',
  'POST /v1/codec/decode': 'read workflow payloads',
  'POST /v1/auth/login': 'sign in',
  'POST /v1/reviews/:id/claim': 'claim review',
  'DELETE /v1/reviews/:id/claim': 'release review',
  'POST /v1/dead-letters/:topic/replay': 'replay dead letters',
  'POST /v1/staff': 'add staff',
  'PATCH /v1/staff/:username': 'change staff',
  'POST /v1/business-profiles': 'register business',
  'POST /v1/remittances': 'submit remittance',
  'POST /v1/remittance-failures/:id/retry': 'retry remittance failure',
  'POST /v1/rails/:rail/callbacks': 'rail callback',
};

/** A caller's own request id is kept when it looks like one; anything else gets a fresh uuid. */
const REQUEST_ID = /^[\w-]{8,64}$/;

function outcomeOf(status: number): string {
  if (status < 400) return 'done';
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 429) return 'rate-limited';
  return status >= 500 ? 'failed' : 'refused';
}

/** The path parameters that name what a request is about, e.g. the transfer of `/v1/transfers/:id/review`. */
const TARGET_PARAMS = ['id', 'topic', 'username'] as const;

/**
 * Keeps the path's target for the trail as the router matches it: once a route throws, Express 5 has put
 * the request's params back to the outer router's (none) by the time the answer is written.
 */
export function keepPathTargets(router: Router): void {
  for (const name of TARGET_PARAMS) {
    router.param(name, (_request, response, next, value: unknown) => {
      if (typeof value === 'string') response.locals.auditTarget = value;
      next();
    });
  }
}

/** What the request was about: the path's id, the id a create or sign-in named, or where a created resource lives. */
function targetOf(request: Request, response: Response): string | null {
  const kept = response.locals.auditTarget as unknown;
  if (typeof kept === 'string') return kept;
  const body = request.body as
    { accountId?: unknown; ruleId?: unknown; username?: unknown; businessId?: unknown } | undefined;
  if (typeof body?.accountId === 'string') return body.accountId;
  if (typeof body?.businessId === 'string') return body.businessId;
  if (typeof body?.ruleId === 'string') return body.ruleId;
  // A sign-in, whoever it names: failed ones are what an audit looks for.
  if (typeof body?.username === 'string') return body.username.slice(0, 64);
  const location = response.get('Location');
  return location ? (location.split('/').at(-1) ?? null) : null;
}

/**
 * Gives every `/v1` request an id (`X-Request-Id`, echoed back) and, once answered, appends to the audit
 * trail every audited route, whatever its outcome, and every 401 and 403, whatever the route. The row is written
 * after the answer, so a failing audit store costs an error log, not the caller's request.
 */
export function auditTrail(audit: AuditLog, logger: Logger): RequestHandler {
  return (request, response, next) => {
    const given = request.get('X-Request-Id');
    const requestId = given !== undefined && REQUEST_ID.test(given) ? given : randomUUID();
    response.setHeader('X-Request-Id', requestId);
    // Where the router is mounted, read now: once a route throws, Express has left the router by the answer.
    const mountedAt = request.baseUrl;
    response.once('finish', () => {
      const route = `${request.method} ${mountedAt}${(request.route as { path?: string } | undefined)?.path ?? ''}`;
      const audited = AUDITED[route];
      const status = response.statusCode;
      if (audited === undefined && status !== 401 && status !== 403) return;
      const principal = response.locals.principal as Principal | undefined;
      audit
        .append({
          requestId,
          sub: principal?.sub ?? null,
          role: principal?.role ?? null,
          action: audited ?? `${request.method} ${request.baseUrl}${request.path}`,
          target: targetOf(request, response),
          outcome: outcomeOf(status),
          status,
          clientAddress: request.socket.remoteAddress ?? null,
        })
        .catch((error: unknown) => logger.error({ err: error, requestId }, 'audit entry not written'));
    });
    next();
  };
}
