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
});
