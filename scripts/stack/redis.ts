/** Redis 7 from the Debian package, with an append-only file under .stack/redis. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { aptInstall, commandExists, startDaemon } from './process';
import { config, endpointOf, type Service, stackDir } from './service';

export const redis: Service = {
  name: 'redis',
  endpoint: endpointOf(config.redis.url, 6379),
  startupSeconds: 20,
  install() {
    if (!commandExists('redis-server')) aptInstall('redis-server', 'Redis 7');
  },
  start() {
    const data = join(stackDir, 'redis');
    mkdirSync(data, { recursive: true });
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
    ]);
  },
};
