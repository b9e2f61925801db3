/** What the stack script knows of every service: where it lives on disk, where it answers, and how to tell it is up. */
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';

import { loadConfig } from '../../src/config';

export const repoRoot = resolve(__dirname, '..', '..');
export const stackDir = join(repoRoot, '.stack');
export const logDir = join(stackDir, 'logs');
export const pidDir = join(stackDir, 'pids');
export const tlsDir = join(stackDir, 'tls');
export const isRoot = process.getuid?.() === 0;

export interface Endpoint {
  host: string;
  port: number;
}

export interface Service {
  name: string;
  endpoint: Endpoint;
  /** Extra ports that must answer before the service counts as up (e.g. the Temporal Web UI). */
  alsoWaitFor?: Endpoint[];
  /** Asked once the ports answer, for a service that listens before it can serve (Prometheus opening its storage). */
  isReady?(): Promise<boolean>;
  /** What a person opens, when it has a UI, and how the service uses it: printed by `up` whenever it runs. */
  ui?(): string;
  startupSeconds: number;
  install(): void;
  start(): void;
  stop?(): void;
}

export const config = loadConfig();

export function endpointOf(url: string, defaultPort: number): Endpoint {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || defaultPort) };
}

export function endpointOfHostPort(hostPort: string): Endpoint {
  const [host = '127.0.0.1', port = '0'] = hostPort.split(':');
  return { host, port: Number(port) };
}

/**
 * A port the stack script takes from the environment (services outside the service's own config, such as
 * PROMETHEUS_PORT), else `fallback`.
 */
export function portFromEnv(variable: string, fallback: number): number {
  const value = process.env[variable];
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`${variable} must be a port, not ${value}`);
  return port;
}

export function isListening({ host, port }: Endpoint): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host, port, timeout: 500 });
    const finish = (answer: boolean) => {
      socket.destroy();
      done(answer);
    };
    socket.once('connect', () => finish(true));
    socket.once('timeout', () => finish(false));
    socket.once('error', () => finish(false));
  });
}

export async function waitUntilListening(service: Service): Promise<void> {
  const deadline = Date.now() + service.startupSeconds * 1000;
  const giveUpAfter = (what: string) => {
    if (Date.now() <= deadline) return;
    const log = join(logDir, `${service.name}.log`);
    const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-25).join('\n') : '(no log)';
    throw new Error(`${service.name} ${what} within ${service.startupSeconds}s.\nLast lines of ${log}:\n${tail}`);
  };
  for (const endpoint of [service.endpoint, ...(service.alsoWaitFor ?? [])]) {
    while (!(await isListening(endpoint))) {
      giveUpAfter(`did not answer on ${endpoint.host}:${endpoint.port}`);
      await new Promise((wake) => setTimeout(wake, 250));
    }
  }
  while (service.isReady && !(await service.isReady())) {
    giveUpAfter('was not ready');
    await new Promise((wake) => setTimeout(wake, 250));
  }
}
