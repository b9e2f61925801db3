/** The Temporal CLI dev server, built once from its Go module, with the transfer search attributes registered. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { SEARCH_ATTRIBUTES } from '../../src/domain/search-attributes';
import { TEMPORAL_CLI, TEMPORAL_CLI_MODULE } from '../toolchain';
import { aptInstall, commandExists, startDaemon } from './process';
import { config, endpointOf, endpointOfHostPort, type Service, stackDir } from './service';

const temporalEndpoint = endpointOfHostPort(config.temporal.address);

/** Where the dev server serves its own metrics: its frontend port + 2000 (9233 for 7233). */
export const TEMPORAL_SERVER_METRICS_PORT = temporalEndpoint.port + 2000;

export const temporal: Service = {
  name: 'temporal',
  endpoint: temporalEndpoint,
  alsoWaitFor: [endpointOf(config.temporal.uiUrl, 80)],
  startupSeconds: 60,
  install() {
    if (existsSync(TEMPORAL_CLI)) return;
    if (!commandExists('go')) aptInstall('golang-go', 'Go (to build the Temporal CLI)');
    console.log(`building the Temporal CLI (${TEMPORAL_CLI_MODULE}); the first build takes several minutes…`);
    execFileSync('go', ['install', TEMPORAL_CLI_MODULE], {
      stdio: 'inherit',
      env: { ...process.env, GOBIN: dirname(TEMPORAL_CLI), GOFLAGS: '-buildvcs=false' },
    });
  },
  start() {
    const data = join(stackDir, 'temporal');
    mkdirSync(data, { recursive: true });
    const ui = endpointOf(config.temporal.uiUrl, 80);
    // The CLI spells types as Keyword / Int where the SDK says KEYWORD / INT.
    const cliType = (type: string) => type.charAt(0) + type.slice(1).toLowerCase();
    const searchAttributes = SEARCH_ATTRIBUTES.flatMap((key) => [
      '--search-attribute',
      `${key.name}=${cliType(key.type)}`,
    ]);
    startDaemon('temporal', TEMPORAL_CLI, [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(this.endpoint.port),
      '--ui-port',
      String(ui.port),
      '--namespace',
      config.temporal.namespace,
      '--db-filename',
      join(data, 'temporal.db'),
      // WAL lets the UI and the history service read while a workflow task commits.
      '--sqlite-pragma',
      'journal_mode=wal',
      '--sqlite-pragma',
      'synchronous=normal',
      '--log-level',
      'warn',
      // One partition per task queue: with one worker polling, the default four make a task wait for
      // a poller on its partition or for forwarding (measured with npm run bench -- load, README).
      '--dynamic-config-value',
      'matching.numTaskqueueReadPartitions=1',
      '--dynamic-config-value',
      'matching.numTaskqueueWritePartitions=1',
      ...searchAttributes,
      // Payloads are encrypted (src/payload-encryption.ts); the UI asks the API to decode them, which it
      // does for a staff token only (a UI with single sign-on passes its user's token).
      '--ui-codec-endpoint',
      `http://localhost:${config.http.port}/v1/codec`,
      // The server's own Prometheus metrics (requests, persistence latency, task queue backlog).
      '--metrics-port',
      String(TEMPORAL_SERVER_METRICS_PORT),
    ]);
  },
};
