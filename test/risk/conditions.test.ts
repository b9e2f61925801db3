/** @isolated no service */
import Ajv2020 from 'ajv/dist/2020';

import { openApiDocument } from '../../src/api/openapi';
import { evaluateCondition, velocityWindows } from '../../src/risk/condition-evaluator';
import { type Condition, parseCondition, type RiskFacts } from '../../src/risk/conditions';

const baseFacts: RiskFacts = {
  amount: 5_000,
  currency: 'EUR',
  fromAccountId: 'acc-alice',
  toAccountId: 'acc-bob',
  eventTime: '2024-05-01T12:00:00.000Z',
  velocity: {},
  dailyTotal: 5_000,
  newReceiver: false,
  anomalyScore: 0.1,
};

/** Goes through parseCondition, so every evaluation test also proves the JSON form is accepted. */
function parsed(json: unknown): Condition {
  const check = parseCondition(json);
  if (!check.ok) throw new Error(`expected a valid condition, got ${check.path}: ${check.message}`);
  return check.condition;
}

function evaluate(json: unknown, facts: Partial<RiskFacts> = {}) {
  return evaluateCondition(parsed(json), { ...baseFacts, ...facts });
}

function nestedNots(levels: number): unknown {
  let node: unknown = { newReceiver: true };
  for (let level = 0; level < levels; level++) node = { not: node };
  return node;
}

const everyOperator = {
  all: [
    { amount: { gte: 100_000, lt: 5_000_000 } },
    { velocity: { windowSeconds: 60, count: { gte: 3 }, sum: { gt: 10_000 } } },
    { dailyTotal: { gt: 1_000_000 } },
    { newReceiver: true },
    { timeOfDay: { from: '22:00', to: '06:00' } },
    { account: { side: 'either', in: ['acc-mallory'] } },
    { currency: { in: ['EUR', 'GBP'] } },
    { anomalyScore: { gte: 0.9 } },
    { travel: { maxSpeedKmh: 1000, withinSeconds: 3600 } },
    { newDevice: { days: 30 } },
    { country: { notIn: ['KR', 'XK'] } },
    { any: [{ not: { newReceiver: false } }, { amount: { eq: 42 } }, { travel: { maxSpeedKmh: 0.5 } }] },
    { any: [{ country: { in: ['PT'] } }, { newDevice: { days: 400 } }] },
  ],
};

const twoHundredNodes = {
  any: [
    ...Array.from({ length: 19 }, () => ({ all: Array.from({ length: 9 }, () => ({ newReceiver: true })) })),
    { all: Array.from({ length: 8 }, () => ({ newReceiver: true })) },
  ],
};

const tooManyNodes = {
  any: Array.from({ length: 20 }, () => ({ all: Array.from({ length: 9 }, () => ({ newReceiver: true })) })),
};

