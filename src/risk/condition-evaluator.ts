import { greatCircleKm, impliedSpeedKmh } from '../domain/geo';
import {
  type AccountArgument,
  COMPARATORS,
  type Comparator,
  type Comparison,
  type Condition,
  type CountryArgument,
  type RiskFacts,
  type TimeWindow,
  TRAVEL_NOISE_KM,
  type TravelArgument,
  type VelocityArgument,
} from './conditions';

/*
 * The evaluator of the rule condition language: a validated condition compiled once into a function of
 * one transfer's facts, answering whether it hit and a reason that is a true statement about the facts.
 */

/**
 * Lists the velocity windows a condition reads, so the facts can be gathered once for every rule.
 *
 * @returns distinct window lengths in seconds, ascending
 */
export function velocityWindows(condition: Condition): number[] {
  const windows = new Set<number>();
  collectWindows(condition, windows);
  return [...windows].sort((a, b) => a - b);
}

function collectWindows(condition: Condition, windows: Set<number>): void {
  if ('all' in condition) condition.all.forEach((child) => collectWindows(child, windows));
  else if ('any' in condition) condition.any.forEach((child) => collectWindows(child, windows));
  else if ('not' in condition) collectWindows(condition.not, windows);
  else if ('velocity' in condition) windows.add(condition.velocity.windowSeconds);
}

/**
 * Evaluates a validated condition against one transfer's facts. Deterministic: `all` stops at the first miss
 * and `any` at the first hit, children in their written order.
 *
 * Every reason is a true statement about the facts, so reasons of children combine with "and" at any depth:
 * "amount 150000 ≥ 100000 and 4 transfers in 60 s ≥ 3" when it hits, "amount 5000 < 100000" when it does not.
 *
 * The first call compiles the condition and remembers the result for that object, so treat a condition as
 * immutable once it has been evaluated (parseCondition always returns a fresh one).
 *
 * Facts a transfer may lack (its location, the sender's previous one, its device, its country) make the node
 * that needs them miss, with a reason that says what was unknown: an unknown is not evidence.
 *
 * @throws RangeError when a `timeOfDay`, `travel` or `newDevice` node meets an `eventTime` that is not a
 *   valid ISO-8601 time; that is a bug in whoever gathered the facts, and guessing either way would hide it.
 */
export function evaluateCondition(condition: Condition, facts: RiskFacts): { hit: boolean; reason: string } {
  let compiled = compiledConditions.get(condition);
  if (!compiled) {
    compiled = compile(condition);
    compiledConditions.set(condition, compiled);
  }
  return compiled(facts);
}

interface Verdict {
  hit: boolean;
  reason: string;
}
type CompiledCondition = (facts: RiskFacts) => Verdict;

// Rules are loaded once and run for every transfer: lists become sets, times become minutes and constant
// text is built once, leaving little per transfer beyond the comparisons and the reason itself.
const compiledConditions = new WeakMap<Condition, CompiledCondition>();

function compile(condition: Condition): CompiledCondition {
  if ('all' in condition) return compileAll(condition.all.map(compile));
  if ('any' in condition) return compileAny(condition.any.map(compile));
  if ('not' in condition) {
    const inner = compile(condition.not);
    // The child's reason for missing is exactly why its negation hits, and the other way round.
    return (facts) => {
      const verdict = inner(facts);
      return { hit: !verdict.hit, reason: verdict.reason };
    };
  }
  if ('amount' in condition) {
    const amount = compileComparison(condition.amount);
    return (facts) => amount(`amount ${facts.amount}`, facts.amount);
  }
  if ('velocity' in condition) return compileVelocity(condition.velocity);
  if ('dailyTotal' in condition) {
    const dailyTotal = compileComparison(condition.dailyTotal);
    return (facts) => dailyTotal(`daily total ${facts.dailyTotal}`, facts.dailyTotal);
  }
  if ('newReceiver' in condition) {
    const wanted = condition.newReceiver;
    return (facts) => ({
      hit: facts.newReceiver === wanted,
      reason: facts.newReceiver ? 'first transfer to this receiver' : 'receiver already paid before',
    });
  }
  if ('timeOfDay' in condition) return compileTimeOfDay(condition.timeOfDay);
  if ('account' in condition) return compileAccount(condition.account);
  if ('currency' in condition) {
    const codes = new Set(condition.currency.in);
    const listed = condition.currency.in.join(', ');
    return (facts) => {
      const hit = codes.has(facts.currency);
      return { hit, reason: `currency ${facts.currency} ${hit ? 'is' : 'is not'} in ${listed}` };
    };
  }
  if ('anomalyScore' in condition) {
    const anomalyScore = compileComparison(condition.anomalyScore);
    return (facts) => anomalyScore(`anomaly score ${facts.anomalyScore}`, facts.anomalyScore);
  }
  if ('travel' in condition) return compileTravel(condition.travel);
  if ('newDevice' in condition) return compileNewDevice(condition.newDevice.days);
  return compileCountry(condition.country);
}

