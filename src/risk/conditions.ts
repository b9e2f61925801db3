/**
 * The rule condition language: the JSON stored in `rules.condition_json` and its validator (the evaluator
 * is condition-evaluator.ts). Pure: no I/O and no imports, so the risk activity, the rules API and tests
 * can all load it. The limits and vocabulary below are also what the API's JSON Schema of a condition uses.
 */

/**
 * Facts about one transfer, gathered before rules run. Velocity and daily totals already include this transfer.
 * Recorded with each evaluation for dry runs, so every field is plain JSON, and the ones added later are
 * optional: facts recorded before them still evaluate (their conditions then miss, for want of the fact).
 */
export interface RiskFacts {
  /** Integer minor units. */
  amount: number;
  currency: string;
  fromAccountId: string;
  toAccountId: string;
  /** ISO-8601 UTC, when the transfer was submitted. */
  eventTime: string;
  /** Keyed by windowSeconds. */
  velocity: Record<number, { count: number; sum: number }>;
  /** The sender's total for the UTC day of eventTime. */
  dailyTotal: number;
  /** First transfer from this sender to this receiver. */
  newReceiver: boolean;
  /** 0..1 */
  anomalyScore: number;
  /** Where the sender was, in degrees; absent when the transfer carried neither a location nor a placeable IP. */
  location?: { lat: number; lon: number };
  /** Whether `location` is the one the device reported (which wins) or its IP address's. */
  locationSource?: 'device' | 'ip';
  /** ISO-3166 alpha-2 of the IP's location; only ever from the IP, since a device's point names no country. */
  country?: string;
  /**
   * The sender's earlier located transfer nearest to this one in event time (epoch ms), as it stood when this
   * transfer was first evaluated. When evaluations ran out of order and none is earlier, the nearest later one.
   */
  previousLocation?: { lat: number; lon: number; atMs: number };
  /** The device id the client sent. */
  deviceId?: string;
  /**
   * When the sender last used `deviceId` up to this transfer's event time (epoch ms), in the transfers kept and
   * not withdrawn; absent when not seen before (or the transfer carried no device id).
   */
  deviceLastSeenMs?: number;
}

/** Bounds on a number; every bound given must hold. */
export interface Comparison {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
  eq?: number;
}

/** One node of the language: an object with exactly one key, the operator. */
export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { amount: Comparison }
  | { velocity: { windowSeconds: number; count?: Comparison; sum?: Comparison } }
  | { dailyTotal: Comparison }
  | { newReceiver: boolean }
  | { timeOfDay: { from: string; to: string } }
  | { account: { side: 'from' | 'to' | 'either'; in: string[] } }
  | { currency: { in: string[] } }
  | { anomalyScore: Comparison }
  | { travel: { maxSpeedKmh: number; withinSeconds?: number } }
  | { newDevice: { days: number } }
  | { country: { in: string[] } | { notIn: string[] } };

export type VelocityArgument = Extract<Condition, { velocity: unknown }>['velocity'];
export type AccountArgument = Extract<Condition, { account: unknown }>['account'];
export type TimeWindow = Extract<Condition, { timeOfDay: unknown }>['timeOfDay'];
export type TravelArgument = Extract<Condition, { travel: unknown }>['travel'];
export type CountryArgument = Extract<Condition, { country: unknown }>['country'];

export type ConditionCheck = { ok: true; condition: Condition } | { ok: false; path: string; message: string };

const OPERATORS = [
  'all',
  'any',
  'not',
  'amount',
  'velocity',
  'dailyTotal',
  'newReceiver',
  'timeOfDay',
  'account',
  'currency',
  'anomalyScore',
  'travel',
  'newDevice',
  'country',
] as const;
export const COMPARATORS = ['gt', 'gte', 'lt', 'lte', 'eq'] as const;
export type Comparator = (typeof COMPARATORS)[number];
export const ACCOUNT_SIDES = ['from', 'to', 'either'] as const;

// Exported with the vocabulary for the API's JSON Schema of the language (src/api/condition-schema.ts).
// Limits keep both validation and the 50-rules-per-transfer evaluation cheap and bounded.
export const MAX_DEPTH = 8;
export const MAX_NODES = 200;
export const MAX_CHILDREN = 20;
export const MAX_LIST_ITEMS = 1000;
export const MAX_WINDOW_SECONDS = 7 * 24 * 60 * 60;
/** How far back a new-device rule may look: as long as Redis keeps a sender's devices. */
export const MAX_DEVICE_DAYS = 400;
/**
 * Two sightings closer than this are one place to a travel rule, whatever the time between them: an IP's
 * location is a city's at best, and one city's addresses are placed tens of kilometres apart.
 */
