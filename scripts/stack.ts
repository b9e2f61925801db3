/**
 * `npm run stack -- up [--with-test-server] | down | status [service …]`
 *
 * Provisions the real local stack without Docker: PostgreSQL 15 and Redis 7 from Debian packages,
 * Apache Kafka 3.9 (KRaft) from Maven Central jars and the Temporal CLI dev server built from its Go
 * module; `--with-test-server` also fetches the jars of Temporal's Java time-skipping test server,
 * which each workflow test file starts for itself (test/support/time-skipping.ts). A service that
 * already answers on its configured port is reused; anything else is installed once into
 * ~/.cache/transfer-saga and started with its data and logs under .stack/. `down` stops only what
 * `up` started, by the pids it recorded. Naming services (postgres, redis, temporal, kafka) limits the
 * command to them, e.g. `down kafka` then `up kafka` restarts Kafka with its data kept.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';

import { loadConfig } from '../src/config';
import { transferSearchAttributes } from '../src/domain/search-attributes';
import { CACHE_DIR, jarDir, KAFKA_VERSION, TEMPORAL_CLI, TEMPORAL_CLI_MODULE, TEST_SERVER_VERSION } from './toolchain';

const repoRoot = resolve(__dirname, '..');
const stackDir = join(repoRoot, '.stack');
const logDir = join(stackDir, 'logs');
const pidDir = join(stackDir, 'pids');
const isRoot = process.getuid?.() === 0;

interface Endpoint {
  host: string;
  port: number;
}

interface Service {
  name: string;
  endpoint: Endpoint;
  /** Extra ports that must answer before the service counts as up (e.g. the Temporal Web UI). */
  alsoWaitFor?: Endpoint[];
  startupSeconds: number;
  install(): void;
  start(): void;
  stop?(): void;
}

const config = loadConfig();

function endpointOf(url: string, defaultPort: number): Endpoint {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || defaultPort) };
}

function endpointOfHostPort(hostPort: string): Endpoint {
  const [host = '127.0.0.1', port = '0'] = hostPort.split(':');
  return { host, port: Number(port) };
}

function isListening({ host, port }: Endpoint): Promise<boolean> {
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

async function waitUntilListening(service: Service): Promise<void> {
  const deadline = Date.now() + service.startupSeconds * 1000;
  for (const endpoint of [service.endpoint, ...(service.alsoWaitFor ?? [])]) {
    while (!(await isListening(endpoint))) {
      if (Date.now() > deadline) {
        const log = join(logDir, `${service.name}.log`);
        const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-25).join('\n') : '(no log)';
        throw new Error(
          `${service.name} did not answer on ${endpoint.host}:${endpoint.port} within ${service.startupSeconds}s.\n` +
            `Last lines of ${log}:\n${tail}`,
        );
      }
      await new Promise((wake) => setTimeout(wake, 250));
    }
  }
}

function run(command: string, args: string[], options: { quiet?: boolean; asUser?: string } = {}): string {
  const [file, argv] =
    options.asUser && isRoot ? ['runuser', ['-u', options.asUser, '--', command, ...args]] : [command, args];
  return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', options.quiet ? 'pipe' : 'inherit'] });
}

