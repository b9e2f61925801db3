/**
 * `npm run histories:record -- <prefix> [--traced] [--only=<name start>]` saves, from the local dev server, the
 * newest closed history of each way a transfer or a remittance can end (and of the sync child and the retry
 * batch) as test/replay/histories/<prefix>-<name>.json; `--only=remittance` records the remittances' alone;
 * with `--traced`, the newest started in a trace (its start carries the trace header: run the suite with
 * OTEL_EXPORTER_ZIPKIN_ENDPOINT set, and the harness starts its sagas traced).
 * test/replay replays every saved history against the current workflow code, so a change that breaks
 * determinism fails CI. Record a new prefix whenever the saga gains a versioned branch (a `patched`
 * marker) after running the tests that exercise it; never re-record over an older prefix, since those
 * files stand for sagas that may still be running on today's workers.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { Client, Connection } from '@temporalio/client';

import { loadConfig } from '../src/config';
import { TRACE_HEADER } from '../src/domain/trace-context';
import type { RemittanceState, RemittanceStatus } from '../src/domain/remittance';
import type { SagaState } from '../src/domain/transfer';
import { encryptedDataConverter } from '../src/payload-encryption';
import { temporalConnection } from '../src/transport';
import { TEMPORAL_CLI } from './toolchain';

const saga = (condition: string) => `WorkflowType = 'transferSaga' AND ExecutionStatus = 'Completed' AND ${condition}`;
const remittance = (status: RemittanceStatus) =>
  `WorkflowType = 'remittanceSaga' AND ExecutionStatus = 'Completed' AND RemittanceStatus = '${status}'`;

/** What a closed run shows: its result, and the activities its history scheduled. */
interface Run {
  result: SagaState & RemittanceState & { retried?: string[] };
  activities: string[];
}
const statuses = (run: Run) => run.result.history.map((change) => change.status as string);
const keys = (run: Run) => Object.keys(run.result.instructions ?? {});

type Wanted = [name: string, query: string | (() => string), accept?: (run: Run) => boolean];

/** A step-up the saga rejected, told apart by its reason. */
function stepUpRejected(name: string, reason: string): Wanted {
  const query = saga(`RiskDecision = 'STEP_UP' AND TransferStatus = 'REJECTED'`);
  return [`transfer-step-up-${name}`, query, ({ result }) => (result.failureReason ?? '').startsWith(reason)];
}

/** Each outcome: the visibility query, and what the saga's result must show beyond it. */
const WANTED: Wanted[] = [
  ['transfer-completed', saga(`TransferStatus = 'COMPLETED' AND RiskDecision = 'PASS'`)],
  ['transfer-declined', saga(`TransferStatus = 'DECLINED'`)],
  ['transfer-failed', saga(`TransferStatus = 'FAILED'`)],
  ['transfer-blocked', saga(`TransferStatus = 'BLOCKED'`)],
  ['transfer-approved-after-review', saga(`RiskDecision = 'REVIEW' AND TransferStatus = 'COMPLETED'`)],
  [
    'transfer-review-rejected',
    saga(`RiskDecision = 'REVIEW' AND TransferStatus = 'REJECTED'`),
    ({ result }) => result.failureReason !== 'review timed out',
  ],
  [
    'transfer-review-timed-out',
    saga(`RiskDecision = 'REVIEW' AND TransferStatus = 'REJECTED'`),
    ({ result }) => result.failureReason === 'review timed out',
  ],
  // Each way a step-up confirmation ends (test/integration/step-up.test.ts runs them all).
  ['transfer-step-up-confirmed', saga(`RiskDecision = 'STEP_UP' AND TransferStatus = 'COMPLETED'`)],
  stepUpRejected('wrong-codes', 'three wrong confirmation codes'),
  stepUpRejected('expired', 'the confirmation code expired'),
  stepUpRejected('declined', 'the sender declined it'),
  stepUpRejected('cancelled', 'cancelled by '),
  // The repair child of the FAILED transfer above, so the pair shows one repair from both sides.
  ['sync-compensation', () => `WorkflowId = 'sync-${recorded.get('transfer-failed')?.slice('transfer-'.length)}'`],
  // Each way a business remittance goes (test/integration/remittances.test.ts runs them all).
  [
    'remittance-completed',
    remittance('COMPLETED'),
    (run) => (run.result.repaired ?? []).length === 0 && !run.activities.includes('railInstructionStatus'),
  ],
  [
    'remittance-status-polled',
    remittance('COMPLETED'),
    (run) => (run.result.repaired ?? []).length === 0 && run.activities.includes('railInstructionStatus'),
  ],
  ['remittance-deposit-repaired', remittance('COMPLETED'), (run) => (run.result.repaired ?? []).includes('deposit')],
  ['remittance-collect-refused', remittance('FAILED'), (run) => !statuses(run).includes('DEPOSITED')],
  [
    'remittance-payout-refunded',
    remittance('FAILED'),
    (run) => statuses(run).includes('REFUNDING') && (run.result.repaired ?? []).length === 0,
  ],
  ['remittance-refund-repaired', remittance('FAILED'), (run) => keys(run).some((key) => key.endsWith(':refund:2'))],
  [
    'remittance-retry-batch',
    `WorkflowType = 'remittanceRetryBatch' AND ExecutionStatus = 'Completed'`,
    (run) => (run.result.retried ?? []).length > 0,
  ],
];

