import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

import type { Config } from '../config';
import type { Logger } from '../logger';
import { principalOf } from './auth';
import { ProblemError } from './problem';

/** Over a budget: 429 with Retry-After, before anything is reserved, written or started. */
export class RateLimited extends ProblemError {
  constructor(what: string, retryAfterSeconds: number) {
    super(
      429,
      'rate-limited',
      'Too many requests',
      `${what}; retry after ${retryAfterSeconds} s`,
      undefined,
      retryAfterSeconds,
    );
  }
}

type Budgets = Config['rateLimits'];

/**
 * Per-minute budgets kept in Redis (rate-limiter-flexible), so every API process counts against the same
 * ones: all requests of a caller (`sub`), its transfer submissions, and the failed authentications of
 * a client address. When Redis cannot answer, each process falls back to counting on its own instead of
 * letting everything through.
 */
export function createRateLimits(redis: Redis, budgets: Budgets, logger: Logger) {
  const limiter = (keyPrefix: string, points: number) =>
    new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `rate:${keyPrefix}`,
      points,
      duration: 60,
      insuranceLimiter: new RateLimiterMemory({ keyPrefix: `rate:${keyPrefix}`, points, duration: 60 }),
    });
  const requests = limiter('requests', budgets.requestsPerMinute);
  const transfers = limiter('transfers', budgets.transfersPerMinute);
  const unauthenticated = limiter('unauthenticated', budgets.unauthenticatedPerMinute);
  const signIns = limiter('sign-ins', budgets.signInsPerMinute);

  const consume = async (budget: RateLimiterRedis, key: string, what: string) => {
    try {
      await budget.consume(key);
    } catch (outcome) {
      if (!(outcome instanceof RateLimiterRes)) throw outcome;
      logger.info({ key, budget: budget.keyPrefix }, 'rate limited');
      throw new RateLimited(what, Math.max(1, Math.ceil(outcome.msBeforeNext / 1000)));
    }
  };

  return {
    /**
     * Counts a missing or invalid token against the client's address; over the budget, the refusal is a
     * 429 instead of a 401, so an address guessing tokens is slowed down. Valid tokens are never counted.
     */
    countUnauthenticated: (address: string | undefined) =>
      consume(unauthenticated, address ?? 'unknown', 'too many requests without a valid token from this address'),
    /** After authentication: every request of the caller. */
    perCaller: (async (_request, response, next) => {
      await consume(requests, principalOf(response).sub, 'too many requests from this caller');
      next();
    }) as RequestHandler,
    /**
     * POST /v1/auth/login, per client address and before the password is hashed: each attempt costs an
     * argon2id hash, so a flood of them is refused before it costs the CPU. The lockout is per account.
     */
    signInAttempts: (async (request, _response, next) => {
      await consume(signIns, request.socket.remoteAddress ?? 'unknown', 'too many sign-in attempts from this address');
      next();
    }) as RequestHandler,
    /** POST /v1/transfers: the caller's submissions. */
    transferSubmissions: (async (_request, response, next) => {
      await consume(transfers, principalOf(response).sub, 'too many transfers submitted by this caller');
      next();
    }) as RequestHandler,
  };
}
