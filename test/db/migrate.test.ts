/** @beside-services migrations, which wait for each other by their own lock */
import { Client } from 'pg';

import { loadConfig } from '../../src/config';
import { migrate } from '../../src/db/migrate';
import { createLogger } from '../../src/logger';

const config = loadConfig();
const logger = createLogger('silent');

describe('migrate', () => {
  it('waits for a migration running elsewhere instead of failing the process that started second', async () => {
    // Another process in the middle of its migration holds the lock, as when the API and the worker start together.
    const other = new Client({ connectionString: config.postgres.url });
    await other.connect();
    try {
      await other.query('SELECT pg_advisory_lock(7241865325823964)');
      let settled: string | undefined;
      const waiting = migrate(config, logger).then(
        () => (settled = 'resolved'),
        (error: Error) => (settled = `rejected: ${error.message}`),
      );
      await new Promise((wake) => setTimeout(wake, 500));
      expect(settled).toBeUndefined();
      await other.query('SELECT pg_advisory_unlock(7241865325823964)');
      await waiting;
      expect(settled).toBe('resolved');
    } finally {
      await other.end();
    }
  });

  it('applies each migration once when several processes migrate at once', async () => {
    await expect(Promise.all(Array.from({ length: 4 }, () => migrate(config, logger)))).resolves.toHaveLength(4);
    const { rows } = await (async () => {
      const session = new Client({ connectionString: config.postgres.url });
      await session.connect();
      try {
        return await session.query<{ name: string; copies: number }>(
          'SELECT name, count(*)::int AS copies FROM pgmigrations GROUP BY name HAVING count(*) > 1',
        );
      } finally {
        await session.end();
      }
    })();
    expect(rows).toEqual([]);
  });
});
