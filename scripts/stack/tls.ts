/**
 * The local stack's certificates, made once with Debian's openssl CLI: a CA of its own, a server
 * certificate for 127.0.0.1 and localhost (PostgreSQL, Redis, Kafka and the tests' Temporal proxy all
 * present it) and a client certificate (mutual TLS), in .stack/tls: disposable, like everything there.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Beside each plain port, the one answering TLS: Redis's TLS port and Kafka's SASL_SSL listener (its controller has +1). */
export const TLS_PORT_OFFSET = { redis: 1, kafka: 2 } as const;

/** The one SASL/PLAIN user of the local Kafka's SASL_SSL listener: local, so not a secret. */
export const LOCAL_KAFKA_USER = { username: 'transfer-saga', password: 'transfer-saga-local' } as const;

export type CertificateFiles = Record<'ca' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey', string>;

export function certificateFiles(dir: string): CertificateFiles {
  return {
    ca: join(dir, 'ca.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
  };
}

const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });

/** A self-signed CA: `<name>.pem` and `<name>.key` in `dir`. */
export function createCertificateAuthority(dir: string, name: string, subject: string): void {
  mkdirSync(dir, { recursive: true });
  const key = join(dir, `${name}.key`);
  openssl([
    ...['req', '-x509', '-new', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '3650'],
    ...['-keyout', key, '-out', join(dir, `${name}.pem`), '-subj', `/CN=${subject}`],
    ...['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
  ]);
  chmodSync(key, 0o600);
}

/** A certificate signed by the CA `ca` in `dir`, with the given extensions: `<name>.pem` and `<name>.key`. */
function createLeaf(dir: string, ca: string, name: string, subject: string, extensions: string[]): void {
  const key = join(dir, `${name}.key`);
  const request = join(dir, `${name}.csr`);
  const extensionFile = join(dir, `${name}.ext`);
  openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', request, '-subj', `/CN=${subject}`]);
  chmodSync(key, 0o600);
  writeFileSync(
    extensionFile,
    [...extensions, 'subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid', ''].join('\n'),
  );
  openssl([
    ...['x509', '-req', '-in', request, '-CA', join(dir, `${ca}.pem`), '-CAkey', join(dir, `${ca}.key`)],
    ...['-set_serial', `0x${randomBytes(16).toString('hex')}`, '-sha256', '-days', '825'],
    ...['-extfile', extensionFile, '-out', join(dir, `${name}.pem`)],
  ]);
  rmSync(request);
  rmSync(extensionFile);
}

/** Makes the CA, server and client certificates in `dir` unless they are there; answers their paths. */
export function ensureCertificates(dir: string): CertificateFiles {
  const files = certificateFiles(dir);
  if (Object.values(files).every((file) => existsSync(file))) return files;
  createCertificateAuthority(dir, 'ca', 'transfer-saga local CA');
  createLeaf(dir, 'ca', 'server', 'localhost', [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ]);
  createLeaf(dir, 'ca', 'client', 'transfer-saga', [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=clientAuth',
  ]);
  return files;
}
