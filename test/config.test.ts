/** @isolated no service */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  ConfigError,
  DEFAULT_SMS_SENDER_ID,
  DEVELOPMENT_CONFIRMATION_CODE_SECRET,
  DEVELOPMENT_EVENT_SIGNING_KEY,
  DEVELOPMENT_JWT_SECRET,
  DEVELOPMENT_PAYLOAD_KEY,
  DEVELOPMENT_RAIL_CALLBACK_SECRET,
  DEVELOPMENT_SMS_API_KEY,
  loadConfig,
  loadTracingSettings,
} from '../src/config';
import { ensureCertificates } from '../scripts/stack/tls';

/** A payload key as production would have one. */
const PAYLOAD_KEY = { TEMPORAL_PAYLOAD_KEY: `2026-12:${Buffer.alloc(32, 7).toString('base64')}` };
/** The bank rail's key and callback secret, as production would have them. */
const RAIL = { RAIL_API_KEY: 'a-production-rail-api-key', RAIL_CALLBACK_SECRET: 'a-production-rail-callback-secret' };
/** The SMS gateway's key and the one-time codes' secret, as production would have them. */
const CODES = {
  SMS_API_KEY: 'a-production-sms-api-key',
  CONFIRMATION_CODE_SECRET: 'a-production-confirmation-code-secret',
};