function commandExists(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Installs a Debian package as root; as anyone else, says exactly what to install. */
function aptInstall(debianPackage: string, why: string): void {
  if (!isRoot) {
    throw new Error(`${why} is missing. Install it with: sudo apt-get install -y ${debianPackage}`);
  }
  console.log(`installing ${debianPackage} with apt-get (${why})…`);
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', debianPackage], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }).status === 0;
  if (install()) return;
  // A fresh machine has no package lists yet.
  execFileSync('apt-get', ['update'], { stdio: 'inherit' });
  if (!install()) throw new Error(`apt-get install ${debianPackage} failed`);
}

function startDaemon(name: string, command: string, args: string[], cwd = repoRoot): void {
  const log = openSync(join(logDir, `${name}.log`), 'a');
  const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  writeFileSync(join(pidDir, `${name}.pid`), String(child.pid));
  child.unref();
}

function recordedPid(name: string): number | undefined {
  const file = join(pidDir, `${name}.pid`);
  return existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopDaemon(name: string): Promise<void> {
  const pid = recordedPid(name);
  if (pid !== undefined && isAlive(pid)) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 30_000;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((wake) => setTimeout(wake, 200));
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  rmSync(join(pidDir, `${name}.pid`), { force: true });
}

function installMavenJars(pom: 'kafka' | 'temporal-test-server', version: string): void {
  const libs = jarDir(pom, version);
  if (existsSync(libs) && readdirSync(libs).length > 0) return;
  for (const tool of ['java', 'mvn']) {
    if (!commandExists(tool)) aptInstall(tool === 'java' ? 'openjdk-17-jre-headless' : 'maven', tool);
  }
  console.log(`fetching ${pom} ${version} jars from Maven Central…`);
  const pomFile = join(repoRoot, 'scripts', 'jars', `${pom}.pom.xml`);
  execFileSync('mvn', ['-B', '-q', '-f', pomFile, 'dependency:copy-dependencies', `-DoutputDirectory=${libs}`], {
    stdio: 'inherit',
  });
  if (!existsSync(libs)) throw new Error(`Maven did not produce ${libs}`);
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

const postgresBin = '/usr/lib/postgresql/15/bin';

/**
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres` user. That user cannot
 * always reach the checkout (a clone under /root, say); then its data lives in /var/lib instead.
 */
function postgresDir(): string {
  const inRepo = join(stackDir, 'postgres');
  if (!isRoot) return inRepo;
  mkdirSync(inRepo, { recursive: true });
  if (spawnSync('runuser', ['-u', 'postgres', '--', 'test', '-x', inRepo], { stdio: 'ignore' }).status === 0) {
    return inRepo;
  }
  const key = createHash('sha1').update(repoRoot).digest('hex').slice(0, 12);
  return join('/var/lib/transfer-saga', key, 'postgres');
}

const postgres: Service = {
  name: 'postgres',
  endpoint: endpointOf(config.postgres.url, 5432),
  startupSeconds: 60,
  install() {
    if (!existsSync(join(postgresBin, 'postgres'))) aptInstall('postgresql-15', 'PostgreSQL 15');
  },
  start() {
    const dir = postgresDir();
    const data = join(dir, 'data');
    const socketDir = join(dir, 'run');
    mkdirSync(socketDir, { recursive: true });
    if (isRoot) run('chown', ['-R', 'postgres:postgres', dir]);
    if (!existsSync(join(data, 'PG_VERSION'))) {
      run(
        join(postgresBin, 'initdb'),
        ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256'],
        {
          asUser: 'postgres',
          quiet: true,
        },
      );
    }
    const log = join(logDir, 'postgres.log');
    if (isRoot) {
      writeFileSync(log, '', { flag: 'a' });
      run('chown', ['postgres', log]);
    }
    // fsync=off: this is a disposable local stack; a killed process (what the fault tests do) still
    // leaves every commit in the page cache, so nothing a test can observe is lost.
    const serverOptions = `-p ${this.endpoint.port} -k ${socketDir} -c listen_addresses=${this.endpoint.host} -c fsync=off -c max_connections=200`;
    run(join(postgresBin, 'pg_ctl'), ['-D', data, '-l', log, '-o', serverOptions, '-w', '-t', '60', 'start'], {
      asUser: 'postgres',
      quiet: true,
    });
    writeFileSync(
      join(pidDir, 'postgres.pid'),
      readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0] ?? '',
    );
    writeFileSync(join(pidDir, 'postgres.data'), data);
    createApplicationDatabase(socketDir, this.endpoint.port);
  },
  stop() {
    const dataFile = join(pidDir, 'postgres.data');
    if (!existsSync(dataFile)) return;
    const data = readFileSync(dataFile, 'utf8');
    spawnSync(isRoot ? 'runuser' : join(postgresBin, 'pg_ctl'), [
      ...(isRoot ? ['-u', 'postgres', '--', join(postgresBin, 'pg_ctl')] : []),
      ...['-D', data, '-m', 'fast', '-w', 'stop'],
    ]);
    rmSync(dataFile, { force: true });
    rmSync(join(pidDir, 'postgres.pid'), { force: true });
  },
};

/** Creates the role and database named by DATABASE_URL in a cluster this script started. */
function createApplicationDatabase(socketDir: string, port: number): void {
  const url = new URL(config.postgres.url);
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  const database = url.pathname.replace(/^\//, '');
  const psql = (sql: string) =>
    run(
      'psql',
      ['-h', socketDir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-tAc', sql],
      {
        quiet: true,
      },
    ).trim();
  const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;
  const identifier = (value: string) => `"${value.replace(/"/g, '""')}"`;
  if (psql(`SELECT 1 FROM pg_roles WHERE rolname = ${literal(user)}`) !== '1') {
    psql(`CREATE ROLE ${identifier(user)} LOGIN PASSWORD ${literal(password)}`);
  }
  if (psql(`SELECT 1 FROM pg_database WHERE datname = ${literal(database)}`) !== '1') {
    psql(`CREATE DATABASE ${identifier(database)} OWNER ${identifier(user)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Redis

const redis: Service = {
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

// ---------------------------------------------------------------------------------------------
// Temporal CLI dev server

const temporalEndpoint = endpointOfHostPort(config.temporal.address);

const temporal: Service = {
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
    const searchAttributes = Object.values(transferSearchAttributes).flatMap((key) => [
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
    ]);
  },
};

// ---------------------------------------------------------------------------------------------
// Kafka (KRaft, single node)

const kafkaEndpoint = endpointOfHostPort(config.kafka.brokers[0] ?? '127.0.0.1:9092');

const kafka: Service = {
  name: 'kafka',
  endpoint: kafkaEndpoint,
  startupSeconds: 120,
  install() {
    installMavenJars('kafka', KAFKA_VERSION);
  },
  start() {
    const home = join(stackDir, 'kafka');
    const data = join(home, 'data');
    mkdirSync(data, { recursive: true });
    const { host, port } = this.endpoint;
    const controllerPort = port + 1;
    const properties = join(home, 'server.properties');
    writeFileSync(
      properties,
      [
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.voters=1@${host}:${controllerPort}`,
        `listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}`,
        `advertised.listeners=PLAINTEXT://${host}:${port}`,
        'controller.listener.names=CONTROLLER',
        'inter.broker.listener.name=PLAINTEXT',
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        `log.dirs=${data}`,
        `num.partitions=${config.kafka.partitions}`,
        // Topics are created by the service at start-up, so a typo never invents one.
        'auto.create.topics.enable=false',
        'offsets.topic.replication.factor=1',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        '',
      ].join('\n'),
    );
    const log4j = join(home, 'log4j.properties');
    writeFileSync(
      log4j,
      [
        'log4j.rootLogger=WARN, stdout',
        'log4j.logger.kafka.server.KafkaServer=INFO',
        'log4j.logger.kafka.server.KafkaRaftServer=INFO',
        'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
        'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
        'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
        '',
      ].join('\n'),
    );
    const classpath = `${jarDir('kafka', KAFKA_VERSION)}/*`;
    const jvm = ['-Xms256m', '-Xmx768m', `-Dlog4j.configuration=file:${log4j}`, '-cp', classpath];
    if (!existsSync(join(data, 'meta.properties'))) {
      const clusterId = randomBytes(16).toString('base64url');
      run('java', [...jvm, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', properties], { quiet: true });
    }
    startDaemon('kafka', 'java', [...jvm, 'kafka.Kafka', properties]);
  },
};

// ---------------------------------------------------------------------------------------------

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
  const all = [postgres, redis, temporal, kafka];
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
  const services = named.length === 0 ? all : all.filter((service) => named.includes(service.name));
  switch (command) {
    case 'up':
      await up(services);
      if (flags.includes('--with-test-server')) {
        installMavenJars('temporal-test-server', TEST_SERVER_VERSION);
        console.log(
          `${'temporal-test-server'.padEnd(22)} jars in ${jarDir('temporal-test-server', TEST_SERVER_VERSION)}`,
        );
      }
      return;
    case 'down':
      return down(services, named.length > 0);
    case 'status':
      return status(services);
    default:
      console.error(
        'usage: npm run stack -- up [--with-test-server] | down | status [postgres|redis|temporal|kafka …]',
      );
      process.exitCode = 2;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