/** The workflow id recorded for each outcome so far. */
const recorded = new Map<string, string>();

async function main(prefix: string | undefined, flags: string[]): Promise<void> {
  const traced = flags.includes('--traced');
  const only = flags.find((flag) => flag.startsWith('--only='))?.slice('--only='.length);
  if (
    !prefix ||
    !/^[a-z0-9-]+$/.test(prefix) ||
    flags.some((flag) => flag !== '--traced' && !flag.startsWith('--only='))
  ) {
    console.error(
      'usage: npm run histories:record -- <prefix> [--traced] [--only=<name start>]   (lower-case letters, digits and dashes)',
    );
    process.exit(2);
  }
  const config = loadConfig();
  const { temporal } = config;
  const connection = await Connection.connect(temporalConnection(config));
  const client = new Client({
    connection,
    namespace: temporal.namespace,
    dataConverter: encryptedDataConverter(temporal.payloadKeys),
  });
  for (const [name, wanted, accept] of WANTED) {
    if (only !== undefined && !name.startsWith(only)) continue;
    const query = typeof wanted === 'string' ? wanted : wanted();
    let found = false;
    for await (const execution of client.workflow.list({ query, pageSize: 20 })) {
      // Only histories this checkout's key opens (tests also run sagas under keys of their own), so
      // that the replay test can decrypt what it replays.
      const handle = client.workflow.getHandle(execution.workflowId, execution.runId);
      const result = await handle.result().then(
        (value) => value as Run['result'],
        () => undefined,
      );
      if (result === undefined) continue;
      const activities = (await handle.fetchHistory()).events?.flatMap(
        (event) => event.activityTaskScheduledEventAttributes?.activityType?.name ?? [],
      );
      if (accept && !accept({ result, activities: activities ?? [] })) continue;
      if (traced && !(await startedInTrace(client, execution.workflowId, execution.runId))) continue;
      // The CLI writes the canonical JSON form that historyFromJSON reads back.
      const json = execFileSync(TEMPORAL_CLI, [
        ...['workflow', 'show', '--output', 'json', '--address', temporal.address, '--namespace', temporal.namespace],
        ...['--workflow-id', execution.workflowId, '--run-id', execution.runId],
      ]);
      writeFileSync(join(__dirname, '..', 'test', 'replay', 'histories', `${prefix}-${name}.json`), json);
      console.log(`${prefix}-${name}: ${execution.workflowId}`);
      recorded.set(name, execution.workflowId);
      found = true;
      break;
    }
    if (!found) console.warn(`${name}: no closed workflow matches ${query}; run the integration tests first`);
  }
  await connection.close();
}

/** Whether the run's start carries the trace header, as a start by a traced client does. */
async function startedInTrace(client: Client, workflowId: string, runId: string): Promise<boolean> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const header = history.events?.[0]?.workflowExecutionStartedEventAttributes?.header?.fields;
  return header?.[TRACE_HEADER] !== undefined;
}

void main(process.argv[2], process.argv.slice(3));
