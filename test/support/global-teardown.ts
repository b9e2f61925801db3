import { rmSync } from 'node:fs';
import { dirname } from 'node:path';

/** Removes the run's workflow bundle (test/support/global-setup.ts). */
export default function globalTeardown(): void {
  const bundle = process.env.TEMPORAL_WORKFLOW_BUNDLE;
  if (bundle?.includes('transfer-saga-jest-')) rmSync(dirname(bundle), { recursive: true, force: true });
}
