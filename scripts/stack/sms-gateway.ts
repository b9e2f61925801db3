/**
 * The SMS gateway stand-in (harness/sms-gateway.ts through scripts/sms-gateway.ts), run by the stack as a
 * daemon so that `npm start` has somewhere to send one-time codes, and a developer can read theirs at
 * `GET /_sms/messages?to=<number>`. Nothing to install: it runs with tsx from node_modules. Its api key is
 * SMS_API_KEY, else the development key.
 */
import { join } from 'node:path';

import { startDaemon } from './process';
import { portFromEnv, repoRoot, type Service } from './service';

export const smsGateway: Service = {
  name: 'sms-gateway',
  endpoint: { host: '127.0.0.1', port: portFromEnv('SMS_GATEWAY_PORT', 7500) },
  async isReady() {
    const { host, port } = this.endpoint;
    // An open port could be another program's; the stand-in is the one that answers its messages.
    return fetch(`http://${host}:${port}/_sms/messages`).then(
      (response) => response.ok,
      () => false,
    );
  },
  startupSeconds: 30,
  install() {},
  start() {
    // One process, tsx as a loader (as rail-sim does): the tsx CLI would leave a grandchild running after a
    // SIGKILL of the recorded pid.
    startDaemon('sms-gateway', process.execPath, [
      '--import',
      'tsx',
      join(repoRoot, 'scripts', 'sms-gateway.ts'),
      '--port',
      String(this.endpoint.port),
    ]);
  },
};
