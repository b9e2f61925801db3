/** @isolated no service */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { bundleWorkflowCode } from '@temporalio/worker';
import { parse as parseYaml } from 'yaml';

import { ASYNCAPI_PATH, eventDocuments, REPOSITORY_ROOT, schemaPath } from '../../scripts/event-docs';
import { deadLetterTopic, REMITTANCE_TOPICS, TOPICS } from '../../src/domain/topics';

describe('generated event docs (npm run docs:events)', () => {
  const documents = eventDocuments();
  const committed = (path: string): unknown => {
    const text = readFileSync(join(REPOSITORY_ROOT, path), 'utf8');
    return path.endsWith('.yaml') ? parseYaml(text) : JSON.parse(text);
  };

  it('are committed as generated from the schemas now (run `npm run docs:events` after changing one)', () => {
    for (const [path, document] of Object.entries(documents))
      expect({ path, document: committed(path) }).toEqual({ path, document });
    const schemaFiles = readdirSync(join(REPOSITORY_ROOT, 'docs/events')).map((name) => `docs/events/${name}`);
    expect(schemaFiles.sort()).toEqual(TOPICS.map(schemaPath).sort());
  });

  it('publish one JSON Schema 2020-12 per topic, of the full envelope', () => {
    for (const type of TOPICS) {
      expect(documents[schemaPath(type)]).toMatchObject({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        title: type,
        required: [
          'eventId',
          'type',
          'version',
          'occurredAt',
          (REMITTANCE_TOPICS as readonly string[]).includes(type) ? 'remittanceId' : 'transferId',
          'data',
        ],
        properties: { type: { const: type }, version: { const: 1 } },
      });
    }
  });

  describe('the AsyncAPI document', () => {
    const asyncApi = documents[ASYNCAPI_PATH] as {
      asyncapi: string;
      channels: Record<string, { address: string; messages: Record<string, { $ref: string }> }>;
      operations: Record<string, { action: string; channel: { $ref: string } }>;
      components: {
        messages: Record<string, { headers: { required: string[] }; bindings: { kafka: { key: unknown } } }>;
      };
    };

    it('is AsyncAPI 3.0 and lists every topic and its .dlt twin as a channel with a send operation', () => {
      expect(asyncApi.asyncapi).toBe('3.0.0');
      const topics = TOPICS.flatMap((topic) => [topic, deadLetterTopic(topic)]);
      expect(Object.values(asyncApi.channels).map((channel) => channel.address)).toEqual(topics);
      const sent = Object.values(asyncApi.operations)
        .filter((operation) => operation.action === 'send')
        .map((operation) => operation.channel.$ref);
      expect(sent).toEqual(topics.map((topic) => `#/channels/${topic}`));
    });

    it('describes each event message with its headers and the sender as the Kafka key', () => {
      for (const type of TOPICS) {
        const message = asyncApi.components.messages[type];
        expect(message?.headers.required).toEqual(['eventId', 'type', 'version']);
        expect(message?.bindings.kafka.key).toMatchObject({ type: 'string' });
      }
    });

    it('has no reference that points nowhere', () => {
      const references: string[] = [];
      const collect = (value: unknown): void => {
        if (Array.isArray(value)) value.forEach(collect);
        else if (value && typeof value === 'object') {
          for (const [key, inner] of Object.entries(value)) {
            if (key === '$ref' && typeof inner === 'string') references.push(inner);
            else collect(inner);
          }
        }
      };
      collect(asyncApi);
      const resolve = (reference: string) =>
        reference
          .slice(2)
          .split('/')
          .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
          .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], asyncApi);
      expect(references.length).toBeGreaterThan(TOPICS.length * 4);
      expect(references.filter((reference) => !reference.startsWith('#/') || resolve(reference) === undefined)).toEqual(
        [],
      );
    });
  });
});

describe('the workflow bundle', () => {
  it('does not load zod: workflows import events.ts, which reaches the schemas by type only', async () => {
    const { code } = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../src/workflows'),
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
    });
    expect(code).toContain('src/domain/events.ts');
    expect(code).not.toContain('node_modules/zod/');
    expect(code).not.toContain('src/domain/event-schemas');
  });
});
