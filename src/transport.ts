import type { ConnectionOptions } from 'node:tls';

import type { TLSConfig } from '@temporalio/client';
import type { RedisOptions } from 'ioredis';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import type { ClientConfig } from 'pg';

import { type Config, POSTGRES_TLS_PARAMETERS, type TlsFiles } from './config';

/**
 * The one place that turns the transport settings (src/config.ts) into each client's TLS and SASL
 * options: every pg, ioredis, kafkajs and Temporal client of the service and its scripts is built with
 * these, so a setting means the same for every connection.
 */

type TransportConfig = Pick<Config, 'transport'>;

/** Node's TLS options for a CA to trust and a client certificate to present, as far as they are set. */
function tlsOptions({ ca, cert, key }: TlsFiles): ConnectionOptions {
  return { ...(ca && { ca: [ca] }), ...(cert && key && { cert, key }) };
}

/**
 * pg's connection: the URL without its TLS parameters, which come back as `ssl` from the files read at
 * start-up. (pg gives the URL's TLS parameters precedence over `ssl`, and reads `sslrootcert` again for
 * every connection it opens.)
 */
export function postgresConnection({ postgres, transport }: Pick<Config, 'postgres' | 'transport'>): {
  connectionString: string;
  ssl?: ClientConfig['ssl'];
} {
  const url = new URL(postgres.url);
  for (const parameter of POSTGRES_TLS_PARAMETERS) url.searchParams.delete(parameter);
  const connectionString = url.toString();
  const tls = transport.postgres.tls;
  if (tls === undefined) return { connectionString };
  return {
    connectionString,
    ssl: {
      ...tlsOptions(tls),
      rejectUnauthorized: true,
      // verify-ca: the chain is checked, the name is not.
      ...(!tls.checkHostname && { checkServerIdentity: () => undefined }),
    },
  };
}

/** ioredis's options besides the URL: a private CA for a rediss:// URL (ioredis alone trusts the system's). */
export function redisOptions({ transport }: TransportConfig): Pick<RedisOptions, 'tls'> {
  const tls = transport.redis.tls;
  return tls === undefined ? {} : { tls: tlsOptions(tls) };
}

/** kafkajs's `ssl` and `sasl`. */
export function kafkaTransport({ transport }: TransportConfig): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const { tls, sasl } = transport.kafka;
  return {
    ...(tls && { ssl: tlsOptions(tls) }),
    // kafkajs types each mechanism apart; TypeScript does not spread our union over them.
    ...(sasl && { sasl: sasl as SASLOptions }),
  };
}

function temporalTls({ transport }: TransportConfig): TLSConfig | undefined {
  const tls = transport.temporal.tls;
  if (tls === undefined) return undefined;
  return {
    ...(tls.ca && { serverRootCACertificate: tls.ca }),
    ...(tls.cert && tls.key && { clientCertPair: { crt: tls.cert, key: tls.key } }),
    ...(tls.serverName && { serverNameOverride: tls.serverName }),
  };
}

/**
 * The address and TLS of a Temporal connection, the same for the client's `Connection.connect` and the
 * worker's `NativeConnection.connect`.
 */
export function temporalConnection(config: Pick<Config, 'temporal' | 'transport'>): {
  address: string;
  tls?: TLSConfig;
} {
  const tls = temporalTls(config);
  return { address: config.temporal.address, ...(tls && { tls }) };
}
