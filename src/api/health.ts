import type { Dependencies } from '../dependencies';

type Check = () => Promise<unknown>;

/** A readiness probe per dependency; the API is ready only when every one answers. */
export function readinessChecks(dependencies: Dependencies): Record<string, Check> {
  return {
    postgres: () => dependencies.postgres.query('SELECT 1'),
    redis: () => dependencies.redis.ping(),
    // connect() is a no-op once connected; it reconnects an API process that started without Kafka.
    kafka: async () => {
      await dependencies.kafkaAdmin.connect();
      return dependencies.kafkaAdmin.describeCluster();
    },
    temporal: () => dependencies.temporal.workflowService.getSystemInfo({}),
  };
}

export async function checkReadiness(
  checks: Record<string, Check>,
  timeoutMs = 2000,
): Promise<{ ready: boolean; dependencies: Record<string, string> }> {
  const results = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        await withTimeout(check(), timeoutMs);
        return [name, 'ok'] as const;
      } catch (error) {
        return [name, error instanceof Error ? error.message : String(error)] as const;
      }
    }),
  );
  return { ready: results.every(([, state]) => state === 'ok'), dependencies: Object.fromEntries(results) };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
