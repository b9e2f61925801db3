import { createServer } from 'node:http';

import type { Dependencies } from '../dependencies';
import type { RunningProcess } from '../lifecycle';
import { listen, type RunningAdmin, startAdmin } from './admin';
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
  const boundPort = await listen(server, port);
  let admin: RunningAdmin;
  try {
    admin = await startAdmin(dependencies);
  } catch (error) {
    await new Promise((closed) => server.close(closed));
    throw error;
  }
  // The admin port is logged by startAdmin itself.
  dependencies.logger.info({ port: boundPort }, 'API listening');
  return {
    url: `http://127.0.0.1:${boundPort}`,
    adminUrl: admin.url,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Streams never end by themselves; the server closes only once they are gone.
      await streams.close();
      server.closeIdleConnections();
      await Promise.all([closed, admin.stop()]);
    },
  };
}

export interface RunningApi extends RunningProcess {
  /** The public API. */
  url: string;
  /** Metrics and readiness detail, for operators only. */
  adminUrl: string;
}
