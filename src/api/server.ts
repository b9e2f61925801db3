import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Dependencies } from '../dependencies';
import type { RunningProcess } from '../lifecycle';
import { createAdminApp } from './admin';
import { createApp } from './app';
import { EventStreams, type StreamOptions } from './stream';
import { StreamHub } from './stream-hub';

export interface ApiOptions {
  /** Heartbeat and slow-client limits of the event streams; tests shorten them. */
  stream?: Partial<StreamOptions>;
}

/**
 * Serves the API on the configured port, and metrics and readiness detail on the admin port
 * (ADMIN_PORT); 0 for either picks a free one, as tests do.
 */
export async function startApi(
  dependencies: Dependencies,
  port = dependencies.config.http.port,
  options: ApiOptions = {},
): Promise<RunningApi> {
  // The hub opens its Redis subscription with the first stream, on a connection of its own.
  const hub = new StreamHub(
    () => dependencies.redis.duplicate({ connectionName: 'transfer-saga:stream-hub' }),
    dependencies.logger,
  );
  const streams = new EventStreams(dependencies, hub, options.stream);
  const app = createApp(dependencies, streams);
  const server = createServer(app);
  server.on('upgrade', streams.upgradeThrough(app));
  const admin = createServer(createAdminApp(dependencies));
  const boundPort = await listen(server, port);
  let adminPort: number;
  try {
    adminPort = await listen(admin, dependencies.config.http.adminPort);
  } catch (error) {
    await new Promise((closed) => server.close(closed));
    throw error;
  }
  dependencies.logger.info({ port: boundPort, adminPort }, 'API listening');
  return {
    url: `http://127.0.0.1:${boundPort}`,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const adminClosed = new Promise<void>((resolve) => admin.close(() => resolve()));
      // Streams never end by themselves; the server closes only once they are gone.
      await streams.close();
      server.closeIdleConnections();
      admin.closeIdleConnections();
      await Promise.all([closed, adminClosed]);
    },
  };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((listening, failed) => {
    server.once('error', failed);
    server.listen(port, () => {
      server.off('error', failed);
      listening((server.address() as AddressInfo).port);
    });
  });
}

export interface RunningApi extends RunningProcess {
  /** The public API. */
  url: string;
  /** Metrics and readiness detail, for operators only. */
  adminUrl: string;
}
