import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { z } from 'zod';

import { DEFAULT_CODE_TTL_MS } from './domain/confirmation';
import { DEFAULT_SAGA_TIMINGS } from './domain/transfer';
import type { PayloadKey } from './payload-encryption';
import { senderIdSchema } from './verification/sms-wire';

/**
 * The only module that reads `process.env`. Every setting has a default that fits the local stack
 * (`npm run stack -- up`); a malformed value stops start-up with a message that names it.
 */

/** In the source, so only ever accepted where NODE_ENV says development or test. */
export const DEVELOPMENT_JWT_SECRET = 'transfer-saga-local-development-secret';

/** Signs Kafka records where NODE_ENV says development or test; in the source, so refused anywhere else. */
export const DEVELOPMENT_EVENT_SIGNING_KEY = 'transfer-saga-local-development-event-key';

/** The rail simulator's API key and callback secret where NODE_ENV says development or test. */
export const DEVELOPMENT_RAIL_API_KEY = 'transfer-saga-local-development-rail-key';
export const DEVELOPMENT_RAIL_CALLBACK_SECRET = 'transfer-saga-local-development-rail-callback-secret';

/** The SMS gateway stand-in's API key (harness/sms-gateway.ts) where NODE_ENV says development or test. */
export const DEVELOPMENT_SMS_API_KEY = 'transfer-saga-local-development-sms-key';

/**
 * Keys the hashes of one-time codes where NODE_ENV says development or test; in the source, so refused
 * anywhere else (with it, a stored hash gives its code away in a million tries).
 */
export const DEVELOPMENT_CONFIRMATION_CODE_SECRET = 'transfer-saga-local-development-confirmation-code-secret';

/** GSM shows at most 11 letters or digits as an alphanumeric sender, so the product's name is shortened. */
export const DEFAULT_SMS_SENDER_ID = 'TrnsfrSaga';

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

const flag = z
  .enum(['true', 'false'], { error: 'expected true or false' })
  .default('false')
  .transform((value) => value === 'true');

const filePath = z.string().min(1).optional();

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

/**
 * Tracing's variables, parsed before everything else (src/instrument.ts) and again with the rest. Named
 * as OpenTelemetry names them; OTLP over HTTP for a collector or any OTLP backend, or Zipkin's own API.
 */
const tracingVariables = {
  OTEL_EXPORTER_OTLP_ENDPOINT: url(['http:', 'https:']).optional(),
  OTEL_EXPORTER_ZIPKIN_ENDPOINT: url(['http:', 'https:']).optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  // The share of new traces kept (parent-based: a caller's sampled flag is honoured either way).
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(1),
};

function tracingSettings(
  env: z.output<z.ZodObject<typeof tracingVariables>>,
  processes: readonly string[],
): TracingSettings {
  const otlp = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const zipkin = env.OTEL_EXPORTER_ZIPKIN_ENDPOINT;
  return {
    // Per role, so a trace shows which process did what: transfer-saga-api, transfer-saga-worker+relay…
    serviceName: env.OTEL_SERVICE_NAME ?? `transfer-saga-${processes.join('+')}`,
    sampleRatio: env.OTEL_TRACES_SAMPLER_ARG,
    exporter: otlp ? { kind: 'otlp', endpoint: otlp } : zipkin ? { kind: 'zipkin', endpoint: zipkin } : undefined,
  };
}

