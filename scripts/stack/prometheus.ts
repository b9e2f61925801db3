/**
 * Prometheus from the Debian package, run by the stack with the committed configuration
 * (observability/prometheus.yml: the service's scrape jobs, the harness's file-discovered targets, the alert
 * and recording rules) and its storage under .stack/prometheus.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { aptInstall, commandExists, startDaemon } from './process';
import { portFromEnv, repoRoot, type Service, stackDir } from './service';

/** The committed configuration; its relative paths are read from its own folder. */
const PROMETHEUS_CONFIG = join(repoRoot, 'observability', 'prometheus.yml');
/** Where the `harness` job reads its targets (`file_sd_configs` in the committed configuration). */
const PROMETHEUS_TARGETS_DIR = join(stackDir, 'prometheus', 'targets');

export const prometheus: Service = {
  name: 'prometheus',
  endpoint: { host: '127.0.0.1', port: portFromEnv('PROMETHEUS_PORT', 9090) },
  async isReady() {
    const { host, port } = this.endpoint;
    // The port answers while the storage is still being opened; queries wait for /-/ready.
    return fetch(`http://${host}:${port}/-/ready`).then(
      (response) => response.ok,
      () => false,
    );
  },
  ui() {
    return `http://${this.endpoint.host}:${this.endpoint.port} (alerts: /alerts)`;
  },
  startupSeconds: 60,
  install() {
    if (commandExists('prometheus')) return;
    aptInstall('prometheus', 'Prometheus');
    stopPackagedService();
  },
  start() {
    const data = join(stackDir, 'prometheus', 'data');
    mkdirSync(data, { recursive: true });
    mkdirSync(PROMETHEUS_TARGETS_DIR, { recursive: true });
    const { host, port } = this.endpoint;
    startDaemon('prometheus', 'prometheus', [
      `--config.file=${PROMETHEUS_CONFIG}`,
      `--storage.tsdb.path=${data}`,
      // A disposable local stack: a week of history is plenty and bounds the disk it takes.
      '--storage.tsdb.retention.time=7d',
      `--web.listen-address=${host}:${port}`,
    ]);
  },
};

/**
 * The package sets up a Prometheus service of its own on port 9090 (the stack's default), reading
 * /etc/prometheus. It is stopped and disabled, so the port is the stack's and `up` does not take the package's
 * for it. (A policy-rc.d, as in most containers, keeps apt from starting it in the first place.)
 */
function stopPackagedService(): void {
  const commands: Array<[string, string[]]> = existsSync('/run/systemd/system')
    ? [['systemctl', ['disable', '--now', 'prometheus.service']]]
    : [
        ['invoke-rc.d', ['prometheus', 'stop']],
        ['update-rc.d', ['prometheus', 'disable']],
      ];
  for (const [command, args] of commands) {
    if (spawnSync(command, args, { stdio: 'ignore' }).status !== 0) {
      console.warn(`${command} ${args.join(' ')} failed: the prometheus package's own service may hold port 9090`);
    }
  }
}
