/** @isolated no service */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  DEVELOPMENT_CONFIRMATION_CODE_SECRET,
  DEVELOPMENT_EVENT_SIGNING_KEY,
  DEVELOPMENT_RAIL_CALLBACK_SECRET,
  DEVELOPMENT_SMS_API_KEY,
  DEVELOPMENT_JWT_SECRET,
  DEVELOPMENT_PAYLOAD_KEY,
  loadConfig,
} from '../src/config';
import { SEARCH_ATTRIBUTES } from '../src/domain/search-attributes';

/**
 * temporal-compose.yml cannot run here (no Docker), so this checks it against what it must agree with:
 * the environment names of DESIGN.md §7, the config defaults and the search attributes the workflow sets.
 */

interface ComposeService {
  image?: string;
  environment?: Record<string, string | number | boolean | null>;
  ports?: unknown[];
  command?: string | string[];
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  configs?: Record<string, { content?: string }>;
}

const SERVICE = 'transfer-saga';
const POSTGRES = 'postgresql';
const REDIS = 'redis';
const KAFKA = 'kafka';
const TEMPORAL = 'temporal';
const TEMPORAL_UI = 'temporal-ui';
const TEMPORAL_ADMIN_TOOLS = 'temporal-admin-tools';

const DESIGN_ENVIRONMENT_NAMES = [
  'PORT',
  'DATABASE_URL',
  'REDIS_URL',
  'KAFKA_BROKERS',
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_UI_URL',
  'AUTH_JWT_SECRET',
  'SLACK_WEBHOOK_URL',
  // Not in DESIGN.md §7's list: production mode, which refuses the development secrets, the key that
  // signs Kafka records, the one that encrypts workflow payloads, and the admin port (metrics, readiness
  // detail).
  'NODE_ENV',
  'EVENT_SIGNING_KEY',
  'TEMPORAL_PAYLOAD_KEY',
  'ADMIN_PORT',
  // The bank rail of issue 17: where it is, how to talk to it, how to trust its callbacks.
  'RAIL_NAME',
  'RAIL_URL',
  'RAIL_API_KEY',
  'RAIL_CALLBACK_SECRET',
  'RAIL_CALLBACK_URL',
  // Step-up confirmation of issue 18: the SMS gateway one-time codes go through, and the key of their hashes.
  'SMS_GATEWAY_URL',
  'SMS_API_KEY',
  'SMS_SENDER_ID',
  'CONFIRMATION_CODE_SECRET',
];

/** What an operator exports before `docker compose up`: the file gives the secrets no default. */
const HOST_SECRETS: Record<string, string> = {
  AUTH_JWT_SECRET: 'a-host-secret-of-at-least-32-bytes!',
  EVENT_SIGNING_KEY: 'a-host-signing-key-of-32-bytes-or-more',
  TEMPORAL_PAYLOAD_KEY: `host-1:${Buffer.alloc(32, 9).toString('base64')}`,
  RAIL_URL: 'https://openapi.bank.example',
  RAIL_API_KEY: 'a-host-rail-api-key',
  RAIL_CALLBACK_SECRET: 'a-host-rail-callback-secret-of-32-bytes',
  RAIL_CALLBACK_URL: 'https://pay.example/v1/rails/simbank/callbacks',
  SMS_GATEWAY_URL: 'https://sms.example',
  SMS_API_KEY: 'a-host-sms-api-key',
  CONFIRMATION_CODE_SECRET: 'a-host-confirmation-code-secret-of-32-bytes',
};

const compose = parse(readFileSync(join(__dirname, '..', 'temporal-compose.yml'), 'utf8')) as ComposeFile;
const defaults = loadConfig({ NODE_ENV: 'development' });

function service(name: string): ComposeService {
  const found = compose.services[name];
  if (found === undefined) throw new Error(`temporal-compose.yml has no service named ${name}`);
  return found;
}

/**
 * The value Compose would use with only the secrets exported on the host: `${VAR:-default}` becomes
 * `default`, and a required `${VAR:?…}` the host's value.
 */
function withComposeDefaults(value: string): string {
  return value
    .replace(/\$\{(\w+):\?[^}]*\}/g, (_required, name: string) => HOST_SECRETS[name] ?? '')
    .replace(/\$\{\w+:-([^}]*)\}/g, '$1');
}