const configSchema = z
  .object({
    ...tracingVariables,
    // Unset counts as production: only an explicit development or test accepts the development secret.
    NODE_ENV: z.enum(['development', 'test', 'production']).optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    PORT: port.default(3000),
    // 0 picks a free port (tests start several APIs in one process).
    ADMIN_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
    // The Temporal SDK's own metrics (task slots, poll and schedule-to-start latencies) from a worker
    // process, on a port of their own: the SDK's exporter serves them. 0 turns the exporter off.
    TEMPORAL_WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9465),
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
    KAFKA_SSL: flag,
    KAFKA_SSL_CA_FILE: filePath,
    KAFKA_SSL_CERT_FILE: filePath,
    KAFKA_SSL_KEY_FILE: filePath,
    KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
    KAFKA_SASL_USERNAME: z.string().min(1).optional(),
    KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
    REDIS_TLS_CA_FILE: filePath,
    TEMPORAL_ADDRESS: hostPort.default('localhost:7233'),
    TEMPORAL_TLS: flag,
    TEMPORAL_TLS_CA_FILE: filePath,
    TEMPORAL_TLS_CERT_FILE: filePath,
    TEMPORAL_TLS_KEY_FILE: filePath,
    TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
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
    RATE_LIMIT_SIGN_INS_PER_MINUTE: positiveInteger.default(30),
    AUTH_JWT_ISSUER: z.string().min(1).default('transfer-saga'),
    AUTH_JWT_AUDIENCE: z.string().min(1).default('transfer-saga-api'),
    AUTH_JWT_MAX_LIFETIME: lifetimeSeconds.default(60 * 60),
    AUTH_JWT_MAX_STAFF_LIFETIME: lifetimeSeconds.default(8 * 60 * 60),
    // A console sign-in's token: short, since it lives in a browser tab.
    STAFF_SESSION_SECONDS: lifetimeSeconds.default(30 * 60),
    SLACK_WEBHOOK_URL: url(['http:', 'https:']).optional(),
    // The bank rail remittances go over; by default the local simulator (`npm run rail-sim`, started by the stack).
    RAIL_NAME: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'must be 1-32 lowercase letters, digits or dashes')
      .default('simbank'),
    RAIL_URL: url(['http:', 'https:']).default('http://127.0.0.1:7400'),
    RAIL_API_KEY: z.string().min(1).optional(),
    RAIL_CALLBACK_SECRET: secretOfMinimumLength.optional(),
    // Where the rail calls back; by default this API on loopback.
    RAIL_CALLBACK_URL: url(['http:', 'https:']).optional(),
    RAIL_TIMEOUT_MS: positiveInteger.default(10_000),
    REMITTANCE_CALLBACK_TIMEOUT_MS: positiveInteger.default(60_000),
    // The SMS gateway one-time codes go through; by default the local stand-in (`npm run sms-gateway`, started
    // by the stack).
    SMS_GATEWAY_URL: url(['http:', 'https:']).default('http://127.0.0.1:7500'),
    SMS_API_KEY: z.string().min(1).optional(),
    SMS_SENDER_ID: senderIdSchema.default(DEFAULT_SMS_SENDER_ID),
    SMS_TIMEOUT_MS: positiveInteger.default(5_000),
    CONFIRMATION_CODE_SECRET: secretOfMinimumLength.optional(),
    MAX_TRANSFER_AMOUNT: positiveInteger.max(Number.MAX_SAFE_INTEGER).default(1_000_000_000),
    SAGA_FORWARD_RETRY_INTERVAL_MS: positiveInteger.default(DEFAULT_SAGA_TIMINGS.forwardRetryIntervalMs),
    SAGA_STUCK_ALERT_AFTER_MS: positiveInteger.default(DEFAULT_SAGA_TIMINGS.stuckAfterMs),
    SAGA_REVIEW_TIMEOUT_MS: positiveInteger.default(DEFAULT_SAGA_TIMINGS.reviewTimeoutMs),
    CONFIRMATION_CODE_TTL_MS: positiveInteger.default(DEFAULT_CODE_TTL_MS),
    OUTBOX_BATCH_SIZE: positiveInteger.max(5_000).default(500),
    OUTBOX_RETENTION_MS: positiveInteger.default(60 * 60_000),
    OUTBOX_PURGE_EVERY_MS: positiveInteger.default(60_000),
    RISK_REVIEW_THRESHOLD: z.coerce.number().positive().default(50),
    RISK_BLOCK_THRESHOLD: z.coerce.number().positive().default(100),
    // Unset: only STEP_UP rules ask the sender to confirm, so no score alone does.
    RISK_STEP_UP_THRESHOLD: z.coerce.number().positive().optional(),
    RISK_ANOMALY_WEIGHT: z.coerce.number().min(0).default(40),
  })
  .refine((env) => env.RISK_BLOCK_THRESHOLD > env.RISK_REVIEW_THRESHOLD, {
    path: ['RISK_BLOCK_THRESHOLD'],
    message: 'must be above RISK_REVIEW_THRESHOLD',
  })
  .refine((env) => env.RISK_STEP_UP_THRESHOLD === undefined || env.RISK_STEP_UP_THRESHOLD < env.RISK_REVIEW_THRESHOLD, {
    path: ['RISK_STEP_UP_THRESHOLD'],
    message: 'must be below RISK_REVIEW_THRESHOLD',
  })
  .refine((env) => !(env.OTEL_EXPORTER_OTLP_ENDPOINT && env.OTEL_EXPORTER_ZIPKIN_ENDPOINT), {
    path: ['OTEL_EXPORTER_ZIPKIN_ENDPOINT'],
    message: 'set one exporter: OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_ZIPKIN_ENDPOINT',
  })
  .refine((env) => env.ADMIN_PORT === 0 || env.ADMIN_PORT !== env.PORT, {
    path: ['ADMIN_PORT'],
    message: 'must differ from PORT: the admin listener is the one kept off the public network',
  })
  .transform((env, context) => {
    const problem = (variable: string, message: string) =>
      context.addIssue({ code: 'custom', path: [variable], message });
    const transport = transportSettings(env, problem);
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
    const railApiKey = localOrReal(env.RAIL_API_KEY, DEVELOPMENT_RAIL_API_KEY, local);
    if (railApiKey === undefined) problem('RAIL_API_KEY', REAL_API_KEY_NEEDED);
    const railCallbackSecret = localOrReal(env.RAIL_CALLBACK_SECRET, DEVELOPMENT_RAIL_CALLBACK_SECRET, local);
    if (railCallbackSecret === undefined) problem('RAIL_CALLBACK_SECRET', REAL_SECRET_NEEDED);
    const smsApiKey = localOrReal(env.SMS_API_KEY, DEVELOPMENT_SMS_API_KEY, local);
    if (smsApiKey === undefined) problem('SMS_API_KEY', REAL_API_KEY_NEEDED);
    const codeSecret = localOrReal(env.CONFIRMATION_CODE_SECRET, DEVELOPMENT_CONFIRMATION_CODE_SECRET, local);
    if (codeSecret === undefined) problem('CONFIRMATION_CODE_SECRET', REAL_SECRET_NEEDED);
    const invalid = typeof verification === 'string' || signingKey === undefined || transport === undefined;
    const unset = payloadKey === undefined || railApiKey === undefined || railCallbackSecret === undefined;
    if (invalid || unset || smsApiKey === undefined || codeSecret === undefined) return z.NEVER;
    return {
      environment: env.NODE_ENV ?? 'production',
      logLevel: env.LOG_LEVEL,
      http: { port: env.PORT, adminPort: env.ADMIN_PORT },
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
        /** Where a worker process's SDK serves its Prometheus metrics; 0: nowhere. */
        workerMetricsPort: env.TEMPORAL_WORKER_METRICS_PORT,
        /** Encrypt every workflow payload; the previous key still decrypts what it sealed. */
        payloadKeys: { current: parsePayloadKey(payloadKey), previous: previousPayloadKey },
      },
      auth: {
        verification,
        issuer: env.AUTH_JWT_ISSUER,
        audience: env.AUTH_JWT_AUDIENCE,
        maxLifetimeSeconds: { user: env.AUTH_JWT_MAX_LIFETIME, staff: env.AUTH_JWT_MAX_STAFF_LIFETIME },
        staffSessionSeconds: Math.min(env.STAFF_SESSION_SECONDS, env.AUTH_JWT_MAX_STAFF_LIFETIME),
      },
      eventSigning: { current: signingKey, previous: env.EVENT_SIGNING_PREVIOUS_KEY, maxAgeMs: env.EVENT_MAX_AGE_MS },
      retention: { processedEventsMs: env.PROCESSED_EVENT_RETENTION_MS },
      rateLimits: {
        transfersPerMinute: env.RATE_LIMIT_TRANSFERS_PER_MINUTE,
        requestsPerMinute: env.RATE_LIMIT_REQUESTS_PER_MINUTE,
        unauthenticatedPerMinute: env.RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE,
        signInsPerMinute: env.RATE_LIMIT_SIGN_INS_PER_MINUTE,
      },
      transport,
      slack: { webhookUrl: env.SLACK_WEBHOOK_URL },
      rail: {
        name: env.RAIL_NAME,
        url: env.RAIL_URL,
        apiKey: railApiKey,
        callbackSecret: railCallbackSecret,
        callbackUrl: env.RAIL_CALLBACK_URL ?? `http://127.0.0.1:${env.PORT}/v1/rails/${env.RAIL_NAME}/callbacks`,
        timeoutMs: env.RAIL_TIMEOUT_MS,
      },
      remittances: { callbackTimeoutMs: env.REMITTANCE_CALLBACK_TIMEOUT_MS },
      sms: { url: env.SMS_GATEWAY_URL, apiKey: smsApiKey, senderId: env.SMS_SENDER_ID, timeoutMs: env.SMS_TIMEOUT_MS },
      confirmation: { codeSecret },
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
        confirmationCodeTtlMs: env.CONFIRMATION_CODE_TTL_MS,
      },
      risk: {
        reviewThreshold: env.RISK_REVIEW_THRESHOLD,
        blockThreshold: env.RISK_BLOCK_THRESHOLD,
        /** The score from which the sender must confirm; undefined: only STEP_UP rules ask. */
        stepUpThreshold: env.RISK_STEP_UP_THRESHOLD,
        anomalyWeight: env.RISK_ANOMALY_WEIGHT,
      },
    };
  });

