import type { RequestHandler, Response } from 'express';
import jwt from 'jsonwebtoken';

import { type Principal, type Role, ROLES } from '../domain/roles';
import { RequestRefused } from '../use-cases/errors';
import { type Action, PERMISSIONS } from './permissions';

/** Verifies the HS256 bearer token and keeps its `sub` and `role` as the request's principal. */
export function authenticate(secret: string): RequestHandler {
  return (request, response, next) => {
    const header = request.headers.authorization ?? '';
    const token = /^Bearer (\S+)$/i.exec(header)?.[1];
    if (!token)
      throw new RequestRefused('unauthorized', 'unauthenticated', 'a Bearer token is required', 'Authorization');
    let claims: jwt.JwtPayload | string;
    try {
      claims = jwt.verify(token, secret, { algorithms: ['HS256'] });
    } catch (error) {
      throw new RequestRefused(
        'unauthorized',
        'invalid-token',
        `the token is not valid: ${(error as Error).message}`,
        'Authorization',
      );
    }
    if (typeof claims === 'string' || typeof claims.sub !== 'string' || !ROLES.includes(claims.role as Role)) {
      throw new RequestRefused(
        'unauthorized',
        'invalid-token',
        `the token needs a sub and one of the roles ${ROLES.join(', ')}`,
        'Authorization',
      );
    }
    response.locals.principal = { sub: claims.sub, role: claims.role as Role } satisfies Principal;
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

export function principalOf(response: Response): Principal {
  return response.locals.principal as Principal;
}