/** The service container's environment as the application would see it with nothing set on the host. */
function serviceEnvironment(): Record<string, string> {
  const environment = service(SERVICE).environment ?? {};
  return Object.fromEntries(
    Object.entries(environment).map(([name, value]) => [name, withComposeDefaults(String(value ?? ''))]),
  );
}

/** Port mappings in the short `HOST:CONTAINER` form, which is the only form the compose file uses. */
/** Each `[address:]host:container` entry; `address` when the port is published on one host address only. */
function portMappings(name: string): { address?: string; host: number; container: number }[] {
  return (service(name).ports ?? []).map((entry) => {
    const parts = String(entry).split(':');
    const [host, container] = parts.slice(-2);
    return { ...(parts.length === 3 && { address: parts[0] }), host: Number(host), container: Number(container) };
  });
}

function publishedHostPorts(name: string): number[] {
  return portMappings(name).map((mapping) => mapping.host);
}

/** Splits `host:port` (a broker or a Temporal address) into its parts. */
function hostAndPort(address: string): { host: string; port: number } {
  const separator = address.lastIndexOf(':');
  return { host: address.slice(0, separator), port: Number(address.slice(separator + 1)) };
}

function urlPort(url: string): number {
  return Number(new URL(url).port);
}

function adminToolsCommand(): string {
  const command = service(TEMPORAL_ADMIN_TOOLS).command ?? '';
  return Array.isArray(command) ? command.join(' ') : command;
}

/** `--name X --type Y` pairs of `temporal operator search-attribute create`, as `X:Y` with the SDK's type spelling. */
function registeredSearchAttributes(): string[] {
  const pairs = adminToolsCommand().matchAll(/--name\s+(\w+)\s+--type\s+(\w+)/g);
  return [...pairs].map(([, name, type]) => `${name}:${(type ?? '').toUpperCase()}`);
}

