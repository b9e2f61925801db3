/**
 * `npm run test:faults -- [--profile short|long] [--seed N] [--seconds S] [--accounts N] [--break <safeguard>]`:
 * a bank test in the manner of Jepsen's.
 *
 * Opens N accounts with a known total, drives concurrent transfers through the REST API (random pairs
 * and amounts, some overdrawn, some that trip BLOCK or REVIEW rules, reviews decided or left to time
 * out, duplicate submissions; some sent from Seoul and Lisbon in turn, an impossible trip that a STEP_UP
 * rule makes the sender confirm with a code from the run's own SMS gateway — confirmed, declined or left
 * to expire) while a seeded schedule of faults hits the processes it started — the API, the worker and
 * the consumers killed and restarted — and the services — Redis flushed and restarted, Kafka, PostgreSQL
 * and the Temporal dev server restarted with their data, Slack failing, the SMS gateway down — and the
 * worker losing the results of activities it ran (./hooks). Every 500 ms it reads all balances in one
 * PostgreSQL snapshot; after healing it waits for every acknowledged transfer to end and checks the bank
 * invariants, the events on Kafka (the terminal ones, and a step-up's path) and the replay of every
 * closed workflow history. Prints a table, the step-ups' figures among it; exits 1 on any violation.
 *
 * `--break <safeguard>` runs the worker without one safeguard (./hooks) and opens with the fault that
 * needs it: the checker is checked, so the run passes only when it reports violations.
 */
import { performance } from 'node:perf_hooks';

import { DefaultLogger, Runtime } from '@temporalio/worker';

import { moneyViolations, remittanceMoneyViolations } from '../../harness/conservation';
import { freePort } from '../../harness/free-port';
import { seededRandom } from '../../harness/seeded-random';
import { DEV_RAIL_API_KEY, DEV_RAIL_CALLBACK_SECRET, RailSimulator } from '../../harness/rail-simulator';
import { SlackReceiver } from '../../harness/slack-receiver';
import { SmsGateway } from '../../harness/sms-gateway';
import { readEventsBetween, topicMarks } from '../../harness/topic-records';
import { ServiceProcess } from '../../harness/worker-process';
import { DEVELOPMENT_SMS_API_KEY, loadConfig } from '../../src/config';
import { migrate } from '../../src/db/migrate';
import { createDependencies } from '../../src/dependencies';
import { ensureTopics } from '../../src/events/publisher';
import { createLogger } from '../../src/logger';
import { apiClient, closeBank, openBank } from './bank';
import { eventViolations, remittanceEventViolations, replayViolations, watchBalances } from './checks';
import { FaultSchedule } from './faults';
import { type Options, parseOptions } from './options';
import { awaitQuiescence } from './quiescence';
import { printTable, verdict } from './report';
import { Load, SUBMITTERS } from './submitters';
import { Supervisor } from './supervisor';