function compileAll(children: CompiledCondition[]): CompiledCondition {
  return (facts) => {
    const reasons: string[] = [];
    for (const child of children) {
      const verdict = child(facts);
      if (!verdict.hit) return verdict;
      reasons.push(verdict.reason);
    }
    return { hit: true, reason: reasons.join(' and ') };
  };
}

function compileAny(children: CompiledCondition[]): CompiledCondition {
  return (facts) => {
    const reasons: string[] = [];
    for (const child of children) {
      const verdict = child(facts);
      if (verdict.hit) return verdict;
      reasons.push(verdict.reason);
    }
    return { hit: false, reason: reasons.join(' and ') };
  };
}

const HOLDS: Record<Comparator, (value: number, bound: number) => boolean> = {
  gt: (value, bound) => value > bound,
  gte: (value, bound) => value >= bound,
  lt: (value, bound) => value < bound,
  lte: (value, bound) => value <= bound,
  eq: (value, bound) => value === bound,
};
const SYMBOL: Record<Comparator, string> = { gt: '>', gte: '≥', lt: '<', lte: '≤', eq: '=' };
const NEGATED_SYMBOL: Record<Comparator, string> = { gt: '≤', gte: '<', lt: '≥', lte: '>', eq: '≠' };

/** `subject` already names the value, e.g. "4 transfers in 60 s", so the reason reads "… ≥ 3". */
type CompiledComparison = (subject: string, value: number) => Verdict;

function compileComparison(comparison: Comparison): CompiledComparison {
  const checks = COMPARATORS.flatMap((comparator) => {
    const bound = comparison[comparator];
    if (bound === undefined) return [];
    return [
      {
        holds: HOLDS[comparator],
        bound,
        held: `${SYMBOL[comparator]} ${bound}`,
        missed: ` ${NEGATED_SYMBOL[comparator]} ${bound}`,
      },
    ];
  });
  const allHeld = ` ${checks.map((check) => check.held).join(' and ')}`;
  return (subject, value) => {
    for (const check of checks) {
      if (!check.holds(value, check.bound)) return { hit: false, reason: subject + check.missed };
    }
    return { hit: true, reason: subject + allHeld };
  };
}

function compileVelocity({ windowSeconds, count, sum }: VelocityArgument): CompiledCondition {
  const window = `in ${windowSeconds} s`;
  const checks: ((seen: { count: number; sum: number }) => Verdict)[] = [];
  if (count) {
    const countComparison = compileComparison(count);
    checks.push((seen) =>
      countComparison(`${seen.count} transfer${seen.count === 1 ? '' : 's'} ${window}`, seen.count),
    );
  }
  if (sum) {
    const sumComparison = compileComparison(sum);
    checks.push((seen) => sumComparison(`sum ${seen.sum} ${window}`, seen.sum));
  }
  return (facts) => {
    // A window nobody gathered means no transfers were seen in it.
    const seen = facts.velocity[windowSeconds] ?? { count: 0, sum: 0 };
    const reasons: string[] = [];
    for (const check of checks) {
      const verdict = check(seen);
      if (!verdict.hit) return verdict;
      reasons.push(verdict.reason);
    }
    return { hit: true, reason: reasons.join(' and ') };
  };
}

const MS_PER_MINUTE = 60_000;
const MINUTES_PER_DAY = 24 * 60;

function compileTimeOfDay(window: TimeWindow): CompiledCondition {
  const from = minutesOf(window.from);
  const to = minutesOf(window.to);
  const within = `, within ${window.from}–${window.to}`;
  const outside = `, outside ${window.from}–${window.to}`;
  return (facts) => {
    const epochMs = eventTimeMs(facts);
    // Bounds are whole minutes, so flooring to the minute keeps [from, to) exact: 05:59:59 is before 06:00.
    const minute = ((Math.floor(epochMs / MS_PER_MINUTE) % MINUTES_PER_DAY) + MINUTES_PER_DAY) % MINUTES_PER_DAY;
    const hit = from < to ? minute >= from && minute < to : minute >= from || minute < to;
    return { hit, reason: `submitted ${clockOf(minute)} UTC${hit ? within : outside}` };
  };
}

function eventTimeMs(facts: RiskFacts): number {
  const epochMs = Date.parse(facts.eventTime);
  if (Number.isNaN(epochMs)) {
    throw new RangeError(`eventTime ${JSON.stringify(facts.eventTime)} is not an ISO-8601 time`);
  }
  return epochMs;
}

function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

