import { ServiceProcess } from '../support/worker-process';

describe('a service process starting while a dependency is unreachable', () => {
  // Port 1 on loopback refuses at once. The process must exit for its supervisor to retry, and say what
  // to bring up — without the credentials in the URL.
  it.each([
    [
      'PostgreSQL',
      { DATABASE_URL: 'postgres://transfer_saga:s3cret@127.0.0.1:1/transfer_saga' },
      '127.0.0.1:1/transfer_saga',
    ],
    ['Redis', { REDIS_URL: 'redis://:s3cret@127.0.0.1:1' }, '127.0.0.1:1'],
    ['Kafka', { KAFKA_BROKERS: '127.0.0.1:1' }, '127.0.0.1:1'],
    ['Temporal', { TEMPORAL_ADDRESS: '127.0.0.1:1' }, '127.0.0.1:1'],
  ])('exits 1 naming %s and its address', async (dependency, env, address) => {
    const start = ServiceProcess.start(['api'], { ...process.env, ...env }, { timeoutMs: 60_000 });
    const error = await start.then(
      () => undefined,
      (failure: Error) => failure,
    );
    expect(error?.message).toMatch(/^api exited \(1\)/);
    expect(error?.message).toContain(`${dependency} at ${address} failed at start-up: `);
    expect(error?.message).not.toContain('s3cret');
  });
});