/** Conditions outside the language: title, JSON, the path the refusal names, and its message. */
const refusals: Array<[string, unknown, string, RegExp]> = [
  ['null', null, 'condition', /must be an object with exactly one operator, got null/],
  ['a string', 'amount > 100', 'condition', /got a string/],
  ['an array', [{ newReceiver: true }], 'condition', /got an array/],
  ['a non-object child', { any: [{ newReceiver: true }, 7] }, 'condition.any[1]', /got a number/],
  ['an object with no operator', {}, 'condition', /must have exactly one operator, found none/],
  [
    'an object with two operators',
    { amount: { gt: 1 }, newReceiver: true },
    'condition',
    /must have exactly one operator, found 2 \(amount, newReceiver\)/,
  ],
  [
    'an unknown operator at depth',
    { all: [{ amount: { gt: 1 } }, { not: { any: [{ newReceiver: true }, { amout: { gt: 1 } }] } }] },
    'condition.all[1].not.any[1]',
    /unknown operator "amout"/,
  ],
  ['an empty all', { all: [] }, 'condition.all', /must have 1 to 20 conditions, got 0/],
  [
    'an any with 21 children',
    { any: Array.from({ length: 21 }, () => ({ newReceiver: true })) },
    'condition.any',
    /got 21/,
  ],
  ['an all that is not an array', { all: { newReceiver: true } }, 'condition.all', /must be an array of conditions/],
  ['a not holding an array', { not: [{ newReceiver: true }] }, 'condition.not', /got an array/],
  ['a comparison bound given as a string', { amount: { gte: '100' } }, 'condition.amount.gte', /finite number/],
  ['an infinite comparison bound', { dailyTotal: { lt: Infinity } }, 'condition.dailyTotal.lt', /finite number/],
  ['an empty comparison', { amount: {} }, 'condition.amount', /must have at least one of gt, gte, lt, lte, eq/],
  ['a comparison that is a number', { amount: 100 }, 'condition.amount', /got a number/],
  ['an unknown comparator', { amount: { gtt: 1 } }, 'condition.amount.gtt', /is not a known field/],
  ['an anomaly score above 1', { anomalyScore: { gte: 1.5 } }, 'condition.anomalyScore.gte', /from 0 to 1/],
  [
    'an unknown velocity field',
    { velocity: { windw: 60, count: { gt: 1 } } },
    'condition.velocity.windw',
    /is not a known field; expected windowSeconds, count, sum/,
  ],
  [
    'a field name that is not an identifier',
    { velocity: { windowSeconds: 60, count: { gt: 1 }, 'window seconds': 60 } },
    'condition.velocity["window seconds"]',
    /is not a known field/,
  ],
  ['a missing windowSeconds', { velocity: { count: { gt: 1 } } }, 'condition.velocity.windowSeconds', /is required/],
  [
    'a fractional windowSeconds',
    { velocity: { windowSeconds: 1.5, count: { gt: 1 } } },
    'condition.velocity.windowSeconds',
    /whole number of seconds from 1 to 604800/,
  ],
  [
    'a windowSeconds over 7 days',
    { velocity: { windowSeconds: 604_801, count: { gt: 1 } } },
    'condition.velocity.windowSeconds',
    /from 1 to 604800/,
  ],
  ['a velocity with neither count nor sum', { velocity: { windowSeconds: 60 } }, 'condition.velocity', /count, sum/],
  [
    'a bad velocity count bound',
    { all: [{ velocity: { windowSeconds: 60, count: { gt: null } } }] },
    'condition.all[0].velocity.count.gt',
    /finite number/,
  ],
  ['a newReceiver that is not a boolean', { newReceiver: 'yes' }, 'condition.newReceiver', /true or false/],
  ['an hour of 24', { timeOfDay: { from: '24:00', to: '06:00' } }, 'condition.timeOfDay.from', /"HH:MM"/],
  ['a single-digit hour', { timeOfDay: { from: '22:00', to: '6:00' } }, 'condition.timeOfDay.to', /"HH:MM"/],
  ['a minute of 60', { timeOfDay: { from: '12:60', to: '13:00' } }, 'condition.timeOfDay.from', /"HH:MM"/],
  ['a missing to', { timeOfDay: { from: '22:00' } }, 'condition.timeOfDay.to', /is required/],
  [
    'an unknown timeOfDay field',
    { timeOfDay: { from: '22:00', until: '06:00' } },
    'condition.timeOfDay.until',
    /known/,
  ],
  [
    'from equal to to',
    { timeOfDay: { from: '22:00', to: '22:00' } },
    'condition.timeOfDay',
    /from and to must differ; both are "22:00"/,
  ],
  ['an unknown account side', { account: { side: 'both', in: ['a'] } }, 'condition.account.side', /from, to, either/],
  ['an empty account list', { account: { side: 'to', in: [] } }, 'condition.account.in', /1 to 1000 account ids/],
  [
    'an account list over 1000',
    { account: { side: 'to', in: Array.from({ length: 1001 }, (_, index) => `acc-${index}`) } },
    'condition.account.in',
    /got 1001/,
  ],
  ['an empty account id', { account: { side: 'to', in: ['acc-1', ''] } }, 'condition.account.in[1]', /non-empty/],
  ['a lower-case currency', { currency: { in: ['eur'] } }, 'condition.currency.in[0]', /three-letter/],
  ['a currency that is not ISO-4217', { currency: { in: ['EUR', 'EUD'] } }, 'condition.currency.in[1]', /ISO-4217/],
  ['a travel without maxSpeedKmh', { travel: { withinSeconds: 60 } }, 'condition.travel.maxSpeedKmh', /is required/],
  ['a zero maxSpeedKmh', { travel: { maxSpeedKmh: 0 } }, 'condition.travel.maxSpeedKmh', /km\/h above 0/],
  ['a maxSpeedKmh given as a string', { travel: { maxSpeedKmh: '900' } }, 'condition.travel.maxSpeedKmh', /finite/],
  [
    'a fractional withinSeconds',
    { travel: { maxSpeedKmh: 1000, withinSeconds: 0.5 } },
    'condition.travel.withinSeconds',
    /whole number of seconds from 1 to 604800/,
  ],
  [
    'a withinSeconds over 7 days',
    { travel: { maxSpeedKmh: 1000, withinSeconds: 604_801 } },
    'condition.travel.withinSeconds',
    /from 1 to 604800/,
  ],
  [
    'an unknown travel field',
    { travel: { maxSpeedKmh: 1000, minKm: 5 } },
    'condition.travel.minKm',
    /is not a known field; expected maxSpeedKmh, withinSeconds/,
  ],
  [
    'a negative maxSpeedKmh at depth',
    { any: [{ newReceiver: true }, { not: { travel: { maxSpeedKmh: -5 } } }] },
    'condition.any[1].not.travel.maxSpeedKmh',
    /above 0/,
  ],
  ['a newDevice that is a boolean', { newDevice: true }, 'condition.newDevice', /an object with days, got a boolean/],
  [
    'a newDevice of 0 days',
    { newDevice: { days: 0 } },
    'condition.newDevice.days',
    /whole number of days from 1 to 400/,
  ],
  ['a newDevice over 400 days', { newDevice: { days: 401 } }, 'condition.newDevice.days', /from 1 to 400/],
  ['a missing days', { newDevice: {} }, 'condition.newDevice.days', /is required/],
  [
    'a country with both in and notIn',
    { country: { in: ['KR'], notIn: ['PT'] } },
    'condition.country',
    /must have exactly one of in, notIn/,
  ],
  ['a country with neither in nor notIn', { country: {} }, 'condition.country', /exactly one of in, notIn/],
  ['an unknown country field', { country: { is: ['KR'] } }, 'condition.country.is', /expected in, notIn/],
  ['a lower-case country', { country: { in: ['kr'] } }, 'condition.country.in[0]', /two-letter country code/],
  ['a three-letter country', { country: { in: ['KOR'] } }, 'condition.country.in[0]', /two-letter country code/],
  ['a country that is not ISO-3166', { country: { notIn: ['KR', 'EU'] } }, 'condition.country.notIn[1]', /ISO-3166/],
  ['an empty country list', { country: { notIn: [] } }, 'condition.country.notIn', /1 to 1000 country codes/],
  ['nesting 9 levels deep', nestedNots(8), `condition${'.not'.repeat(8)}`, /deeper than the limit of 8 levels/],
  ['201 nodes', tooManyNodes, 'condition.any[19].all[8]', /limit of 200 nodes in total/],
];

