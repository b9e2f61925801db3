import { z } from 'zod';

import type { PayloadKey } from './payload-encryption';

/**
 * The only module that reads `process.env`. Every setting has a default that fits the local stack
 * (`npm run stack -- up`); a malformed value stops start-up with a message that names it.
 */

/** In the source, so only ever accepted where NODE_ENV says development or test. */
export const DEVELOPMENT_JWT_SECRET = 'transfer-saga-local-development-secret';

/** Signs Kafka records where NODE_ENV says development or test; in the source, so refused anywhere else. */
export const DEVELOPMENT_EVENT_SIGNING_KEY = 'transfer-saga-local-development-event-key';

/**
 * Encrypts workflow payloads where NODE_ENV says development or test (histories recorded in the tests
 * are sealed with it); in the source, so refused anywhere else.
 */
export const DEVELOPMENT_PAYLOAD_KEY = 'development:FyM2ybvEWCBboifep9lxri9UrUx6JqEjICweVBVNM20=';

/** An HMAC key as long as its hash: fewer bytes make a token or a record signature forgeable by brute force. */
const MIN_SECRET_BYTES = 32;

/** A token lifetime: seconds, or a number with s, m or h (`90s`, `15m`, `8h`). */
export const lifetimeSeconds = z
  .string()
  .regex(/^\d+[smh]?$/, 'expected seconds, or a number with s, m or h (e.g. 1h)')
  .transform((value) => {
    const unit = { s: 1, m: 60, h: 3600 }[value.at(-1) as string] ?? 1;
    return Number.parseInt(value, 10) * unit;
  })
  .pipe(z.number().int().positive());

const port = z.coerce.number().int().min(1).max(65535);

const hostPort = z.string().regex(/^[\w.-]+:\d{1,5}$/, 'expected host:port');

const url = (protocols: string[]) =>
  z
    .string()
    .refine(
      (value) => URL.canParse(value) && protocols.includes(new URL(value).protocol),
      `expected a ${protocols.join(' or ')} URL`,
    );

const positiveInteger = z.coerce.number().int().positive();

/** `<key id>:<32 bytes in base64>`: the id goes into each payload's metadata, so a rotated-out key is still found. */
const payloadKeyPattern = /^[\w.-]{1,64}:[A-Za-z0-9+/]+={0,2}$/;
const payloadKey = z
  .string()
  .refine(
    (value) => payloadKeyPattern.test(value) && Buffer.from(value.split(':')[1] ?? '', 'base64').length === 32,
    'expected <key id>:<32 random bytes in base64> (e.g. 2026-12:$(openssl rand -base64 32))',
  );

function parsePayloadKey(value: string): PayloadKey {
  const [id, key] = value.split(':') as [string, string];
  return { id, key: Buffer.from(key, 'base64') };
}

const secretOfMinimumLength = z
  .string()
  .refine((value) => Buffer.byteLength(value) >= MIN_SECRET_BYTES, `must be at least ${MIN_SECRET_BYTES} bytes`);

