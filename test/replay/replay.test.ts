import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Worker } from '@temporalio/worker';

/** Recorded with `npm run histories:record`; one closed history per way a transfer ends. */
const HISTORIES = join(__dirname, 'histories');

describe('replaying recorded histories with the current workflow code', () => {
  const files = readdirSync(HISTORIES).filter((file) => file.endsWith('.json'));

  it('has a history for every outcome', () => {
    expect(files.sort()).toEqual([
      'sync-compensation.json',
      'transfer-approved-after-review.json',
      'transfer-blocked.json',
      'transfer-completed.json',
      'transfer-declined.json',
      'transfer-failed.json',
      'transfer-review-rejected.json',
    ]);
  });

  it.each(files)('replays %s without a determinism error', async (file) => {
    const history: unknown = JSON.parse(readFileSync(join(HISTORIES, file), 'utf8'));
    await expect(
      Worker.runReplayHistory({ workflowsPath: require.resolve('../../src/workflows') }, history, file),
    ).resolves.toBeUndefined();
  });
});
