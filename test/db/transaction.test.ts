/** @beside-services PostgreSQL only */
import { EventEmitter } from 'node:events';

import { Pool, type PoolClient } from 'pg';

import { loadConfig } from '../../src/config';
import { inTransaction } from '../../src/db/transaction';

const config = loadConfig();

describe('inTransaction', () => {
  const pool = new Pool({ connectionString: config.postgres.url, max: 2 });
  const admin = new Pool({ connectionString: config.postgres.url, max: 1 });
  afterAll(async () => {
    await pool.end();
    await admin.end();
  });

  it('fails the transaction, not the process, when PostgreSQL drops its connection mid-transaction', async () => {
    // A PostgreSQL restart ends every connection; one checked out of the pool used to emit an
    // unhandled 'error' and take the whole process down.
    const work = inTransaction(pool, async (client) => {
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
      // Let the connection's end arrive while no query runs on it.
      await new Promise((wake) => setTimeout(wake, 300));
      await client.query('SELECT 1');
    });
    await expect(work).rejects.toThrow(/terminating connection due to administrator command/);
    // The broken connection is not handed out again.
    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('fails the transaction, not the process, when the connection errs in the read that hands it over', async () => {
    // pg-pool hands a freed client to a waiting caller from inside the network read that freed it; an
    // error message later in that same read is emitted before an `await pool.connect()` resumes, while
    // no one listens. This stand-in pool replays that order exactly (a real one cannot be timed so).
    const lost = new Error('terminating connection due to administrator command');
    const client = Object.assign(new EventEmitter(), {
      query: jest.fn(() => Promise.reject(new Error('Client has encountered a connection error and is not queryable'))),
      release: jest.fn(),
    });
    const handingOver = {
      connect(callback?: (error: undefined, client: PoolClient) => void) {
        const handedOver = callback ? callback(undefined, client as unknown as PoolClient) : Promise.resolve(client);
        client.emit('error', lost);
        return handedOver;
      },
    } as unknown as Pool;
    await expect(inTransaction(handingOver, async () => 'committed')).rejects.toBe(lost);
    expect(client.release).toHaveBeenCalledWith(lost);
  });
});