const configSchema = z
  .object({
    // Unset counts as production: only an explicit development or test accepts the development secret.
    NODE_ENV: z.enum(['development', 'test', 'production']).optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    PORT: port.default(3000),
    DATABASE_URL: url(['postgres:', 'postgresql:']).default(
      'postgres://transfer_saga:transfer_saga@127.0.0.1:5432/transfer_saga',
    ),
    REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
    KAFKA_BROKERS: z
      .string()
      .default('127.0.0.1:9092')
      .transform((value) => value.split(',').map((broker) => broker.trim()))
      .pipe(z.array(hostPort).min(1)),
    KAFKA_CLIENT_ID: z.string().min(1).default('transfer-saga'),
    KAFKA_TOPIC_PARTITIONS: positiveInteger.default(6),
    // Kafka's brokers refuse a session below group.min.session.timeout.ms, 6 s by default.
    KAFKA_CONSUMER_SESSION_TIMEOUT_MS: positiveInteger.min(6_000).max(300_000).default(10_000),
    TEMPORAL_ADDRESS: hostPort.default('localhost:7233'),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TEMPORAL_UI_URL: url(['http:', 'https:']).default('http://localhost:8233'),
    TEMPORAL_WORKFLOW_BUNDLE: z.string().min(1).optional(),
    TEMPORAL_STICKY_QUEUE_TIMEOUT_MS: positiveInteger.max(120_000).default(10_000),
    TEMPORAL_WORKFLOW_TASK_TIMEOUT_MS: positiveInteger.max(120_000).default(10_000),
    TEMPORAL_PAYLOAD_KEY: payloadKey.optional(),
    TEMPORAL_PAYLOAD_PREVIOUS_KEY: payloadKey.optional(),
    AUTH_JWT_SECRET: z
      .string()
      .refine((value) => Buffer.byteLength(value) >= MIN_SECRET_BYTES, `must be at least ${MIN_SECRET_BYTES} bytes`)
      .optional(),
    AUTH_JWKS_URL: url(['http:', 'https:']).optional(),
    EVENT_SIGNING_KEY: secretOfMinimumLength.optional(),
    EVENT_SIGNING_PREVIOUS_KEY: secretOfMinimumLength.optional(),
    EVENT_MAX_AGE_MS: positiveInteger.default(5 * 60_000),
    PROCESSED_EVENT_RETENTION_MS: positiveInteger.default(7 * 24 * 60 * 60_000),
    RATE_LIMIT_TRANSFERS_PER_MINUTE: positiveInteger.default(60),
    RATE_LIMIT_REQUESTS_PER_MINUTE: positiveInteger.default(600),
    RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: positiveInteger.default(30),
    AUTH_JWT_ISSUER: z.string().min(1).default('transfer-saga'),
    AUTH_JWT_AUDIENCE: z.string().min(1).default('transfer-saga-api'),
    AUTH_JWT_MAX_LIFETIME: lifetimeSeconds.default(60 * 60),
    AUTH_JWT_MAX_STAFF_LIFETIME: lifetimeSeconds.default(8 * 60 * 60),
    SLACK_WEBHOOK_URL: url(['http:', 'https:']).optional(),
    MAX_TRANSFER_AMOUNT: positiveInteger.max(Number.MAX_SAFE_INTEGER).default(1_000_000_000),
    SAGA_FORWARD_RETRY_INTERVAL_MS: positiveInteger.default(10_000),
    SAGA_STUCK_ALERT_AFTER_MS: positiveInteger.default(10 * 60_000),
    SAGA_REVIEW_TIMEOUT_MS: positiveInteger.default(24 * 60 * 60_000),
    OUTBOX_BATCH_SIZE: positiveInteger.max(5_000).default(500),
    OUTBOX_RETENTION_MS: positiveInteger.default(60 * 60_000),
    OUTBOX_PURGE_EVERY_MS: positiveInteger.default(60_000),
    RISK_REVIEW_THRESHOLD: z.coerce.number().positive().default(50),
    RISK_BLOCK_THRESHOLD: z.coerce.number().positive().default(100),
    RISK_ANOMALY_WEIGHT: z.coerce.number().min(0).default(40),
  })
  .refine((env) => env.RISK_BLOCK_THRESHOLD > env.RISK_REVIEW_THRESHOLD, {
    path: ['RISK_BLOCK_THRESHOLD'],
    message: 'must be above RISK_REVIEW_THRESHOLD',
  })
  .transform((env, context) => {
    const local = env.NODE_ENV === 'development' || env.NODE_ENV === 'test';
    const verification = tokenVerification(env, local);
    if (typeof verification === 'string') {
      context.addIssue({ code: 'custom', path: ['AUTH_JWT_SECRET'], message: verification });
    }
    const signingKey = localOrReal(env.EVENT_SIGNING_KEY, DEVELOPMENT_EVENT_SIGNING_KEY, local);
    if (signingKey === undefined) {
      context.addIssue({ code: 'custom', path: ['EVENT_SIGNING_KEY'], message: REAL_SECRET_NEEDED });
    }
    const payloadKey = localOrReal(env.TEMPORAL_PAYLOAD_KEY, DEVELOPMENT_PAYLOAD_KEY, local);
    if (payloadKey === undefined) {
      context.addIssue({ code: 'custom', path: ['TEMPORAL_PAYLOAD_KEY'], message: REAL_KEY_NEEDED });
    }
    const previousPayloadKey =
      env.TEMPORAL_PAYLOAD_PREVIOUS_KEY === undefined ? undefined : parsePayloadKey(env.TEMPORAL_PAYLOAD_PREVIOUS_KEY);
    if (payloadKey && previousPayloadKey && parsePayloadKey(payloadKey).id === previousPayloadKey.id) {
      context.addIssue({
        code: 'custom',
        path: ['TEMPORAL_PAYLOAD_PREVIOUS_KEY'],
        message: 'must have a key id other than TEMPORAL_PAYLOAD_KEY',
      });
    }
    if (typeof verification === 'string' || signingKey === undefined || payloadKey === undefined) return z.NEVER;
    return {
      environment: env.NODE_ENV ?? 'production',
      logLevel: env.LOG_LEVEL,
      http: { port: env.PORT },
      postgres: { url: env.DATABASE_URL },
      redis: { url: env.REDIS_URL },
      kafka: {
        brokers: env.KAFKA_BROKERS,
        clientId: env.KAFKA_CLIENT_ID,
        partitions: env.KAFKA_TOPIC_PARTITIONS,
        /** How long a consumer that died without leaving (SIGKILL) holds its partitions. */
        consumerSessionTimeoutMs: env.KAFKA_CONSUMER_SESSION_TIMEOUT_MS,
      },
      temporal: {
        address: env.TEMPORAL_ADDRESS,
        namespace: env.TEMPORAL_NAMESPACE,
        uiUrl: env.TEMPORAL_UI_URL.replace(/\/$/, ''),
        /** A workflow bundle built ahead (bundleWorkflowCode); without one the worker bundles at start. */
        workflowBundle: env.TEMPORAL_WORKFLOW_BUNDLE,
        /** How long a task waits on a worker's own (sticky) queue before any worker may take it. */
        stickyQueueTimeoutMs: env.TEMPORAL_STICKY_QUEUE_TIMEOUT_MS,
        /** How long a workflow task a dead worker held waits before another worker takes it over. */
        workflowTaskTimeoutMs: env.TEMPORAL_WORKFLOW_TASK_TIMEOUT_MS,
        /** Encrypt every workflow payload; the previous key still decrypts what it sealed. */
        payloadKeys: { current: parsePayloadKey(payloadKey), previous: previousPayloadKey },
      },
      auth: {
        verification,
        issuer: env.AUTH_JWT_ISSUER,
        audience: env.AUTH_JWT_AUDIENCE,
        maxLifetimeSeconds: { user: env.AUTH_JWT_MAX_LIFETIME, staff: env.AUTH_JWT_MAX_STAFF_LIFETIME },
      },
      eventSigning: { current: signingKey, previous: env.EVENT_SIGNING_PREVIOUS_KEY, maxAgeMs: env.EVENT_MAX_AGE_MS },
      retention: { processedEventsMs: env.PROCESSED_EVENT_RETENTION_MS },
      rateLimits: {
        transfersPerMinute: env.RATE_LIMIT_TRANSFERS_PER_MINUTE,
        requestsPerMinute: env.RATE_LIMIT_REQUESTS_PER_MINUTE,
        unauthenticatedPerMinute: env.RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE,
      },
      slack: { webhookUrl: env.SLACK_WEBHOOK_URL },
      money: { maxTransferAmount: env.MAX_TRANSFER_AMOUNT },
      outbox: {
        batchSize: env.OUTBOX_BATCH_SIZE,
        retentionMs: env.OUTBOX_RETENTION_MS,
        purgeEveryMs: env.OUTBOX_PURGE_EVERY_MS,
      },
      saga: {
        forwardRetryIntervalMs: env.SAGA_FORWARD_RETRY_INTERVAL_MS,
        stuckAfterMs: env.SAGA_STUCK_ALERT_AFTER_MS,
        reviewTimeoutMs: env.SAGA_REVIEW_TIMEOUT_MS,
      },
      risk: {
        reviewThreshold: env.RISK_REVIEW_THRESHOLD,
        blockThreshold: env.RISK_BLOCK_THRESHOLD,
        anomalyWeight: env.RISK_ANOMALY_WEIGHT,
      },
    };
  });

