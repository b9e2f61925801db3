/**
 * `npm run histories:record` saves, from the local dev server, one closed history for each way a
 * transfer can end (and for the sync child) into test/replay/histories/. test/replay replays them
 * against the current workflow code, so a change that breaks determinism fails CI. Record again only
 * when a change is meant to be incompatible (and then version the workflow instead, if sagas run).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { Client, Connection } from '@temporalio/client';

import { loadConfig } from '../src/config';
import { TEMPORAL_CLI } from './toolchain';

const WANTED: Array<[name: string, query: string]> = [
  [
    'transfer-completed',
    `WorkflowType = 'transferSaga' AND TransferStatus = 'COMPLETED' AND ExecutionStatus = 'Completed'`,
  ],
  [
    'transfer-declined',
    `WorkflowType = 'transferSaga' AND TransferStatus = 'DECLINED' AND ExecutionStatus = 'Completed'`,
  ],
  ['transfer-failed', `WorkflowType = 'transferSaga' AND TransferStatus = 'FAILED' AND ExecutionStatus = 'Completed'`],
  [
    'transfer-blocked',
    `WorkflowType = 'transferSaga' AND TransferStatus = 'BLOCKED' AND ExecutionStatus = 'Completed'`,
  ],
  [
    'transfer-approved-after-review',
    `WorkflowType = 'transferSaga' AND RiskDecision = 'REVIEW' AND TransferStatus = 'COMPLETED' AND ExecutionStatus = 'Completed'`,
  ],
  [
    'transfer-review-rejected',
    `WorkflowType = 'transferSaga' AND RiskDecision = 'REVIEW' AND TransferStatus = 'REJECTED' AND ExecutionStatus = 'Completed'`,
  ],
  ['sync-compensation', `WorkflowType = 'syncCompensation' AND ExecutionStatus = 'Completed'`],
];

async function main(): Promise<void> {
  const { temporal } = loadConfig();
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: temporal.namespace });
  for (const [name, query] of WANTED) {
    let found = false;
    for await (const execution of client.workflow.list({ query, pageSize: 1 })) {
      // The CLI writes the canonical JSON form that historyFromJSON reads back.
      const json = execFileSync(TEMPORAL_CLI, [
        ...['workflow', 'show', '--output', 'json', '--address', temporal.address, '--namespace', temporal.namespace],
        ...['--workflow-id', execution.workflowId, '--run-id', execution.runId],
      ]);
      writeFileSync(join(__dirname, '..', 'test', 'replay', 'histories', `${name}.json`), json);
      console.log(`${name}: ${execution.workflowId}`);
      found = true;
      break;
    }
    if (!found) console.warn(`${name}: no closed workflow matches ${query}; run the integration tests first`);
  }
  await connection.close();
}

void main();
