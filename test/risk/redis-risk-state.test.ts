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

  describe('locations and devices', () => {
    const SEOUL = { lat: 37.5665, lon: 126.978 };
    const LISBON = { lat: 38.7223, lon: -9.1393 };
    const BUSAN = { lat: 35.1796, lon: 129.0756 };
    const located = (
      sender: string,
      eventTimeMs: number,
      location?: { lat: number; lon: number },
      deviceId?: string,
    ) => ({
      ...transfer(sender, eventTimeMs),
      ...(location ? { location } : {}),
      ...(deviceId ? { deviceId } : {}),
    });

    it("answers the sender's previous located transfer, and the same one again on a retry", async () => {
      await publish([]);
      const sender = `s-${randomUUID()}`;
      const now = Date.now();
      const inSeoul = located(sender, now, SEOUL);
      const unplaced = located(sender, now + 60_000);
      const inLisbon = located(sender, now + 600_000, LISBON);

      expect((await gathered(inSeoul)).previousLocation).toBeUndefined();
      expect((await gathered(unplaced)).previousLocation).toEqual({ ...SEOUL, atMs: now });
      const first = await gathered(inLisbon);
      expect(first.previousLocation).toEqual({ ...SEOUL, atMs: now });

      // A later located transfer changes what the next one sees, never what a retry of this one answers.
      await gathered(located(sender, now + 700_000, BUSAN));
      expect((await gathered(inLisbon)).previousLocation).toEqual({ ...SEOUL, atMs: now });
    });

    it('is not moved back by an older event evaluated late, which sees its own neighbour in time', async () => {
      await publish([]);
      const sender = `s-${randomUUID()}`;
      const now = Date.now();
      await gathered(located(sender, now, SEOUL));
      await gathered(located(sender, now + 600_000, LISBON));

      // Submitted between the two, evaluated after both: it sees the one just before it (Seoul)...
      const late = await gathered(located(sender, now + 300_000, BUSAN));
      expect(late.previousLocation).toEqual({ ...SEOUL, atMs: now });
      // ...and the next one still sees Lisbon, the newest by event time, not the late arrival.
      expect((await gathered(located(sender, now + 900_000))).previousLocation).toEqual({
        ...LISBON,
        atMs: now + 600_000,
      });
      // The earliest transfer evaluated last has none before it, so it answers the nearest after it.
      expect((await gathered(located(sender, now - 60_000, BUSAN))).previousLocation).toEqual({
        ...SEOUL,
        atMs: now,
      });
    });

    it('answers when the device was last used before this transfer, pinned for a retry', async () => {
      await publish([]);
      const sender = `s-${randomUUID()}`;
      const now = Date.now();
      expect((await gathered(located(sender, now, undefined, 'phone-1'))).deviceLastSeenMs).toBeUndefined();
      const again = located(sender, now + 60_000, undefined, 'phone-1');
      expect((await gathered(again)).deviceLastSeenMs).toBe(now);
      expect((await gathered(located(sender, now + 120_000, undefined, 'tablet-1'))).deviceLastSeenMs).toBeUndefined();
      expect((await gathered(located(sender, now + 180_000, undefined, 'phone-1'))).deviceLastSeenMs).toBe(
        now + 60_000,
      );
      expect((await gathered(again)).deviceLastSeenMs).toBe(now);
      // Without a device id nothing is answered, and another sender's devices are its own.
      expect((await gathered(located(sender, now + 240_000))).deviceLastSeenMs).toBeUndefined();
      expect(
        (await gathered(located(`s-${randomUUID()}`, now, undefined, 'phone-1'))).deviceLastSeenMs,
      ).toBeUndefined();
    });

    it('keeps a bounded number of devices per sender, forgetting the least recently used', async () => {
      await publish([]);
      const sender = `s-${randomUUID()}`;
      const now = Date.now();
      for (let n = 0; n <= 50; n++) await gathered(located(sender, now + n, undefined, `device-${n}`));

      expect(await redis.zcard(`risk:{${sender}}:devices`)).toBe(50);
      expect(await redis.exists(`risk:{${sender}}:device:device-0`)).toBe(0);
      expect((await gathered(located(sender, now + 100, undefined, 'device-0'))).deviceLastSeenMs).toBeUndefined();
      expect((await gathered(located(sender, now + 101, undefined, 'device-50'))).deviceLastSeenMs).toBe(now + 50);
      const ttl = await redis.pttl(`risk:{${sender}}:devices`);
      expect(ttl).toBeGreaterThan(399 * 24 * 60 * 60_000);
    });

    it("withdraws a compensated transfer's location and device sighting, so a failed attempt vouches for nothing", async () => {
      await publish([]);
      const sender = `s-${randomUUID()}`;
      const now = Date.now();
      await gathered(located(sender, now, SEOUL, 'phone-1'));
      const attempt = located(sender, now + 600_000, LISBON, 'laptop-9');
      await gathered(attempt);

      expect(await state.withdraw(attempt.transferId)).toBe('WITHDRAWN');

      const retry = await gathered(located(sender, now + 660_000, LISBON, 'laptop-9'));
      expect(retry.previousLocation).toEqual({ ...SEOUL, atMs: now });
      expect(retry.deviceLastSeenMs).toBeUndefined();
      // A device seen before the withdrawn transfer keeps that earlier sighting.
      const phoneAttempt = located(sender, now + 700_000, SEOUL, 'phone-1');
      expect((await gathered(phoneAttempt)).deviceLastSeenMs).toBe(now);
      expect(await state.withdraw(phoneAttempt.transferId)).toBe('WITHDRAWN');
      expect(await redis.zscore(`risk:{${sender}}:devices`, 'phone-1')).toBe(String(now));
      expect((await gathered(located(sender, now + 800_000, SEOUL, 'phone-1'))).deviceLastSeenMs).toBe(now);
    });
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
