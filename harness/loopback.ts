import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Starts a stand-in's server on 127.0.0.1 (`port` 0: any free one) and resolves once it listens; a port
 * already taken rejects instead of leaving the server half-started.
 */
export function listenOnLoopback(server: Server, port = 0): Promise<void> {
  return new Promise<void>((listening, failed) => {
    server.once('error', failed);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', failed);
      listening();
    });
  });
}

/** The base URL of a server started by {@link listenOnLoopback}. */
export const loopbackUrl = (server: Server): string => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
