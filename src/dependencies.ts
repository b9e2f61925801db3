import { IncomingWebhook } from '@slack/webhook';
import { Client, Connection } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { Redis } from 'ioredis';
import { type Admin, Kafka, logLevel as KafkaLogLevel, type LogEntry, Partitioners } from 'kafkajs';
import { Pool } from 'pg';
import { collectDefaultMetrics, Registry } from 'prom-client';

import { AuditLog } from './audit/audit-log';
import { OperationsReads } from './operations/operations-reads';
import { HttpPaymentRail } from './rails/http-rail';
import { BusinessProfiles } from './remittances/business-profiles';
import type { PaymentRail } from './rails/payment-rail';
import { RemittanceLedger } from './remittances/remittance-ledger';
import { RemittanceReads } from './remittances/remittance-reads';
import { ConfirmationCodes } from './verification/confirmation-codes';
import { HttpSmsSender } from './verification/http-sms-sender';
import type { VerificationSender } from './verification/verification-sender';
import { ReviewClaims } from './reviews/review-claims';
import { StaffDirectory } from './staff/staff-directory';
import type { Config } from './config';
import { RecordSigner } from './events/signing';
import { EventPublisher } from './events/publisher';
import { EventFeed } from './feed/event-feed';
import { createMoneyStores, type MoneyStores } from './ledger';
import type { Logger } from './logger';
import { encryptedDataConverter } from './payload-encryption';
import { createRiskServices, type RiskServices } from './risk';
import { createServiceMetrics, type ServiceMetrics } from './service-metrics';
import { activeTracing } from './tracing';
import { kafkaTransport, postgresConnection, redisOptions, temporalConnection } from './transport';

/** Where operator alerts go: a Slack incoming webhook, or the log when none is configured. */
export interface SlackSender {
  send(message: { text: string; blocks?: unknown[] }): Promise<void>;
}

/**
 * Every long-lived client of the process, built once from the validated config by
 * {@link createDependencies}. Roles (api, worker, consumers) and activities receive what they need
 * from here; nothing else constructs a client.
 */
export interface Dependencies extends MoneyStores {
  config: Config;
  logger: Logger;
  metrics: Registry;
  postgres: Pool;
  redis: Redis;
  kafka: Kafka;
  /** Every Kafka write of the process goes through this one serialised publisher. */
  events: EventPublisher;
  /** Signs what `events` sends; consumers check each record with it before they act. */
  signer: RecordSigner;
  /** Who did what through the API (and the dead-letter tool), hash-chained. */
  audit: AuditLog;
  kafkaAdmin: Admin;
  temporal: Client;
  slack: SlackSender;
  /** The business figures (transfers, risk, dead letters, alerts, drift), in `metrics`. */
  serviceMetrics: ServiceMetrics;
  /** Rules, the risk engine and its provenance log. */
  risk: RiskServices;
  /** The per-account live feed in Redis (written by the live-feed consumer, read by the stream API). */
  feed: EventFeed;
  /** Console accounts: who may sign in, with which role, and their lockout state. */
  staff: StaffDirectory;
  /** Who works which case of the review queue. */
  claims: ReviewClaims;
  /** The console's reads of events, corrections, repairs and recent figures. */
  operations: OperationsReads;
  /** Business remittances: the write model the saga keeps, and what the API reads. */
  remittances: RemittanceLedger;
  remittanceReads: RemittanceReads;
  businessProfiles: BusinessProfiles;
  /** The bank rail remittances go over (the local simulator unless configured otherwise). */
  rail: PaymentRail;
  /** Step-up one-time codes: their hashes and outcomes in PostgreSQL, and the SMS gateway they go through. */
  confirmationCodes: ConfirmationCodes;
  verificationSender: VerificationSender;
  /** Closes every client, in the reverse order of creation. */
  close(): Promise<void>;
}

/** A dependency that failed the process's start-up; the message names it and where it was looked for. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

/**
 * Runs a start-up step against one dependency (connecting, migrating) and, if it fails, says which
 * dependency at which address (credentials left out): the clients' own errors ("Connection is
 * closed.", "Failed to connect before the deadline") do not say what to bring up.
 */
