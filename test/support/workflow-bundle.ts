import { readFileSync } from 'node:fs';

import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';

import { workflowBundleOptions } from '../../src/workflow-code';
import { quietLogger } from './quiet';

/** The run's bundle of src/workflows (test/support/global-setup.ts), or a fresh one outside a jest run. */
export async function workflowBundle(): Promise<WorkflowBundle> {
  const path = process.env.TEMPORAL_WORKFLOW_BUNDLE;
  if (path) return { code: readFileSync(path, 'utf8') };
  return bundleWorkflowCode({ ...workflowBundleOptions, logger: quietLogger });
}
