/**
 * `npm run docs:events` writes the published event contract (DESIGN.md §5), generated from the zod
 * schemas in src/domain/event-schemas.ts:
 *   docs/events/<topic>.schema.json  JSON Schema 2020-12 of each topic's full envelope;
 *   docs/asyncapi.yaml               AsyncAPI 3.0: every topic and its dead-letter twin.
 * test/events/schemas.test.ts fails when the committed files differ from what this generates.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { stringify } from 'yaml';
import { z } from 'zod';

import { eventSchemas } from '../src/domain/event-schemas';
import { deadLetterTopic, EVENT_VERSION, type EventType, TOPICS } from '../src/domain/topics';

/** A JSON value: what every generated document is made of. */
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export const REPOSITORY_ROOT = join(__dirname, '..');

const KAFKA_BINDING_VERSION = '0.5.0';

/** The path, relative to the repository root, of a topic's JSON Schema. */
export const schemaPath = (type: EventType): string => `docs/events/${type}.schema.json`;
export const ASYNCAPI_PATH = 'docs/asyncapi.yaml';

/**
 * Every generated document by its path relative to the repository root, as plain JSON values. Pure
 * and deterministic (topics in TOPICS order, keys in a fixed order), so the test can compare it with
 * the committed files without writing anything.
 */
export function eventDocuments(): Record<string, JsonObject> {
  const documents: Record<string, JsonObject> = {};
  for (const type of TOPICS) documents[schemaPath(type)] = jsonSchema(type, 'draft-2020-12');
  documents[ASYNCAPI_PATH] = asyncApiDocument();
  return documents;
}

/** The envelope schema of a topic. `io: 'input'` describes what is accepted, so lenient topics stay open. */
function jsonSchema(type: EventType, target: 'draft-2020-12' | 'draft-7'): JsonObject {
  // Through JSON text: the document is then exactly what is written, nothing zod attaches besides.
  const generated = JSON.stringify(z.toJSONSchema(eventSchemas[type], { target, io: 'input' }));
  const { $schema, title, description, ...schema } = JSON.parse(generated) as JsonObject;
  return { $schema, title, description, ...schema } as JsonObject;
}

function asyncApiDocument(): JsonObject {
  const channels: JsonObject = {};
  const operations: JsonObject = {};
  const messages: JsonObject = { deadLetter: deadLetterMessage() };
  const schemas: JsonObject = {};
  for (const type of TOPICS) {
    const dlt = deadLetterTopic(type);
    channels[type] = {
      address: type,
      description: describe(type),
      messages: { [type]: { $ref: `#/components/messages/${type}` } },
    };
    channels[dlt] = {
      address: dlt,
      description: `Dead letters of ${type}: what a consumer group could not use, with the reason in the headers.`,
      messages: { deadLetter: { $ref: '#/components/messages/deadLetter' } },
    };
    operations[`${type}.send`] = {
      action: 'send',
      channel: { $ref: `#/channels/${type}` },
      summary: `Publish ${type}, validated against its schema first.`,
      messages: [{ $ref: `#/channels/${type}/messages/${type}` }],
    };
    operations[`${dlt}.send`] = {
      action: 'send',
      channel: { $ref: `#/channels/${dlt}` },
      summary: `A consumer of ${type} dead-letters a record it refused or could not process.`,
      messages: [{ $ref: `#/channels/${dlt}/messages/deadLetter` }],
    };
    messages[type] = eventMessage(type);
    // AsyncAPI's default schema format extends JSON Schema draft-07, so the inlined copy targets it.
    const { $schema: _draft, ...schema } = jsonSchema(type, 'draft-7');
    schemas[type] = schema;
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'transfer-saga events',
      version: `${EVENT_VERSION}.0.0`,
      description: [
        'Every money transfer is a Temporal saga; these Kafka topics are its event surface (DESIGN.md §5).',
        "A record is a JSON envelope keyed by `data.fromAccountId`, so each sender's events keep their order.",
        '`eventId` is `<transferId>:<type>`: a re-published event is the same event, and every consumer',
        'de-duplicates by it. Producers validate before sending and consumers validate before acting;',
        'a refused record goes to `<topic>.dlt`. JSON Schema 2020-12 of each envelope: docs/events/.',
      ].join(' '),
    },
    defaultContentType: 'application/json',
    channels,
    operations,
    components: { schemas, messages },
  };
}

function eventMessage(type: EventType): JsonObject {
  return {
    name: type,
    title: type,
    summary: describe(type),
    contentType: 'application/json',
    headers: {
      type: 'object',
      required: ['eventId', 'type', 'version'],
      properties: {
        eventId: { type: 'string', description: 'The envelope eventId, for de-duplication without parsing.' },
        type: { type: 'string', const: type },
        version: { type: 'string', const: String(EVENT_VERSION) },
      },
    },
    payload: { $ref: `#/components/schemas/${type}` },
    bindings: {
      kafka: {
        key: { type: 'string', description: 'data.fromAccountId: per-sender order on one partition.' },
        bindingVersion: KAFKA_BINDING_VERSION,
      },
    },
  };
}

function deadLetterMessage(): JsonObject {
  return {
    name: 'deadLetter',
    title: 'Dead letter',
    summary: 'A record a consumer group refused (invalid) or could not process after its retries.',
    description: 'The original value and key, unchanged; the original headers plus why and where it failed.',
    headers: {
      type: 'object',
      required: ['error', 'consumerGroup'],
      properties: {
        error: { type: 'string', description: 'Why: `invalid event: <path>: <message>` or the last failure.' },
        consumerGroup: { type: 'string' },
        originalTopic: { type: 'string' },
        originalPartition: { type: 'string' },
        originalOffset: { type: 'string' },
        failedAt: { type: 'string', format: 'date-time' },
      },
    },
    payload: { description: 'The original record value, which may not be JSON at all.' },
    bindings: {
      kafka: {
        key: { type: 'string', description: 'The original key, when the record had one.' },
        bindingVersion: KAFKA_BINDING_VERSION,
      },
    },
  };
}

function describe(type: EventType): string {
  const description = z.globalRegistry.get(eventSchemas[type])?.description;
  if (!description) throw new Error(`${type} has no description in src/domain/event-schemas.ts`);
  return description;
}

/** The documents as files: formatted by the project's prettier config, as committed. */
async function render(path: string, document: JsonObject): Promise<string> {
  // Loaded here, not at the top: prettier 3 starts a dynamic import as soon as it is required, which
  // Jest refuses, and the test imports this module for eventDocuments alone.
  const { format, resolveConfig } = await import('prettier');
  const text = path.endsWith('.yaml') ? stringify(document, { lineWidth: 0 }) : JSON.stringify(document);
  return format(text, { ...(await resolveConfig(join(REPOSITORY_ROOT, path))), filepath: path });
}

async function main(): Promise<void> {
  const documents = eventDocuments();
  // A topic that left TOPICS must not leave its schema behind.
  const schemaDirectory = join(REPOSITORY_ROOT, 'docs/events');
  mkdirSync(schemaDirectory, { recursive: true });
  for (const name of readdirSync(schemaDirectory)) {
    if (!(`docs/events/${name}` in documents)) rmSync(join(schemaDirectory, name));
  }
  for (const [path, document] of Object.entries(documents)) {
    const file = join(REPOSITORY_ROOT, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, await render(path, document));
    console.log(`wrote ${path}`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