describe('temporal-compose.yml', () => {
  describe('the service container environment', () => {
    it('sets every setting DESIGN.md §7 names and nothing else', () => {
      expect(Object.keys(serviceEnvironment()).sort()).toEqual([...DESIGN_ENVIRONMENT_NAMES].sort());
    });

    it.each(DESIGN_ENVIRONMENT_NAMES)('gives %s a value the config accepts', (name) => {
      const value = serviceEnvironment()[name];
      expect(value).toBeDefined();
      expect(() => loadConfig({ ...HOST_SECRETS, [name]: value })).not.toThrow();
    });

    it('is accepted by the config as a whole, in production mode', () => {
      expect(serviceEnvironment().NODE_ENV).toBe('production');
      expect(() => loadConfig(serviceEnvironment())).not.toThrow();
    });

    it.each([
      ['AUTH_JWT_SECRET', DEVELOPMENT_JWT_SECRET],
      ['EVENT_SIGNING_KEY', DEVELOPMENT_EVENT_SIGNING_KEY],
      ['TEMPORAL_PAYLOAD_KEY', DEVELOPMENT_PAYLOAD_KEY],
      ['RAIL_CALLBACK_SECRET', DEVELOPMENT_RAIL_CALLBACK_SECRET],
      ['SMS_API_KEY', DEVELOPMENT_SMS_API_KEY],
      ['CONFIRMATION_CODE_SECRET', DEVELOPMENT_CONFIRMATION_CODE_SECRET],
    ])('requires %s from the host instead of defaulting to the public development value', (name, development) => {
      const declared = String(service(SERVICE).environment?.[name]);
      expect(declared).toMatch(new RegExp(`^\\$\\{${name}:\\?.+\\}$`));
      expect(() => loadConfig({ ...serviceEnvironment(), [name]: development })).toThrow(new RegExp(name));
    });
  });

  describe('published ports', () => {
    it('the service container publishes the API on the default PORT', () => {
      const api = Number(serviceEnvironment().PORT);
      expect(portMappings(SERVICE)).toContainEqual({ host: defaults.http.port, container: api });
    });

    it("publishes the admin port (metrics, readiness detail) on the default ADMIN_PORT, on the host's loopback only", () => {
      const admin = Number(serviceEnvironment().ADMIN_PORT);
      expect(portMappings(SERVICE)).toContainEqual({
        address: '127.0.0.1',
        host: defaults.http.adminPort,
        container: admin,
      });
    });

    it('publishes PostgreSQL on the port of the default DATABASE_URL', () => {
      expect(publishedHostPorts(POSTGRES)).toContain(urlPort(defaults.postgres.url));
    });

    it('publishes Redis on the port of the default REDIS_URL', () => {
      expect(publishedHostPorts(REDIS)).toContain(urlPort(defaults.redis.url));
    });

    it('publishes Kafka on the port of the default broker', () => {
      for (const broker of defaults.kafka.brokers) {
        expect(publishedHostPorts(KAFKA)).toContain(hostAndPort(broker).port);
      }
    });

    it('publishes the Temporal frontend on the port of the default TEMPORAL_ADDRESS', () => {
      expect(publishedHostPorts(TEMPORAL)).toContain(hostAndPort(defaults.temporal.address).port);
    });

    it('publishes the Temporal UI on the port of the default TEMPORAL_UI_URL', () => {
      expect(publishedHostPorts(TEMPORAL_UI)).toContain(urlPort(defaults.temporal.uiUrl));
    });

    it('points the service at the published Temporal UI port for the links it hands out', () => {
      expect(publishedHostPorts(TEMPORAL_UI)).toContain(urlPort(serviceEnvironment().TEMPORAL_UI_URL ?? ''));
    });
  });

  describe('connections from the service container', () => {
    it('uses the database, user and password of the default DATABASE_URL', () => {
      const inCompose = new URL(serviceEnvironment().DATABASE_URL ?? '');
      const byDefault = new URL(defaults.postgres.url);
      expect(inCompose.pathname).toBe(byDefault.pathname);
      expect(inCompose.username).toBe(byDefault.username);
      expect(inCompose.password).toBe(byDefault.password);
    });

    it('reaches PostgreSQL by its compose service name', () => {
      expect(new URL(serviceEnvironment().DATABASE_URL ?? '').hostname).toBe(POSTGRES);
      expect(service(POSTGRES).image).toMatch(/^postgres:/);
    });

    it('has PostgreSQL create the database and role the service connects with', () => {
      const url = new URL(serviceEnvironment().DATABASE_URL ?? '');
      const database = url.pathname.slice(1);
      const initScripts = Object.values(compose.configs ?? {})
        .map((config) => config.content ?? '')
        .join('\n');
      expect(initScripts).toContain(`CREATE ROLE ${url.username} LOGIN PASSWORD '${url.password}';`);
      expect(initScripts).toContain(`CREATE DATABASE ${database} OWNER ${url.username};`);
    });

    it('reaches Redis by its compose service name', () => {
      expect(new URL(serviceEnvironment().REDIS_URL ?? '').hostname).toBe(REDIS);
      expect(service(REDIS).image).toMatch(/^redis:/);
    });

    it('reaches Kafka by its compose service name', () => {
      const brokers = (serviceEnvironment().KAFKA_BROKERS ?? '').split(',');
      expect(brokers.map((broker) => hostAndPort(broker.trim()).host)).toEqual([KAFKA]);
      expect(service(KAFKA).image).toMatch(/^apache\/kafka:/);
    });

    it('reaches the Temporal frontend by its compose service name', () => {
      expect(hostAndPort(serviceEnvironment().TEMPORAL_ADDRESS ?? '').host).toBe(TEMPORAL);
      expect(service(TEMPORAL).image).toMatch(/^temporalio\/auto-setup:/);
    });
  });

  describe('Temporal search attributes', () => {
    it('registers exactly the search attributes the workflow sets', () => {
      const expected = SEARCH_ATTRIBUTES.map((key) => `${key.name}:${key.type}`);
      expect(registeredSearchAttributes().sort()).toEqual(expected.sort());
    });

    it('registers them in the namespace the service uses', () => {
      const namespace = serviceEnvironment().TEMPORAL_NAMESPACE;
      expect(adminToolsCommand()).toContain(`search-attribute create --namespace ${namespace} `);
    });
  });
});
