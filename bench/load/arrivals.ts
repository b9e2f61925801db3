import { performance } from 'node:perf_hooks';

import { sleep } from './async';

/** One arrival of an open-loop run: when it was due, how late the driver sent it, and what it answered. */
export interface Arrival<T> {
  index: number;
  /** How long after its due time the request actually left; the driver's own slippage. */
  lateMs: number;
  /** From sending to the answer (or the failure), by this process's clock. */
  answerMs: number;
  outcome: T;
}

export interface OpenLoopRun<T> {
  arrivals: Array<Arrival<T>>;
  /** Latest send relative to its due time: large values mean the driver, not the target, fell behind. */
  maxLateMs: number;
}

/**
 * Offers `rate` arrivals a second for `seconds`, each sent at its due time whether or not earlier ones
 * have answered (open loop: a closed loop would slow down with the target and hide its queueing).
 * `send` must not reject; it maps every failure to an outcome, and bounds its own wait.
 */
export async function driveOpenLoop<T>(
  rate: number,
  seconds: number,
  send: (index: number) => Promise<T>,
): Promise<OpenLoopRun<T>> {
  const total = Math.round(rate * seconds);
  const started = performance.now();
  const pending: Array<Promise<Arrival<T>>> = [];
  for (let index = 0; index < total; index++) {
    const due = started + (index * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const sentAt = performance.now();
    pending.push(
      send(index).then((outcome) => ({ index, lateMs: sentAt - due, answerMs: performance.now() - sentAt, outcome })),
    );
  }
  const arrivals = await Promise.all(pending);
  return { arrivals, maxLateMs: Math.max(0, ...arrivals.map((arrival) => arrival.lateMs)) };
}
