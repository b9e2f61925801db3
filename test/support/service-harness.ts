import { randomUUID } from 'node:crypto';

import { Client, WorkflowNotFoundError } from '@temporalio/client';

import { startApi, type RunningApi } from '../../src/api/server';
import { issueToken } from '../../src/api/tokens';
import {
  type Config,
  DEVELOPMENT_RAIL_API_KEY,
  DEVELOPMENT_RAIL_CALLBACK_SECRET,
  DEVELOPMENT_SMS_API_KEY,
  loadConfig,
  loadTracingSettings,
} from '../../src/config';
import { migrate } from '../../src/db/migrate';
import { createDependencies, type Dependencies } from '../../src/dependencies';
import type { Role } from '../../src/domain/roles';
import { syncWorkflowId, transferWorkflowId } from '../../src/domain/temporal';
import { isTerminal, type SagaState, type TransferStatus } from '../../src/domain/transfer';
import { ensureTopics } from '../../src/events/publisher';
import type { PostgresLedger } from '../../src/ledger/postgres-ledger';
import type { RedisBalances } from '../../src/ledger/redis-balances';
import { createLogger } from '../../src/logger';
import { startTracing, type Tracing } from '../../src/tracing';
import { freePort } from '../../harness/free-port';
import { RailSimulator } from '../../harness/rail-simulator';
import { SlackReceiver } from '../../harness/slack-receiver';
import { SmsGateway } from '../../harness/sms-gateway';
import { ServiceProcess } from '../../harness/worker-process';

export interface HttpAnswer<T = Record<string, unknown>> {
  status: number;
  contentType: string;
  body: T;
}

/**
 * The whole service against the real local stack: the API in this process (port 0), the worker as
 * a child process, Slack as a local receiver. Forward steps retry at 500 ms instead of 10 s, a
 * killed worker's task moves on after 3 s instead of 10 s and its consumer groups after 6 s, so that
 * failure paths finish within a test; everything else is the production code path.
 */
export class ServiceHarness {
  readonly balances: RedisBalances;
  readonly ledger: PostgresLedger;

  private constructor(
    readonly config: Config,
    readonly env: NodeJS.ProcessEnv,
    readonly dependencies: Dependencies,
    readonly api: RunningApi,
    readonly slack: SlackReceiver,
    /** The bank rail remittances go over, one per harness, so a test's knobs touch only its own. */
    readonly rail: RailSimulator,
    /** Where the step-up codes go, one per harness, so a test reads only its own messages. */
    readonly sms: SmsGateway,
    private workerProcess: ServiceProcess | undefined,
    private readonly tracing: Tracing | undefined,
  ) {
    this.ledger = dependencies.ledger;
    this.balances = dependencies.balances;
  }

