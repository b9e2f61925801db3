import { z } from 'zod';

import { TRANSFER_STATUSES } from '../domain/transfer';
import { newRuleBody, openAccountBody, reviewBody, ruleDefinition, transferBody } from './schemas';

const problem = {
  description: 'A problem document (RFC 9457); `type` is stable and `field` names the bad input',
  content: {
    'application/problem+json': {
      schema: {
        type: 'object',
        properties: {
          type: { type: 'string' },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
          field: { type: 'string' },
        },
      },
    },
  },
};

const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((status) => [String(status), problem]));

const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });

const transfer = {
  type: 'object',
  properties: {
    transferId: { type: 'string', format: 'uuid' },
    status: { type: 'string', enum: TRANSFER_STATUSES },
    step: { type: 'string' },
    fromAccountId: { type: 'string' },
    toAccountId: { type: 'string' },
    amount: { type: 'integer', description: 'minor units' },
    currency: { type: 'string' },
    riskDecision: { type: ['string', 'null'] },
    failureReason: { type: ['string', 'null'] },
    history: { type: 'array', items: { type: 'object' } },
    links: { type: 'object' },
  },
};

const rule = {
  type: 'object',
  properties: {
    ruleId: { type: 'string' },
    version: { type: 'integer' },
    name: { type: 'string' },
    description: { type: ['string', 'null'] },
    condition: { type: 'object', description: 'the rule language; see the README' },
    score: { type: 'number' },
    action: { type: 'string', enum: ['SCORE', 'REVIEW', 'BLOCK'] },
    enabled: { type: 'boolean' },
    shadow: { type: 'boolean' },
    updatedBy: { type: 'string' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};

const risk = {
  type: 'object',
  properties: {
    decision: { type: 'string', enum: ['PASS', 'REVIEW', 'BLOCK'] },
    score: { type: 'number' },
    anomalyScore: { type: 'number' },
    anomalyReason: { type: ['string', 'null'] },
    ruleSetVersion: { type: 'string' },
    modelVersion: { type: 'string' },
    reasons: { type: 'array', items: { type: 'string' } },
    rules: { type: 'array', items: { type: 'object' } },
  },
};

const idParameter = (format?: string) => ({
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', ...(format ? { format } : {}) },
});
const ifMatch = {
  name: 'If-Match',
  in: 'header',
  required: false,
  description: 'the rule version this change replaces, e.g. "3"; a newer current version answers 409',
  schema: { type: 'string' },
};

const account = {
  type: 'object',
  properties: {
    accountId: { type: 'string' },
    ownerId: { type: 'string' },
    currency: { type: 'string' },
    balance: { type: 'integer' },
    available: { type: 'integer' },
    held: { type: 'integer' },
  },
};

const streamParameters = [
  {
    name: 'after',
    in: 'query',
    required: false,
    description:
      'resume after this eventId (the `id` of the last message received); an id the feed does not know answers 400. ' +
      'Without it the stream starts with the next new event',
    schema: { type: 'string', maxLength: 200 },
  },
  {
    name: 'accountId',
    in: 'query',
    required: false,
    description: 'only this account: any account for staff, an own account for a USER (another answers 403)',
    schema: { type: 'string' },
  },
  {
    name: 'access_token',
    in: 'query',
    required: false,
    description: 'the JWT, for clients that cannot set the Authorization header (browser WebSocket, EventSource)',
    schema: { type: 'string' },
  },
];

const streamMessages =
  'Each message is JSON: `{"type":"event","id":"<eventId>","seq":<n>,"event":<envelope>}` for a ' +
  'transfer.flagged, transfer.completed or transfer.failed event of the accounts in scope (a USER: the accounts ' +
  'it owns when it connects; staff: all, or `accountId`), oldest first, each once; or `{"type":"truncated"}` ' +
  'when entries after the cursor have already left the bounded backlog. A client that lets more than 1 MiB ' +
  'pile up unsent is disconnected; it resumes with its last id.';

/** The OpenAPI 3.1 description served at /openapi.json; request schemas come from the validators. */
export function openApiDocument(maxTransferAmount: number): object {
  const input = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return {
    openapi: '3.1.0',
    info: { title: 'transfer-saga', version: '1', description: 'Money transfers as durable Temporal sagas.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    security: [{ bearer: [] }],
    paths: {
      '/v1/accounts': {
        post: {
          summary: 'Open an account (SUPER_ADMIN)',
          requestBody: { required: true, content: { 'application/json': { schema: input(openAccountBody) } } },
          responses: { '201': json(account, 'The account'), ...errors(400, 401, 403, 409) },
        },
      },
      '/v1/accounts/{id}': {
        get: {
          summary: 'An account with its settled, available and held amounts',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': json(account, 'The account'), ...errors(400, 401, 403, 404) },
        },
      },
      '/v1/transfers': {
        post: {
          summary: 'Submit a transfer (USER, from an account it owns); answers at once, the saga runs on',
          parameters: [
            { name: 'Idempotency-Key', in: 'header', required: true, schema: { type: 'string', maxLength: 255 } },
          ],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: input(transferBody(maxTransferAmount)) } },
          },
          responses: { '202': json(transfer, 'Accepted'), ...errors(400, 401, 403, 409, 413, 422, 503) },
        },
        get: {
          summary: 'List transfers (staff), newest first',
          parameters: [
            { name: 'status', in: 'query', schema: { type: 'string', enum: TRANSFER_STATUSES } },
            { name: 'accountId', in: 'query', schema: { type: 'string' } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
          ],
          responses: {
            '200': json(
              { type: 'object', properties: { items: { type: 'array', items: transfer }, nextCursor: {} } },
              'A page',
            ),
            ...errors(400, 401, 403),
          },
        },
      },
      '/v1/transfers/{id}': {
        get: {
          summary: 'A transfer: status, step, amounts, risk decision and history',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
          responses: { '200': json(transfer, 'The transfer'), ...errors(400, 401, 403, 404) },
        },
      },
      '/v1/transfers/{id}/risk': {
        get: {
          summary: 'Why risk decided as it did: scores, rule-set and model versions, every rule outcome (staff)',
          parameters: [idParameter('uuid')],
          responses: { '200': json(risk, 'The risk record'), ...errors(400, 401, 403, 404) },
        },
      },
      '/v1/transfers/{id}/review': {
        post: {
          summary: 'Approve or reject a transfer UNDER_REVIEW (OPS_AGENT, SUPER_ADMIN); the caller is the reviewer',
          parameters: [idParameter('uuid')],
          requestBody: { required: true, content: { 'application/json': { schema: input(reviewBody) } } },
          responses: { '200': json(transfer, 'The transfer after the decision'), ...errors(400, 401, 403, 404, 409) },
        },
      },
      '/v1/reviews': {
        get: {
          summary: 'Transfers waiting for review, longest waiting first (staff)',
          parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } }],
          responses: {
            '200': json({ type: 'object', properties: { items: { type: 'array', items: transfer } } }, 'The queue'),
            ...errors(400, 401, 403),
          },
        },
      },
      '/v1/rules': {
        get: {
          summary: 'Current rules (staff)',
          responses: {
            '200': json({ type: 'object', properties: { items: { type: 'array', items: rule } } }, 'The rules'),
            ...errors(401, 403),
          },
        },
        post: {
          summary: 'Create a rule at version 1 (RULE_ADMIN, SUPER_ADMIN)',
          requestBody: { required: true, content: { 'application/json': { schema: input(newRuleBody) } } },
          responses: { '201': json(rule, 'The rule'), ...errors(400, 401, 403, 409, 422) },
        },
      },
      '/v1/rules/{id}': {
        get: {
          summary: 'A rule (staff)',
          parameters: [idParameter()],
          responses: { '200': json(rule, 'The rule'), ...errors(400, 401, 403, 404) },
        },
        put: {
          summary: 'Replace a rule as its next version (RULE_ADMIN, SUPER_ADMIN)',
          parameters: [idParameter(), ifMatch],
          requestBody: { required: true, content: { 'application/json': { schema: input(ruleDefinition) } } },
          responses: { '200': json(rule, 'The new version'), ...errors(400, 401, 403, 404, 409, 422) },
        },
        delete: {
          summary: 'Remove a rule; its history keeps every version (RULE_ADMIN, SUPER_ADMIN)',
          parameters: [idParameter(), ifMatch],
          responses: { '204': { description: 'Removed' }, ...errors(400, 401, 403, 404, 409) },
        },
      },
      '/v1/rules/{id}/history': {
        get: {
          summary: 'Every version of a rule, oldest first (staff)',
          parameters: [idParameter()],
          responses: {
            '200': json({ type: 'object', properties: { versions: { type: 'array', items: rule } } }, 'The versions'),
            ...errors(400, 401, 403, 404),
          },
        },
      },
      '/v1/stream': {
        get: {
          summary: 'Live transfer events over a WebSocket (USER: its own accounts; staff: all)',
          description:
            `${streamMessages} One message per text frame. The server pings every 15 s and drops a client that ` +
            'has not answered the previous ping; it closes with 1013 when the client is too slow, 1011 when the feed ' +
            'fails and 1001 when the server stops. Refusals (401, 403, 400) come before the upgrade.',
          parameters: streamParameters,
          responses: {
            '101': { description: 'Switching Protocols: the WebSocket is open' },
            ...errors(400, 401, 403, 426),
          },
        },
      },
      '/v1/events': {
        get: {
          summary: 'Live transfer events as Server-Sent Events (USER: its own accounts; staff: all)',
          description:
            `${streamMessages} Each event has \`id: <eventId>\`, \`event: <event type>\` (or \`truncated\`) and ` +
            '`data: <message>`; a `: ping` comment comes every 15 s. An EventSource resumes by itself: its ' +
            '`Last-Event-ID` header wins over `after`.',
          parameters: [
            ...streamParameters,
            {
              name: 'Last-Event-ID',
              in: 'header',
              required: false,
              description: 'resume after this eventId, as `after` does',
              schema: { type: 'string' },
            },
          ],
          responses: {
            '200': {
              description: 'The event stream; it does not end',
              content: { 'text/event-stream': { schema: { type: 'string' } } },
            },
            ...errors(400, 401, 403),
          },
        },
      },
      '/healthz': { get: { security: [], summary: 'Liveness', responses: { '200': { description: 'alive' } } } },
      '/readyz': {
        get: {
          security: [],
          summary: 'Readiness of every dependency',
          responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } },
        },
      },
      '/metrics': {
        get: { security: [], summary: 'Prometheus metrics', responses: { '200': { description: 'metrics' } } },
      },
    },
  };
}
