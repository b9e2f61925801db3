/** Zipkin, the tracing UI and query API, from its exec jar on Maven Central, keeping a bounded number of spans in memory. */
import { join } from 'node:path';

import { jarDir, ZIPKIN_VERSION } from '../toolchain';
import { installMavenJars, startDaemon } from './process';
import { portFromEnv, type Service } from './service';

/** Spans kept before the oldest traces are dropped: about 100 MB, within the heap below. */
const MAX_SPANS = 50_000;

export const zipkin: Service = {
  name: 'zipkin',
  endpoint: { host: '127.0.0.1', port: portFromEnv('ZIPKIN_PORT', 9411) },
  async isReady() {
    const { host, port } = this.endpoint;
    return fetch(`http://${host}:${port}/health`).then(
      (response) => response.ok,
      () => false,
    );
  },
  ui() {
    const base = `http://${this.endpoint.host}:${this.endpoint.port}`;
    return `${base}/zipkin/ (trace the service: OTEL_EXPORTER_ZIPKIN_ENDPOINT=${base}/api/v2/spans npm start)`;
  },
  // Spring Boot on a JVM: about 10 s on 2 cores, more when the machine is busy.
  startupSeconds: 120,
  install() {
    installMavenJars('zipkin', ZIPKIN_VERSION);
  },
  start() {
    const { host, port } = this.endpoint;
    const jar = join(jarDir('zipkin', ZIPKIN_VERSION), `zipkin-server-${ZIPKIN_VERSION}-exec.jar`);
    startDaemon(
      'zipkin',
      'java',
      [
        '-Xms64m',
        '-Xmx256m',
        // Out of memory, a JVM limps on; exiting shows in `npm run stack -- status` and the log.
        '-XX:+ExitOnOutOfMemoryError',
        '-jar',
        jar,
        // Zipkin listens on every interface unless told otherwise; the stack keeps to loopback.
        `--armeria.ports[0].ip=${host}`,
        `--armeria.ports[0].port=${port}`,
        '--armeria.ports[0].protocols[0]=http',
      ],
      { env: { STORAGE_TYPE: 'mem', MEM_MAX_SPANS: String(MAX_SPANS), QUERY_PORT: String(port) } },
    );
  },
};
