/** @isolated no service */
import { type AnomalyInput, robustZScoreModel, scoreAnomaly } from '../../src/risk/anomaly';
import { seededRandom } from '../../harness/seeded-random';

type History = AnomalyInput['history'];

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;

/** A sender's earlier transfers, most recent first: the newest `newestAgoMs` before NOW, then every `gapMs`. */
function historyOf(amounts: readonly number[], gapMs: number, newestAgoMs = gapMs): History {
  return amounts.map((amount, index) => ({ amount, atMs: NOW - newestAgoMs - index * gapMs }));
}

/** Thirty daily transfers around 50.00; their MAD (100) is under the 5%-of-median floor (250), which applies. */
const STEADY_AMOUNTS = Array.from({ length: 30 }, (_, index) => [4800, 4900, 5000, 5100, 5200][index % 5]!);
const steadyHistory = historyOf(STEADY_AMOUNTS, DAY);

function input(overrides: Partial<AnomalyInput>): AnomalyInput {
  return { amount: 5000, eventTimeMs: NOW, newReceiver: false, history: steadyHistory, ...overrides };
}

function expectWithinUnitInterval(value: number): void {
  expect(Number.isFinite(value)).toBe(true);
  expect(value).toBeGreaterThanOrEqual(0);
  expect(value).toBeLessThanOrEqual(1);
}

