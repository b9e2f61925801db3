import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import type { Redis } from 'ioredis';

import { loadConfig } from '../src/config';
import { createDependencies } from '../src/dependencies';
import { DEFAULT_SAGA_TIMINGS, type RiskDecision, type TransferSagaInput } from '../src/domain/transfer';
import { createLogger } from '../src/logger';
import type { RuleDefinition } from '../src/risk/rules';

const SENDERS = 20;
const RECEIVERS = 200;

/**
 * Latency of one risk evaluation (the facts script in Redis, every enabled rule, the anomaly model)
 * with `ruleCount` active rules of every kind, in-process, one at a time and then 8 at a time. The
 * rules only match this benchmark's own senders, and are removed afterwards.
 */
export async function risk(evaluations: number, ruleCount: number): Promise<void> {
  const config = loadConfig();
  const dependencies = await createDependencies(config, createLogger('warn'));
  const run = randomUUID().slice(0, 8);
  const senders = Array.from({ length: SENDERS }, (_, n) => `bench-risk-${run}-s${n}`);
  const ruleIds: string[] = [];
  try {
    for (let n = 0; n < ruleCount; n++) {
      const ruleId = `bench-${run}-${n}`;
      await dependencies.risk.rules.create(ruleId, benchRule(n, senders), 'bench');
      ruleIds.push(ruleId);
    }
    const transfer = (n: number): TransferSagaInput => ({
      transferId: randomUUID(),
      fromAccountId: senders[n % SENDERS] as string,
      toAccountId: `bench-risk-${run}-r${(n * 7) % RECEIVERS}`,
      amount: 1_000 + ((n * 7919) % 50_000),
      currency: 'EUR',
      requestedBy: 'bench',
      submittedAt: new Date().toISOString(),
      timings: DEFAULT_SAGA_TIMINGS,
    });

    // Warm up: the first evaluation fetches and compiles the rule set.
    for (let n = 0; n < 50; n++) await dependencies.risk.engine.evaluate(transfer(n));

    const sequential: number[] = [];
    const decisions: Record<RiskDecision, number> = { PASS: 0, REVIEW: 0, STEP_UP: 0, BLOCK: 0 };
    const started = performance.now();
    for (let n = 0; n < evaluations; n++) {
      const before = performance.now();
      const { assessment } = await dependencies.risk.engine.evaluate(transfer(n));
      sequential.push(performance.now() - before);
      decisions[assessment.decision]++;
    }
    const sequentialSeconds = (performance.now() - started) / 1000;

    const concurrent: number[] = [];
    const concurrentStarted = performance.now();
    for (let n = 0; n < evaluations; n += 8) {
      await Promise.all(
        Array.from({ length: 8 }, async (_, offset) => {
          const before = performance.now();
          await dependencies.risk.engine.evaluate(transfer(n + offset));
          concurrent.push(performance.now() - before);
        }),
      );
    }
    const concurrentSeconds = (performance.now() - concurrentStarted) / 1000;

    console.log(`active rules                 ${ruleCount} (velocity windows ${WINDOWS.join(', ')} s)`);
    console.log(`evaluations                  ${evaluations} one at a time, then ${evaluations} eight at a time`);
    console.log(`decisions (one at a time)    ${JSON.stringify(decisions)}`);
    console.log(`latency, one at a time       ${summary(sequential)}`);
    console.log(`throughput, one at a time    ${(evaluations / sequentialSeconds).toFixed(0)} /s`);
    console.log(`latency, 8 concurrent        ${summary(concurrent)}`);
    console.log(`throughput, 8 concurrent     ${(concurrent.length / concurrentSeconds).toFixed(0)} /s`);
  } finally {
    for (const ruleId of ruleIds) await dependencies.risk.rules.remove(ruleId, 'bench');
    await deleteKeys(dependencies.redis, `risk:{bench-risk-${run}-*`);
    await dependencies.close();
  }
}

const WINDOWS = [60, 600, 3600, 86_400];

/** Rule n of the set: every kind of condition, each behind the check that the sender is ours. */
function benchRule(n: number, senders: string[]): RuleDefinition {
  const watched = Array.from({ length: 100 }, (_, i) => `watched-${n}-${i}`);
  const kinds: unknown[] = [
    { amount: { gte: 40_000 + n } },
    { velocity: { windowSeconds: WINDOWS[n % WINDOWS.length], count: { gte: 50 }, sum: { gte: 5_000_000 } } },
    { dailyTotal: { gt: 50_000_000 } },
    { all: [{ newReceiver: true }, { amount: { gte: 30_000 } }] },
    { timeOfDay: { from: '01:00', to: '04:30' } },
    { account: { side: 'to', in: watched } },
    { any: [{ anomalyScore: { gte: 0.8 } }, { not: { currency: { in: ['EUR', 'USD'] } } }] },
    { all: [{ velocity: { windowSeconds: 60, count: { gte: 20 } } }, { newReceiver: true }] },
  ];
  return {
    name: `bench rule ${n}`,
    description: null,
    condition: { all: [{ account: { side: 'from', in: senders } }, kinds[n % kinds.length]] },
    score: 5 + (n % 4) * 5,
    action: n % 10 === 9 ? 'REVIEW' : 'SCORE',
    enabled: true,
    shadow: n % 7 === 6,
  };
}

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) =>
    (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN).toFixed(2);
  return `p50 ${at(50)} ms, p99 ${at(99)} ms, max ${(sorted.at(-1) ?? NaN).toFixed(2)} ms`;
}

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}
