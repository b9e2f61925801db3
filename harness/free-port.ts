import { createServer } from 'node:net';

/** A port nothing listens on right now, on the loopback address. */
export function freePort(): Promise<number> {
  return new Promise((found, failed) => {
    const probe = createServer();
    probe.once('error', failed);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port ? found(port) : failed(new Error('no port'))));
    });
  });
}