/*
 * Over 350 lines on purpose: one table-driven case per operator of the condition language, for the
 * validator, the evaluator and the API document's schema of it, so the three are read side by side.
 */
describe('parseCondition', () => {
  it('accepts every operator and returns the same condition', () => {
    const json = everyOperator;
    expect(parseCondition(json)).toEqual({ ok: true, condition: json });
  });

  it('returns a fresh copy, so later changes to the input do not alter the condition', () => {
    const json = { account: { side: 'from', in: ['acc-mallory'] } };
    const check = parseCondition(json);
    json.account.in.push('acc-alice');
    expect(check).toEqual({ ok: true, condition: { account: { side: 'from', in: ['acc-mallory'] } } });
  });

  it('accepts exactly 8 levels of nesting and exactly 200 nodes', () => {
    expect(parseCondition(nestedNots(7)).ok).toBe(true);
    expect(parseCondition(twoHundredNodes).ok).toBe(true);
  });

  it('roots error paths at the given name', () => {
    expect(parseCondition({ all: [{ amout: { gt: 1 } }] }, 'rules[3].condition')).toMatchObject({
      ok: false,
      path: 'rules[3].condition.all[0]',
    });
  });

  it('names the unknown operator and lists the known ones', () => {
    expect(parseCondition({ amout: { gt: 1 } })).toEqual({
      ok: false,
      path: 'condition',
      message:
        'unknown operator "amout"; expected one of all, any, not, amount, velocity, dailyTotal, newReceiver, ' +
        'timeOfDay, account, currency, anomalyScore, travel, newDevice, country',
    });
  });

  it.each(refusals)('refuses %s at its exact path', (_title, json, path, message) => {
    const check = parseCondition(json);
    expect(check).toMatchObject({ ok: false, path });
    expect(check.ok === false && check.message).toMatch(message);
  });
});