export async function atStartup<T>(dependency: string, address: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw new StartupError(
      `${dependency} at ${withoutCredentials(address)} failed at start-up: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

function withoutCredentials(address: string): string {
  try {
    const url = new URL(address);
    return `${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return address;
  }
}

/**
 * Builds every client once. With `kafkaAtStartup` (the default) Kafka must answer now; without it (a
 * process whose roles only read Kafka's health: the API and the worker) Kafka is reached when first
 * needed, so those roles start and serve while Kafka is down.
 */
export async function createDependencies(
  config: Config,
  logger: Logger,
  { kafkaAtStartup = true }: { kafkaAtStartup?: boolean } = {},
): Promise<Dependencies> {
  const closers: Array<() => Promise<unknown>> = [];
  try {
    const metrics = new Registry();
    collectDefaultMetrics({ register: metrics });
    const serviceMetrics = createServiceMetrics(metrics);

    // Bounded waits: a stopped PostgreSQL must fail an activity attempt, not hang it.
    const postgres = new Pool({
      ...postgresConnection(config),
      max: 20,
      connectionTimeoutMillis: 5000,
      query_timeout: 10_000,
    });
    // An idle client losing its connection (PostgreSQL restarted) must not crash the process.
    postgres.on('error', (error) => logger.warn({ err: error }, 'idle PostgreSQL client failed'));
    closers.push(() => postgres.end());
    // The audit trail appends one row at a time under a lock; on connections of its own, a burst of
    // writes waiting for it never holds up the money path's pool.
    const auditPool = new Pool({ ...postgresConnection(config), max: 2, connectionTimeoutMillis: 5000 });
    auditPool.on('error', (error) => logger.warn({ err: error }, 'idle PostgreSQL client of the audit trail failed'));
    closers.push(() => auditPool.end());

    const redis = new Redis(config.redis.url, { ...redisOptions(config), lazyConnect: true, maxRetriesPerRequest: 3 });
    redis.on('error', (error: Error) => logger.warn({ err: error }, 'Redis connection error'));
    await atStartup('Redis', config.redis.url, () => redis.connect());
    closers.push(() => redis.quit());

    const kafka = new Kafka({
      clientId: config.kafka.clientId,
      brokers: config.kafka.brokers,
      ...kafkaTransport(config),
      logLevel: KafkaLogLevel.WARN,
      logCreator: () => (entry: LogEntry) => logKafka(logger, entry),
    });
    const createProducer = () =>
      kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    const brokers = config.kafka.brokers.join(',');
    const signer = new RecordSigner(config.eventSigning);
    const events = kafkaAtStartup
      ? await atStartup('Kafka', brokers, () => EventPublisher.connect(createProducer, signer))
      : EventPublisher.lazy(createProducer, signer);
    closers.push(() => events.close());
    const kafkaAdmin = kafka.admin();
    if (kafkaAtStartup) await atStartup('Kafka', brokers, () => kafkaAdmin.connect());
    closers.push(() => kafkaAdmin.disconnect());

    const connection = await atStartup('Temporal', config.temporal.address, () =>
      Connection.connect(temporalConnection(config)),
    );
    closers.push(() => connection.close());
    const temporal = new Client({
      connection,
      namespace: config.temporal.namespace,
      dataConverter: encryptedDataConverter(config.temporal.payloadKeys),
      // Traces on: a workflow start carries the caller's trace in its headers, so the saga joins it.
      interceptors: activeTracing() ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : undefined,
    });

    const slack = countedSlack(
      createSlackSender(config.slack.webhookUrl, logger),
      serviceMetrics,
      config.slack.webhookUrl ? 'sent' : 'logged',
    );

    return {
      config,
      logger,
      metrics,
      serviceMetrics,
      postgres,
      redis,
      kafka,
      events,
      signer,
      kafkaAdmin,
      temporal,
      slack,
      ...createMoneyStores(postgres, redis),
      audit: new AuditLog(auditPool),
      risk: createRiskServices(postgres, redis, config.risk),
      feed: new EventFeed(redis),
      staff: new StaffDirectory(postgres),
      claims: new ReviewClaims(postgres),
      operations: new OperationsReads(postgres),
      remittances: new RemittanceLedger(postgres),
      remittanceReads: new RemittanceReads(postgres),
      businessProfiles: new BusinessProfiles(postgres),
      rail: new HttpPaymentRail(config.rail),
      confirmationCodes: new ConfirmationCodes(postgres),
      verificationSender: new HttpSmsSender({ ...config.sms, from: config.sms.senderId }),
      close: () => closeAll(closers, logger),
    };
  } catch (error) {
    await closeAll(closers, logger);
    throw error;
  }
}

async function closeAll(closers: Array<() => Promise<unknown>>, logger: Logger): Promise<void> {
  for (const close of closers.reverse()) {
    await close().catch((error: unknown) => logger.warn({ err: error }, 'closing a client failed'));
  }
}

function createSlackSender(webhookUrl: string | undefined, logger: Logger): SlackSender {
  if (webhookUrl === undefined) {
    return {
      send: async (message) => {
        logger.info({ slack: message }, 'Slack alert (no SLACK_WEBHOOK_URL set, so logged instead)');
      },
    };
  }
  // The webhook client retries nothing itself; callers (activities, the notifier) own retries.
  const webhook = new IncomingWebhook(webhookUrl, { timeout: 5000 });
  return {
    send: async (message) => {
      await webhook.send(message as Parameters<IncomingWebhook['send']>[0]);
    },
  };
}

/** Counts every alert by how it went: sent (or logged, for want of a webhook), or failed. */
function countedSlack(sender: SlackSender, metrics: ServiceMetrics, delivered: 'sent' | 'logged'): SlackSender {
  return {
    send: async (message) => {
      try {
        await sender.send(message);
        metrics.slackAlerts.inc({ outcome: delivered });
      } catch (error) {
        metrics.slackAlerts.inc({ outcome: 'failed' });
        throw error;
      }
    },
  };
}

function logKafka(logger: Logger, { level, log }: LogEntry): void {
  const { message, ...context } = log;
  const child = logger.child({ component: 'kafkajs', ...context });
  if (level === KafkaLogLevel.ERROR || level === KafkaLogLevel.NOTHING) child.error(message);
  else if (level === KafkaLogLevel.WARN) child.warn(message);
  else child.debug(message);
}
