/**
 * The bank-rail simulator (harness/rail-simulator.ts through scripts/rail-sim.ts), run by the stack as a
 * daemon so that `npm start` has a rail to collect from and pay out through. Nothing to install: it runs
 * with tsx from node_modules. Its api key and callback secret are RAIL_API_KEY and RAIL_CALLBACK_SECRET,
 * else the development values.
 */
import { join } from 'node:path';

import { startDaemon } from './process';
import { portFromEnv, repoRoot, type Service } from './service';

export const railSim: Service = {
  name: 'rail-sim',
  endpoint: { host: '127.0.0.1', port: portFromEnv('RAIL_SIM_PORT', 7400) },
  async isReady() {
    const { host, port } = this.endpoint;
    // An open port could be another program's; the simulator is the one that answers its knobs.
    return fetch(`http://${host}:${port}/_sim/knobs`).then(
      (response) => response.ok,
      () => false,
    );
  },
  startupSeconds: 30,
  install() {},
  start() {
    // One process, tsx as a loader (as harness/worker-process.ts does): the tsx CLI would run the simulator
    // as a grandchild that a SIGKILL of the recorded pid, stopDaemon's last resort, leaves running.
    startDaemon('rail-sim', process.execPath, [
      '--import',
      'tsx',
      join(repoRoot, 'scripts', 'rail-sim.ts'),
      '--port',
      String(this.endpoint.port),
    ]);
  },
};
