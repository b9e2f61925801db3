import { freePort } from '../../harness/free-port';
import { ServiceProcess } from '../../harness/worker-process';

/** Starting without Kafka: the roles that only read its health serve (the exits are startup-failures.test.ts). */
describe('a service process starting while Kafka is unreachable', () => {
  it('starts the API and the worker while Kafka is unreachable: they serve, and readiness names Kafka on the admin port', async () => {
    const [port, adminPort] = [String(await freePort()), String(await freePort())];
    const service = await ServiceProcess.start(['api', 'worker'], {
      ...process.env,
      KAFKA_BROKERS: '127.0.0.1:1',
      PORT: port,
      ADMIN_PORT: adminPort,
    });
    try {
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ ready: false });
      const detail = await fetch(`http://127.0.0.1:${adminPort}/readyz`);
      expect(detail.status).toBe(503);
      const body = (await detail.json()) as { dependencies: Record<string, string> };
      expect(body.dependencies.kafka).not.toBe('ok');
      expect(body.dependencies.temporal).toBe('ok');
    } finally {
      await service.stop();
    }
  });
});
