/**
 * `npm run histories:record -- <prefix>` saves, from the local dev server, the newest closed history of
 * each way a transfer can end (and of the sync child) as test/replay/histories/<prefix>-<name>.json.
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

async function main(prefix: string | undefined): Promise<void> {
  if (!prefix || !/^[a-z0-9-]+$/.test(prefix)) {
    console.error('usage: npm run histories:record -- <prefix>   (lower-case letters, digits and dashes)');
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

void main(process.argv[2]);
