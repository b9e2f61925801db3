/**
 * PostgreSQL 15 from the Debian package: a cluster of its own, and the role and database DATABASE_URL names;
 * TLS on (ssl=on), plain connections still taken.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { aptInstall, run } from './process';
import { config, endpointOf, isRoot, logDir, pidDir, repoRoot, type Service, stackDir, tlsDir } from './service';
import { certificateFiles } from './tls';

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

export const postgres: Service = {
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
    const tls = serverCertificateFor(dir);
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
    const serverOptions =
      `-p ${this.endpoint.port} -k ${socketDir} -c listen_addresses=${this.endpoint.host} -c fsync=off -c max_connections=200` +
      ` -c ssl=on -c ssl_cert_file=${tls.cert} -c ssl_key_file=${tls.key}`;
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

/**
 * The stack's server certificate and key, copied beside the cluster: PostgreSQL refuses a key that anyone
 * but its owner may read, and its owner is the `postgres` user when the stack runs as root.
 */
function serverCertificateFor(dir: string): { cert: string; key: string } {
  const files = certificateFiles(tlsDir);
  const tlsCopy = join(dir, 'tls');
  mkdirSync(tlsCopy, { recursive: true });
  const cert = join(tlsCopy, 'server.pem');
  const key = join(tlsCopy, 'server.key');
  copyFileSync(files.serverCert, cert);
  copyFileSync(files.serverKey, key);
  chmodSync(key, 0o600);
  return { cert, key };
}

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
