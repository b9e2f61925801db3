import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import jwt from 'jsonwebtoken';

import type { Config } from '../config';
import { type Principal, type Role, ROLES } from '../domain/roles';
import type { Logger } from '../logger';
import { RequestRefused } from '../use-cases/errors';

type AuthSettings = Config['auth'];

/** Clocks drift: an `iat` this far ahead of ours is still taken, one further ahead is not. */
const FUTURE_ISSUE_TOLERANCE_SECONDS = 30;

/**
 * After fetching the JWKS, an unknown `kid` fetches it again only after this long: a key the identity
 * provider rotated in works a second later, and a stream of made-up `kid`s costs it one request a second.
 */
const JWKS_REFETCH_COOLDOWN_MS = 1_000;

/** A JWKS that does not answer within this long fails the request as unavailable, not as unauthorized. */
const JWKS_TIMEOUT_MS = 5_000;

/** Checks a bearer token and answers whom it names. */
export type TokenVerifier = (token: string) => Promise<Principal>;

/**
 * Marks a token issued by a console sign-in (RFC 8176 "pwd"): such a session is only as good as its
 * staff account, so it is checked against admin_users on every request, not only at sign-in.
 */
export const PASSWORD_SESSION_AMR = 'pwd';

/**
 * Whether a console session still stands: its account exists, is enabled and still has the role the
 * token names. Answers false to end the session at once when a SUPER_ADMIN disables or re-roles it.
 */
export type SessionCheck = (principal: Principal) => Promise<boolean>;

/** Why a token was refused, for the log only: the caller gets one generic answer, whatever the reason. */
class TokenRefused extends Error {}

/**
 * Verifies tokens as DESIGN.md §4 asks: HS256 with the shared secret, or RS256/ES256 with the identity
 * provider's keys when AUTH_JWKS_URL is set (the secret is then off). Signature, `iss`, `aud`, `exp`,
 * `nbf` and `iat` must all hold, `sub` and `role` be present, and the lifetime (`exp` − `iat`) stay within
 * the role's maximum. A refusal is a 401 with one generic detail, its reason logged for operators.
 */
export function createTokenVerifier(
  auth: AuthSettings,
  logger: Logger,
  sessionStands: SessionCheck = async () => true,
): TokenVerifier {
  const { verification } = auth;
  const options = (algorithms: string[]): JWTVerifyOptions => ({
    algorithms,
    issuer: auth.issuer,
    audience: auth.audience,
    requiredClaims: ['exp', 'iat', 'sub'],
  });
  const verifySignature = (() => {
    if (verification.kind === 'jwks') {
      const keys = createRemoteJWKSet(new URL(verification.url), {
        cooldownDuration: JWKS_REFETCH_COOLDOWN_MS,
        timeoutDuration: JWKS_TIMEOUT_MS,
      });
      return (token: string) => jwtVerify(token, keys, options(['RS256', 'ES256']));
    }
    const secret = new TextEncoder().encode(verification.secret);
    return (token: string) => jwtVerify(token, secret, options(['HS256']));
  })();

  return async (token) => {
    try {
      const { payload } = await verifySignature(token);
      const principal = principalOf(payload, auth);
      const amr = Array.isArray(payload.amr) ? (payload.amr as unknown[]) : [];
      if (amr.includes(PASSWORD_SESSION_AMR) && !(await sessionStands(principal))) {
        throw new TokenRefused(`the staff account ${principal.sub} was disabled or its role changed since sign-in`);
      }
      return principal;
    } catch (error) {
      if (
        !(error instanceof errors.JOSEError || error instanceof TokenRefused) ||
        error instanceof errors.JWKSTimeout
      ) {
        // Not the token: the identity provider's keys could not be fetched.
        logger.warn({ err: error }, 'the JWKS could not be fetched; refusing the request as unavailable');
        throw new RequestRefused(
          'unavailable',
          'identity-provider-unavailable',
          'the identity provider could not be reached to check the token; retry later',
        );
      }
      logger.info({ reason: error.message }, 'token refused');
      throw new RequestRefused('unauthorized', 'invalid-token', 'the token is not valid', 'Authorization');
    }
  };
}

/** The claims jose does not check itself: a real `sub` and `role`, no `iat` from the future, a bounded lifetime. */
function principalOf(payload: JWTPayload, auth: AuthSettings): Principal {
  const { sub, iat, exp } = payload as JWTPayload & { iat: number; exp: number; sub: string };
  const role = payload.role as Role;
  if (sub.trim() === '') throw new TokenRefused('empty sub');
  if (!ROLES.includes(role)) throw new TokenRefused(`unknown role ${String(payload.role)}`);
  if (iat > Date.now() / 1000 + FUTURE_ISSUE_TOLERANCE_SECONDS) throw new TokenRefused('iat in the future');
  const maxLifetime = maxLifetimeOf(role, auth);
  if (exp - iat > maxLifetime) throw new TokenRefused(`lifetime ${exp - iat} s above ${maxLifetime} s for ${role}`);
  return { sub, role, expiresAt: exp * 1000 };
}

function maxLifetimeOf(role: Role, auth: AuthSettings): number {
  return role === 'USER' ? auth.maxLifetimeSeconds.user : auth.maxLifetimeSeconds.staff;
}

/**
 * A token the service accepts, signed with the shared secret: for `npm run token`, the tests, the fault
 * test and the benchmarks. Lives as long as the role may (1 h for USER, 8 h for staff, by default) unless
 * asked for less. With AUTH_JWKS_URL set, tokens come from the identity provider instead.
 */
export function issueToken(
  auth: AuthSettings,
  principal: Principal,
  lifetimeSeconds = maxLifetimeOf(principal.role, auth),
  { passwordSession = false }: { passwordSession?: boolean } = {},
): string {
  if (auth.verification.kind !== 'hs256') {
    throw new Error('AUTH_JWKS_URL is set: tokens come from the identity provider, not from a shared secret');
  }
  const claims = passwordSession ? { role: principal.role, amr: [PASSWORD_SESSION_AMR] } : { role: principal.role };
  return jwt.sign(claims, auth.verification.secret, {
    algorithm: 'HS256',
    subject: principal.sub,
    issuer: auth.issuer,
    audience: auth.audience,
    expiresIn: lifetimeSeconds,
  });
}
