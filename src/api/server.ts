import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Dependencies } from '../dependencies';
import type { RunningRole } from '../roles';
import { createApp } from './app';

/** Serves the API on the configured port (0 picks a free one, as tests do). */
export async function startApi(dependencies: Dependencies, port = dependencies.config.http.port): Promise<RunningApi> {
  const server = createServer(createApp(dependencies));
  await new Promise<void>((listening, failed) => {
    server.once('error', failed);
    server.listen(port, listening);
  });
  const { port: boundPort } = server.address() as AddressInfo;
  dependencies.logger.info({ port: boundPort }, 'API listening');
  return {
    url: `http://127.0.0.1:${boundPort}`,
    stop: () =>
      new Promise<void>((closed) => {
        server.close(() => closed());
        server.closeIdleConnections();
      }),
  };
}

export interface RunningApi extends RunningRole {
  url: string;
}