describe('scoreAnomaly', () => {
  describe('amount', () => {
    it('for a steady sender sending a usual amount to a known receiver, scores 0', () => {
      const result = scoreAnomaly(input({ amount: 5050 }));
      expect(result).toEqual({
        score: 0,
        modelVersion: 'robust-z-1',
        components: { amount: 0, novelty: 0, burst: 0 },
        reason: "amount within the sender's usual range (robust z 0.1)",
      });
    });

    it('for a steady sender sending 20× the usual amount, gives the full amount component', () => {
      const result = scoreAnomaly(input({ amount: 100_000 }));
      expect(result.components).toEqual({ amount: 1, novelty: 0, burst: 0 });
      expect(result.score).toBe(0.7);
      expect(result.reason).toMatch(/^amount robust z \d+\.\d above the sender's median of 5000$/);
    });

    it('rises linearly from 0 at robust z 3 to 1 at robust z 10', () => {
      // A wide spread (MAD 1000, above the floor), so robust z = 0.6745 · (amount − 5000) / 1000.
      const history = historyOf(
        Array.from({ length: 20 }, (_, index) => [3000, 4000, 5000, 6000, 7000][index % 5]!),
        DAY,
      );
      const amountComponentAtZ = (z: number) =>
        scoreAnomaly(input({ amount: 5000 + (z * 1000) / 0.6745, history })).components.amount;
      expect(amountComponentAtZ(2.9)).toBe(0);
      expect(amountComponentAtZ(6.5)).toBeCloseTo(0.5, 4);
      expect(amountComponentAtZ(10)).toBe(1);
    });

    it('for a near-constant history, measures deviation against 5% of the median, so +20% stays ordinary', () => {
      // MAD 100 would put +1000 at robust z 6.7; the 250 floor puts it at 2.7.
      expect(scoreAnomaly(input({ amount: 6000 })).components.amount).toBe(0);
    });

    it('never raises risk for an amount below the median', () => {
      const result = scoreAnomaly(input({ amount: 1 }));
      expect(result.components.amount).toBe(0);
      expect(result.reason).toBe("amount at or below the sender's median of 5000");
    });

    it.each([
      ['identical amounts', 5000],
      ['zero amounts', 0],
    ])('when the history holds %s (MAD 0), answers finite numbers and still flags a huge amount', (_, repeated) => {
      const history = historyOf(Array<number>(20).fill(repeated), DAY);
      for (const amount of [repeated, repeated + 1, repeated + 300, 1_000_000]) {
        const result = scoreAnomaly(input({ amount, history }));
        expectWithinUnitInterval(result.score);
        Object.values(result.components).forEach(expectWithinUnitInterval);
        expect(result.reason).not.toMatch(/NaN|Infinity/);
      }
      expect(scoreAnomaly(input({ amount: repeated, history })).components.amount).toBe(0);
      expect(scoreAnomaly(input({ amount: 1_000_000, history })).components.amount).toBe(1);
    });

    it('when every earlier amount is identical, measures against 5% of the median, so a 6% rise stays ordinary', () => {
      const history = historyOf(Array<number>(20).fill(5000), DAY);
      expect(scoreAnomaly(input({ amount: 5300, history })).components.amount).toBe(0);
    });

    it.each([0, 1, 4])(
      'with %i earlier transfer(s), has no baseline: amount component 0, said in the reason',
      (count) => {
        const result = scoreAnomaly(input({ amount: 10_000_000, history: steadyHistory.slice(0, count) }));
        expect(result.components.amount).toBe(0);
        expect(result.score).toBe(0);
        expect(result.reason).toMatch(new RegExp(`^no amount baseline \\(${count} earlier transfers?, needs 5\\)$`));
      },
    );

    it('with exactly 5 earlier transfers, has a baseline', () => {
      const result = scoreAnomaly(input({ amount: 100_000, history: steadyHistory.slice(0, 5) }));
      expect(result.components.amount).toBe(1);
    });
  });

  describe('novelty', () => {
    it('for an established sender (5 or more earlier transfers), counts a new receiver fully', () => {
      const result = scoreAnomaly(input({ newReceiver: true }));
      expect(result.components.novelty).toBe(1);
      expect(result.score).toBe(0.3);
      expect(result.reason).toMatch(/; new receiver$/);
    });

    it('for a sender with little history, counts a new receiver half', () => {
      const result = scoreAnomaly(input({ newReceiver: true, history: steadyHistory.slice(0, 2) }));
      expect(result.components.novelty).toBe(0.5);
      expect(result.score).toBe(0.15);
      expect(result.reason).toMatch(/; new receiver for a sender with little history$/);
    });

    it('for a known receiver, is 0 and not mentioned', () => {
      const result = scoreAnomaly(input({ newReceiver: false }));
      expect(result.components.novelty).toBe(0);
      expect(result.reason).not.toMatch(/receiver/);
    });
  });

  describe('burst', () => {
    const dailyPast = historyOf(STEADY_AMOUNTS, DAY, DAY);

    function withRecent(count: number, gapMs: number, olderHistory: History = dailyPast): History {
      return [...historyOf(Array<number>(count).fill(5000), gapMs, SECOND), ...olderHistory];
    }

    it('with 10 transfers in the last minute from a sender who usually sends daily, is 1', () => {
      const result = scoreAnomaly(input({ history: withRecent(10, 5 * SECOND) }));
      expect(result.components.burst).toBe(1);
      expect(result.score).toBe(0.5);
      expect(result.reason).toMatch(/; 10 transfers in the last 60 s$/);
    });

    it('with the same 10 transfers spread over the last 10 hours, is 0', () => {
      const result = scoreAnomaly(input({ history: withRecent(10, HOUR) }));
      expect(result.components.burst).toBe(0);
      expect(result.reason).not.toMatch(/transfers in the last/);
    });

    it('with up to 2 transfers in the last minute, is 0', () => {
      expect(scoreAnomaly(input({ history: withRecent(2, 5 * SECOND) })).components.burst).toBe(0);
      expect(scoreAnomaly(input({ history: withRecent(3, 5 * SECOND) })).components.burst).toBeGreaterThan(0);
    });

    it('never falls as more transfers land in the last minute', () => {
      const bursts = Array.from(
        { length: 15 },
        (_, count) => scoreAnomaly(input({ history: withRecent(count, 4 * SECOND) })).components.burst,
      );
      bursts.slice(1).forEach((burst, index) => expect(burst).toBeGreaterThanOrEqual(bursts[index]!));
      expect(bursts[14]).toBe(1);
    });

    it('for a sender who usually sends every 6 s, scales the burst down to a tenth', () => {
      const usuallyFast = historyOf(Array<number>(30).fill(5000), 6 * SECOND, 2 * 60 * SECOND);
      const result = scoreAnomaly(input({ history: withRecent(10, 5 * SECOND, usuallyFast) }));
      expect(result.components.burst).toBe(0.1);
      expect(result.reason).toMatch(/10 transfers in the last 60 s \(sender usually sends every 6\.0 s\)$/);
    });

    it('counts a history entry stamped slightly after the event (clock skew) as part of the burst', () => {
      const skewed = historyOf(Array<number>(10).fill(5000), SECOND, -3 * SECOND);
      expect(scoreAnomaly(input({ history: [...skewed, ...dailyPast] })).components.burst).toBe(1);
    });
  });

  describe('combined score', () => {
    it('combines as 1 − Π(1 − wᵢ·cᵢ), so all three at full give 0.895', () => {
      const history = [...historyOf(Array<number>(10).fill(5000), 5 * SECOND, SECOND), ...steadyHistory];
      const result = scoreAnomaly(input({ amount: 1_000_000, newReceiver: true, history }));
      expect(result.components).toEqual({ amount: 1, novelty: 1, burst: 1 });
      expect(result.score).toBe(0.895);
    });

    it('over a sweep of generated inputs, stays within [0, 1], finite and rounded to 4 decimals', () => {
      const random = seededRandom(20250115);
      for (let sample = 0; sample < 2000; sample += 1) {
        const typicalAmount = Math.floor(10 ** (random() * 7));
        const gapMs = Math.floor(random() * 2 * DAY);
        const history = Array.from({ length: Math.floor(random() * 130) }, (_, index) => ({
          amount: random() < 0.1 ? typicalAmount : Math.floor(typicalAmount * random() * 3),
          atMs: NOW - Math.floor(random() * 2 * gapMs) - index * gapMs,
        }));
        const result = scoreAnomaly({
          amount: Math.floor(10 ** (random() * 9)),
          eventTimeMs: NOW,
          newReceiver: random() < 0.5,
          history,
        });
        expectWithinUnitInterval(result.score);
        Object.values(result.components).forEach(expectWithinUnitInterval);
        expect(Math.round(result.score * 1e4) / 1e4).toBe(result.score);
        expect(result.reason).not.toMatch(/NaN|Infinity|undefined/);
      }
    });

    it('never falls as the amount rises, for a fixed history', () => {
      const scores = Array.from({ length: 60 }, (_, step) => scoreAnomaly(input({ amount: 4000 + step * 100 })).score);
      scores.slice(1).forEach((score, index) => expect(score).toBeGreaterThanOrEqual(scores[index]!));
    });
  });

  describe('determinism and input handling', () => {
    it('for the same input twice, answers deep-equal results and leaves the input untouched', () => {
      const frozenHistory = Object.freeze(
        [...historyOf(Array<number>(6).fill(7000), 4 * SECOND, SECOND), ...steadyHistory].map((entry) =>
          Object.freeze({ ...entry }),
        ),
      );
      const frozenInput = Object.freeze(input({ amount: 80_000, newReceiver: true, history: frozenHistory }));
      const snapshot = structuredClone(frozenInput);
      expect(scoreAnomaly(frozenInput)).toEqual(scoreAnomaly(frozenInput));
      expect(frozenInput).toEqual(snapshot);
    });

    it('uses only the first 100 entries, the most recent, and ignores anything older', () => {
      const recent = historyOf(
        Array.from({ length: 100 }, (_, index) => STEADY_AMOUNTS[index % 30]!),
        HOUR,
      );
      const olderHuge = historyOf(Array<number>(150).fill(900_000), HOUR, 101 * HOUR);
      const withOlder = scoreAnomaly(input({ amount: 100_000, history: [...recent, ...olderHuge] }));
      expect(withOlder).toEqual(scoreAnomaly(input({ amount: 100_000, history: recent })));
      expect(withOlder.components.amount).toBe(1);
    });

    it('within the 100 most recent entries, does not depend on their order', () => {
      const history = [...historyOf(Array<number>(5).fill(5000), 5 * SECOND, SECOND), ...steadyHistory];
      const forward = input({ amount: 60_000, newReceiver: true, history });
      const reversed = input({ amount: 60_000, newReceiver: true, history: [...history].reverse() });
      expect(scoreAnomaly(reversed)).toEqual(scoreAnomaly(forward));
    });

    it('skips history entries with a non-finite amount or time', () => {
      const corrupt = [
        { amount: Number.NaN, atMs: NOW - SECOND },
        { amount: 5000, atMs: Number.POSITIVE_INFINITY },
      ];
      expect(scoreAnomaly(input({ history: [...corrupt, ...steadyHistory] }))).toEqual(scoreAnomaly(input({})));
    });

    it.each([
      ['amount', { amount: Number.NaN }],
      ['eventTimeMs', { eventTimeMs: Number.POSITIVE_INFINITY }],
    ])('refuses a non-finite %s with a RangeError', (_, overrides) => {
      expect(() => scoreAnomaly(input(overrides))).toThrow(RangeError);
    });
  });
});

describe('robustZScoreModel', () => {
  it('resolves to the same result as scoreAnomaly and reports its version', async () => {
    const sample = input({ amount: 250_000, newReceiver: true });
    await expect(robustZScoreModel.score(sample)).resolves.toEqual(scoreAnomaly(sample));
    expect(robustZScoreModel.version).toBe(scoreAnomaly(sample).modelVersion);
  });

  it('rejects, rather than throws, on an invalid input', async () => {
    await expect(robustZScoreModel.score(input({ amount: Number.NaN }))).rejects.toThrow(RangeError);
  });
});
