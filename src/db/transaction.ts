import type { Pool, PoolClient } from 'pg';

/** Runs `work` in one PostgreSQL transaction on one pooled client: committed if it returns, rolled back if it throws. */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  // The pool listens for errors only on idle clients. A checked-out one whose connection PostgreSQL ends
  // (a restart, a terminated backend) would emit an unhandled 'error' and end the whole process; keep the
  // reason instead, fail this transaction with it, and have the pool discard the connection.
  let connectionLost: Error | undefined;
  const onConnectionError = (error: Error) => {
    connectionLost ??= error;
  };
  // Listen from the instant of the hand-over, in the pool's callback: `await pool.connect()` resumes a
  // tick later, and the network read that handed the client over may carry its error in that tick.
  const client = await new Promise<PoolClient>((resolve, reject) => {
    pool.connect((error, checkedOut) => {
      if (error || !checkedOut) return reject(error ?? new Error('the pool handed over no client'));
      checkedOut.on('error', onConnectionError);
      resolve(checkedOut);
    });
  });
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    if (connectionLost === undefined) await client.query('ROLLBACK').catch(() => undefined);
    // pg reports a query on a lost connection as "not queryable"; the reason is what an operator needs.
    throw connectionLost ?? error;
  } finally {
    client.removeListener('error', onConnectionError);
    client.release(connectionLost);
  }
}