  /**
   * Starts the API, and the worker process unless `worker: false`: a file that only asks the API for
   * refusals (no saga to run) needs none, and, polling nothing, it can run beside another file's service.
   */
  static async start(
    overrides: Record<string, string> = {},
    { worker: withWorker = true }: { worker?: boolean } = {},
  ): Promise<ServiceHarness> {
    const slack = await SlackReceiver.start();
    const rail = await RailSimulator.start({
      apiKey: DEVELOPMENT_RAIL_API_KEY,
      callbackSecret: DEVELOPMENT_RAIL_CALLBACK_SECRET,
    });
    const sms = await SmsGateway.start({ apiKey: DEVELOPMENT_SMS_API_KEY });
    const env: Record<string, string | undefined> = {
      // The worker's Temporal SDK metrics, where this harness can read them.
      TEMPORAL_WORKER_METRICS_PORT: String(await freePort()),
      ...process.env,
      LOG_LEVEL: 'warn',
      // Several APIs run in one test process; each finds its admin port as api.adminUrl.
      ADMIN_PORT: '0',
      SLACK_WEBHOOK_URL: slack.url,
      RAIL_URL: rail.url,
      SMS_GATEWAY_URL: sms.url,
      // A late callback is asked about after 2 s instead of a minute.
      REMITTANCE_CALLBACK_TIMEOUT_MS: '2000',
      SAGA_FORWARD_RETRY_INTERVAL_MS: '500',
      // A killed worker's tasks move to the next worker after 3 s instead of 10 s.
      TEMPORAL_WORKFLOW_TASK_TIMEOUT_MS: '3000',
      TEMPORAL_STICKY_QUEUE_TIMEOUT_MS: '3000',
      // A killed worker's consumer groups move on after 6 s (the broker's minimum) instead of 10 s.
      KAFKA_CONSUMER_SESSION_TIMEOUT_MS: '6000',
      // Tests share callers (every account is opened as \`admin\`) and loopback across files within a minute.
      RATE_LIMIT_TRANSFERS_PER_MINUTE: '1000000',
      RATE_LIMIT_REQUESTS_PER_MINUTE: '1000000',
      RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: '1000000',
      RATE_LIMIT_SIGN_INS_PER_MINUTE: '1000000',
      ...overrides,
    };
    const config = loadConfig(env);
    // Asked to trace (the tracing test, or a run that records traced histories), the API in this process
    // starts its sagas in a trace too; jest loads modules its own way, so only the workflow start is traced.
    const tracing = startTracing(loadTracingSettings(['api'], env));
    const logger = createLogger('warn');
    await migrate(config, logger);
    const dependencies = await createDependencies(config, logger);
    await ensureTopics(dependencies.kafkaAdmin, config.kafka.partitions);
    const api = await startApi(dependencies, 0);
    // The rail calls back the API of this harness (started on a free port just now).
    env.RAIL_CALLBACK_URL ??= `${api.url}/v1/rails/${config.rail.name}/callbacks`;
    const worker = withWorker ? await ServiceProcess.start(['worker', 'relay', 'consumers'], env) : undefined;
    return new ServiceHarness(config, env, dependencies, api, slack, rail, sms, worker, tracing);
  }

  async stop(): Promise<void> {
    await this.workerProcess?.stop();
    await this.api.stop();
    await this.dependencies.close();
    await this.slack.stop();
    await this.rail.stop();
    await this.sms.stop();
    await this.tracing?.shutdown();
  }

  /** Kills the worker without warning and starts a new one, as a crash and a supervisor would. */
  async crashAndRestartWorker(): Promise<void> {
    await this.restartWorker('SIGKILL');
  }

  /** Drains the worker and starts a new one with the harness's `env` as it is now, as a rolling deploy does. */
  async redeployWorker(): Promise<void> {
    await this.restartWorker('SIGTERM');
  }

  private async restartWorker(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    await this.worker.stop(signal);
    this.workerProcess = await ServiceProcess.start(['worker', 'relay', 'consumers'], this.env);
  }

  /** The worker, relay and consumers, as one child process. */
  get worker(): ServiceProcess {
    if (!this.workerProcess) throw new Error('this harness was started without a worker');
    return this.workerProcess;
  }