describe('evaluateCondition', () => {
  describe('amount', () => {
    it('hits when the amount meets the bound and says so', () => {
      expect(evaluate({ amount: { gte: 100_000 } }, { amount: 150_000 })).toEqual({
        hit: true,
        reason: 'amount 150000 ≥ 100000',
      });
    });

    it('misses below the bound and says why', () => {
      expect(evaluate({ amount: { gte: 100_000 } }, { amount: 99_999 })).toEqual({
        hit: false,
        reason: 'amount 99999 < 100000',
      });
    });

    it('with several bounds, hits only when all hold, and names the first that fails', () => {
      const range = { amount: { gte: 1_000, lt: 10_000 } };
      expect(evaluate(range, { amount: 5_000 })).toEqual({ hit: true, reason: 'amount 5000 ≥ 1000 and < 10000' });
      expect(evaluate(range, { amount: 10_000 })).toEqual({ hit: false, reason: 'amount 10000 ≥ 10000' });
    });

    it.each<[string, number, boolean, string]>([
      ['gt', 100, false, 'amount 100 ≤ 100'],
      ['gt', 101, true, 'amount 101 > 100'],
      ['gte', 100, true, 'amount 100 ≥ 100'],
      ['lt', 100, false, 'amount 100 ≥ 100'],
      ['lt', 99, true, 'amount 99 < 100'],
      ['lte', 100, true, 'amount 100 ≤ 100'],
      ['lte', 101, false, 'amount 101 > 100'],
      ['eq', 100, true, 'amount 100 = 100'],
      ['eq', 101, false, 'amount 101 ≠ 100'],
    ])('%s 100 against %d: hit is %s', (comparator, amount, hit, reason) => {
      expect(evaluate({ amount: { [comparator]: 100 } }, { amount })).toEqual({ hit, reason });
    });
  });

  describe('velocity', () => {
    it('hits on the count of its own window and says how many', () => {
      const facts = { velocity: { 60: { count: 4, sum: 20_000 }, 3600: { count: 1, sum: 1_000 } } };
      expect(evaluate({ velocity: { windowSeconds: 60, count: { gte: 3 } } }, facts)).toEqual({
        hit: true,
        reason: '4 transfers in 60 s ≥ 3',
      });
      expect(evaluate({ velocity: { windowSeconds: 3600, count: { gte: 3 } } }, facts)).toEqual({
        hit: false,
        reason: '1 transfer in 3600 s < 3',
      });
    });

    it('hits on the sum', () => {
      expect(
        evaluate(
          { velocity: { windowSeconds: 86400, sum: { gt: 50_000 } } },
          { velocity: { 86400: { count: 3, sum: 70_000 } } },
        ),
      ).toEqual({ hit: true, reason: 'sum 70000 in 86400 s > 50000' });
    });

    it('with count and sum, needs both and names the one that fails', () => {
      const condition = { velocity: { windowSeconds: 60, count: { gte: 3 }, sum: { gte: 10_000 } } };
      expect(evaluate(condition, { velocity: { 60: { count: 3, sum: 12_000 } } })).toEqual({
        hit: true,
        reason: '3 transfers in 60 s ≥ 3 and sum 12000 in 60 s ≥ 10000',
      });
      expect(evaluate(condition, { velocity: { 60: { count: 3, sum: 9_000 } } })).toEqual({
        hit: false,
        reason: 'sum 9000 in 60 s < 10000',
      });
    });

    it('reads a window missing from the facts as no transfers at all', () => {
      expect(evaluate({ velocity: { windowSeconds: 600, count: { gte: 1 } } }, { velocity: {} })).toEqual({
        hit: false,
        reason: '0 transfers in 600 s < 1',
      });
      expect(evaluate({ velocity: { windowSeconds: 600, sum: { lt: 1 } } }, { velocity: {} })).toEqual({
        hit: true,
        reason: 'sum 0 in 600 s < 1',
      });
    });
  });

  describe('dailyTotal', () => {
    it('hits over the bound and misses under it', () => {
      expect(evaluate({ dailyTotal: { gt: 1_000_000 } }, { dailyTotal: 1_200_000 })).toEqual({
        hit: true,
        reason: 'daily total 1200000 > 1000000',
      });
      expect(evaluate({ dailyTotal: { gt: 1_000_000 } }, { dailyTotal: 1_000_000 })).toEqual({
        hit: false,
        reason: 'daily total 1000000 ≤ 1000000',
      });
    });
  });

  describe('newReceiver', () => {
    it.each<[boolean, boolean, boolean, string]>([
      [true, true, true, 'first transfer to this receiver'],
      [true, false, false, 'receiver already paid before'],
      [false, false, true, 'receiver already paid before'],
      [false, true, false, 'first transfer to this receiver'],
    ])('newReceiver %s with a %s fact: hit is %s', (wanted, newReceiver, hit, reason) => {
      expect(evaluate({ newReceiver: wanted }, { newReceiver })).toEqual({ hit, reason });
    });
  });

  describe('timeOfDay', () => {
    it.each<[string, boolean]>([
      ['2024-05-01T08:59:59.999Z', false],
      ['2024-05-01T09:00:00.000Z', true],
      ['2024-05-01T16:59:59.999Z', true],
      ['2024-05-01T17:00:00.000Z', false],
    ])('within a daytime window [09:00, 17:00), %s hits: %s', (eventTime, hit) => {
      expect(evaluate({ timeOfDay: { from: '09:00', to: '17:00' } }, { eventTime }).hit).toBe(hit);
    });

    it.each<[string, boolean]>([
      ['2024-05-01T21:59:59.999Z', false],
      ['2024-05-01T22:00:00.000Z', true],
      ['2024-05-01T23:59:59.999Z', true],
      ['2024-05-02T00:00:00.000Z', true],
      ['2024-05-02T05:59:59.999Z', true],
      ['2024-05-02T06:00:00.000Z', false],
      ['2024-05-02T12:00:00.000Z', false],
    ])('across midnight [22:00, 06:00), %s hits: %s', (eventTime, hit) => {
      expect(evaluate({ timeOfDay: { from: '22:00', to: '06:00' } }, { eventTime }).hit).toBe(hit);
    });

    it('says when the transfer was submitted and whether that is within the window', () => {
      const night = { timeOfDay: { from: '22:00', to: '06:00' } };
      expect(evaluate(night, { eventTime: '2024-05-01T23:15:42Z' })).toEqual({
        hit: true,
        reason: 'submitted 23:15 UTC, within 22:00–06:00',
      });
      expect(evaluate(night, { eventTime: '2024-05-01T12:00:00Z' })).toEqual({
        hit: false,
        reason: 'submitted 12:00 UTC, outside 22:00–06:00',
      });
    });

    it('reads an eventTime with an offset in UTC', () => {
      expect(
        evaluate({ timeOfDay: { from: '22:00', to: '06:00' } }, { eventTime: '2024-05-01T23:30:00+02:00' }),
      ).toEqual({ hit: false, reason: 'submitted 21:30 UTC, outside 22:00–06:00' });
    });

    it('throws on an eventTime that is not a time rather than guessing', () => {
      expect(() => evaluate({ timeOfDay: { from: '22:00', to: '06:00' } }, { eventTime: 'yesterday' })).toThrow(
        /eventTime "yesterday" is not an ISO-8601 time/,
      );
    });
  });

  describe('account', () => {
    const listed = ['acc-mallory', 'acc-trudy'];

    it.each<['from' | 'to' | 'either', Partial<RiskFacts>, boolean, string]>([
      ['from', { fromAccountId: 'acc-mallory' }, true, 'sender acc-mallory is listed'],
      ['from', { toAccountId: 'acc-mallory' }, false, 'sender acc-alice is not listed'],
      ['to', { toAccountId: 'acc-trudy' }, true, 'receiver acc-trudy is listed'],
      ['to', { fromAccountId: 'acc-trudy' }, false, 'receiver acc-bob is not listed'],
      ['either', { fromAccountId: 'acc-trudy' }, true, 'sender acc-trudy is listed'],
      ['either', { toAccountId: 'acc-mallory' }, true, 'receiver acc-mallory is listed'],
      ['either', {}, false, 'neither sender acc-alice nor receiver acc-bob is listed'],
    ])('side %s with %j: hit is %s', (side, facts, hit, reason) => {
      expect(evaluate({ account: { side, in: listed } }, facts)).toEqual({ hit, reason });
    });
  });

  describe('currency', () => {
    it('hits when the currency is listed and misses otherwise', () => {
      const condition = { currency: { in: ['GBP', 'CHF'] } };
      expect(evaluate(condition, { currency: 'CHF' })).toEqual({ hit: true, reason: 'currency CHF is in GBP, CHF' });
      expect(evaluate(condition, { currency: 'EUR' })).toEqual({
        hit: false,
        reason: 'currency EUR is not in GBP, CHF',
      });
    });
  });

  describe('anomalyScore', () => {
    it('hits at or above the bound and misses below it', () => {
      expect(evaluate({ anomalyScore: { gte: 0.9 } }, { anomalyScore: 0.93 })).toEqual({
        hit: true,
        reason: 'anomaly score 0.93 ≥ 0.9',
      });
      expect(evaluate({ anomalyScore: { gte: 0.9 } }, { anomalyScore: 0.5 })).toEqual({
        hit: false,
        reason: 'anomaly score 0.5 < 0.9',
      });
    });
  });

  describe('travel', () => {
    const seoul = { lat: 37.5665, lon: 126.978 };
    const lisbon = { lat: 38.7223, lon: -9.1393 };
    const tenMinutesLater = { eventTime: '2024-05-01T12:10:00.000Z' };
    const fromSeoulAt = (eventTime: string) => ({ previousLocation: { ...seoul, atMs: Date.parse(eventTime) } });

    it('hits from Seoul to Lisbon in 10 minutes at 1000 km/h, and says the distance, time and speed', () => {
      expect(
        evaluate(
          { travel: { maxSpeedKmh: 1000 } },
          { ...tenMinutesLater, location: lisbon, ...fromSeoulAt('2024-05-01T12:00:00.000Z') },
        ),
      ).toEqual({
        hit: true,
        reason: '10418 km in 600 s (62507 km/h) since the last located transfer, over 1000 km/h',
      });
    });

    it('misses when the time between makes the trip possible', () => {
      expect(
        evaluate(
          { travel: { maxSpeedKmh: 1000 } },
          { ...tenMinutesLater, location: lisbon, ...fromSeoulAt('2024-04-30T12:10:00.000Z') },
        ),
      ).toEqual({
        hit: false,
        reason: '10418 km in 86400 s (434 km/h) since the last located transfer, within 1000 km/h',
      });
    });

    it('counts a real distance at the same event time as exceeding any speed', () => {
      expect(
        evaluate(
          { travel: { maxSpeedKmh: 100_000 } },
          { ...tenMinutesLater, location: lisbon, ...fromSeoulAt(tenMinutesLater.eventTime) },
        ),
      ).toEqual({ hit: true, reason: '10418 km from the last located transfer at the same time, over 100000 km/h' });
    });

    it('judges a pair evaluated out of order, whose other transfer is the later one, the same way', () => {
      expect(
        evaluate(
          { travel: { maxSpeedKmh: 1000 } },
          { ...tenMinutesLater, location: lisbon, ...fromSeoulAt('2024-05-01T12:20:00.000Z') },
        ),
      ).toEqual({
        hit: true,
        reason: '10418 km in 600 s (62507 km/h) before a later located transfer, over 1000 km/h',
      });
    });

    it('with withinSeconds, misses when the other located transfer is further away in time', () => {
      const condition = { travel: { maxSpeedKmh: 10, withinSeconds: 300 } };
      expect(
        evaluate(condition, { ...tenMinutesLater, location: lisbon, ...fromSeoulAt('2024-05-01T12:00:00.000Z') }),
      ).toEqual({ hit: false, reason: 'the last located transfer was 600 s away, beyond 300 s' });
      expect(
        evaluate(condition, { ...tenMinutesLater, location: lisbon, ...fromSeoulAt('2024-05-01T12:05:00.000Z') }).hit,
      ).toBe(true);
    });

    it('never counts two sightings in one city as travel, however close in time', () => {
      const anyang = { lat: 37.3881, lon: 126.936 };
      expect(
        evaluate(
          { travel: { maxSpeedKmh: 1 } },
          { ...tenMinutesLater, location: anyang, ...fromSeoulAt(tenMinutesLater.eventTime) },
        ),
      ).toEqual({ hit: false, reason: '20 km from the last located transfer, under the 50 km that count as travel' });
    });

    it('misses, saying what is unknown, without this location or another located transfer', () => {
      expect(evaluate({ travel: { maxSpeedKmh: 1000 } }, fromSeoulAt('2024-05-01T12:00:00.000Z'))).toEqual({
        hit: false,
        reason: 'no location for this transfer',
      });
      expect(evaluate({ travel: { maxSpeedKmh: 1000 } }, { location: lisbon })).toEqual({
        hit: false,
        reason: 'no other located transfer from this sender',
      });
    });
  });

  describe('newDevice', () => {
    const at = (eventTime: string) => Date.parse(eventTime);

    it('hits on a device the sender has not used before, or not within the days given', () => {
      expect(evaluate({ newDevice: { days: 30 } }, { deviceId: 'phone-2' })).toEqual({
        hit: true,
        reason: 'device phone-2 not seen before from this sender',
      });
      expect(
        evaluate({ newDevice: { days: 30 } }, { deviceId: 'phone-1', deviceLastSeenMs: at('2024-03-01T12:00:00Z') }),
      ).toEqual({ hit: true, reason: 'device phone-1 last seen 61 days before, over 30 days' });
    });

    it('misses on a device used within the days given, and on a transfer without a device id', () => {
      expect(
        evaluate({ newDevice: { days: 1 } }, { deviceId: 'phone-1', deviceLastSeenMs: at('2024-05-01T09:00:00Z') }),
      ).toEqual({ hit: false, reason: 'device phone-1 seen 3 h before, within 1 day' });
      expect(
        evaluate({ newDevice: { days: 1 } }, { deviceId: 'phone-1', deviceLastSeenMs: at('2024-04-30T12:00:00Z') }).hit,
      ).toBe(false);
      expect(evaluate({ newDevice: { days: 30 } }, {})).toEqual({
        hit: false,
        reason: 'no device id on this transfer',
      });
    });
  });

  describe('country', () => {
    it('in hits on a listed country, notIn on one not listed', () => {
      expect(evaluate({ country: { in: ['KR', 'JP'] } }, { country: 'KR' })).toEqual({
        hit: true,
        reason: 'country KR is in KR, JP',
      });
      expect(evaluate({ country: { in: ['KR', 'JP'] } }, { country: 'PT' })).toEqual({
        hit: false,
        reason: 'country PT is not in KR, JP',
      });
      expect(evaluate({ country: { notIn: ['KR'] } }, { country: 'PT' })).toEqual({
        hit: true,
        reason: 'country PT is not in KR',
      });
      expect(evaluate({ country: { notIn: ['KR'] } }, { country: 'KR' })).toEqual({
        hit: false,
        reason: 'country KR is in KR',
      });
    });

    it('misses either way on an unknown country: an unknown is not evidence of being outside the list', () => {
      const unknown = { hit: false, reason: 'country unknown (no IP location), so not judged against KR' };
      expect(evaluate({ country: { in: ['KR'] } }, {})).toEqual(unknown);
      expect(evaluate({ country: { notIn: ['KR'] } }, {})).toEqual(unknown);
    });
  });

  it('evaluates facts recorded before location, device and country were gathered: those conditions miss', () => {
    const recordedBefore: RiskFacts = { ...baseFacts };
    for (const condition of [
      { travel: { maxSpeedKmh: 1 } },
      { newDevice: { days: 1 } },
      { country: { in: ['KR'] } },
      { country: { notIn: ['KR'] } },
    ]) {
      expect(evaluate(condition, recordedBefore).hit).toBe(false);
    }
  });

  describe('all, any and not', () => {
    const large = { amount: { gte: 100_000 } };
    const fresh = { newReceiver: true };

    it('all hits only when every child hits, and gives every reason', () => {
      expect(evaluate({ all: [large, fresh] }, { amount: 150_000, newReceiver: true })).toEqual({
        hit: true,
        reason: 'amount 150000 ≥ 100000 and first transfer to this receiver',
      });
    });

    it('all misses on the first child that misses, and gives its reason', () => {
      expect(evaluate({ all: [large, fresh] }, { amount: 150_000, newReceiver: false })).toEqual({
        hit: false,
        reason: 'receiver already paid before',
      });
    });

    it('any hits on the first child that hits, and gives its reason', () => {
      expect(evaluate({ any: [large, fresh] }, { amount: 500, newReceiver: true })).toEqual({
        hit: true,
        reason: 'first transfer to this receiver',
      });
    });

    it('any misses only when every child misses, and gives every reason', () => {
      expect(evaluate({ any: [large, fresh] }, { amount: 500, newReceiver: false })).toEqual({
        hit: false,
        reason: 'amount 500 < 100000 and receiver already paid before',
      });
    });

    it('not inverts its child and keeps the reason, which is exactly why the negation holds', () => {
      expect(evaluate({ not: large }, { amount: 500 })).toEqual({ hit: true, reason: 'amount 500 < 100000' });
      expect(evaluate({ not: large }, { amount: 150_000 })).toEqual({ hit: false, reason: 'amount 150000 ≥ 100000' });
    });

    it('combines at depth: a large transfer to a new receiver at night, unless the sender is trusted', () => {
      const condition = {
        all: [
          large,
          { any: [fresh, { timeOfDay: { from: '22:00', to: '06:00' } }] },
          { not: { account: { side: 'from', in: ['acc-payroll'] } } },
        ],
      };
      const night = '2024-05-01T23:15:00Z';
      expect(evaluate(condition, { amount: 200_000, eventTime: night })).toEqual({
        hit: true,
        reason: 'amount 200000 ≥ 100000 and submitted 23:15 UTC, within 22:00–06:00 and sender acc-alice is not listed',
      });
      expect(evaluate(condition, { amount: 200_000, eventTime: night, fromAccountId: 'acc-payroll' })).toEqual({
        hit: false,
        reason: 'sender acc-payroll is listed',
      });
    });
  });

  it('evaluating the same condition again with other facts gives a verdict for those facts only', () => {
    const condition = parsed({ all: [{ amount: { gte: 100_000 } }, { currency: { in: ['EUR'] } }] });
    expect(evaluateCondition(condition, { ...baseFacts, amount: 150_000 })).toEqual({
      hit: true,
      reason: 'amount 150000 ≥ 100000 and currency EUR is in EUR',
    });
    expect(evaluateCondition(condition, { ...baseFacts, amount: 150_000, currency: 'GBP' })).toEqual({
      hit: false,
      reason: 'currency GBP is not in EUR',
    });
    expect(evaluateCondition(condition, { ...baseFacts, amount: 150_000 }).hit).toBe(true);
  });
});