export const TRAVEL_NOISE_KM = 50;

export const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
const CURRENCY_CODE = /^[A-Z]{3}$/;
// Transfers only ever carry ISO-4217 codes, so any other code in a rule is a typo that would never match.
const ISO_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const COUNTRY_CODE = /^[A-Z]{2}$/;

/**
 * ISO-3166-1 alpha-2, the assigned codes, plus XK (Kosovo), which IP databases use. In the source rather than
 * from ICU, whose region list also holds deleted and macro-region codes (SU, EU) no IP is ever placed in.
 */
export const ISO_COUNTRIES = [
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY',
  'BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK',
  'FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR',
  'IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK',
  'ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM',
  'PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF',
  'TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW',
]
  .join(' ')
  .split(' ');
const KNOWN_COUNTRIES = new Set(ISO_COUNTRIES);

/** Thrown inside the validator only; parseCondition turns it into a ConditionCheck. */
class InvalidCondition extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Validates untrusted JSON (from `condition_json` or an API body) and returns a fresh, typed copy.
 * Nesting is counted in nodes from the root, which is level 1; at most 8 levels and 200 nodes.
 *
 * @param json - the parsed JSON to check
 * @param root - how the path of an error starts, e.g. `rules[2].condition`
 * @returns the condition, or the first problem found with the exact path of the offending place,
 *   e.g. `condition.all[1].velocity.windowSeconds`
 */
export function parseCondition(json: unknown, root = 'condition'): ConditionCheck {
  try {
    return { ok: true, condition: parseNode(json, root, 1, { nodes: 0 }) };
  } catch (error) {
    if (error instanceof InvalidCondition) return { ok: false, path: error.path, message: error.message };
    throw error;
  }
}

function parseNode(json: unknown, path: string, depth: number, seen: { nodes: number }): Condition {
  // Checked before recursing, so hostile input cannot exhaust the stack or the CPU.
  if (depth > MAX_DEPTH) throw new InvalidCondition(path, `nests deeper than the limit of ${MAX_DEPTH} levels`);
  seen.nodes += 1;
  if (seen.nodes > MAX_NODES) {
    throw new InvalidCondition(path, `makes the condition larger than the limit of ${MAX_NODES} nodes in total`);
  }
  const node = expectObject(json, path, 'an object with exactly one operator');
  const keys = Object.keys(node);
  const [operator] = keys;
  if (operator === undefined || keys.length > 1) {
    const found = keys.length === 0 ? 'none' : `${keys.length} (${keys.join(', ')})`;
    throw new InvalidCondition(path, `must have exactly one operator, found ${found}`);
  }
  const argument = node[operator];
  const argumentPath = fieldPath(path, operator);
  switch (operator) {
    case 'all':
      return { all: parseChildren(argument, argumentPath, depth, seen) };
    case 'any':
      return { any: parseChildren(argument, argumentPath, depth, seen) };
    case 'not':
      return { not: parseNode(argument, argumentPath, depth + 1, seen) };
    case 'amount':
      return { amount: parseComparison(argument, argumentPath) };
    case 'velocity':
      return { velocity: parseVelocity(argument, argumentPath) };
    case 'dailyTotal':
      return { dailyTotal: parseComparison(argument, argumentPath) };
    case 'newReceiver':
      if (typeof argument !== 'boolean') throw new InvalidCondition(argumentPath, 'must be true or false');
      return { newReceiver: argument };
    case 'timeOfDay':
      return { timeOfDay: parseTimeOfDay(argument, argumentPath) };
    case 'account':
      return { account: parseAccount(argument, argumentPath) };
    case 'currency':
      return { currency: parseCurrency(argument, argumentPath) };
    case 'anomalyScore':
      return { anomalyScore: parseComparison(argument, argumentPath, { min: 0, max: 1 }) };
    case 'travel':
      return { travel: parseTravel(argument, argumentPath) };
    case 'newDevice':
      return { newDevice: parseNewDevice(argument, argumentPath) };
    case 'country':
      return { country: parseCountry(argument, argumentPath) };
    default:
      throw new InvalidCondition(
        path,
        `unknown operator ${JSON.stringify(operator)}; expected one of ${OPERATORS.join(', ')}`,
      );
  }
}

