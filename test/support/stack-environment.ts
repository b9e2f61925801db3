import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import type { Circus } from '@jest/types';
import { TestEnvironment as NodeEnvironment } from 'jest-environment-node';
import { Client } from 'pg';

import { loadConfig } from '../../src/config';
import { isIsolated } from './isolation';

/** Any constant of our own: PostgreSQL advisory locks are keyed by a number the whole database shares. */
const LOCAL_STACK_LOCK = 727_001;

/**
 * Jest's node environment, plus one rule: a test file that uses the shared local stack runs alone. Such a
 * file starts workers on the shared task queue, joins the service's consumer groups or stops Kafka,
 * flushes Redis and revokes writes; two at once would steal each other's sagas and events. So each holds
 * a PostgreSQL advisory lock for its whole run, and only files marked `@isolated` in their opening
 * docblock (their own test server, or no service at all) run beside it. The lock lives in a session of
 * its own, so a killed jest worker releases it with its connection.
 */
export default class StackEnvironment extends NodeEnvironment {
  private readonly isolated: boolean;
  private lockSession?: Client;

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    this.isolated = isIsolated(context.docblockPragmas);
  }

  /** Takes the lock once the file's modules are loaded, just before its first hook: loading needs no stack. */
  async handleTestEvent(event: Circus.Event): Promise<void> {
    if (event.name !== 'run_start' || this.isolated) return;
    const session = new Client({ connectionString: loadConfig().postgres.url });
    await session.connect();
    await session.query('SELECT pg_advisory_lock($1)', [LOCAL_STACK_LOCK]);
    this.lockSession = session;
  }

  override async teardown(): Promise<void> {
    // Ending the session releases its lock.
    await this.lockSession?.end();
    await super.teardown();
  }
}
