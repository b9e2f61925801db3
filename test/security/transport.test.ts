/** @beside-services its own clients over TLS; no service process */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { Registry } from 'prom-client';

import { checkReadiness, readinessChecks } from '../../src/api/health';
import { startApi } from '../../src/api/server';
import { type Config, loadConfig } from '../../src/config';
import { migrate } from '../../src/db/migrate';
import { createDependencies, type Dependencies } from '../../src/dependencies';
import { createLogger } from '../../src/logger';
import { kafkaTransport, postgresConnection, redisOptions, temporalConnection } from '../../src/transport';
import { TlsProxy } from '../../harness/tls-proxy';
import { endpointOf, endpointOfHostPort, isListening, tlsDir } from '../../scripts/stack/service';
import {
  certificateFiles,
  createCertificateAuthority,
  LOCAL_KAFKA_USER,
  TLS_PORT_OFFSET,
} from '../../scripts/stack/tls';

const plain = loadConfig();
const logger = createLogger('silent');
const stack = certificateFiles(tlsDir);
const redisPlain = endpointOf(plain.redis.url, 6379);
const kafkaPlain = endpointOfHostPort(plain.kafka.brokers[0] ?? '');
const redisTls = { host: redisPlain.host, port: redisPlain.port + TLS_PORT_OFFSET.redis };
const kafkaSaslSsl = { host: kafkaPlain.host, port: kafkaPlain.port + TLS_PORT_OFFSET.kafka };

/**
 * Every client over TLS, with the server's certificate checked, against the local stack's TLS endpoints:
 * PostgreSQL with ssl=on, Redis's TLS port, Kafka's SASL_SSL listener and Temporal behind an mTLS proxy.
 * Each is reached with the options src/transport.ts builds from the config, and refused when the CA, the
 * password or the client certificate is wrong. Then the service's own dependencies over all four, and the
 * admin port that keeps metrics and readiness detail off the public one.
 */
