/** @isolated replays recorded histories in this process; no service */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { type ReplayResult, Worker } from '@temporalio/worker';

import { loadConfig } from '../../src/config';
import { TRACE_HEADER } from '../../src/domain/trace-context';
import { encryptedDataConverter, isEncrypted } from '../../src/payload-encryption';
import { workflowBundle } from '../support/workflow-bundle';

/** Recorded with `npm run histories:record -- <prefix>`; one closed history per way a transfer or remittance ends. */
const HISTORIES = join(__dirname, 'histories');

const OUTCOMES = [
  'sync-compensation',
  'transfer-approved-after-review',
  'transfer-blocked',
  'transfer-completed',
  'transfer-declined',
  'transfer-failed',
  'transfer-review-rejected',
  'transfer-review-timed-out',
];

/**
 * Each version of the saga that has run, by the prefix of its histories: the first (before any patch
 * marker; no review time-out was recorded then), the alerts-from-events patch, the fast path, the fast
 * path with its payloads encrypted (sealed with the development key; the older ones are in clear), and
 * sagas started in a trace, whose steps were handed it by the trace-propagation interceptor; then the
 * business remittances' saga and retry batch; then the step-up confirmations.
 */
const VERSIONS: Record<string, string[]> = {
  '': OUTCOMES.filter((outcome) => outcome !== 'transfer-review-timed-out'),
  'v1-alerts-from-events-': OUTCOMES,
  'v2-fast-path-': OUTCOMES,
  'v3-encrypted-': OUTCOMES,
  'v4-traced-': OUTCOMES,
  // Business remittances: each way one goes, and the retry batch of their failure records.
  'v5-remittances-': [
    'remittance-collect-refused',
    'remittance-completed',
    'remittance-deposit-repaired',
    'remittance-payout-refunded',
    'remittance-refund-repaired',
    'remittance-retry-batch',
    'remittance-status-polled',
  ],
  // Step-up confirmation: each way the wait for the sender's code ends.
  'v6-step-up-': [
    'transfer-step-up-cancelled',
    'transfer-step-up-confirmed',
    'transfer-step-up-declined',
    'transfer-step-up-expired',
    'transfer-step-up-wrong-codes',
  ],
};
const ENCRYPTED = ['v3-encrypted-', 'v4-traced-', 'v5-remittances-', 'v6-step-up-'];
const TRACED = ['v4-traced-'];

describe('replaying recorded histories with the current workflow code', () => {
  const files = readdirSync(HISTORIES).filter((file) => file.endsWith('.json'));
  const results = new Map<string, ReplayResult>();
  // One bundle and one replay worker for every history; each test below reads its history's result.
  beforeAll(async () => {
    const bundle = await workflowBundle();
    const histories = files.map((file) => ({
      workflowId: file,
      history: historyFromJSON(JSON.parse(readFileSync(join(HISTORIES, file), 'utf8'))),
    }));
    // The workers' own converter: newer histories are encrypted, older ones pass through it unchanged.
    const dataConverter = encryptedDataConverter(loadConfig().temporal.payloadKeys);
    for await (const result of Worker.runReplayHistories({ workflowBundle: bundle, dataConverter }, histories)) {
      results.set(result.workflowId, result);
    }
  });

  it('has a history for every outcome of every version of the saga', () => {
    const expected = Object.entries(VERSIONS).flatMap(([prefix, outcomes]) =>
      outcomes.map((outcome) => `${prefix}${outcome}.json`),
    );
    expect(files.sort()).toEqual(expected.sort());
  });

  it('has encrypted payloads in the histories recorded since the codec, and none in those before', () => {
    for (const file of files) {
      const input = historyFromJSON(JSON.parse(readFileSync(join(HISTORIES, file), 'utf8'))).events?.[0]
        ?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
      // A scheduled batch starts with no input at all: nothing to seal.
      if (file.endsWith('retry-batch.json') && !input) continue;
      expect([file, input !== undefined && input !== null && isEncrypted(input)]).toEqual([
        file,
        ENCRYPTED.some((prefix) => file.startsWith(prefix)),
      ]);
    }
  });

  it('has the trace header on the start of the histories recorded in a trace, and on none before', () => {
    for (const file of files) {
      const header = historyFromJSON(JSON.parse(readFileSync(join(HISTORIES, file), 'utf8'))).events?.[0]
        ?.workflowExecutionStartedEventAttributes?.header?.fields;
      expect([file, header?.[TRACE_HEADER] !== undefined]).toEqual([
        file,
        TRACED.some((prefix) => file.startsWith(prefix)),
      ]);
    }
  });

  it.each(files)('replays %s without a determinism error', (file) => {
    const result = results.get(file);
    expect(result).toBeDefined();
    expect(result?.error).toBeUndefined();
  });
});
