import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import { bundleWorkflowCode } from '@temporalio/worker';

import { workflowBundleOptions } from '../src/workflow-code';

/**
 * Bundles the workflows once, ahead of the workers: a worker given the file (TEMPORAL_WORKFLOW_BUNDLE)
 * starts without bundling, which otherwise costs seconds of CPU in every process that runs a worker.
 * `npm run bundle:workflows -- <file>`; the tests build one per run.
 */
export async function writeWorkflowBundle(path: string): Promise<string> {
  const { code } = await bundleWorkflowCode({
    ...workflowBundleOptions,
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
  });
  const file = resolve(path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, code);
  return file;
}

if (require.main === module) {
  const [path = 'dist/workflow-bundle.js'] = process.argv.slice(2);
  writeWorkflowBundle(path).then(
    (file) => console.log(`workflow bundle written to ${file}`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
