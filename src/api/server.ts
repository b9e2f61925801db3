import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Dependencies } from '../dependencies';
import type { RunningProcess } from '../lifecycle';
import { createApp } from './app';
import { EventStreams, type StreamOptions } from './stream';
import { StreamHub } from './stream-hub';

export interface ApiOptions {
  /** Heartbeat and slow-client limits of the event streams; tests shorten them. */
  stream?: Partial<StreamOptions>;
}

/** Serves the API on the configured port (0 picks a free one, as tests do). */
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
  await new Promise<void>((listening, failed) => {
    server.once('error', failed);
    server.listen(port, listening);
  });
  const { port: boundPort } = server.address() as AddressInfo;
  dependencies.logger.info({ port: boundPort }, 'API listening');
  return {
    url: `http://127.0.0.1:${boundPort}`,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Streams never end by themselves; the server closes only once they are gone.
      await streams.close();
      server.closeIdleConnections();
      await closed;
    },
  };
}

export interface RunningApi extends RunningProcess {
  url: string;
}
