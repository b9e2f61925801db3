/**
 * `npm run stack -- up [--with-test-server] [--with-observability] | down | status [service …]`
 *
 * Provisions the real local stack without Docker: PostgreSQL 15 and Redis 7 from Debian packages,
 * Apache Kafka 3.9 (KRaft) from Maven Central jars, the Temporal CLI dev server built from its Go
 * module, the bank-rail simulator (scripts/rail-sim.ts) and the SMS gateway stand-in
 * (scripts/sms-gateway.ts), neither with anything to install; `--with-test-server`
 * also fetches the jars of Temporal's Java time-skipping test server, which each workflow test file starts
 * for itself (test/support/time-skipping.ts); `--with-observability` also starts Prometheus (Debian
 * package, observability/prometheus.yml) and Zipkin (Maven Central exec jar).
 * A service that already answers on its configured port is reused; anything else is installed once into
 * ~/.cache/transfer-saga and started with its data and logs under .stack/. `down` stops only what
 * `up` started, by the pids it recorded. Naming services (postgres, redis, temporal, kafka, rail-sim,
 * sms-gateway, prometheus, zipkin) limits the command to them, e.g. `down kafka` then `up kafka` restarts
 * Kafka with its data kept.
 */
import { mkdirSync } from 'node:fs';

import { CACHE_DIR } from '../toolchain';
import { kafka } from './kafka';
import { postgres } from './postgres';
import { isAlive, recordedPid, stopDaemon } from './process';
import { prometheus } from './prometheus';
import { railSim } from './rail-sim';
import { redis } from './redis';
import { isListening, logDir, pidDir, type Service, stackDir, tlsDir, waitUntilListening } from './service';
import { smsGateway } from './sms-gateway';
import { temporal } from './temporal';
import { installTestServer } from './test-server';
import { ensureCertificates } from './tls';
import { zipkin } from './zipkin';

async function up(services: Service[]): Promise<void> {
  for (const dir of [stackDir, logDir, pidDir, CACHE_DIR]) mkdirSync(dir, { recursive: true });
  // Install everything first (the slow part on a fresh machine), then start in dependency-free order.
  const missing: Service[] = [];
  for (const service of services) {
    if (await isListening(service.endpoint)) {
      report(
        service,
        recordedPid(service.name) ? 'up (started earlier by this script)' : 'up (reusing what answers there)',
      );
    } else {
      missing.push(service);
    }
  }
  for (const service of missing) service.install();
  if (missing.length > 0) ensureCertificates(tlsDir);
  for (const service of missing) service.start();
  for (const service of missing) {
    await waitUntilListening(service);
    report(service, `started (pid ${recordedPid(service.name)}, log .stack/logs/${service.name}.log)`);
  }
}

async function down(services: Service[], named: boolean): Promise<void> {
  for (const service of [...services].reverse()) {
    if (recordedPid(service.name) === undefined) {
      // Stopping a named service is a promise (the fault test relies on it): say when it cannot be kept.
      if (named && (await isListening(service.endpoint))) {
        throw new Error(`${service.name} was not started by this checkout's stack; stop it where it was started`);
      }
      continue;
    }
    if (service.stop) service.stop();
    else await stopDaemon(service.name);
    report(service, 'stopped');
  }
}

async function status(services: Service[]): Promise<void> {
  for (const service of services) {
    const pid = recordedPid(service.name);
    const listening = await isListening(service.endpoint);
    const owner = pid !== undefined && isAlive(pid) ? `started here, pid ${pid}` : 'not started by this script';
    report(service, `${listening ? 'up' : 'down'} (${owner})`);
  }
}

function report(service: Service, state: string): void {
  const address = `${service.endpoint.host}:${service.endpoint.port}`;
  console.log(`${service.name.padEnd(22)} ${address.padEnd(18)} ${state}`);
}

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  const flags = args.filter((arg) => arg.startsWith('--'));
  const core = [postgres, redis, temporal, kafka, railSim, smsGateway];
  const observability = [prometheus, zipkin];
  const all = [...core, ...observability];
  // Naming services restarts just those (a fault test stops and starts one at a time; data is kept).
  const named = args.filter((arg) => !arg.startsWith('--'));
  const unknown = named.filter((name) => !all.some((service) => service.name === name));
  if (unknown.length > 0) {
    console.error(
      `unknown service ${unknown.join(', ')}; the services are ${all.map((service) => service.name).join(', ')}`,
    );
    process.exitCode = 2;
    return;
  }
  const namedServices = all.filter((service) => named.includes(service.name));
  switch (command) {
    case 'up': {
      const wanted = flags.includes('--with-observability') ? all : core;
      await up(named.length > 0 ? namedServices : wanted);
      if (flags.includes('--with-test-server')) installTestServer();
      // Prometheus and Zipkin started earlier are worth a line in every `up`, `npm start`'s included.
      for (const service of observability) {
        if (service.ui && (await isListening(service.endpoint))) report(service, service.ui());
      }
      return;
    }
    // Every service, so that Prometheus and Zipkin started by an earlier `up --with-observability` stop too.
    case 'down':
      return down(named.length > 0 ? namedServices : all, named.length > 0);
    case 'status':
      return status(named.length > 0 ? namedServices : all);
    default:
      console.error(
        'usage: npm run stack -- up [--with-test-server] [--with-observability] | down | status ' +
          `[${all.map((service) => service.name).join('|')} …]`,
      );
      process.exitCode = 2;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