async function main(options: Options): Promise<number> {
  // However the run ends (a failed start throws out of here), no service process it started outlives it.
  process.on('exit', () => ServiceProcess.killAll());
  // The replay check runs a Temporal worker here; its routine log would bury the table.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  // Two streams: the fault schedule draws only from its own, so the same seed gives the same faults in
  // the same order however the load happens to interleave.
  const next = seededRandom(options.seed ^ 0x9e3779b9);
  const nextFault = seededRandom(options.seed);
  console.log(
    `seed ${options.seed}: ${options.accounts} accounts, ${options.seconds} s of load and faults` +
      (options.break ? `, the worker without its ${options.break} safeguard` : ''),
  );

  const slack = await SlackReceiver.start();
  const rail = await RailSimulator.start({ apiKey: DEV_RAIL_API_KEY, callbackSecret: DEV_RAIL_CALLBACK_SECRET });
  // A gateway of the run's own: the codes the run's senders are texted are the run's to read.
  const sms = await SmsGateway.start({ apiKey: DEVELOPMENT_SMS_API_KEY });
  // A rail of the run's own, so its clearing account is the run's to compare with the simulator.
  const railName = `fault-${options.seed}`;
  const port = await freePort();
  const env = {
    ...process.env,
    LOG_LEVEL: 'warn',
    PORT: String(port),
    // A free one: the fault test reads no metrics, and a restarted API must not wait for the old one's port.
    ADMIN_PORT: '0',
    // Nor the SDK's: a worker started while the killed one's exporter still holds the port must not fail.
    TEMPORAL_WORKER_METRICS_PORT: '0',
    SLACK_WEBHOOK_URL: slack.url,
    RAIL_NAME: railName,
    RAIL_URL: rail.url,
    RAIL_CALLBACK_URL: `http://127.0.0.1:${port}/v1/rails/${railName}/callbacks`,
    SMS_GATEWAY_URL: sms.url,
    REMITTANCE_CALLBACK_TIMEOUT_MS: '3000',
    SAGA_FORWARD_RETRY_INTERVAL_MS: '1000',
    SAGA_REVIEW_TIMEOUT_MS: '15000',
    // Codes left unanswered expire within the run, not 5 minutes after it.
    CONFIRMATION_CODE_TTL_MS: '8000',
    // Six submitters on twenty accounts go far past a customer's budget, on purpose.
    RATE_LIMIT_TRANSFERS_PER_MINUTE: '1000000',
    RATE_LIMIT_REQUESTS_PER_MINUTE: '1000000',
  };
  const config = loadConfig(env);
  const logger = createLogger('silent');
  await migrate(config, logger);
  const dependencies = await createDependencies(config, logger);
  await ensureTopics(dependencies.kafkaAdmin, config.kafka.partitions);
  const supervisor = await Supervisor.start(env, options);
  const call = apiClient(port, config.auth);
  const bank = await openBank(call, options.accounts);
  const accountIds = bank.accounts.map((account) => account.id);

  const since = new Date();
  const marks = await topicMarks(dependencies.kafka);
  const violations: string[] = [];
  const deadline = performance.now() + options.seconds * 1000;
  const load = new Load(call, bank.accounts, next, deadline, violations);
  const snapshots = watchBalances(dependencies.postgres, accountIds, bank.funded, violations);
  const faults = new FaultSchedule(
    { supervisor, redis: dependencies.redis, slack, rail, sms },
    nextFault,
    deadline,
    options.seconds,
    options.break !== undefined,
  );

  const started = performance.now();
  await Promise.all([
    ...Array.from({ length: SUBMITTERS }, () => load.submitter()),
    load.remitter(bank.businesses),
    load.reviewer(),
    load.confirmer(sms, since),
    faults.run(),
  ]);
  // The last heal: every role killed has come back.
  await supervisor.healed();
  const healedAt = performance.now();

  const transferIds = load.transferIds();
  const remittanceIds = load.remittanceIds();
  const { statuses, remittanceStatuses, stepUps } = await awaitQuiescence(
    dependencies,
    { accounts: bank.accounts, transferIds, businesses: bank.businesses, remittanceIds },
    healedAt,
    violations,
  );
  await rail.settled();
  const quiescentAfterSeconds = (performance.now() - healedAt) / 1000;
  snapshots.stop();
  supervisor.stopWatching();
  violations.push(...(await moneyViolations(dependencies.postgres, dependencies.balances, accountIds)));
  const held = (currency: string) => rail.positions().find((one) => one.currency === currency)?.held ?? 0;
  violations.push(
    ...(await remittanceMoneyViolations(
      dependencies.postgres,
      dependencies.balances,
      { name: railName, held },
      remittanceIds,
    )),
  );
  const published = await readEventsBetween(dependencies.kafka, marks, await topicMarks(dependencies.kafka));
  const events = eventViolations(published, statuses);
  violations.push(...events.violations, ...remittanceEventViolations(published, remittanceStatuses));
  const replay = await replayViolations(dependencies.temporal, since);
  violations.push(...replay.violations);

  printTable({
    seed: options.seed,
    loadSeconds: (healedAt - started) / 1000,
    submissions: load.submissions,
    acknowledged: transferIds.length,
    statuses,
    remittanceStatuses,
    stepUps,
    confirmer: load.confirmations,
    faultsInjected: faults.injected,
    snapshots,
    quiescentAfterSeconds,
    exitsOnTheirOwn: supervisor.exitsOnTheirOwn,
    failedStarts: supervisor.failedStarts,
    events,
    replayed: replay.replayed,
    violations,
  });

  await closeBank(call, bank);
  await supervisor.stopAll();
  await dependencies.close();
  await slack.stop();
  await rail.stop();
  await sms.stop();
  return verdict(options, violations.length, faults.failed);
}

main(parseOptions(process.argv.slice(2))).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
