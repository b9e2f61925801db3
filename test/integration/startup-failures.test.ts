/** @beside-services each process it starts exits before it serves, and none runs a worker */
import { ServiceProcess } from '../../harness/worker-process';

describe('a service process starting while a dependency is unreachable', () => {
  // Port 1 on loopback refuses at once. The process must exit for its supervisor to retry, and say what
  // to bring up — without the credentials in the URL.
  const unreachable = [
    [
      'PostgreSQL',
      'api',
      { DATABASE_URL: 'postgres://transfer_saga:s3cret@127.0.0.1:1/transfer_saga' },
      '127.0.0.1:1/transfer_saga',
    ],
    ['Redis', 'api', { REDIS_URL: 'redis://:s3cret@127.0.0.1:1' }, '127.0.0.1:1'],
    // Only the roles that cannot work without Kafka need it at start.
    ['Kafka', 'relay', { KAFKA_BROKERS: '127.0.0.1:1' }, '127.0.0.1:1'],
    ['Temporal', 'api', { TEMPORAL_ADDRESS: '127.0.0.1:1' }, '127.0.0.1:1'],
  ] as const;
  // Each start spends its seconds in its client's retries against a refused port, so all four run at once.
  const failures = new Map<string, Promise<Error | undefined>>();
  beforeAll(() => {
    for (const [dependency, role, env] of unreachable) {
      const start = ServiceProcess.start([role], { ...process.env, ...env }, { timeoutMs: 60_000 });
      failures.set(
        dependency,
        start.then(
          (started) => started.stop().then(() => undefined),
          (failure: Error) => failure,
        ),
      );
    }
  });

  it.each(unreachable)('exits 1 naming %s and its address (role %s)', async (dependency, role, _env, address) => {
    const error = await failures.get(dependency);
    expect(error?.message).toMatch(new RegExp(`^${role} exited \\(1\\)`));
    expect(error?.message).toContain(`${dependency} at ${address} failed at start-up: `);
    expect(error?.message).not.toContain('s3cret');
  });
});