  token(sub: string, role: Role): string {
    return issueToken(this.config.auth, { sub, role });
  }

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
  ): Promise<HttpAnswer<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${this.api.url}${path}`, { method, headers, body });
    const text = await response.text();
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      body: (text ? JSON.parse(text) : {}) as T,
    };
  }

  /** Opens an account owned by `ownerId` through the API, as SUPER_ADMIN; `phone` is where its step-up codes go. */
  async openAccount(
    ownerId: string,
    initialBalance: number,
    currency = 'EUR',
    { phone }: { phone?: string } = {},
  ): Promise<string> {
    const accountId = `t-${ownerId}-${randomUUID().slice(0, 8)}`;
    const answer = await this.request('POST', '/v1/accounts', {
      token: this.token('admin', 'SUPER_ADMIN'),
      body: { accountId, ownerId, currency, initialBalance, ...(phone ? { phone } : {}) },
    });
    if (answer.status !== 201)
      throw new Error(`opening ${accountId} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return accountId;
  }

  /** Submits a transfer as the owner of the source account; answers the API's reply. */
  submit(
    owner: string,
    body: { fromAccountId: string; toAccountId: string; amount: number | string; currency?: string; memo?: string },
    key: string = randomUUID(),
  ): Promise<HttpAnswer<{ transferId: string; status: TransferStatus }>> {
    return this.request('POST', '/v1/transfers', {
      token: this.token(owner, 'USER'),
      headers: { 'Idempotency-Key': key },
      body: { currency: 'EUR', ...body },
    });
  }

  /** The latest one-time code the SMS gateway received for `phone`, once one has arrived. */
  async codeSentTo(phone: string, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const code = this.sms.lastCodeTo(phone);
      if (code !== undefined) return code;
      if (Date.now() > deadline) throw new Error(`no code reached ${phone} within ${timeoutMs} ms`);
      await new Promise((wake) => setTimeout(wake, 100));
    }
  }

  /**
   * Waits until both PostgreSQL and the running saga (its `status` query) show the transfer in `wanted`
   * (e.g. UNDER_REVIEW): the row changes one workflow task before the saga's own state does.
   */
  async waitForStatus(transferId: string, wanted: TransferStatus, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const saga = this.dependencies.temporal.workflow.getHandle(transferWorkflowId(transferId));
    for (;;) {
      const status = (await this.dependencies.reads.getTransfer(transferId))?.status;
      if (status === wanted && (await saga.query<SagaState>('status')).status === wanted) return;
      if (Date.now() > deadline) throw new Error(`transfer ${transferId} is ${status}, never became ${wanted}`);
      await new Promise((wake) => setTimeout(wake, 200));
    }
  }

  /**
   * Waits until every transfer is over: PostgreSQL shows it terminal, its saga has closed, and a repair
   * it handed to syncCompensation has finished. The row turns terminal inside the step that settles or
   * closes it, before Redis follows, so money is only comparable once the workflows are done.
   */
  async waitForTerminal(transferIds: string[], timeoutMs = 60_000): Promise<Map<string, TransferStatus>> {
    const deadline = Date.now() + timeoutMs;
    const statuses = await this.waitForTerminalRows(transferIds, deadline, timeoutMs);
    const closed = Promise.all(transferIds.map((transferId) => this.waitForWorkflows(transferId)));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`sagas or their repairs still running after ${timeoutMs} ms`)),
        Math.max(0, deadline - Date.now()),
      );
    });
    try {
      await Promise.race([closed, late]);
    } finally {
      clearTimeout(timer);
    }
    return statuses;
  }

  private async waitForTerminalRows(
    transferIds: string[],
    deadline: number,
    timeoutMs: number,
  ): Promise<Map<string, TransferStatus>> {
    for (;;) {
      const { rows } = await this.dependencies.postgres.query<{ transferId: string; status: TransferStatus }>(
        `SELECT transfer_id AS "transferId", status FROM transactions WHERE transfer_id = ANY($1::uuid[])`,
        [transferIds],
      );
      const statuses = new Map(rows.map((row) => [row.transferId, row.status]));
      if (transferIds.every((id) => statuses.has(id) && isTerminal(statuses.get(id) as TransferStatus)))
        return statuses;
      if (Date.now() > deadline) {
        const open = transferIds.filter((id) => !isTerminal(statuses.get(id) ?? 'PENDING'));
        throw new Error(
          `${open.length} transfers still not terminal after ${timeoutMs} ms, e.g. ${open.slice(0, 3).join(', ')}`,
        );
      }
      await new Promise((wake) => setTimeout(wake, 250));
    }
  }

  /**
   * The saga's result, then the repair's if the saga (or the consumer, or the sweep) started one; a
   * transfer repaired from a Kafka request may have no saga at all. Through a client of its own, so a
   * test that spies on the service's client sees only the service's calls.
   */
  private async waitForWorkflows(transferId: string): Promise<void> {
    const { connection, options } = this.dependencies.temporal;
    const { workflow } = new Client({ connection, namespace: options.namespace, dataConverter: options.dataConverter });
    for (const workflowId of [transferWorkflowId(transferId), syncWorkflowId(transferId)]) {
      try {
        await workflow.getHandle(workflowId).result();
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
    }
  }
}
