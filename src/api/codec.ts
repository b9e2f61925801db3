import type { Payload } from '@temporalio/common';
import cors from 'cors';
import express, { type RequestHandler, type Router } from 'express';
import type { z } from 'zod';

import { PayloadDecryptionError, type PayloadEncryption } from '../payload-encryption';
import { RequestRefused } from '../use-cases/errors';
import { authorize } from './auth';
import { codecRequest, parse, type wirePayload } from './schemas';
import { codecPayloads, respond } from './views';

/**
 * The codec-server protocol of the Temporal Web UI and CLI: `POST /v1/codec/decode` with
 * `{payloads: [...]}` answers the same payloads decrypted, for staff only, and each call is audited.
 * There is no `/encode`: a saga started or signalled from the UI would skip the API's checks (four
 * eyes, ownership, the audit trail), so operators act through the API.
 */
export function codecRoutes(
  codec: PayloadEncryption,
  { uiUrl, guard }: { uiUrl: string; guard: RequestHandler[] },
): Router {
  const router = express.Router();
  // The UI calls from the browser, from its own origin; the preflight carries no token.
  router.use(
    cors({
      origin: new URL(uiUrl).origin,
      methods: ['POST'],
      allowedHeaders: ['Authorization', 'Content-Type', 'X-Namespace'],
      maxAge: 600,
    }),
  );
  // A history's payloads are far larger than any API request body, so not the API's 16 kB.
  router.use(express.json({ limit: '4mb', strict: true }));
  router.post('/decode', ...guard, authorize('read workflow payloads'), async (request, response) => {
    const { payloads } = parse(codecRequest, request.body ?? {}, 'body');
    try {
      const decoded = await codec.decode(payloads.map(fromWire));
      respond(response, codecPayloads, { payloads: decoded.map(toWire) });
    } catch (error) {
      if (!(error instanceof PayloadDecryptionError)) throw error;
      throw new RequestRefused('unprocessable', 'payload-undecodable', error.message, 'body.payloads');
    }
  });
  return router;
}

function fromWire(payload: z.output<typeof wirePayload>): Payload {
  const metadata = Object.fromEntries(
    Object.entries(payload.metadata ?? {}).map(([name, value]) => [name, Buffer.from(value, 'base64')]),
  );
  return { metadata, data: Buffer.from(payload.data ?? '', 'base64') };
}

function toWire(payload: Payload): z.output<typeof codecPayloads>['payloads'][number] {
  const metadata = Object.fromEntries(
    Object.entries(payload.metadata ?? {}).map(([name, value]) => [name, Buffer.from(value ?? []).toString('base64')]),
  );
  return { metadata, data: Buffer.from(payload.data ?? []).toString('base64') };
}