export type Config = z.output<typeof configSchema>;

/** Where spans go, and under which service name; no exporter: tracing is off. */
export interface TracingSettings {
  serviceName: string;
  /** The share of traces started here that are recorded; a caller's decision is followed. */
  sampleRatio: number;
  exporter?: { kind: 'otlp' | 'zipkin'; endpoint: string };
}

/** How tokens are checked: a shared HS256 secret, or the identity provider's keys (RS256/ES256) from a JWKS. */
export type TokenVerification = { kind: 'hs256'; secret: string } | { kind: 'jwks'; url: string };

const REAL_KEY_NEEDED =
  'must be a key other than the development one (<key id>:<32 random bytes in base64>), unless NODE_ENV is development or test';

const REAL_API_KEY_NEEDED = 'must be set (the development key only where NODE_ENV is development or test)';

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

/**
 * TLS material, read once at start-up so that no client reads a file per connection (pg, for one, reads
 * `sslrootcert` again for every connection its pool opens).
 */
export interface TlsFiles {
  /** PEM certificates to trust instead of the system's. */
  ca?: Buffer;
  /** A client certificate (mutual TLS) and its key: both or neither. */
  cert?: Buffer;
  key?: Buffer;
}

export type KafkaSaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

/** How each client reaches its service; `tls` unset means a plain connection. src/transport.ts applies it. */
export interface TransportSettings {
  /** From DATABASE_URL's sslmode (verify-full or verify-ca), sslrootcert, sslcert and sslkey. */
  postgres: { tls?: TlsFiles & { checkHostname: boolean } };
  /** TLS with a rediss:// REDIS_URL. */
  redis: { tls?: TlsFiles };
  kafka: { tls?: TlsFiles; sasl?: { mechanism: KafkaSaslMechanism; username: string; password: string } };
  temporal: { tls?: TlsFiles & { serverName?: string } };
}