function parseChildren(json: unknown, path: string, depth: number, seen: { nodes: number }): Condition[] {
  const items = expectList(json, path, 'conditions', MAX_CHILDREN);
  return items.map((item, index) => parseNode(item, `${path}[${index}]`, depth + 1, seen));
}

function parseComparison(json: unknown, path: string, range?: { min: number; max: number }): Comparison {
  const fields = expectFields(json, path, COMPARATORS, `a comparison with at least one of ${COMPARATORS.join(', ')}`);
  const comparison: Comparison = {};
  for (const comparator of COMPARATORS) {
    if (!Object.hasOwn(fields, comparator)) continue;
    const bound = fields[comparator];
    const boundPath = fieldPath(path, comparator);
    if (typeof bound !== 'number' || !Number.isFinite(bound)) {
      throw new InvalidCondition(boundPath, 'must be a finite number');
    }
    if (range && (bound < range.min || bound > range.max)) {
      throw new InvalidCondition(boundPath, `must be a number from ${range.min} to ${range.max}`);
    }
    comparison[comparator] = bound;
  }
  if (Object.keys(comparison).length === 0) {
    throw new InvalidCondition(path, `must have at least one of ${COMPARATORS.join(', ')}`);
  }
  return comparison;
}

function parseVelocity(json: unknown, path: string): VelocityArgument {
  const fields = expectFields(json, path, ['windowSeconds', 'count', 'sum'], 'an object with windowSeconds');
  const windowSeconds = requireField(fields, path, 'windowSeconds');
  if (
    typeof windowSeconds !== 'number' ||
    !Number.isInteger(windowSeconds) ||
    windowSeconds < 1 ||
    windowSeconds > MAX_WINDOW_SECONDS
  ) {
    throw new InvalidCondition(
      fieldPath(path, 'windowSeconds'),
      `must be a whole number of seconds from 1 to ${MAX_WINDOW_SECONDS} (7 days)`,
    );
  }
  const velocity: VelocityArgument = { windowSeconds };
  if (Object.hasOwn(fields, 'count')) velocity.count = parseComparison(fields.count, fieldPath(path, 'count'));
  if (Object.hasOwn(fields, 'sum')) velocity.sum = parseComparison(fields.sum, fieldPath(path, 'sum'));
  if (!velocity.count && !velocity.sum) throw new InvalidCondition(path, 'must have count, sum or both');
  return velocity;
}

function parseTimeOfDay(json: unknown, path: string): TimeWindow {
  const fields = expectFields(json, path, ['from', 'to'], 'an object with from and to');
  const from = parseClock(fields, path, 'from');
  const to = parseClock(fields, path, 'to');
  // Equal ends are ambiguous (an empty window or the whole day), so neither is guessed.
  if (from === to) throw new InvalidCondition(path, `from and to must differ; both are "${from}"`);
  return { from, to };
}

function parseClock(fields: Record<string, unknown>, path: string, key: string): string {
  const time = requireField(fields, path, key);
  if (typeof time !== 'string' || !HH_MM.test(time)) {
    throw new InvalidCondition(fieldPath(path, key), 'must be a UTC time "HH:MM" from 00:00 to 23:59');
  }
  return time;
}

function parseAccount(json: unknown, path: string): AccountArgument {
  const fields = expectFields(json, path, ['side', 'in'], 'an object with side and in');
  const side = requireField(fields, path, 'side');
  if (!isAccountSide(side)) {
    throw new InvalidCondition(fieldPath(path, 'side'), `must be one of ${ACCOUNT_SIDES.join(', ')}`);
  }
  const listPath = fieldPath(path, 'in');
  const accountIds = expectList(requireField(fields, path, 'in'), listPath, 'account ids', MAX_LIST_ITEMS).map(
    (accountId, index) => {
      if (typeof accountId !== 'string' || accountId === '') {
        throw new InvalidCondition(`${listPath}[${index}]`, 'must be a non-empty account id');
      }
      return accountId;
    },
  );
  return { side, in: accountIds };
}

function isAccountSide(value: unknown): value is AccountArgument['side'] {
  return ACCOUNT_SIDES.some((side) => side === value);
}

function parseCurrency(json: unknown, path: string): { in: string[] } {
  const fields = expectFields(json, path, ['in'], 'an object with in');
  const listPath = fieldPath(path, 'in');
  const codes = expectList(requireField(fields, path, 'in'), listPath, 'currency codes', MAX_LIST_ITEMS).map(
    (code, index) => {
      if (typeof code !== 'string' || !CURRENCY_CODE.test(code)) {
        throw new InvalidCondition(`${listPath}[${index}]`, 'must be a three-letter currency code in capitals');
      }
      if (!ISO_CURRENCIES.has(code)) throw new InvalidCondition(`${listPath}[${index}]`, 'is not an ISO-4217 currency');
      return code;
    },
  );
  return { in: codes };
}