describe('transport security', () => {
  let proxy: TlsProxy;
  let otherCa: string;
  /** The settings that reach every service over TLS, as an operator would set them. */
  let tlsEnv: Record<string, string>;
  const tlsConfig = (overrides: Record<string, string> = {}): Config =>
    loadConfig({ ...process.env, ...tlsEnv, ...overrides });

  beforeAll(async () => {
    for (const [name, endpoint] of [
      ['Redis TLS', redisTls],
      ['Kafka SASL_SSL', kafkaSaslSsl],
    ] as const) {
      if (!(await isListening(endpoint))) {
        throw new Error(
          `${name} is not answering on ${endpoint.host}:${endpoint.port}; a stack started before TLS was added ` +
            'needs a restart: npm run stack -- down, then npm run stack -- up',
        );
      }
    }
    const dir = mkdtempSync(join(tmpdir(), 'transfer-saga-transport-'));
    createCertificateAuthority(dir, 'other', 'a CA the stack does not use');
    otherCa = join(dir, 'other.pem');
    const read = (file: string) => readFileSync(file);
    proxy = await TlsProxy.start(endpointOfHostPort(plain.temporal.address), {
      cert: read(stack.serverCert),
      key: read(stack.serverKey),
      ca: read(stack.ca),
    });
    tlsEnv = {
      DATABASE_URL: `${plain.postgres.url}?sslmode=verify-full&sslrootcert=${stack.ca}`,
      REDIS_URL: `rediss://${redisTls.host}:${redisTls.port}`,
      REDIS_TLS_CA_FILE: stack.ca,
      KAFKA_BROKERS: `${kafkaSaslSsl.host}:${kafkaSaslSsl.port}`,
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: stack.ca,
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: LOCAL_KAFKA_USER.username,
      KAFKA_SASL_PASSWORD: LOCAL_KAFKA_USER.password,
      TEMPORAL_ADDRESS: `127.0.0.1:${proxy.port}`,
      TEMPORAL_TLS: 'true',
      TEMPORAL_TLS_CA_FILE: stack.ca,
      TEMPORAL_TLS_CERT_FILE: stack.clientCert,
      TEMPORAL_TLS_KEY_FILE: stack.clientKey,
    };
  });
  afterAll(() => proxy?.stop());

  describe('PostgreSQL', () => {
    const query = async (config: Config, sql: string) => {
      const pool = new Pool({ ...postgresConnection(config), connectionTimeoutMillis: 5000 });
      try {
        return (await pool.query<Record<string, unknown>>(sql)).rows;
      } finally {
        await pool.end();
      }
    };

    it('with sslmode=verify-full and the stack CA, the session is encrypted', async () => {
      const rows = await query(tlsConfig(), 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      expect(rows).toEqual([{ ssl: true }]);
    });

    it('with sslmode=verify-full and a CA that did not sign the server certificate, it is refused', async () => {
      const config = tlsConfig({ DATABASE_URL: `${plain.postgres.url}?sslmode=verify-full&sslrootcert=${otherCa}` });
      await expect(query(config, 'SELECT 1')).rejects.toThrow(/self-signed certificate|unable to verify/);
    });
  });

  describe('Redis', () => {
    const ping = async (config: Config) => {
      const redis = new Redis(config.redis.url, {
        ...redisOptions(config),
        lazyConnect: true,
        retryStrategy: () => null,
      });
      // ioredis rejects connect() with "Connection is closed."; why is in its error event.
      let why: Error | undefined;
      redis.on('error', (error: Error) => (why ??= error));
      try {
        await redis.connect().catch((error: unknown) => {
          throw why ?? error;
        });
        return await redis.ping();
      } finally {
        redis.disconnect();
      }
    };

    it('over rediss:// with the stack CA, PING answers', async () => {
      expect(await ping(tlsConfig())).toBe('PONG');
    });

    it('over rediss:// with an untrusted CA, the connection is refused', async () => {
      await expect(ping(tlsConfig({ REDIS_TLS_CA_FILE: otherCa }))).rejects.toThrow(/self-signed certificate|verify/);
    });
  });

  describe('Kafka', () => {
    const kafkaOf = (config: Config, retries?: number) =>
      new Kafka({
        clientId: 'transport-test',
        brokers: config.kafka.brokers,
        ...kafkaTransport(config),
        logLevel: logLevel.NOTHING,
        ...(retries !== undefined && { retry: { retries } }),
      });

    it('over SASL_SSL, a produced record is read back', async () => {
      const kafka = kafkaOf(tlsConfig());
      const topic = `test.transport.${randomUUID()}`;
      const admin = kafka.admin();
      const producer = kafka.producer();
      const consumer = kafka.consumer({ groupId: `test-${randomUUID()}` });
      try {
        await admin.connect();
        expect(await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })).toBe(true);
        await producer.connect();
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        const received = new Promise<string | undefined>((resolve) => {
          void consumer.run({ eachMessage: async ({ message }) => resolve(message.value?.toString()) });
        });
        await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'over SASL_SSL' }] });
        expect(await received).toBe('over SASL_SSL');
      } finally {
        await consumer.disconnect();
        await producer.disconnect();
        await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
        await admin.disconnect();
      }
    });

    it('over SASL_SSL, a wrong password is refused', async () => {
      const admin = kafkaOf(tlsConfig({ KAFKA_SASL_PASSWORD: 'not-the-password' }), 0).admin();
      try {
        await expect(admin.connect()).rejects.toThrow(/SASL PLAIN authentication failed|Authentication failed/i);
      } finally {
        await admin.disconnect();
      }
    });
  });

  describe('Temporal', () => {
    const withoutClientCertificate = { TEMPORAL_TLS_CERT_FILE: '', TEMPORAL_TLS_KEY_FILE: '' };

    it('with mTLS through the proxy, the client and the worker connection reach the server', async () => {
      const config = tlsConfig();
      const client = await Connection.connect(temporalConnection(config));
      try {
        expect((await client.workflowService.getSystemInfo({})).serverVersion).toBeTruthy();
      } finally {
        await client.close();
      }
      const native = await NativeConnection.connect(temporalConnection(config));
      try {
        expect((await native.workflowService.getSystemInfo({})).serverVersion).toBeTruthy();
      } finally {
        await native.close();
      }
    });

    it('without a client certificate, the handshake is refused', async () => {
      const options = temporalConnection(tlsConfig(withoutClientCertificate));
      expect(options.tls?.clientCertPair).toBeUndefined();
      const before = proxy.refusals.length;
      await expect(Connection.connect({ ...options, connectTimeout: '3s' })).rejects.toThrow();
      await expect(NativeConnection.connect(options)).rejects.toThrow();
      // Refused by the TLS handshake itself, not by anything later.
      expect(proxy.refusals.slice(before)).toContainEqual(expect.stringMatching(/peer did not return a certificate/));
    });
  });

  describe('the service over all four', () => {
    let dependencies: Dependencies;
    beforeAll(async () => {
      const config = tlsConfig({ ADMIN_PORT: '0' });
      await migrate(config, logger);
      dependencies = await createDependencies(config, logger);
    });
    afterAll(() => dependencies?.close());

    it('builds its dependencies over TLS, and every readiness check answers ok', async () => {
      expect(await checkReadiness(readinessChecks(dependencies))).toEqual({
        ready: true,
        dependencies: { postgres: 'ok', redis: 'ok', kafka: 'ok', temporal: 'ok' },
      });
      const { rows } = await dependencies.postgres.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      expect(rows).toEqual([{ ssl: true }]);
    });

    it('serves /metrics and the readiness detail on the admin port only: public /metrics is 404, public /readyz says ready and nothing more', async () => {
      const api = await startApi({ ...dependencies, metrics: new Registry() }, 0);
      try {
        expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
        expect((await fetch(`${api.url}/metrics`)).status).toBe(404);
        const ready = await fetch(`${api.url}/readyz`);
        expect(ready.status).toBe(200);
        expect(await ready.json()).toEqual({ ready: true });

        const detail = await fetch(`${api.adminUrl}/readyz`);
        expect(detail.status).toBe(200);
        expect(await detail.json()).toEqual({
          ready: true,
          dependencies: { postgres: 'ok', redis: 'ok', kafka: 'ok', temporal: 'ok' },
        });
        const metrics = await fetch(`${api.adminUrl}/metrics`);
        expect(metrics.status).toBe(200);
        const text = await metrics.text();
        expect(text).toMatch(/^http_request_duration_seconds_count\{[^}]*route="\/readyz"/m);
        expect(text).toMatch(/^transfer_saga_outbox_pending /m);
      } finally {
        await api.stop();
      }
    });
  });
});
