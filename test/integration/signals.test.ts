import { Kafka, logLevel } from 'kafkajs';

import { loadConfig } from '../../src/config';
import { ServiceProcess } from '../../harness/worker-process';

describe('signals a service process receives', () => {
  it.each(['SIGUSR2', 'SIGQUIT'] as const)(
    'ends the process when the Temporal SDK drains the worker on %s, instead of running on without polling',
    async (signal) => {
      const service = await ServiceProcess.start(['worker', 'consumers'], process.env);
      try {
        service.signal(signal);
        await expect(service.exited(30_000)).resolves.toBe(0);
        expect(service.log).toContain('the worker was shut down by a signal; stopping the process');
        expect(service.log).toContain('"msg":"stopped"');
      } finally {
        await service.stop('SIGKILL');
      }
    },
  );

  it('drains every process on SIGTERM and leaves the consumer groups, so no partition waits out a session', async () => {
    const service = await ServiceProcess.start(['worker', 'relay', 'consumers'], process.env);
    const admin = new Kafka({ brokers: loadConfig().kafka.brokers, logLevel: logLevel.NOTHING }).admin();
    try {
      const groups = JSON.parse(/"groups":(\[[^\]]*\])/.exec(service.log)?.[1] ?? '[]') as string[];
      expect(groups.length).toBeGreaterThan(0);
      // The SDK drains the worker on SIGTERM as well, and the worker then signals the process again.
      service.signal('SIGTERM');
      await expect(service.exited(30_000)).resolves.toBe(0);
      expect(service.log).toContain('"msg":"stopped"');
      await admin.connect();
      const { groups: described } = await admin.describeGroups(groups);
      expect(described.map((group) => [group.groupId, group.members.length])).toEqual(
        groups.map((group) => [group, 0]),
      );
    } finally {
      await admin.disconnect();
      await service.stop('SIGKILL');
    }
  });
});
