/**
 * `npm run test:faults -- [--profile short|long] [--seed N] [--seconds S] [--accounts N] [--break <safeguard>]`:
 * a bank test in the manner of Jepsen's.
 *
 * Opens N accounts with a known total, drives concurrent transfers through the REST API (random pairs
 * and amounts, some overdrawn, some that trip BLOCK or REVIEW rules, reviews decided or left to time
 * out, duplicate submissions) while a seeded schedule of faults hits the processes it started — the API,
 * the worker and the consumers killed and restarted — and the services — Redis flushed and restarted,
 * Kafka, PostgreSQL and the Temporal dev server restarted with their data, Slack failing — and the
 * worker losing the results of activities it ran (./hooks). Every 500 ms it reads all balances in one
 * PostgreSQL snapshot; after healing it waits for every acknowledged transfer to end and checks the bank
 * invariants, the terminal events on Kafka and the replay of every closed workflow history. Prints a
 * table; exits 1 on any violation.
 *
 * `--break <safeguard>` runs the worker without one safeguard (./hooks) and opens with the fault that
 * needs it: the checker is checked, so the run passes only when it reports violations.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { DefaultLogger, Runtime } from '@temporalio/worker';
import jwt from 'jsonwebtoken';

import { loadConfig } from '../../src/config';
import { migrate } from '../../src/db/migrate';
import { createDependencies } from '../../src/dependencies';
import { isTerminal, type TransferStatus } from '../../src/domain/transfer';
import { OutboxStore } from '../../src/events/outbox';
import { ensureTopics } from '../../src/events/publisher';
import { createLogger } from '../../src/logger';
import { moneyViolations } from '../../harness/conservation';
import { freePort } from '../../harness/free-port';
import { readEventsBetween, topicMarks } from '../../harness/topic-records';
import { seededRandom } from '../../harness/seeded-random';
import { SlackReceiver } from '../../harness/slack-receiver';
import { ServiceProcess, StartFailed } from '../../harness/worker-process';
import { eventViolations, replayViolations } from './checks';
import { SAFEGUARDS, type Safeguard } from './hooks';

const FAULTS = [
  'kill api',
  'kill worker',
  'kill consumers',
  'kill relay',
  'flush and restart redis',
  'restart kafka',
  'kafka down 60 s',
  'restart postgres',
  'restart temporal',
  'slack failing',
  'lose activity results',
] as const;
type Fault = (typeof FAULTS)[number];

interface Options {
  seed: number;
  seconds: number;
  accounts: number;
  break?: Safeguard;
}

/** Short runs in the test line of the README; long is the soak to run before a release. */
const PROFILES = {
  // Long enough for a round of every fault kind, the minute without Kafka included.
  short: { seconds: 150, accounts: 20 },
  long: { seconds: 900, accounts: 50 },
};

/** Where the stack keeps its logs (git ignores it); a process that exited on its own leaves its log there. */
const LOGS = join(__dirname, '..', '..', '.stack', 'logs');

/**
 * Each of the six submitters sends at most one request this often: about 12 a second in all, well under
 * what the service settles with every fault healed, so the backlog a fault leaves drains and the run
 * tests correctness, not capacity (an answer takes milliseconds, so an unpaced loop would offer ~80/s).
 */
const SUBMIT_EVERY_MS = 500;

/** How often the supervisor starts a role that keeps exiting before it serves (each start waits ≤ 90 s). */
const START_ATTEMPTS = 10;

/** The last `count` lines of a process's output, indented for the run's log. */
function lastWords(output: string, count: number): string {
  return output.trim().split('\n').slice(-count).join('\n     ');
}

/** Keeps a service process's whole output (its last 20 kB) in .stack/logs for the post-mortem. */
function keepLog(name: string, output: string): string {
  const file = join(LOGS, `fault-test-${name}.log`);
  mkdirSync(LOGS, { recursive: true });
  writeFileSync(file, output);
  return file;
}

const stack = (command: 'up' | 'down', service: string) =>
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/stack.ts', command, service], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });

