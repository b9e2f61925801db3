/** @isolated starts a stand-in child process; no service */
import { join } from 'node:path';

import { ServiceProcess } from '../../harness/worker-process';

describe('ServiceProcess', () => {
  it('sees every role ready even when the start logs more than the tail it keeps between their ready lines', async () => {
    const started = await ServiceProcess.start(['worker', 'consumers'], process.env, {
      entry: join(__dirname, '../fixtures/noisy-start.ts'),
      args: ['100000'],
      timeoutMs: 20_000,
    });
    try {
      expect(started.log).not.toContain('worker polling');
      expect(started.log).toContain('consumers running');
    } finally {
      await started.stop();
    }
  });
});