type Problem = (variable: string, message: string) => void;

type FileVariable = `${'KAFKA_SSL' | 'TEMPORAL_TLS'}_${'CA' | 'CERT' | 'KEY'}_FILE` | 'REDIS_TLS_CA_FILE';

interface TransportEnv {
  DATABASE_URL: string;
  REDIS_URL: string;
  REDIS_TLS_CA_FILE?: string;
  KAFKA_SSL: boolean;
  KAFKA_SSL_CA_FILE?: string;
  KAFKA_SSL_CERT_FILE?: string;
  KAFKA_SSL_KEY_FILE?: string;
  KAFKA_SASL_MECHANISM?: KafkaSaslMechanism;
  KAFKA_SASL_USERNAME?: string;
  KAFKA_SASL_PASSWORD?: string;
  TEMPORAL_TLS: boolean;
  TEMPORAL_TLS_CA_FILE?: string;
  TEMPORAL_TLS_CERT_FILE?: string;
  TEMPORAL_TLS_KEY_FILE?: string;
  TEMPORAL_TLS_SERVER_NAME?: string;
}

/** The TLS and SASL settings of every client, their files read; undefined when any is unusable (each reported). */
function transportSettings(env: TransportEnv, problem: Problem): TransportSettings | undefined {
  let usable = true;
  const report: Problem = (variable, message) => {
    usable = false;
    problem(variable, message);
  };
  const setting = (variable: FileVariable): FileSetting => ({ name: variable, variable, path: env[variable] });
  const requireSwitch = (variables: Array<FileVariable | 'TEMPORAL_TLS_SERVER_NAME'>, on: boolean, what: string) => {
    for (const variable of variables) if (!on && env[variable] !== undefined) report(variable, `needs ${what}`);
  };

  requireSwitch(['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'], env.KAFKA_SSL, 'KAFKA_SSL=true');
  const kafkaTls = env.KAFKA_SSL
    ? readTlsFiles(
        { ca: setting('KAFKA_SSL_CA_FILE'), cert: setting('KAFKA_SSL_CERT_FILE'), key: setting('KAFKA_SSL_KEY_FILE') },
        report,
      )
    : undefined;
  const sasl = kafkaSasl(env, report);

  requireSwitch(
    ['TEMPORAL_TLS_CA_FILE', 'TEMPORAL_TLS_CERT_FILE', 'TEMPORAL_TLS_KEY_FILE', 'TEMPORAL_TLS_SERVER_NAME'],
    env.TEMPORAL_TLS,
    'TEMPORAL_TLS=true',
  );
  const temporalFiles = env.TEMPORAL_TLS
    ? readTlsFiles(
        {
          ca: setting('TEMPORAL_TLS_CA_FILE'),
          cert: setting('TEMPORAL_TLS_CERT_FILE'),
          key: setting('TEMPORAL_TLS_KEY_FILE'),
        },
        report,
      )
    : undefined;

  const rediss = new URL(env.REDIS_URL).protocol === 'rediss:';
  requireSwitch(['REDIS_TLS_CA_FILE'], rediss, 'a rediss:// REDIS_URL');
  const redisTls = rediss ? readTlsFiles({ ca: setting('REDIS_TLS_CA_FILE') }, report) : undefined;

  const postgresTls = postgresTlsOf(env.DATABASE_URL, report);

  if (!usable) return undefined;
  return {
    postgres: { tls: postgresTls },
    redis: { tls: redisTls },
    kafka: { tls: kafkaTls, sasl },
    temporal: {
      tls: temporalFiles && { ...temporalFiles, serverName: env.TEMPORAL_TLS_SERVER_NAME },
    },
  };
}