async function main(options: Options): Promise<number> {
  // However the run ends (a failed start throws out of here), no service process it started outlives it.
  process.on('exit', () => ServiceProcess.killAll());
  // The replay check runs a Temporal worker here; its routine log would bury the table.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  // Two streams: the fault schedule draws only from its own, so the same seed gives the same faults in
  // the same order however the load happens to interleave.
  const next = seededRandom(options.seed ^ 0x9e3779b9);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const nextFault = seededRandom(options.seed);
  console.log(
    `seed ${options.seed}: ${options.accounts} accounts, ${options.seconds} s of load and faults` +
      (options.break ? `, the worker without its ${options.break} safeguard` : ''),
  );

  const slack = await SlackReceiver.start();
  const port = await freePort();
  const env = {
    ...process.env,
    LOG_LEVEL: 'warn',
    PORT: String(port),
    SLACK_WEBHOOK_URL: slack.url,
    SAGA_FORWARD_RETRY_INTERVAL_MS: '1000',
    SAGA_REVIEW_TIMEOUT_MS: '15000',
  };
  const config = loadConfig(env);
  const logger = createLogger('silent');
  await migrate(config.postgres.url, logger);
  const dependencies = await createDependencies(config, logger);
  await ensureTopics(dependencies.kafkaAdmin, config.kafka.partitions);
  const roles = ['api', 'worker', 'relay', 'consumers'] as const;
  type Role = (typeof roles)[number];
  const serving: Partial<Record<Role, ServiceProcess>> = {};
  // A service exits, naming the dependency, when one it needs at start-up is down (PostgreSQL
  // restarting, say), or may not serve within the start timeout; like systemd's Restart=, the
  // supervisor tries again rather than giving up.
  const failedStarts: string[] = [];
  const startRole = async (role: Role): Promise<ServiceProcess> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const started = await ServiceProcess.start([role], env, {
          entry: 'scripts/fault-test/faulty-service.ts',
          args: role === 'worker' && options.break ? ['--break', options.break] : [],
        });
        serving[role] = started;
        return started;
      } catch (error) {
        if (attempt === START_ATTEMPTS || !(error instanceof StartFailed)) throw error;
        failedStarts.push(role);
        const logFile = keepLog(`${options.seed}-${role}-start-${failedStarts.length}`, error.output);
        console.log(
          `   ${error.how}: ${lastWords(error.output, 1).slice(0, 160)}\n     trying again in 2 s. Log: ${logFile}`,
        );
        await new Promise((wake) => setTimeout(wake, 2_000));
      }
    }
  };
  // A killed role is started again in the background (as a supervisor would), so the schedule moves on
  // while it comes up; the next fault on that role waits for it.
  const processes: Record<Role, Promise<ServiceProcess>> = {
    api: Promise.resolve(await startRole('api')),
    worker: Promise.resolve(await startRole('worker')),
    relay: Promise.resolve(await startRole('relay')),
    consumers: Promise.resolve(await startRole('consumers')),
  };
  // The supervisor: a role process that ends on its own (a service exits when it cannot go on, for its
  // supervisor to restart it) is reported with its last words and started again.
  const exitsOnTheirOwn: string[] = [];
  const supervisor = setInterval(() => {
    for (const role of roles) {
      const ended = serving[role]?.crashed;
      if (!ended) continue;
      const log = serving[role]?.log ?? '';
      delete serving[role];
      exitsOnTheirOwn.push(`${role} (${ended})`);
      // The run's output keeps only the last words; the whole log goes to a file.
      const logFile = keepLog(`${options.seed}-${role}-${exitsOnTheirOwn.length}`, log);
      console.log(
        `   ${role} exited on its own (${ended}); restarting it. Log: ${logFile}; its last lines:\n     ${lastWords(log, 5)}`,
      );
      processes[role] = startRole(role);
    }
  }, 1_000);
  const api = `http://127.0.0.1:${port}`;
  const token = (sub: string, role: string) => jwt.sign({ sub, role }, config.auth.jwtSecret, { expiresIn: '1h' });
  const call = async (method: string, path: string, sub: string, role: string, body?: unknown, key?: string) => {
    const response = await fetch(`${api}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token(sub, role)}`,
        'content-type': 'application/json',
        ...(key ? { 'Idempotency-Key': key } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: response.status, body: (await response.json().catch(() => ({}))) as Record<string, unknown> };
  };

  // Accounts, funded total, and the rules that make some transfers BLOCK or go to REVIEW.
  const run = randomUUID().slice(0, 8);
  const accounts = Array.from({ length: options.accounts }, (_, n) => ({
    id: `fault-${run}-${n}`,
    owner: `fault-${run}-o${n}`,
  }));
  for (const account of accounts) {
    await call('POST', '/v1/accounts', 'fault-admin', 'SUPER_ADMIN', {
      accountId: account.id,
      ownerId: account.owner,
      currency: 'EUR',
      initialBalance: 10_000,
    });
  }
  const funded = 10_000 * accounts.length;
  const ruleIds = [`fault-block-${run}`, `fault-review-${run}`];
  const quarter = Math.max(1, Math.floor(accounts.length / 4));
  await call('POST', '/v1/rules', 'fault-admin', 'SUPER_ADMIN', {
    ruleId: ruleIds[0],
    name: 'fault test: block large transfers of the first quarter',
    score: 100,
    action: 'BLOCK',
    condition: {
      all: [{ account: { side: 'from', in: accounts.slice(0, quarter).map((a) => a.id) } }, { amount: { gte: 2_500 } }],
    },
  });
  await call('POST', '/v1/rules', 'fault-admin', 'SUPER_ADMIN', {
    ruleId: ruleIds[1],
    name: 'fault test: review large transfers of the second quarter',
    score: 60,
    action: 'REVIEW',
    condition: {
      all: [
        { account: { side: 'from', in: accounts.slice(quarter, 2 * quarter).map((a) => a.id) } },
        { amount: { gte: 2_000 } },
      ],
    },
  });

  const acknowledged = new Map<string, string>();
  const since = new Date();
  const marks = await topicMarks(dependencies.kafka);
  const submissions = { attempted: 0, acknowledged: 0, refused: 0, failed: 0, duplicates: 0 };
  const sent: Array<{ owner: string; key: string; body: object }> = [];
  const faultsInjected = new Map<Fault, number>();
  const checks = { reads: 0, unavailable: 0 };
  const violations: string[] = [];
  const deadline = performance.now() + options.seconds * 1000;

  const submitter = async () => {
    while (performance.now() < deadline) {
      const paced = new Promise((wake) => setTimeout(wake, SUBMIT_EVERY_MS));
      const duplicate = sent.length > 0 && next() < 0.1;
      const request = duplicate
        ? pick(sent)
        : (() => {
            const from = pick(accounts);
            let to = pick(accounts);
            while (to === from) to = pick(accounts);
            const body = {
              fromAccountId: from.id,
              toAccountId: to.id,
              amount: 1 + Math.floor(next() * 3_000),
              currency: 'EUR',
            };
            return { owner: from.owner, key: randomUUID(), body };
          })();
      if (!duplicate) sent.push(request);
      submissions.attempted += 1;
      if (duplicate) submissions.duplicates += 1;
      try {
        const answer = await call('POST', '/v1/transfers', request.owner, 'USER', request.body, request.key);
        if (answer.status === 202) {
          const transferId = answer.body.transferId as string;
          const first = acknowledged.get(request.key);
          if (first !== undefined && first !== transferId) {
            violations.push(`Idempotency-Key ${request.key} answered transfer ${first}, then ${transferId}`);
          }
          acknowledged.set(request.key, transferId);
          submissions.acknowledged += duplicate ? 0 : 1;
        } else if (answer.status < 500) submissions.refused += 1;
        else {
          // A client backs off from a 5xx (503 asks for it) and retries the same key later.
          submissions.failed += 1;
          await new Promise((wake) => setTimeout(wake, 500));
        }
      } catch {
        submissions.failed += 1;
        await new Promise((wake) => setTimeout(wake, 200));
      }
      await paced;
    }
  };

  const reviewer = async () => {
    while (performance.now() < deadline) {
      try {
        const queue = await call('GET', '/v1/reviews?limit=100', 'fault-ops', 'OPS_AGENT');
        for (const item of (queue.body.items as Array<{ transferId: string }> | undefined) ?? []) {
          // Half are decided; the rest are left to time out.
          if (next() < 0.5) continue;
          await call('POST', `/v1/transfers/${item.transferId}/review`, 'fault-ops', 'OPS_AGENT', {
            decision: next() < 0.5 ? 'APPROVE' : 'REJECT',
            reason: 'fault test',
          });
        }
      } catch {
        // The API or PostgreSQL may be down; try again.
      }
      await new Promise((wake) => setTimeout(wake, 2_000));
    }
  };

  const checker = setInterval(() => {
    dependencies.postgres
      .query<{ total: string; lowest: string }>(
        'SELECT sum(balance)::text AS total, min(balance)::text AS lowest FROM accounts WHERE account_id = ANY($1)',
        [accounts.map((account) => account.id)],
      )
      .then(({ rows }) => {
        checks.reads += 1;
        const row = rows[0];
        if (row && BigInt(row.total) !== BigInt(funded))
          violations.push(`read ${checks.reads}: Σ ${row.total} ≠ ${funded}`);
        if (row && BigInt(row.lowest) < 0n) violations.push(`read ${checks.reads}: a balance is ${row.lowest}`);
      })
      .catch(() => {
        checks.unavailable += 1;
      });
  }, 500);

  // Rounds of every fault kind in a shuffled order, so any nine faults in a row cover every kind. A
  // broken safeguard shows only under the fault it guards against, so that run opens with that fault.
  function* schedule(): Generator<Fault> {
    if (options.break) yield 'lose activity results';
    for (;;) {
      const round = [...FAULTS];
      for (let i = round.length - 1; i > 0; i -= 1) {
        const j = Math.floor(nextFault() * (i + 1));
        [round[i], round[j]] = [round[j] as Fault, round[i] as Fault];
      }
      yield* round;
    }
  }
  let injectionFailed: string | undefined;
  const faults = async () => {
    const upcoming = schedule();
    while (performance.now() < deadline - 10_000) {
      await new Promise((wake) => setTimeout(wake, 2_000 + nextFault() * 3_000));
      const fault = upcoming.next().value as Fault;
      faultsInjected.set(fault, (faultsInjected.get(fault) ?? 0) + 1);
      console.log(`${((options.seconds * 1000 - (deadline - performance.now())) / 1000).toFixed(1)} s  ${fault}`);
      try {
        await inject(fault);
      } catch (error) {
        // The table would claim a fault that did not happen (or never healed): the run is void.
        injectionFailed = `${fault}: ${(error as Error).message}`;
        return;
      }
    }
  };
  const inject = async (fault: Fault) => {
    const restartRole = async (role: Role) => {
      await (await processes[role]).stop('SIGKILL');
      processes[role] = new Promise((wake) => setTimeout(wake, 1_000)).then(() => startRole(role));
    };
    const restartService = async (service: string, outage = 3_000) => {
      stack('down', service);
      await new Promise((wake) => setTimeout(wake, outage));
      stack('up', service);
    };
    if (fault === 'kill api') await restartRole('api');
    else if (fault === 'kill worker') await restartRole('worker');
    else if (fault === 'kill consumers') await restartRole('consumers');
    else if (fault === 'kill relay') await restartRole('relay');
    else if (fault === 'flush and restart redis') {
      await dependencies.redis.flushall();
      await restartService('redis', 1_000);
    } else if (fault === 'restart kafka') await restartService('kafka');
    // Sagas go on without Kafka (their events wait in the outbox); no process may die of it.
    else if (fault === 'kafka down 60 s') await restartService('kafka', 60_000);
    else if (fault === 'restart postgres') await restartService('postgres');
    else if (fault === 'restart temporal') await restartService('temporal');
    else if (fault === 'lose activity results') (await processes.worker).signal('SIGHUP');
    else {
      slack.failWith = 500;
      await new Promise((wake) => setTimeout(wake, 5_000));
      slack.failWith = undefined;
    }
  };

  const started = performance.now();
  await Promise.all([...Array.from({ length: 6 }, submitter), reviewer(), faults()]);
  // The last heal: every role killed has come back.
  await Promise.all(Object.values(processes));
  const healedAt = performance.now();

  const accountList = accounts.map((account) => `'${account.id}'`).join(', ');
  const sagasRunning = async (): Promise<boolean> => {
    try {
      const running = dependencies.temporal.workflow.list({
        query: `ExecutionStatus = 'Running' AND WorkflowType IN ('transferSaga', 'syncCompensation') AND FromAccount IN (${accountList})`,
        pageSize: 1,
      });
      for await (const execution of running) return execution !== undefined;
      return false;
    } catch {
      return true;
    }
  };

  // Quiescence: every acknowledged transfer ends, and its saga with it, within 2 minutes of the last heal.
  const transferIds = [...new Set(acknowledged.values())];
  let statuses = new Map<string, TransferStatus>();
  for (;;) {
    try {
      const { rows } = await dependencies.postgres.query<{ transferId: string; status: TransferStatus }>(
        'SELECT transfer_id AS "transferId", status FROM transactions WHERE transfer_id = ANY($1::uuid[])',
        [transferIds],
      );
      statuses = new Map(rows.map((row) => [row.transferId, row.status]));
    } catch {
      // PostgreSQL may still be coming back.
    }
    const open = transferIds.filter((id) => !isTerminal(statuses.get(id) ?? 'PENDING'));
    // PostgreSQL terminal is not the end: a compensation gives the Redis hold back after closing the row.
    if (open.length === 0 && !(await sagasRunning())) break;
    if (performance.now() - healedAt > 120_000) {
      violations.push(
        `${open.length} acknowledged transfers not terminal 2 minutes after the last heal, e.g. ${open[0]}`,
      );
      break;
    }
    await new Promise((wake) => setTimeout(wake, 500));
  }
  // The relay has published every committed event (the outbox may still hold the last minutes' worth).
  for (;;) {
    const { pending } = await new OutboxStore(dependencies.postgres).backlog().catch(() => ({ pending: -1 }));
    if (pending === 0) break;
    if (performance.now() - healedAt > 180_000) {
      violations.push(`the outbox still holds ${pending} unpublished events 3 minutes after the last heal`);
      break;
    }
    await new Promise((wake) => setTimeout(wake, 500));
  }
  const quiescentAfter = (performance.now() - healedAt) / 1000;
  clearInterval(checker);
  clearInterval(supervisor);
  violations.push(
    ...(await moneyViolations(
      dependencies.postgres,
      dependencies.balances,
      accounts.map((a) => a.id),
    )),
  );
  const events = eventViolations(
    await readEventsBetween(dependencies.kafka, marks, await topicMarks(dependencies.kafka)),
    statuses,
  );
  violations.push(...events.violations);
  const replay = await replayViolations(dependencies.temporal, since);
  violations.push(...replay.violations);

  const byStatus = new Map<string, number>();
  for (const status of statuses.values()) byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  const row = (name: string, value: string | number) => console.log(`${name.padEnd(36)} ${value}`);
  console.log('');
  row('seed', options.seed);
  row('load and faults', `${((healedAt - started) / 1000).toFixed(0)} s`);
  row('submissions (incl. duplicates)', submissions.attempted);
  row('  acknowledged (distinct)', transferIds.length);
  row('  duplicates sent', submissions.duplicates);
  row('  refused 4xx / failed 5xx or no answer', `${submissions.refused} / ${submissions.failed}`);
  for (const [status, count] of [...byStatus].sort()) row(`  ${status}`, count);
  for (const fault of FAULTS) row(`fault: ${fault}`, faultsInjected.get(fault) ?? 0);
  row('snapshot reads (PostgreSQL down)', `${checks.reads} (${checks.unavailable})`);
  row('time to quiescence', `${quiescentAfter.toFixed(1)} s`);
  row('processes that exited on their own', exitsOnTheirOwn.join(', ') || 0);
  row('starts that failed and were retried', failedStarts.join(', ') || 0);
  row('events (raw / after de-duplication)', `${events.raw} / ${events.distinct}`);
  row(
    '  raw duplicate rate',
    `${events.raw === 0 ? '0' : ((100 * (events.raw - events.distinct)) / events.raw).toFixed(2)} %`,
  );
  row('closed workflow histories replayed', replay.replayed);
  row('invariant violations', violations.length);
  for (const violation of violations.slice(0, 20)) console.log(`  ${violation}`);

  await call('DELETE', `/v1/rules/${ruleIds[0]}`, 'fault-admin', 'SUPER_ADMIN').catch(() => undefined);
  await call('DELETE', `/v1/rules/${ruleIds[1]}`, 'fault-admin', 'SUPER_ADMIN').catch(() => undefined);
  for (const child of Object.values(processes)) await (await child).stop();
  await dependencies.close();
  await slack.stop();
  if (injectionFailed) {
    console.log(`\nthe run is void: injecting or healing ${injectionFailed}`);
    return 1;
  }
  if (!options.break) return violations.length === 0 ? 0 : 1;
  console.log(
    violations.length > 0
      ? `\nthe checker caught the broken ${options.break} safeguard`
      : `\nthe checker MISSED the broken ${options.break} safeguard`,
  );
  return violations.length > 0 ? 0 : 1;
}

function parseOptions(args: string[]): Options {
  const text = (name: string) => {
    const at = args.indexOf(`--${name}`);
    return at < 0 ? undefined : args[at + 1];
  };
  const value = (name: string, fallback: number) => {
    const parsed = Number(text(name) ?? fallback);
    if (!Number.isSafeInteger(parsed) || parsed <= 0) throw new Error(`--${name} must be a positive integer`);
    return parsed;
  };
  const profile = text('profile') ?? 'short';
  if (!(profile in PROFILES)) throw new Error(`--profile must be one of ${Object.keys(PROFILES).join(', ')}`);
  const defaults = PROFILES[profile as keyof typeof PROFILES];
  const safeguard = text('break');
  if (safeguard !== undefined && !(safeguard in SAFEGUARDS)) {
    throw new Error(`--break must be one of ${Object.keys(SAFEGUARDS).join(', ')}`);
  }
  return {
    seed: value('seed', Date.now() % 1_000_000),
    seconds: value('seconds', defaults.seconds),
    accounts: value('accounts', defaults.accounts),
    ...(safeguard ? { break: safeguard as Safeguard } : {}),
  };
}

main(parseOptions(process.argv.slice(2))).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
