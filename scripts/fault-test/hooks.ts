/**
 * Two hooks the fault test installs inside the service processes it starts (faulty-service.ts):
 *
 * - Lost results: SIGHUP (a signal the Temporal SDK leaves alone) opens a window of
 *   {@link LOST_RESULTS_WINDOW_MS} in which the first attempt of every activity does its work and then
 *   reports a failure, as a worker does when it dies after the side effect and before telling Temporal.
 *   Temporal runs the activity again; only idempotent steps make that harmless. (Killing the worker hits
 *   that instant rarely; this hits it on purpose.)
 * - `--break <safeguard>` removes one safeguard, so the fault test can show its checker catches the
 *   damage (see {@link SAFEGUARDS}).
 *
 * Nothing here is part of the service: the hooks patch it from outside, in that process only.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { Worker } from '@temporalio/worker';
import { Redis } from 'ioredis';

import { loadConfig } from '../../src/config';
import { RedisBalances } from '../../src/ledger/redis-balances';
import { redisOptions } from '../../src/transport';

export const LOST_RESULTS_WINDOW_MS = 3_000;

export const SAFEGUARDS = {
  /** The reserve forgets the hold it made, so a reserve that runs twice holds the money twice. */
  'idempotent-reserve': () => {
    const config = loadConfig();
    const redis = new Redis(config.redis.url, redisOptions(config));
    const { prototype } = RedisBalances;
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the instance as `this`
    const reserve = prototype.reserve;
    prototype.reserve = async function (this: RedisBalances, transferId, accountId, amount) {
      // `hold:<transferId>` is where the reserve script remembers it already held this transfer.
      await redis.del(`hold:${transferId}`);
      return reserve.call(this, transferId, accountId, amount);
    };
  },
} as const;
export type Safeguard = keyof typeof SAFEGUARDS;

export function loseResultsOnSignal(): void {
  let losingUntil = 0;
  process.on('SIGHUP', () => {
    losingUntil = Date.now() + LOST_RESULTS_WINDOW_MS;
  });
  const create = Worker.create.bind(Worker);
  Worker.create = (options) =>
    create({
      ...options,
      interceptors: {
        ...options.interceptors,
        activity: [
          ...(options.interceptors?.activity ?? []),
          () => ({
            inbound: {
              async execute(input, next) {
                const result = await next(input);
                if (Date.now() < losingUntil && Context.current().info.attempt === 1) {
                  throw ApplicationFailure.retryable('fault test: the worker lost this result', 'LostResult');
                }
                return result;
              },
            },
          }),
        ],
      },
    });
}
