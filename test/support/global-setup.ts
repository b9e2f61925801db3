import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { writeWorkflowBundle } from '../../scripts/bundle-workflows';

/**
 * Bundles the workflows once for the whole run, from the code as it is now: every worker a test starts
 * (in a child process or in-process) loads this file instead of bundling again.
 */
export default async function globalSetup(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'transfer-saga-jest-'));
  process.env.TEMPORAL_WORKFLOW_BUNDLE = await writeWorkflowBundle(join(directory, 'workflow-bundle.js'));
}
