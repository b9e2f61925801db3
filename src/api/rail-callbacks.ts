import express, { type RequestHandler, Router } from 'express';

import { RAIL_SIGNATURE_HEADER, RAIL_TIMESTAMP_HEADER } from '../rails/rail-wire';
import { receiveRailCallback } from '../use-cases/remittances';
import type { UseCaseContext } from '../use-cases/context';
import { parse, railName } from './schemas';
import { railCallbackAnswer, respond } from './views';

/**
 * `POST /v1/rails/:rail/callbacks`: the rail's signed callbacks. Mounted ahead of the JSON body parser,
 * since the signature covers the body's bytes exactly as sent; there is no bearer token, the HMAC is the
 * authentication. Every call is audited (`guard` carries the audit trail) and kept in rail_callbacks.
 */
export function railCallbackRoutes(context: UseCaseContext, guard: RequestHandler[]): Router {
  const router = Router();
  router.use(...guard);
  router.post('/:rail/callbacks', express.raw({ type: () => true, limit: '16kb' }), async (request, response) => {
    const rail = parse(railName, request.params.rail, 'path.rail');
    const rawBody = Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
    const answer = await receiveRailCallback(
      context,
      rail,
      { timestamp: request.get(RAIL_TIMESTAMP_HEADER), signature: request.get(RAIL_SIGNATURE_HEADER) },
      rawBody,
      (reference) => {
        response.locals.auditTarget = `${rail}:${reference}`;
      },
    );
    respond(response, railCallbackAnswer, answer);
  });
  return router;
}
