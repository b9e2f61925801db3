import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import type { Circus } from '@jest/types';
import { TestEnvironment as NodeEnvironment } from 'jest-environment-node';
import { Client } from 'pg';

import { loadConfig } from '../../src/config';
import { disrupts, isIsolated, runsBesideServices } from './isolation';

/** Any constants of our own: PostgreSQL advisory locks are keyed by numbers the whole database shares. */
const SERVICE_LOCK = 727_001;
const STORES_LOCK = 727_002;

/**
 * Jest's node environment, plus the rules for sharing the local stack (pragmas: ./isolation.js). A service
 * file starts workers on the shared task queue and joins the service's consumer groups; two at once would
 * steal each other's sagas and events, so each holds SERVICE_LOCK for its whole run. A file that only
 * uses the stores runs beside it, holding STORES_LOCK shared; a file that stops Kafka, flushes Redis,
 * revokes writes or repairs every account holds both locks, so nothing but isolated files runs beside it.
 * Each lock lives in a session of its own, so a killed jest worker releases it with its connection.
 */
export default class StackEnvironment extends NodeEnvironment {
  private readonly locks: string[];
  private lockSession?: Client;

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    const pragmas = context.docblockPragmas;
    if (isIsolated(pragmas)) this.locks = [];
    else if (runsBesideServices(pragmas)) this.locks = [`SELECT pg_advisory_lock_shared(${STORES_LOCK})`];
    // Always SERVICE_LOCK first: the one order every file takes them in cannot deadlock.
    else if (disrupts(pragmas))
      this.locks = [`SELECT pg_advisory_lock(${SERVICE_LOCK})`, `SELECT pg_advisory_lock(${STORES_LOCK})`];
    else this.locks = [`SELECT pg_advisory_lock(${SERVICE_LOCK})`];
  }

  /** Takes the locks once the file's modules are loaded, just before its first hook: loading needs no stack. */
  async handleTestEvent(event: Circus.Event): Promise<void> {
    if (event.name !== 'run_start' || this.locks.length === 0) return;
    const session = new Client({ connectionString: loadConfig().postgres.url });
    await session.connect();
    for (const lock of this.locks) await session.query(lock);
    this.lockSession = session;
  }

  override async teardown(): Promise<void> {
    // Ending the session releases its locks.
    await this.lockSession?.end();
    await super.teardown();
  }
}
