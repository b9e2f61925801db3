/** @beside-services a fresh topic, a task queue and a trace of its own */
import { randomBytes, randomUUID } from 'node:crypto';

import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { Redis } from 'ioredis';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { Pool } from 'pg';

import { eventually } from '../../harness/eventually';
import { loadConfig } from '../../src/config';
import { migrate } from '../../src/db/migrate';
import { transferSearchAttributes } from '../../src/domain/search-attributes';
import { createLogger } from '../../src/logger';
import { fixtureActivities } from '../fixtures/activities';
import { greet } from '../fixtures/workflows';

const config = loadConfig();
const logger = createLogger('warn');

describe('the local stack', () => {
  describe('PostgreSQL', () => {
    const pool = new Pool({ connectionString: config.postgres.url });
    afterAll(() => pool.end());

    it('after migrations has every table the saga needs, and migrating again changes nothing', async () => {
      await migrate(config, logger);
      await migrate(config, logger);
      const { rows } = await pool.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
      );
      expect(rows.map((row) => row.table_name)).toEqual(
        expect.arrayContaining([
          'accounts',
          'correction_log',
          'dlq_events',
          'idempotency_keys',
          'ledger_entries',
          'processed_events',
          'risk_logs',
          'risk_rule_hits',
          'rule_history',
          'rules',
          'transactions',
          'tx_history',
        ]),
      );
    });

    it('stores money as exact BIGINT minor units and refuses a negative balance', async () => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const accountId = `test-${randomUUID()}`;
        const beyondDoublePrecision = '9007199254740993';
        await client.query(
          `INSERT INTO accounts (account_id, owner_id, currency, balance, initial_balance) VALUES ($1, 'o', 'EUR', $2, $2)`,
          [accountId, beyondDoublePrecision],
        );
        const { rows } = await client.query<{ balance: string }>('SELECT balance FROM accounts WHERE account_id = $1', [
          accountId,
        ]);
        expect(rows[0]?.balance).toBe(beyondDoublePrecision);
        await expect(
          client.query('UPDATE accounts SET balance = -1 WHERE account_id = $1', [accountId]),
        ).rejects.toThrow(/accounts_balance_check/);
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
    });
  });

  describe('Redis', () => {
    const redis = new Redis(config.redis.url);
    afterAll(() => redis.quit());

    it('runs a Lua script atomically and keeps the TTL it sets', async () => {
      const key = `test:${randomUUID()}`;
      const script = `
        local total = redis.call('INCRBY', KEYS[1], ARGV[1])
        redis.call('EXPIRE', KEYS[1], ARGV[2])
        return {total, redis.call('TTL', KEYS[1])}`;
      expect(await redis.eval(script, 1, key, 5, 60)).toEqual([5, 60]);
      expect(await redis.eval(script, 1, key, 7, 60)).toEqual([12, 60]);
      await redis.del(key);
    });
  });

  describe('Kafka', () => {
    const kafka = new Kafka({ clientId: 'stack-test', brokers: config.kafka.brokers, logLevel: logLevel.NOTHING });

    it('delivers a produced record, with its key and headers, to a consumer of a fresh topic', async () => {
      const topic = `test.roundtrip.${randomUUID()}`;
      const admin = kafka.admin();
      const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
      const consumer = kafka.consumer({ groupId: `test-${randomUUID()}` });
      try {
        await admin.connect();
        expect(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true })).toBe(true);
        await producer.connect();
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        const received = new Promise<{ key?: string; value?: string; header?: string }>((resolve) => {
          void consumer.run({
            eachMessage: async ({ message }) => {
              resolve({
                key: message.key?.toString(),
                value: message.value?.toString(),
                header: message.headers?.eventId?.toString(),
              });
            },
          });
        });
        await producer.send({
          topic,
          acks: -1,
          messages: [{ key: 'account-1', value: '{"hello":"kafka"}', headers: { eventId: 'e-1' } }],
        });
        expect(await received).toEqual({ key: 'account-1', value: '{"hello":"kafka"}', header: 'e-1' });
      } finally {
        await consumer.disconnect();
        await producer.disconnect();
        await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
        await admin.disconnect();
      }
    });
  });

  describe('Temporal dev server', () => {
    let connection: Connection;
    beforeAll(async () => {
      connection = await Connection.connect({ address: config.temporal.address });
    });
    afterAll(() => connection.close());

    it('runs a workflow and its activity on a worker', async () => {
      const taskQueue = `test-${randomUUID()}`;
      const workerConnection = await NativeConnection.connect({ address: config.temporal.address });
      const worker = await Worker.create({
        connection: workerConnection,
        namespace: config.temporal.namespace,
        taskQueue,
        workflowsPath: require.resolve('../fixtures/workflows'),
        activities: fixtureActivities,
      });
      const client = new Client({ connection, namespace: config.temporal.namespace });
      try {
        const result = await worker.runUntil(
          client.workflow.execute(greet, { taskQueue, workflowId: `test-greet-${randomUUID()}`, args: ['temporal'] }),
        );
        expect(result).toBe('hello, TEMPORAL');
      } finally {
        await workerConnection.close();
      }
    });

    it('has the search attributes of the design registered', async () => {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({
        namespace: config.temporal.namespace,
      });
      for (const key of Object.values(transferSearchAttributes)) {
        expect(customAttributes).toHaveProperty(key.name);
      }
    });
  });

  describe('Zipkin (--with-observability)', () => {
    const zipkin = process.env.ZIPKIN_URL ?? `http://127.0.0.1:${process.env.ZIPKIN_PORT ?? 9411}`;

    it('keeps a span it is sent and answers it by trace id', async () => {
      const traceId = randomBytes(16).toString('hex');
      const span = {
        traceId,
        id: randomBytes(8).toString('hex'),
        name: 'stack-test',
        timestamp: Date.now() * 1000,
        duration: 1500,
        localEndpoint: { serviceName: 'transfer-saga-stack-test' },
      };
      const sent = await fetch(`${zipkin}/api/v2/spans`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([span]),
      });
      expect(sent.status).toBe(202);
      const trace = await eventually(async () => {
        const answer = await fetch(`${zipkin}/api/v2/trace/${traceId}`);
        return answer.ok ? ((await answer.json()) as Array<{ id: string; name: string }>) : undefined;
      }, 10_000);
      expect(trace).toEqual([expect.objectContaining({ id: span.id, name: 'stack-test' })]);
    });
  });
});