function kafkaSasl(env: TransportEnv, report: Problem): TransportSettings['kafka']['sasl'] {
  const { KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } = env;
  if (mechanism === undefined) {
    for (const [variable, value] of [
      ['KAFKA_SASL_USERNAME', username],
      ['KAFKA_SASL_PASSWORD', password],
    ] as const) {
      if (value !== undefined) report('KAFKA_SASL_MECHANISM', `must be set with ${variable}`);
    }
    return undefined;
  }
  if (username === undefined) report('KAFKA_SASL_USERNAME', 'must be set with KAFKA_SASL_MECHANISM');
  if (password === undefined) report('KAFKA_SASL_PASSWORD', 'must be set with KAFKA_SASL_MECHANISM');
  return username === undefined || password === undefined ? undefined : { mechanism, username, password };
}

/** libpq's names, which pg's own URL parser reads too; src/transport.ts takes them off the URL it hands pg. */
export const POSTGRES_TLS_PARAMETERS = ['ssl', 'sslmode', 'sslrootcert', 'sslcert', 'sslkey'] as const;

/**
 * TLS for PostgreSQL from DATABASE_URL. Only the modes that check the server are taken: pg reads
 * `require` and `prefer` as verify-full (libpq does not), so a URL written for libpq would not mean here
 * what it says there.
 */
