import { performance } from 'node:perf_hooks';

import { ServiceHarness } from '../test/support/service-harness';

/**
 * PASS-path throughput through the REST API against the local stack, the worker running as its own
 * process.
 */
export async function transfers(count: number, parallel: number): Promise<void> {
  const service = await ServiceHarness.start({ SAGA_FORWARD_RETRY_INTERVAL_MS: '10000' });
  try {
    const accounts = await Promise.all(
      Array.from({ length: 20 }, async (_, index) => ({
        owner: `bench${index}`,
        accountId: await service.openAccount(`bench${index}`, 1_000_000_000),
      })),
    );
    const submittedAt = new Map<string, number>();
    const started = performance.now();
    for (let next = 0; next < count; next += parallel) {
      const batch = Array.from({ length: Math.min(parallel, count - next) }, (_, offset) => {
        const from = accounts[(next + offset) % accounts.length] as { owner: string; accountId: string };
        const to = accounts[(next + offset + 1) % accounts.length] as { owner: string; accountId: string };
        return service.submit(from.owner, { fromAccountId: from.accountId, toAccountId: to.accountId, amount: 100 });
      });
      for (const answer of await Promise.all(batch)) submittedAt.set(answer.body.transferId, performance.now());
    }
    const submitted = performance.now();
    const statuses = await service.waitForTerminal([...submittedAt.keys()], 600_000);
    const finished = performance.now();
    const completed = [...statuses.values()].filter((status) => status === 'COMPLETED').length;

    const { rows } = await service.dependencies.postgres.query<{ latencyMs: number }>(
      `SELECT extract(epoch FROM settled_at - submitted_at) * 1000 AS "latencyMs" FROM transactions
       WHERE transfer_id = ANY($1::uuid[]) AND settled_at IS NOT NULL ORDER BY 1`,
      [[...submittedAt.keys()]],
    );
    const percentile = (p: number) =>
      Math.round(rows[Math.min(rows.length - 1, Math.floor((p / 100) * rows.length))]?.latencyMs ?? NaN);
    console.log(`transfers submitted          ${count} (${parallel} in parallel)`);
    console.log(`completed                    ${completed}`);
    console.log(`submit rate                  ${(count / ((submitted - started) / 1000)).toFixed(1)} /s`);
    console.log(`completed PASS transfers/s   ${(completed / ((finished - started) / 1000)).toFixed(1)}`);
    console.log(`submit → settled latency     p50 ${percentile(50)} ms, p99 ${percentile(99)} ms`);
  } finally {
    await service.stop();
  }
}
