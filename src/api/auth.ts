import type { IncomingMessage } from 'node:http';

import type { RequestHandler, Response } from 'express';

import type { Principal } from '../domain/roles';
import { RequestRefused } from '../use-cases/errors';
import { type Action, PERMISSIONS } from './permissions';
import type { TokenVerifier } from './tokens';

/**
 * The request's bearer token: the Authorization header or, where `acceptQueryToken` allows it, the
 * `access_token` query parameter. Refuses the request as unauthenticated when there is none.
 */
export function bearerToken(request: IncomingMessage, acceptQueryToken = false): string {
  const header = /^Bearer (\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (header) return header;
  if (acceptQueryToken) {
    const query = new URL(request.url ?? '/', 'http://localhost').searchParams.get('access_token');
    if (query) return query;
  }
  throw new RequestRefused(
    'unauthorized',
    'unauthenticated',
    acceptQueryToken ? 'a Bearer token or an access_token parameter is required' : 'a Bearer token is required',
    'Authorization',
  );
}

/**
 * Verifies the bearer token and keeps its principal for the request. `acceptQueryToken` is for the
 * streaming routes only: browsers cannot set headers on a WebSocket or an EventSource, and a token in
 * a URL ends up in access logs, so no other route takes one. `onRefused` hears of every missing or
 * invalid token, and may refuse it otherwise (the rate limit of unauthenticated addresses answers 429).
 */
export function authenticate(
  verify: TokenVerifier,
  {
    acceptQueryToken = false,
    onRefused = async () => undefined,
  }: { acceptQueryToken?: boolean; onRefused?: (request: IncomingMessage) => Promise<void> } = {},
): RequestHandler {
  return async (request, response, next) => {
    try {
      response.locals.principal = await verify(bearerToken(request, acceptQueryToken));
    } catch (error) {
      if (error instanceof RequestRefused && error.kind === 'unauthorized') await onRefused(request);
      throw error;
    }
    next();
  };
}

/** Lets the request through only when the principal's role may perform the action. */
export function authorize(action: Action): RequestHandler {
  return (_request, response, next) => {
    const { role } = principalOf(response);
    if (!PERMISSIONS[action].includes(role)) {
      throw new RequestRefused('forbidden', 'forbidden', `role ${role} may not ${action}`);
    }
    next();
  };
}

/** The principal {@link authenticate} kept for the request. */
export function principalOf(response: Response): Principal {
  return response.locals.principal as Principal;
}
