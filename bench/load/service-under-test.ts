import { randomUUID } from 'node:crypto';

import { issueToken } from '../../src/api/tokens';
import { type Config, loadConfig } from '../../src/config';
import type { Role } from '../../src/domain/roles';
import { PROCESSES } from '../../src/processes';
import { freePort } from '../../harness/free-port';
import { SlackReceiver } from '../../harness/slack-receiver';
import { ServiceProcess } from '../../harness/worker-process';
import { childPid } from './process-cpu';
import { sleep } from './async';

/** An account the benchmark opened, and the customer who owns it (and so may send from it). */
export interface BenchAccount {
  accountId: string;
  owner: string;
}

/** What one POST /v1/transfers answered: the status (or why there was none) and the transfer it accepted. */
export interface SubmitOutcome {
  status: number | 'no answer';
  transferId?: string;
  /** The start of an unexpected answer's body, or the failure, for the report's error samples. */
  detail?: string;
}

/** A request that has not answered by then counts as an error; the open loop keeps going regardless. */
const REQUEST_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 60_000;
/** Tokens are re-signed well before their hour runs out, so a long ladder never sends an expired one. */
const TOKEN_REFRESH_MS = 30 * 60_000;

/**
 * The service as `npm start` runs it: one child process, `src/main.ts` with every role, on a free port
 * of 127.0.0.1, alerting a local Slack stand-in. Callers reach it only through its REST API.
 */
export class ServiceUnderTest {
  private readonly tokens = new Map<string, { token: string; signedAt: number }>();

  private constructor(
    readonly url: string,
    readonly pid: number,
    private readonly auth: Config['auth'],
    private readonly process: ServiceProcess,
    private readonly slack: SlackReceiver,
  ) {}

  /** Starts the process, with `settings` over the benchmark's own, and waits until every role reports ready. */
  static async start(settings: Record<string, string> = {}): Promise<ServiceUnderTest> {
    const slack = await SlackReceiver.start();
    try {
      const port = await freePort();
      const env = {
        ...process.env,
        PORT: String(port),
        // The benchmark reads no metrics; a free admin port keeps it off whatever serves the default one.
        ADMIN_PORT: '0',
        TEMPORAL_WORKER_METRICS_PORT: '0',
        SLACK_WEBHOOK_URL: slack.url,
        // The offered rates go far past a customer's budget, on purpose.
        RATE_LIMIT_TRANSFERS_PER_MINUTE: '1000000',
        RATE_LIMIT_REQUESTS_PER_MINUTE: '1000000',
        ...settings,
      };
      const config = loadConfig(env);
      // A crash of this benchmark must not leave the service running behind it.
      process.once('exit', () => ServiceProcess.killAll());
      const service = await ServiceProcess.start([...PROCESSES], env);
      const pid = childPid('src/main.ts');
      if (pid === undefined) {
        await service.stop();
        throw new Error('the service process started, but its pid was not found under this process');
      }
      return new ServiceUnderTest(`http://127.0.0.1:${port}`, pid, config.auth, service, slack);
    } catch (error) {
      await slack.stop();
      throw error;
    }
  }

  /** Drains the service (SIGTERM), killing it if it has not exited within a minute, then the Slack stand-in. */
  async stop(): Promise<void> {
    const drained = this.process.stop().then(() => true);
    if (!(await Promise.race([drained, sleep(STOP_TIMEOUT_MS).then(() => false)]))) {
      console.warn(`the service did not drain within ${STOP_TIMEOUT_MS / 1000} s; killing it`);
      await this.process.stop('SIGKILL');
    }
    await this.slack.stop();
  }

  /** A JWT for `sub` in `role` that the service accepts (HS256, the configured secret). */
  token(sub: string, role: Role): string {
    const key = `${role}:${sub}`;
    const cached = this.tokens.get(key);
    if (cached && Date.now() - cached.signedAt < TOKEN_REFRESH_MS) return cached.token;
    const token = issueToken(this.auth, { sub, role });
    this.tokens.set(key, { token, signedAt: Date.now() });
    return token;
  }

  /** Opens `count` funded EUR accounts, each with an owner of its own, as SUPER_ADMIN. */
  async openAccounts(count: number, initialBalance: number): Promise<BenchAccount[]> {
    const run = randomUUID().slice(0, 8);
    const accounts: BenchAccount[] = [];
    for (let index = 0; index < count; index++) {
      const account = { accountId: `bench-${run}-${index}`, owner: `bench-${run}-owner-${index}` };
      const response = await fetch(`${this.url}/v1/accounts`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.token('bench-admin', 'SUPER_ADMIN')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ accountId: account.accountId, ownerId: account.owner, currency: 'EUR', initialBalance }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      if (response.status !== 201) {
        throw new Error(`opening ${account.accountId} answered ${response.status}: ${await response.text()}`);
      }
      accounts.push(account);
    }
    return accounts;
  }

  /** POST /v1/transfers as the owner of the source account, with a fresh Idempotency-Key; never rejects. */
  async submitTransfer(from: BenchAccount, to: BenchAccount, amount: number): Promise<SubmitOutcome> {
    try {
      const response = await fetch(`${this.url}/v1/transfers`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.token(from.owner, 'USER')}`,
          'content-type': 'application/json',
          'idempotency-key': randomUUID(),
        },
        body: JSON.stringify({ fromAccountId: from.accountId, toAccountId: to.accountId, amount, currency: 'EUR' }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await response.text();
      if (response.status !== 202) return { status: response.status, detail: text.slice(0, 200) };
      return { status: 202, transferId: (JSON.parse(text) as { transferId: string }).transferId };
    } catch (error) {
      return { status: 'no answer', detail: (error as Error).message };
    }
  }
}
