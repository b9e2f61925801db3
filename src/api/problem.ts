import type { ErrorRequestHandler, RequestHandler } from 'express';

import type { Logger } from '../logger';
import { currentTraceId } from '../tracing';
import { type RefusalKind, RequestRefused } from '../use-cases/errors';

const STATUS_OF: Record<RefusalKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  unprocessable: 422,
  locked: 423,
  unavailable: 503,
};

/**
 * An error the API answers with an RFC 9457 problem document. `type` is stable, so clients branch
 * on it rather than on wording; `field` names the bad input, when there is one.
 */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    readonly detail?: string,
    readonly field?: string,
    /** For a 429: when the budget has room again. */
    readonly retryAfterSeconds?: number,
    readonly extensions?: Record<string, number>,
  ) {
    super(detail ?? title);
    this.name = 'ProblemError';
  }
}

const PROBLEM_BASE = 'https://transfer-saga.dev/problems/';

export const notFoundRoute: RequestHandler = (request) => {
  throw new ProblemError(404, 'not-found', 'Not found', `no route ${request.method} ${request.path}`);
};

/** The one error middleware: typed errors become problem documents, anything else a logged 500. */
export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, request, response, _next) => {
    const problem = toProblem(error);
    const traceId = currentTraceId();
    if (problem.status >= 500) logger.error({ err: error, path: request.path }, 'request failed');
    else logger.info({ status: problem.status, type: problem.type, path: request.path }, 'request refused');
    // A dependency is down for a moment: the same request (same Idempotency-Key) will do.
    if (problem.status === 503) response.setHeader('Retry-After', '1');
    if (problem.status === 429) response.setHeader('Retry-After', String(problem.retryAfterSeconds ?? 60));
    response
      .status(problem.status)
      .type('application/problem+json')
      .json({
        type: PROBLEM_BASE + problem.type,
        title: problem.title,
        status: problem.status,
        ...(problem.detail === undefined ? {} : { detail: problem.detail }),
        ...(problem.field === undefined ? {} : { field: problem.field }),
        ...problem.extensions,
        // The request's trace, when traces are on: what support asks a caller for.
        ...(traceId === undefined ? {} : { traceId }),
      });
  };
}

function toProblem(error: unknown): ProblemError {
  if (error instanceof ProblemError) return error;
  if (error instanceof RequestRefused) {
    return new ProblemError(
      STATUS_OF[error.kind],
      error.type,
      error.type.replace(/-/g, ' '),
      error.message,
      error.field,
      undefined,
      error.extensions,
    );
  }
  // body-parser's errors carry a status and a type of their own.
  const parserError = error as { status?: number; type?: string; message?: string };
  if (parserError.type === 'entity.parse.failed') {
    return new ProblemError(400, 'malformed-json', 'Malformed JSON', parserError.message, 'body');
  }
  if (parserError.type === 'entity.too.large') {
    return new ProblemError(413, 'body-too-large', 'Request body too large', parserError.message, 'body');
  }
  if (parserError.type === 'encoding.unsupported' || parserError.type === 'charset.unsupported') {
    return new ProblemError(415, 'unsupported-encoding', 'Unsupported encoding', parserError.message, 'body');
  }
  return new ProblemError(500, 'internal', 'Internal error', 'the service failed; see its logs');
}
