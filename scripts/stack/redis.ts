/** Redis 7 from the Debian package, with an append-only file under .stack/redis and a TLS port beside the plain one. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { aptInstall, commandExists, startDaemon } from './process';
import { config, endpointOf, type Service, stackDir, tlsDir } from './service';
import { certificateFiles, TLS_PORT_OFFSET } from './tls';

const redisEndpoint = endpointOf(config.redis.url, 6379);

export const redis: Service = {
  name: 'redis',
  endpoint: redisEndpoint,
  alsoWaitFor: [{ host: redisEndpoint.host, port: redisEndpoint.port + TLS_PORT_OFFSET.redis }],
  startupSeconds: 20,
  install() {
    if (!commandExists('redis-server')) aptInstall('redis-server', 'Redis 7');
  },
  start() {
    const data = join(stackDir, 'redis');
    mkdirSync(data, { recursive: true });
    const tls = certificateFiles(tlsDir);
    startDaemon('redis', 'redis-server', [
      '--bind',
      this.endpoint.host,
      '--port',
      String(this.endpoint.port),
      '--dir',
      data,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--save',
      '',
      '--daemonize',
      'no',
      // TLS beside the plain port; a client certificate is checked when one is presented.
      ...['--tls-port', String(this.endpoint.port + TLS_PORT_OFFSET.redis)],
      ...['--tls-cert-file', tls.serverCert, '--tls-key-file', tls.serverKey, '--tls-ca-cert-file', tls.ca],
      ...['--tls-auth-clients', 'optional'],
    ]);
  },
};