describe('config', () => {
  it('without any setting, answers the local stack defaults', () => {
    const config = loadConfig({ NODE_ENV: 'development' });
    expect(config.http.port).toBe(3000);
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.temporal).toMatchObject({ address: 'localhost:7233', namespace: 'default' });
    expect(config.slack.webhookUrl).toBeUndefined();
  });

  it.each([
    ['PORT', 'three thousand'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://db/transfers'],
    ['REDIS_URL', 'not a url'],
    ['KAFKA_BROKERS', '127.0.0.1:9092,,broker'],
    ['TEMPORAL_ADDRESS', 'localhost'],
    ['TEMPORAL_UI_URL', 'ftp://ui'],
    ['SLACK_WEBHOOK_URL', 'hooks.slack.example'],
    ['MAX_TRANSFER_AMOUNT', '-5'],
    ['AUTH_JWT_SECRET', 'thirty-one-bytes-is-one-too-few'],
    ['AUTH_JWKS_URL', 'keys.example/jwks.json'],
    ['AUTH_JWT_MAX_LIFETIME', 'forever'],
    ['RISK_REVIEW_THRESHOLD', '-1'],
    ['RISK_ANOMALY_WEIGHT', 'heavy'],
    ['SMS_GATEWAY_URL', 'sms.example/v1'],
    ['SMS_SENDER_ID', 'transfer-saga'],
    ['SMS_SENDER_ID', 'TransferSaga'],
    ['SMS_TIMEOUT_MS', '0'],
    ['CONFIRMATION_CODE_SECRET', 'thirty-one-bytes-is-one-too-few'],
    ['CONFIRMATION_CODE_TTL_MS', '5m'],
  ])('refuses a malformed %s (%j) with its name in the message', (name, value) => {
    const env = { NODE_ENV: 'development', [name]: value };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`\\b${name}\\b`));
  });

  describe('the token secret', () => {
    const realSecret = 'a-production-secret-of-32-bytes!';
    const signing = { EVENT_SIGNING_KEY: 'a-production-signing-key-of-32-bytes', ...PAYLOAD_KEY, ...RAIL, ...CODES };

    it.each([
      ['NODE_ENV unset and no secret', {}],
      ['production and no secret', { NODE_ENV: 'production' }],
      ['NODE_ENV unset and the development secret', { AUTH_JWT_SECRET: DEVELOPMENT_JWT_SECRET }],
      ['production and the development secret', { NODE_ENV: 'production', AUTH_JWT_SECRET: DEVELOPMENT_JWT_SECRET }],
      ['a secret of 31 bytes, even in development', { NODE_ENV: 'development', AUTH_JWT_SECRET: 'x'.repeat(31) }],
    ])('refuses to start with %s, in one line naming AUTH_JWT_SECRET', (_case, env) => {
      expect(() => loadConfig(env)).toThrow(/^invalid configuration — AUTH_JWT_SECRET: [^\n]+$/);
    });

    it('takes a secret of 32 bytes other than the development one, NODE_ENV unset counting as production', () => {
      const config = loadConfig({ ...signing, AUTH_JWT_SECRET: realSecret });
      expect(config.environment).toBe('production');
      expect(config.auth.verification).toEqual({ kind: 'hs256', secret: realSecret });
    });

    it.each(['development', 'test'])('uses the development secret only where NODE_ENV=%s says so', (NODE_ENV) => {
      expect(loadConfig({ NODE_ENV }).auth.verification).toEqual({ kind: 'hs256', secret: DEVELOPMENT_JWT_SECRET });
    });

    it('needs no secret when AUTH_JWKS_URL is set: the shared secret is then off', () => {
      const config = loadConfig({ ...signing, NODE_ENV: 'production', AUTH_JWKS_URL: 'https://id.example/jwks.json' });
      expect(config.auth.verification).toEqual({ kind: 'jwks', url: 'https://id.example/jwks.json' });
    });

    it('reads the issuer, audience and lifetimes, 1 h for USER and 8 h for staff by default', () => {
      expect(loadConfig({ NODE_ENV: 'test' }).auth).toMatchObject({
        issuer: 'transfer-saga',
        audience: 'transfer-saga-api',
        maxLifetimeSeconds: { user: 3600, staff: 28800 },
      });
      expect(
        loadConfig({ NODE_ENV: 'test', AUTH_JWT_MAX_LIFETIME: '15m', AUTH_JWT_MAX_STAFF_LIFETIME: '7200' }).auth
          .maxLifetimeSeconds,
      ).toEqual({ user: 900, staff: 7200 });
    });
  });

  describe('the event signing key', () => {
    const tokens = { AUTH_JWT_SECRET: 'a-production-secret-of-32-bytes!', ...PAYLOAD_KEY, ...RAIL, ...CODES };

    it.each([
      ['no key', {}],
      ['the development key', { EVENT_SIGNING_KEY: DEVELOPMENT_EVENT_SIGNING_KEY }],
      ['a key of 31 bytes', { EVENT_SIGNING_KEY: 'x'.repeat(31) }],
    ])('refuses to start in production with %s, naming EVENT_SIGNING_KEY', (_case, env) => {
      expect(() => loadConfig({ ...tokens, ...env })).toThrow(/^invalid configuration — EVENT_SIGNING_KEY: [^\n]+$/);
    });

    it('takes a current and a previous key, and the development key only in development or test', () => {
      const current = 'the-current-signing-key-of-32-bytes!';
      const previous = 'the-previous-signing-key-of-32-bytes';
      expect(
        loadConfig({ ...tokens, EVENT_SIGNING_KEY: current, EVENT_SIGNING_PREVIOUS_KEY: previous }).eventSigning,
      ).toEqual({
        current,
        previous,
        maxAgeMs: 300_000,
      });
      expect(loadConfig({ NODE_ENV: 'test' }).eventSigning.current).toBe(DEVELOPMENT_EVENT_SIGNING_KEY);
    });
  });

  describe('the bank rail', () => {
    const others = {
      AUTH_JWT_SECRET: 'a-production-secret-of-32-bytes!',
      EVENT_SIGNING_KEY: 'a-production-signing-key-of-32-bytes',
      ...PAYLOAD_KEY,
      ...CODES,
    };

    it.each([
      ['no callback secret', { RAIL_API_KEY: RAIL.RAIL_API_KEY }, 'RAIL_CALLBACK_SECRET'],
      [
        'the development callback secret',
        { ...RAIL, RAIL_CALLBACK_SECRET: DEVELOPMENT_RAIL_CALLBACK_SECRET },
        'RAIL_CALLBACK_SECRET',
      ],
      ['no api key', { RAIL_CALLBACK_SECRET: RAIL.RAIL_CALLBACK_SECRET }, 'RAIL_API_KEY'],
    ])('refuses to start in production with %s, naming it', (_case, env, variable) => {
      expect(() => loadConfig({ ...others, ...env })).toThrow(
        new RegExp(`^invalid configuration — ${variable}: [^\n]+$`),
      );
    });

    it('calls the simulator on loopback and has it call this API back, unless told otherwise', () => {
      expect(loadConfig({ NODE_ENV: 'test', PORT: '3100' }).rail).toMatchObject({
        name: 'simbank',
        url: 'http://127.0.0.1:7400',
        callbackUrl: 'http://127.0.0.1:3100/v1/rails/simbank/callbacks',
        callbackSecret: DEVELOPMENT_RAIL_CALLBACK_SECRET,
      });
      const real = loadConfig({
        ...others,
        ...RAIL,
        RAIL_NAME: 'hanabank',
        RAIL_URL: 'https://openapi.bank.example',
        RAIL_CALLBACK_URL: 'https://pay.example/v1/rails/hanabank/callbacks',
      });
      expect(real.rail).toMatchObject({
        name: 'hanabank',
        url: 'https://openapi.bank.example',
        apiKey: RAIL.RAIL_API_KEY,
      });
    });
  });

  describe('the SMS gateway and the one-time codes', () => {
    const others = {
      AUTH_JWT_SECRET: 'a-production-secret-of-32-bytes!',
      EVENT_SIGNING_KEY: 'a-production-signing-key-of-32-bytes',
      ...PAYLOAD_KEY,
      ...RAIL,
    };

    it.each([
      ['no api key', { CONFIRMATION_CODE_SECRET: CODES.CONFIRMATION_CODE_SECRET }, 'SMS_API_KEY'],
      ['the development api key', { ...CODES, SMS_API_KEY: DEVELOPMENT_SMS_API_KEY }, 'SMS_API_KEY'],
      ['no code secret', { SMS_API_KEY: CODES.SMS_API_KEY }, 'CONFIRMATION_CODE_SECRET'],
      [
        'the development code secret',
        { ...CODES, CONFIRMATION_CODE_SECRET: DEVELOPMENT_CONFIRMATION_CODE_SECRET },
        'CONFIRMATION_CODE_SECRET',
      ],
      ['a code secret of 31 bytes', { ...CODES, CONFIRMATION_CODE_SECRET: 'x'.repeat(31) }, 'CONFIRMATION_CODE_SECRET'],
    ])('refuses to start in production with %s, in one line naming it', (_case, env, variable) => {
      expect(() => loadConfig({ ...others, ...env })).toThrow(
        new RegExp(`^invalid configuration — ${variable}: [^\n;]+$`),
      );
    });

    it('sends through the stand-in on loopback with the development key and secret, unless told otherwise', () => {
      const local = loadConfig({ NODE_ENV: 'test' });
      expect(local.sms).toEqual({
        url: 'http://127.0.0.1:7500',
        apiKey: DEVELOPMENT_SMS_API_KEY,
        senderId: DEFAULT_SMS_SENDER_ID,
        timeoutMs: 5000,
      });
      expect(local.confirmation).toEqual({ codeSecret: DEVELOPMENT_CONFIRMATION_CODE_SECRET });
      expect(local.saga.confirmationCodeTtlMs).toBe(5 * 60_000);
      const real = loadConfig({
        ...others,
        ...CODES,
        SMS_GATEWAY_URL: 'https://sms.example',
        SMS_SENDER_ID: 'Pay2Go',
        SMS_TIMEOUT_MS: '2500',
        CONFIRMATION_CODE_TTL_MS: '120000',
      });
      expect(real.sms).toEqual({
        url: 'https://sms.example',
        apiKey: CODES.SMS_API_KEY,
        senderId: 'Pay2Go',
        timeoutMs: 2500,
      });
      expect(real.confirmation.codeSecret).toBe(CODES.CONFIRMATION_CODE_SECRET);
      expect(real.saga.confirmationCodeTtlMs).toBe(120_000);
    });
  });

  describe('the payload key', () => {
    const secrets = {
      AUTH_JWT_SECRET: 'a-production-secret-of-32-bytes!',
      EVENT_SIGNING_KEY: 'x'.repeat(32),
      ...RAIL,
      ...CODES,
    };
    const key = (id: string, bytes = 32, fill = 1) => `${id}:${Buffer.alloc(bytes, fill).toString('base64')}`;

    it.each([
      ['no key', {}],
      ['the development key', { TEMPORAL_PAYLOAD_KEY: DEVELOPMENT_PAYLOAD_KEY }],
      ['a key of 16 bytes', { TEMPORAL_PAYLOAD_KEY: key('k1', 16) }],
      ['a key without an id', { TEMPORAL_PAYLOAD_KEY: Buffer.alloc(32, 1).toString('base64') }],
    ])('refuses to start in production with %s, naming TEMPORAL_PAYLOAD_KEY', (_case, env) => {
      expect(() => loadConfig({ ...secrets, ...env })).toThrow(
        /^invalid configuration — TEMPORAL_PAYLOAD_KEY: [^\n]+$/,
      );
    });

    it('refuses a previous key under the current key’s id, naming TEMPORAL_PAYLOAD_PREVIOUS_KEY', () => {
      const env = { ...secrets, TEMPORAL_PAYLOAD_KEY: key('k1'), TEMPORAL_PAYLOAD_PREVIOUS_KEY: key('k1', 32, 2) };
      expect(() => loadConfig(env)).toThrow(/TEMPORAL_PAYLOAD_PREVIOUS_KEY: must have a key id other than/);
    });

    it('reads the current and the previous key by id, and the development key only in development or test', () => {
      const config = loadConfig({
        ...secrets,
        TEMPORAL_PAYLOAD_KEY: key('k2', 32, 2),
        TEMPORAL_PAYLOAD_PREVIOUS_KEY: key('k1'),
      });
      expect(config.temporal.payloadKeys).toEqual({
        current: { id: 'k2', key: Buffer.alloc(32, 2) },
        previous: { id: 'k1', key: Buffer.alloc(32, 1) },
      });
      expect(loadConfig({ NODE_ENV: 'development' }).temporal.payloadKeys.current.id).toBe('development');
    });
  });

  it('refuses a block threshold that is not above the review threshold, naming it', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', RISK_REVIEW_THRESHOLD: '80', RISK_BLOCK_THRESHOLD: '80' })).toThrow(
      /RISK_BLOCK_THRESHOLD/,
    );
  });

  it('takes a step-up threshold only below the review threshold, and leaves it unset by default', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).risk.stepUpThreshold).toBeUndefined();
    expect(loadConfig({ NODE_ENV: 'test', RISK_STEP_UP_THRESHOLD: '30' }).risk.stepUpThreshold).toBe(30);
    for (const threshold of ['50', '70', '0', '-1', 'soon']) {
      expect(() => loadConfig({ NODE_ENV: 'test', RISK_STEP_UP_THRESHOLD: threshold })).toThrow(
        /RISK_STEP_UP_THRESHOLD/,
      );
    }
  });

  it('turns traces on only when an exporter endpoint is set, named after the roles the process runs', () => {
    expect(loadTracingSettings(['api'], {})).toEqual({ serviceName: 'transfer-saga-api', sampleRatio: 1 });
    expect(loadTracingSettings(['worker', 'relay'], { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual({
      serviceName: 'transfer-saga-worker+relay',
      sampleRatio: 1,
      exporter: { kind: 'otlp', endpoint: 'http://collector:4318' },
    });
    expect(
      loadTracingSettings(['api'], {
        OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://127.0.0.1:9411/api/v2/spans',
        OTEL_SERVICE_NAME: 'payments-api',
        OTEL_TRACES_SAMPLER_ARG: '0.1',
      }),
    ).toEqual({
      serviceName: 'payments-api',
      sampleRatio: 0.1,
      exporter: { kind: 'zipkin', endpoint: 'http://127.0.0.1:9411/api/v2/spans' },
    });
    expect(() => loadTracingSettings(['api'], { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT: expected a http: or https: URL/,
    );
    expect(() => loadTracingSettings(['api'], { OTEL_TRACES_SAMPLER_ARG: '1.5' })).toThrow(/OTEL_TRACES_SAMPLER_ARG/);
  });

  it('refuses two trace exporters at once, naming the second', () => {
    const both = {
      NODE_ENV: 'development',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://127.0.0.1:9411/api/v2/spans',
    };
    expect(() => loadConfig(both)).toThrow(/OTEL_EXPORTER_ZIPKIN_ENDPOINT: set one exporter/);
  });

  it('reads a comma-separated broker list', () => {
    expect(loadConfig({ NODE_ENV: 'test', KAFKA_BROKERS: 'k1:9092, k2:9092' }).kafka.brokers).toEqual([
      'k1:9092',
      'k2:9092',
    ]);
  });

  describe('transport', () => {
    const dir = mkdtempSync(join(tmpdir(), 'transfer-saga-config-'));
    const files = ensureCertificates(dir);
    const notPem = join(dir, 'not.pem');
    writeFileSync(notPem, 'not a certificate\n');
    const missing = join(dir, 'missing.pem');
    const der = join(dir, 'ca.der');
    writeFileSync(der, new X509Certificate(readFileSync(files.ca)).raw);
    const pem = (file: string) => readFileSync(file);
    const kafkaTls = {
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: files.ca,
      KAFKA_SSL_CERT_FILE: files.clientCert,
      KAFKA_SSL_KEY_FILE: files.clientKey,
    };
    const temporalTls = {
      TEMPORAL_TLS: 'true',
      TEMPORAL_TLS_CA_FILE: files.ca,
      TEMPORAL_TLS_CERT_FILE: files.clientCert,
      TEMPORAL_TLS_KEY_FILE: files.clientKey,
    };
    const postgres = 'postgres://u:p@db.internal:5432/transfer_saga';

    it('without any setting, connects in plain text everywhere, with the admin port at 9464', () => {
      const config = loadConfig({ NODE_ENV: 'test' });
      expect(config.transport).toEqual({
        postgres: { tls: undefined },
        redis: { tls: undefined },
        kafka: { tls: undefined, sasl: undefined },
        temporal: { tls: undefined },
      });
      expect(config.http).toEqual({ port: 3000, adminPort: 9464 });
      expect(loadConfig({ NODE_ENV: 'test', ADMIN_PORT: '0' }).http.adminPort).toBe(0);
    });

    it('reads every CA, certificate and key once, at start-up, with the SASL credentials', () => {
      const config = loadConfig({
        NODE_ENV: 'test',
        ...kafkaTls,
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'transfer-saga',
        KAFKA_SASL_PASSWORD: 'kafka-password',
        ...temporalTls,
        TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
        REDIS_URL: 'rediss://:secret@redis.internal:6380',
        REDIS_TLS_CA_FILE: files.ca,
        DATABASE_URL: `${postgres}?sslmode=verify-full&sslrootcert=${files.ca}`,
      });
      const client = { ca: pem(files.ca), cert: pem(files.clientCert), key: pem(files.clientKey) };
      expect(config.transport).toEqual({
        postgres: { tls: { ca: pem(files.ca), checkHostname: true } },
        redis: { tls: { ca: pem(files.ca) } },
        kafka: {
          tls: client,
          sasl: { mechanism: 'scram-sha-512', username: 'transfer-saga', password: 'kafka-password' },
        },
        temporal: { tls: { ...client, serverName: 'temporal.internal' } },
      });
      expect(loadConfig({ NODE_ENV: 'test', KAFKA_SSL: 'true' }).transport.kafka.tls).toEqual({});
      expect(
        loadConfig({ NODE_ENV: 'test', DATABASE_URL: `${postgres}?sslmode=verify-ca` }).transport.postgres.tls,
      ).toEqual({ checkHostname: false });
    });

    it.each([
      ['KAFKA_SSL', { KAFKA_SSL: 'yes' }],
      ['KAFKA_SSL_CA_FILE', { KAFKA_SSL_CA_FILE: files.ca }],
      ['KAFKA_SSL_CA_FILE', { ...kafkaTls, KAFKA_SSL_CA_FILE: missing }],
      ['KAFKA_SSL_CA_FILE', { ...kafkaTls, KAFKA_SSL_CA_FILE: notPem }],
      ['KAFKA_SSL_CA_FILE', { ...kafkaTls, KAFKA_SSL_CA_FILE: der }],
      ['KAFKA_SSL_KEY_FILE', { ...kafkaTls, KAFKA_SSL_KEY_FILE: undefined }],
      ['KAFKA_SSL_CERT_FILE', { ...kafkaTls, KAFKA_SSL_CERT_FILE: undefined }],
      ['KAFKA_SSL_KEY_FILE', { ...kafkaTls, KAFKA_SSL_KEY_FILE: files.serverKey }],
      ['KAFKA_SSL_KEY_FILE', { ...kafkaTls, KAFKA_SSL_KEY_FILE: files.clientCert }],
      ['KAFKA_SASL_MECHANISM', { KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }],
      ['KAFKA_SASL_USERNAME', { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_PASSWORD: 'p' }],
      ['KAFKA_SASL_PASSWORD', { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' }],
      ['KAFKA_SASL_MECHANISM', { KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }],
      ['TEMPORAL_TLS', { TEMPORAL_TLS: '1' }],
      ['TEMPORAL_TLS_SERVER_NAME', { TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' }],
      ['TEMPORAL_TLS_CA_FILE', { ...temporalTls, TEMPORAL_TLS_CA_FILE: missing }],
      ['TEMPORAL_TLS_KEY_FILE', { ...temporalTls, TEMPORAL_TLS_KEY_FILE: undefined }],
      ['TEMPORAL_TLS_CERT_FILE', { ...temporalTls, TEMPORAL_TLS_CERT_FILE: undefined }],
      ['REDIS_TLS_CA_FILE', { REDIS_TLS_CA_FILE: files.ca }],
      ['REDIS_TLS_CA_FILE', { REDIS_URL: 'rediss://127.0.0.1:6380', REDIS_TLS_CA_FILE: missing }],
      ['DATABASE_URL', { DATABASE_URL: `${postgres}?sslmode=require` }],
      ['DATABASE_URL', { DATABASE_URL: `${postgres}?ssl=true` }],
      ['DATABASE_URL', { DATABASE_URL: `${postgres}?sslrootcert=${files.ca}` }],
      ['DATABASE_URL', { DATABASE_URL: `${postgres}?sslmode=verify-full&sslrootcert=${missing}` }],
      ['DATABASE_URL', { DATABASE_URL: `${postgres}?sslmode=verify-full&sslcert=${files.clientCert}` }],
      ['ADMIN_PORT', { ADMIN_PORT: 'admin' }],
      ['ADMIN_PORT', { PORT: '8080', ADMIN_PORT: '8080' }],
    ])('refuses to start naming %s (%j)', (name, env) => {
      const load = () => loadConfig({ NODE_ENV: 'test', ...env });
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(new RegExp(`— (.+; )?${name}: `));
    });

    it('says which file could not be read, and why', () => {
      expect(() => loadConfig({ NODE_ENV: 'test', ...temporalTls, TEMPORAL_TLS_CA_FILE: missing })).toThrow(
        `TEMPORAL_TLS_CA_FILE: cannot be read from ${missing} (ENOENT)`,
      );
      expect(() =>
        loadConfig({ NODE_ENV: 'test', DATABASE_URL: `${postgres}?sslmode=verify-full&sslrootcert=${notPem}` }),
      ).toThrow(`DATABASE_URL: sslrootcert ${notPem} holds no PEM certificate`);
    });
  });
});