function clockOf(minuteOfDay: number): string {
  const hours = Math.floor(minuteOfDay / 60);
  const minutes = minuteOfDay % 60;
  return `${hours < 10 ? '0' : ''}${hours}:${minutes < 10 ? '0' : ''}${minutes}`;
}

function compileAccount({ side, in: accountIds }: AccountArgument): CompiledCondition {
  const listed = new Set(accountIds);
  const checksSender = side !== 'to';
  const checksReceiver = side !== 'from';
  return ({ fromAccountId, toAccountId }) => {
    if (checksSender && listed.has(fromAccountId)) return { hit: true, reason: `sender ${fromAccountId} is listed` };
    if (checksReceiver && listed.has(toAccountId)) return { hit: true, reason: `receiver ${toAccountId} is listed` };
    if (!checksReceiver) return { hit: false, reason: `sender ${fromAccountId} is not listed` };
    if (!checksSender) return { hit: false, reason: `receiver ${toAccountId} is not listed` };
    return { hit: false, reason: `neither sender ${fromAccountId} nor receiver ${toAccountId} is listed` };
  };
}

function compileTravel({ maxSpeedKmh, withinSeconds }: TravelArgument): CompiledCondition {
  const limit = `${maxSpeedKmh} km/h`;
  return (facts) => {
    const { location, previousLocation: previous } = facts;
    if (!location) return { hit: false, reason: 'no location for this transfer' };
    if (!previous) return { hit: false, reason: 'no other located transfer from this sender' };
    const gapMs = eventTimeMs(facts) - previous.atMs;
    // Evaluations can run out of order; the pair is as impossible either way round.
    const other = gapMs >= 0 ? 'the last located transfer' : 'a later located transfer';
    const seconds = Math.abs(gapMs) / 1000;
    if (withinSeconds !== undefined && seconds > withinSeconds) {
      return { hit: false, reason: `${other} was ${secondsText(seconds)} away, beyond ${withinSeconds} s` };
    }
    const km = greatCircleKm(previous, location);
    if (km < TRAVEL_NOISE_KM) {
      return {
        hit: false,
        reason: `${Math.round(km)} km from ${other}, under the ${TRAVEL_NOISE_KM} km that count as travel`,
      };
    }
    const speed = impliedSpeedKmh(km, seconds);
    const hit = speed > maxSpeedKmh;
    const verdict = `${hit ? 'over' : 'within'} ${limit}`;
    if (seconds === 0) return { hit, reason: `${Math.round(km)} km from ${other} at the same time, ${verdict}` };
    const pace = `${Math.round(km)} km in ${secondsText(seconds)} (${Math.round(speed)} km/h)`;
    return { hit, reason: `${pace} ${gapMs >= 0 ? 'since' : 'before'} ${other}, ${verdict}` };
  };
}

/** Whole seconds, except below 10 s, where a tenth can be the difference between two transfers. */
function secondsText(seconds: number): string {
  return `${seconds < 10 ? Math.round(seconds * 10) / 10 : Math.round(seconds)} s`;
}

const MS_PER_DAY = 24 * 60 * MS_PER_MINUTE;

function compileNewDevice(days: number): CompiledCondition {
  const windowMs = days * MS_PER_DAY;
  const window = `${days} day${days === 1 ? '' : 's'}`;
  return (facts) => {
    const { deviceId, deviceLastSeenMs } = facts;
    if (deviceId === undefined) return { hit: false, reason: 'no device id on this transfer' };
    const device = `device ${deviceId}`;
    if (deviceLastSeenMs === undefined) return { hit: true, reason: `${device} not seen before from this sender` };
    const ageMs = eventTimeMs(facts) - deviceLastSeenMs;
    if (ageMs > windowMs) return { hit: true, reason: `${device} last seen ${ageText(ageMs)} before, over ${window}` };
    return { hit: false, reason: `${device} seen ${ageText(ageMs)} before, within ${window}` };
  };
}

/** An age in the unit a person would say it in. */
function ageText(ageMs: number): string {
  const minutes = Math.max(0, ageMs) / MS_PER_MINUTE;
  if (minutes < 120) return `${Math.round(minutes)} min`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h`;
  return `${Math.round(minutes / MINUTES_PER_DAY)} days`;
}

function compileCountry(argument: CountryArgument): CompiledCondition {
  const wantsListed = 'in' in argument;
  const codes = wantsListed ? argument.in : argument.notIn;
  const listed = new Set(codes);
  const names = codes.join(', ');
  return ({ country }) => {
    // Neither list says anything about a country nobody knows: an unknown is not evidence of being outside.
    if (country === undefined)
      return { hit: false, reason: `country unknown (no IP location), so not judged against ${names}` };
    const isListed = listed.has(country);
    return { hit: isListed === wantsListed, reason: `country ${country} ${isListed ? 'is' : 'is not'} in ${names}` };
  };
}