function postgresTlsOf(databaseUrl: string, report: Problem): TransportSettings['postgres']['tls'] {
  const parameters = new URL(databaseUrl).searchParams;
  const mode = parameters.get('sslmode');
  const file = (name: 'sslrootcert' | 'sslcert' | 'sslkey') => ({
    name,
    variable: 'DATABASE_URL',
    path: parameters.get(name) ?? undefined,
  });
  const files = { ca: file('sslrootcert'), cert: file('sslcert'), key: file('sslkey') };
  if (parameters.has('ssl')) {
    report('DATABASE_URL', 'ssl is not read; say sslmode=verify-full (or verify-ca, or disable)');
    return undefined;
  }
  if (mode === null || mode === 'disable') {
    const named = Object.values(files).filter((setting) => setting.path !== undefined);
    if (mode === null && named.length > 0) {
      report(
        'DATABASE_URL',
        `${named.map((setting) => setting.name).join(', ')} needs sslmode=verify-full or verify-ca`,
      );
    }
    return undefined;
  }
  if (mode !== 'verify-full' && mode !== 'verify-ca') {
    report('DATABASE_URL', `sslmode=${mode} is refused; expected verify-full, verify-ca or disable`);
    return undefined;
  }
  const tls = readTlsFiles(files, report);
  return tls && { ...tls, checkHostname: mode === 'verify-full' };
}

interface FileSetting {
  /** What the message calls it: the variable, or a parameter of a URL. */
  name: string;
  /** The variable a problem is reported against. */
  variable: string;
  path: string | undefined;
}

/**
 * Reads a CA, a client certificate and its key, each checked to be what it claims (PEM certificates, an
 * unencrypted PEM private key, the key of that certificate); undefined when any is not.
 */
function readTlsFiles(files: { ca?: FileSetting; cert?: FileSetting; key?: FileSetting }, report: Problem) {
  const say = (setting: FileSetting, message: string) =>
    report(setting.variable, setting.name === setting.variable ? message : `${setting.name} ${message}`);
  const read = (setting: FileSetting | undefined, parse: (pem: Buffer) => unknown, holds: string) => {
    if (setting?.path === undefined) return undefined;
    let pem: Buffer;
    try {
      pem = readFileSync(setting.path);
    } catch (error) {
      say(setting, `cannot be read from ${setting.path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      return null;
    }
    try {
      parse(pem);
    } catch {
      say(setting, `${setting.path} holds no ${holds}`);
      return null;
    }
    return pem;
  };
  const pemCertificate = (pem: Buffer) => {
    // X509Certificate takes DER too, which the TLS clients do not.
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('not PEM');
    return new X509Certificate(pem);
  };
  const ca = read(files.ca, pemCertificate, 'PEM certificate');
  const cert = read(files.cert, pemCertificate, 'PEM certificate');
  const key = read(files.key, (pem) => createPrivateKey(pem), 'unencrypted PEM private key');
  if (files.cert && files.key) {
    if (files.cert.path !== undefined && files.key.path === undefined)
      say(files.key, `must be set with ${files.cert.name}`);
    if (files.key.path !== undefined && files.cert.path === undefined)
      say(files.cert, `must be set with ${files.key.name}`);
  }
  if (ca === null || cert === null || key === null) return undefined;
  if ((cert === undefined) !== (key === undefined)) return undefined;
  if (cert && key && files.key && files.cert && !new X509Certificate(cert).checkPrivateKey(createPrivateKey(key))) {
    say(files.key, `is not the key of the certificate in ${files.cert.name}`);
    return undefined;
  }
  return { ca, cert, key } satisfies TlsFiles;
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
  return parsed(configSchema, env);
}

/**
 * Reads tracing's settings alone, before anything else loads (see src/instrument.ts).
 *
 * @param processes - the roles this process runs, which name its service in traces.
 * @throws ConfigError naming each malformed setting.
 */
export function loadTracingSettings(
  processes: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): TracingSettings {
  return tracingSettings(parsed(z.object(tracingVariables), env), processes);
}

function parsed<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv): z.output<T> {
  // An empty variable means "not set", so `FOO= npm start` falls back to the default.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  throw new ConfigError(`invalid configuration — ${problems.join('; ')}`);
}