export type Config = z.output<typeof configSchema>;

/** How tokens are checked: a shared HS256 secret, or the identity provider's keys (RS256/ES256) from a JWKS. */
export type TokenVerification = { kind: 'hs256'; secret: string } | { kind: 'jwks'; url: string };

const REAL_KEY_NEEDED =
  'must be a key other than the development one (<key id>:<32 random bytes in base64>), unless NODE_ENV is development or test';

const REAL_SECRET_NEEDED = `must be a secret of at least ${MIN_SECRET_BYTES} bytes other than the development one, unless NODE_ENV is development or test`;

/** The secret given; or the development one where NODE_ENV says development or test; else none. */
function localOrReal(given: string | undefined, development: string, local: boolean): string | undefined {
  const secret = given ?? (local ? development : undefined);
  return secret === development && !local ? undefined : secret;
}

/**
 * The JWKS when one is set (the shared secret is then off); else the secret, which must be a real one
 * unless NODE_ENV explicitly says development or test. Answers the problem with AUTH_JWT_SECRET instead.
 */
function tokenVerification(
  env: { AUTH_JWT_SECRET?: string; AUTH_JWKS_URL?: string },
  local: boolean,
): TokenVerification | string {
  if (env.AUTH_JWKS_URL) return { kind: 'jwks', url: env.AUTH_JWKS_URL };
  const secret = localOrReal(env.AUTH_JWT_SECRET, DEVELOPMENT_JWT_SECRET, local);
  return secret === undefined ? `${REAL_SECRET_NEEDED} (or set AUTH_JWKS_URL)` : { kind: 'hs256', secret };
}

/** Raised when the environment holds a setting that cannot be used; the message names every bad one. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Reads and validates the settings.
 *
 * @param env - the environment to read; `process.env` unless a test passes its own.
 * @throws ConfigError naming each malformed setting.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "not set", so `FOO= npm start` falls back to the default.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = configSchema.safeParse(present);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  throw new ConfigError(`invalid configuration — ${problems.join('; ')}`);
}