describe('velocityWindows', () => {
  it('lists each window once, ascending, from every depth including under not', () => {
    const condition = parsed({
      any: [
        { velocity: { windowSeconds: 3600, count: { gte: 10 } } },
        { all: [{ velocity: { windowSeconds: 60, count: { gte: 3 } } }, { amount: { gt: 1 } }] },
        { not: { velocity: { windowSeconds: 3600, sum: { lt: 100 } } } },
        { all: [{ any: [{ velocity: { windowSeconds: 60, sum: { gt: 5 } } }] }] },
      ],
    });
    expect(velocityWindows(condition)).toEqual([60, 3600]);
  });

  it('is empty for a condition without velocity', () => {
    expect(velocityWindows(parsed({ all: [{ amount: { gt: 1 } }, { newReceiver: true }] }))).toEqual([]);
  });
});

describe("the API document's JSON Schema of a condition", () => {
  const ajv = new Ajv2020({ strict: false });
  ajv.addSchema(openApiDocument(1_000_000_000), 'openapi');
  const matchesDocument = ajv.getSchema('openapi#/components/schemas/Condition')!;
  // What JSON Schema cannot say (the schema's description states the first two), or JSON cannot carry.
  const beyondJsonSchema = ['201 nodes', 'from equal to to', 'an infinite comparison bound'];

  it('accepts what parseCondition accepts', () => {
    for (const json of [everyOperator, nestedNots(7), twoHundredNodes]) {
      expect(parseCondition(json).ok).toBe(true);
      expect(matchesDocument(json)).toBe(true);
    }
  });

  it.each(refusals.filter(([title]) => !beyondJsonSchema.includes(title)))('refuses %s too', (_title, json) => {
    expect(matchesDocument(json)).toBe(false);
  });
});