function parseTravel(json: unknown, path: string): TravelArgument {
  const fields = expectFields(json, path, ['maxSpeedKmh', 'withinSeconds'], 'an object with maxSpeedKmh');
  const maxSpeedKmh = requireField(fields, path, 'maxSpeedKmh');
  if (typeof maxSpeedKmh !== 'number' || !Number.isFinite(maxSpeedKmh) || maxSpeedKmh <= 0) {
    throw new InvalidCondition(fieldPath(path, 'maxSpeedKmh'), 'must be a finite number of km/h above 0');
  }
  const travel: TravelArgument = { maxSpeedKmh };
  if (Object.hasOwn(fields, 'withinSeconds')) {
    const withinSeconds = fields.withinSeconds;
    if (!isWholeNumberFrom1To(withinSeconds, MAX_WINDOW_SECONDS)) {
      throw new InvalidCondition(
        fieldPath(path, 'withinSeconds'),
        `must be a whole number of seconds from 1 to ${MAX_WINDOW_SECONDS} (7 days)`,
      );
    }
    travel.withinSeconds = withinSeconds;
  }
  return travel;
}

function parseNewDevice(json: unknown, path: string): { days: number } {
  const fields = expectFields(json, path, ['days'], 'an object with days');
  const days = requireField(fields, path, 'days');
  if (!isWholeNumberFrom1To(days, MAX_DEVICE_DAYS)) {
    throw new InvalidCondition(fieldPath(path, 'days'), `must be a whole number of days from 1 to ${MAX_DEVICE_DAYS}`);
  }
  return { days };
}

function isWholeNumberFrom1To(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= max;
}

function parseCountry(json: unknown, path: string): CountryArgument {
  const fields = expectFields(json, path, ['in', 'notIn'], 'an object with in or notIn');
  const lists = ['in', 'notIn'].filter((key) => Object.hasOwn(fields, key));
  const [key] = lists;
  if (key === undefined || lists.length > 1) throw new InvalidCondition(path, 'must have exactly one of in, notIn');
  const listPath = fieldPath(path, key);
  const codes = expectList(fields[key], listPath, 'country codes', MAX_LIST_ITEMS).map((code, index) => {
    if (typeof code !== 'string' || !COUNTRY_CODE.test(code)) {
      throw new InvalidCondition(`${listPath}[${index}]`, 'must be a two-letter country code in capitals');
    }
    if (!KNOWN_COUNTRIES.has(code))
      throw new InvalidCondition(`${listPath}[${index}]`, 'is not an ISO-3166 alpha-2 country');
    return code;
  });
  return key === 'in' ? { in: codes } : { notIn: codes };
}

function expectObject(json: unknown, path: string, expected: string): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new InvalidCondition(path, `must be ${expected}, got ${describeType(json)}`);
  }
  return json as Record<string, unknown>;
}

/** An object whose keys are all among `known`; the first stranger is reported at its own path. */
function expectFields(
  json: unknown,
  path: string,
  known: readonly string[],
  expected: string,
): Record<string, unknown> {
  const fields = expectObject(json, path, expected);
  for (const key of Object.keys(fields)) {
    if (!known.includes(key)) {
      throw new InvalidCondition(fieldPath(path, key), `is not a known field; expected ${known.join(', ')}`);
    }
  }
  return fields;
}

function requireField(fields: Record<string, unknown>, path: string, key: string): unknown {
  if (!Object.hasOwn(fields, key)) throw new InvalidCondition(fieldPath(path, key), 'is required');
  return fields[key];
}

function expectList(json: unknown, path: string, itemsName: string, maxItems: number): unknown[] {
  if (!Array.isArray(json)) {
    throw new InvalidCondition(path, `must be an array of ${itemsName}, got ${describeType(json)}`);
  }
  if (json.length < 1 || json.length > maxItems) {
    throw new InvalidCondition(path, `must have 1 to ${maxItems} ${itemsName}, got ${json.length}`);
  }
  return json;
}

/** `a.b` for plain names, `a["odd key"]` otherwise, so every path can be read back unambiguously. */
function fieldPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function describeType(json: unknown): string {
  if (json === null) return 'null';
  if (Array.isArray(json)) return 'an array';
  return `a ${typeof json}`;
}
