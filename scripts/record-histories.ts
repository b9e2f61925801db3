/**
 * `npm run histories:record -- <prefix> [--traced]` saves, from the local dev server, the newest closed
 * history of each way a transfer can end (and of the sync child) as test/replay/histories/<prefix>-<name>.json;
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
import type { SagaState } from '../src/domain/transfer';
import { encryptedDataConverter } from '../src/payload-encryption';
import { temporalConnection } from '../src/transport';
import { TEMPORAL_CLI } from './toolchain';

const saga = (condition: string) => `WorkflowType = 'transferSaga' AND ExecutionStatus = 'Completed' AND ${condition}`;

/** Each outcome: the visibility query, and what the saga's result must show beyond it. */
const WANTED: Array<[name: string, query: string | (() => string), accept?: (result: SagaState) => boolean]> = [
  ['transfer-completed', saga(`TransferStatus = 'COMPLETED' AND RiskDecision = 'PASS'`)],
  ['transfer-declined', saga(`TransferStatus = 'DECLINED'`)],
  ['transfer-failed', saga(`TransferStatus = 'FAILED'`)],
  ['transfer-blocked', saga(`TransferStatus = 'BLOCKED'`)],
  ['transfer-approved-after-review', saga(`RiskDecision = 'REVIEW' AND TransferStatus = 'COMPLETED'`)],
  [
    'transfer-review-rejected',
    saga(`RiskDecision = 'REVIEW' AND TransferStatus = 'REJECTED'`),
    (result) => result.failureReason !== 'review timed out',
  ],
  [
    'transfer-review-timed-out',
    saga(`RiskDecision = 'REVIEW' AND TransferStatus = 'REJECTED'`),
    (result) => result.failureReason === 'review timed out',
  ],
  // The repair child of the FAILED transfer above, so the pair shows one repair from both sides.
  ['sync-compensation', () => `WorkflowId = 'sync-${recorded.get('transfer-failed')?.slice('transfer-'.length)}'`],
];

/** The workflow id recorded for each outcome so far. */
const recorded = new Map<string, string>();

async function main(prefix: string | undefined, flags: string[]): Promise<void> {
  const traced = flags.includes('--traced');
  if (!prefix || !/^[a-z0-9-]+$/.test(prefix) || flags.some((flag) => flag !== '--traced')) {
    console.error('usage: npm run histories:record -- <prefix> [--traced]   (lower-case letters, digits and dashes)');
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
    const query = typeof wanted === 'string' ? wanted : wanted();
    let found = false;
    for await (const execution of client.workflow.list({ query, pageSize: 20 })) {
      // Only histories this checkout's key opens (tests also run sagas under keys of their own), so
      // that the replay test can decrypt what it replays.
      const result = await client.workflow
        .getHandle(execution.workflowId, execution.runId)
        .result()
        .then(
          (value) => value as SagaState,
          () => undefined,
        );
      if (result === undefined || (accept && !accept(result))) continue;
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
