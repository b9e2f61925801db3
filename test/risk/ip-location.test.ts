/** @isolated no service */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { greatCircleKm } from '../../src/domain/geo';
import { MmdbIpLocator } from '../../src/risk/ip-location';

const SEOUL = { lat: 37.5665, lon: 126.978 };
const LISBON = { lat: 38.7223, lon: -9.1393 };

/**
 * Against the DB-IP Lite database the lock file pins. Its monthly updates may move an address within its
 * city, so each place is checked to within 50 km of the city's centre, not to the digit.
 */
describe('locating an IP address offline', () => {
  const locator = new MmdbIpLocator();

  it.each([
    ['an IPv4 address in Seoul', '124.0.0.1', 'KR', SEOUL],
    ['an IPv4 address in Lisbon', '193.136.0.1', 'PT', LISBON],
    ['an IPv6 address in Seoul', '2001:2d8::1', 'KR', SEOUL],
    ['an IPv6 address in Lisbon', '2001:690::1', 'PT', LISBON],
    ['an IPv4-mapped IPv6 address in Lisbon', '::ffff:193.136.0.1', 'PT', LISBON],
  ])('places %s in its city and country', (_title, ip, country, city) => {
    const location = locator.locate(ip);
    expect(location?.country).toBe(country);
    expect(greatCircleKm(location!, city)).toBeLessThan(50);
  });

  it.each([
    ['loopback', '127.0.0.1'],
    ['IPv6 loopback', '::1'],
    ['a private 10/8 address', '10.1.2.3'],
    ['a private 192.168/16 address', '192.168.0.10'],
    ['a shared (CGNAT) address', '100.64.1.1'],
    ['a documentation address', '203.0.113.7'],
    ['a unique-local IPv6 address', 'fd12:3456::1'],
    ['a link-local IPv6 address', 'fe80::1'],
    ['an IPv6 documentation address', '2001:db8::1'],
    ['no address at all', 'not-an-ip'],
  ])('answers undefined for %s', (_title, ip) => {
    expect(locator.locate(ip)).toBeUndefined();
  });

  it('rounds coordinates to four decimals, so recorded facts carry no float noise', () => {
    const { lat, lon } = locator.locate('124.0.0.1')!;
    expect(Math.round(lat * 10_000) / 10_000).toBe(lat);
    expect(Math.round(lon * 10_000) / 10_000).toBe(lon);
  });

  it('opens a database only at the first lookup that needs it, and refuses missing files at once', () => {
    const folder = mkdtempSync(join(tmpdir(), 'ip-location-'));
    const notADatabase = join(folder, 'not-a-database.mmdb');
    writeFileSync(notADatabase, 'not an mmdb file');
    const lazy = new MmdbIpLocator({ ipv4: notADatabase, ipv6: notADatabase });

    expect(lazy.locate('10.0.0.1')).toBeUndefined();
    expect(lazy.locate('::1')).toBeUndefined();
    expect(() => lazy.locate('124.0.0.1')).toThrow();
    expect(() => new MmdbIpLocator({ ipv4: join(folder, 'missing.mmdb'), ipv6: notADatabase })).toThrow(/ENOENT/);
  });
});
