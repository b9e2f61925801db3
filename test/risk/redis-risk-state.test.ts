/** @beside-services its own accounts in Redis */
import { randomUUID } from 'node:crypto';

import { Redis } from 'ioredis';

import { loadConfig } from '../../src/config';
import { RedisRiskState } from '../../src/risk/redis-risk-state';

/** Against the real local Redis; each test uses its own sender, and a rule set published just for it. */
describe('risk state in Redis', () => {
  const redis = new Redis(loadConfig().redis.url);
  const ruleSetKey = `risk:rules:test-${randomUUID()}`;
  const state = new RedisRiskState(redis, ruleSetKey);
  let version = 1;
  afterAll(async () => {
    await redis.del(ruleSetKey);
    await redis.quit();
  });

  const publish = (windows: number[]) =>
    state.publishRules({ version: ++version, rulesJson: JSON.stringify([{ windows }]), windows });
  const transfer = (fromAccountId: string, eventTimeMs: number, amount = 100, toAccountId = 'receiver-1') => ({
    transferId: randomUUID(),
    fromAccountId,
    toAccountId,
    amount,
    eventTimeMs,
    cachedVersion: version,
  });
  const gathered = async (request: Parameters<RedisRiskState['gather']>[0]) => {
    const facts = await state.gather(request);
    if (facts.ruleSet !== 'PUBLISHED') throw new Error('no rule set published');
    return facts;
  };

  it('counts a transfer once however often its evaluation is retried', async () => {
    await publish([60]);
    const sender = `s-${randomUUID()}`;
    const now = Date.now();
    const first = transfer(sender, now, 250);

    await gathered(first);
    await gathered(first);
    const again = await gathered(first);

    expect(again.velocity[60]).toEqual({ count: 1, sum: 250 });
    expect(again.dailyTotal).toBe(250);
    const second = await gathered(transfer(sender, now + 1000, 50));
    expect(second.velocity[60]).toEqual({ count: 2, sum: 300 });
    expect(second.dailyTotal).toBe(300);
  });

  it('keys counters by event time: a transfer outside the window does not count, and counts reset after the TTL', async () => {
    await publish([2]);
    const sender = `s-${randomUUID()}`;
    const now = Date.now();
    await gathered(transfer(sender, now - 10_000));
    const current = await gathered(transfer(sender, now));
    expect(current.velocity[2]).toEqual({ count: 1, sum: 100 });

    // A 2 s window counts in 1 s buckets. The bucket of a transfer long past expired as it was written;
    // the current one expires at the end of its second plus the window, when no window can reach it.
    const bucket = Math.floor(now / 1000);
    expect(await redis.keys(`risk:{${sender}}:vel:*`)).toEqual([`risk:{${sender}}:vel:1000:${bucket}`]);
    const bucketKey = `risk:{${sender}}:vel:1000:${bucket}`;
    expect(await redis.call('PEXPIRETIME', bucketKey)).toBe((bucket + 1) * 1000 + 2000);
    const remaining = await redis.pttl(bucketKey);
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(3_000);
    // The transfer 3.2 s later (in event time, so nothing waits) is alone in its window.
    const later = await gathered(transfer(sender, now + 3_200));
    expect(later.velocity[2]).toEqual({ count: 1, sum: 100 });
  });

  it('knows a receiver seen before, and keeps the history the anomaly model reads, newest first', async () => {
    await publish([]);
    const sender = `s-${randomUUID()}`;
    const now = Date.now();
    const first = await gathered(transfer(sender, now, 100, 'bob'));
    const second = await gathered(transfer(sender, now + 1, 200, 'bob'));
    const third = await gathered(transfer(sender, now + 2, 300, 'carol'));

    expect([first.newReceiver, second.newReceiver, third.newReceiver]).toEqual([true, false, true]);
    expect(first.history).toEqual([]);
    expect(third.history).toEqual([
      { amount: 200, atMs: now + 1 },
      { amount: 100, atMs: now },
    ]);
  });

  it('withdraws a transfer from every counter exactly once', async () => {
    await publish([60, 3600]);
    const sender = `s-${randomUUID()}`;
    const now = Date.now();
    const kept = transfer(sender, now, 100);
    const undone = transfer(sender, now + 1, 900);
    await gathered(kept);
    await gathered(undone);

    expect(await state.withdraw(undone.transferId)).toBe('WITHDRAWN');
    expect(await state.withdraw(undone.transferId)).toBe('ALREADY_WITHDRAWN');
    expect(await state.withdraw(randomUUID())).toBe('NOT_COUNTED');

    const after = await gathered(transfer(sender, now + 2, 1));
    expect(after.velocity[60]).toEqual({ count: 2, sum: 101 });
    expect(after.velocity[3600]).toEqual({ count: 2, sum: 101 });
    expect(after.dailyTotal).toBe(101);
    expect(after.history).toEqual([{ amount: 100, atMs: now }]);
  });

  it('sends the rules only when the caller caches another version, and never publishes an older set over a newer', async () => {
    await publish([]);
    const sender = `s-${randomUUID()}`;
    expect((await gathered({ ...transfer(sender, Date.now()), cachedVersion: version })).rulesJson).toBeUndefined();
    expect((await gathered({ ...transfer(sender, Date.now()), cachedVersion: version - 1 })).rulesJson).toBeDefined();

    expect(await state.publishRules({ version: version - 1, rulesJson: '[]', windows: [] })).toBe(false);
    expect(await state.publishedVersion()).toBe(version);
  });
});
