/**
 * The built-in anomaly model: how unusual a transfer is against the sender's own recent history.
 *
 * Pure and deterministic: no clock, no randomness, no I/O. The current time arrives as
 * `eventTimeMs`, and the maths uses only sorting, + − × ÷ and comparisons (no `Math.exp`/`log`,
 * whose last bits may differ between platforms), so one input gives one output everywhere.
 */

export interface AnomalyInput {
  /** Integer minor units of this transfer. */
  amount: number;
  /** When this transfer was submitted (epoch ms). */
  eventTimeMs: number;
  /** First transfer from this sender to this receiver. */
  newReceiver: boolean;
  /** The sender's earlier transfers, most recent first, recorded before this one. */
  history: ReadonlyArray<{ amount: number; atMs: number }>;
}

export interface AnomalyResult {
  /** 0..1, rounded to 4 decimals. */
  score: number;
  /** Names the maths; changes whenever a score for the same input could change. */
  modelVersion: string;
  /** Each 0..1, rounded to 4 decimals. */
  components: { amount: number; novelty: number; burst: number };
  /** Short human explanation, e.g. "amount robust z 9.3 above the sender's median of 5000; new receiver". */
  reason: string;
}

/** Behind an interface so an external model endpoint (HTTP) can replace the built-in one. */
export interface AnomalyModel {
  readonly version: string;
  score(input: AnomalyInput): Promise<AnomalyResult>;
}

const MODEL_VERSION = 'robust-z-1';

/** The history store keeps at most this many transfers; anything beyond (older) is ignored. */
const MAX_HISTORY = 100;
/** Below this many earlier transfers a median and MAD say nothing about the sender. */
const MIN_BASELINE = 5;

/** Scales a MAD to a standard deviation for normal data, so z reads like an ordinary z-score. */
const MAD_TO_SIGMA = 0.6745;
/** A MAD floor as a share of the median: near-identical histories would otherwise make cents look extreme. */
const MAD_FLOOR_SHARE_OF_MEDIAN = 0.05;
/** The absolute MAD floor in minor units, for histories whose median is (close to) zero. */
const MAD_FLOOR_MINOR_UNITS = 1;
/** Robust z at which the amount starts to count, and at which it counts fully. */
const AMOUNT_Z_START = 3;
const AMOUNT_Z_FULL = 10;

/** Novelty of a new receiver: full for an established sender, half when there is little history to compare with. */
const NOVELTY_ESTABLISHED_SENDER = 1;
const NOVELTY_LITTLE_HISTORY = 0.5;

const BURST_WINDOW_MS = 60_000;
/** Earlier transfers in the window that are still ordinary, and the count at which the burst counts fully. */
const BURST_COUNT_START = 2;
const BURST_COUNT_FULL = 10;

/** Weights in `1 − Π(1 − wᵢ·cᵢ)`: independent signals that reinforce one another without any single one reaching 1. */
const WEIGHTS = { amount: 0.7, novelty: 0.3, burst: 0.5 } as const;

const DECIMALS = 1e4;

type HistoryEntry = AnomalyInput['history'][number];

interface Component {
  value: number;
  /** Empty when the component has nothing worth saying. */
  reason: string;
}

/**
 * Scores how anomalous a transfer is for its sender, 0 (ordinary) to 1.
 *
 * - amount: robust z = 0.6745·(amount − median)/MAD over the history amounts, with the MAD floored at
 *   max(1, 5% of |median|) so identical or near-identical histories neither divide by zero nor turn a
 *   small change into a huge z. Only amounts above the median raise risk; z is mapped linearly from 0
 *   at z ≤ 3 to 1 at z ≥ 10. With fewer than 5 earlier transfers there is no baseline and it is 0.
 * - novelty: 0 for a known receiver; for a new one 1 when the sender has at least 5 earlier transfers,
 *   0.5 otherwise (a brand-new sender has only new receivers, so it proves less).
 * - burst: earlier transfers in the 60 s before `eventTimeMs`, linear from 0 at ≤ 2 to 1 at ≥ 10,
 *   multiplied by min(1, usual median gap / 60 s). The usual gap comes from transfers older than the
 *   window (at least 5 of them), so the burst being scored does not set its own baseline; a sender who
 *   normally sends a transfer every 6 s therefore gets a tenth of the burst.
 * - score: 1 − (1 − 0.7·amount)(1 − 0.3·novelty)(1 − 0.5·burst), clamped to [0, 1]; at most 0.895.
 *
 * Only the first 100 history entries (the most recent) are used, and entries with a non-finite amount
 * or time are skipped; within those, the result does not depend on the order of the entries.
 *
 * @throws RangeError when `amount` or `eventTimeMs` is not a finite number.
 */
export function scoreAnomaly(input: AnomalyInput): AnomalyResult {
  if (!Number.isFinite(input.amount) || !Number.isFinite(input.eventTimeMs)) {
    throw new RangeError(
      `anomaly input needs a finite amount and eventTimeMs, got ${input.amount} and ${input.eventTimeMs}`,
    );
  }
  // A corrupt entry in the history store should not take scoring down with it.
  const history = input.history
    .slice(0, MAX_HISTORY)
    .filter((entry) => Number.isFinite(entry.amount) && Number.isFinite(entry.atMs));

  const amount = amountComponent(input.amount, history);
  const novelty = noveltyComponent(input.newReceiver, history.length);
  const burst = burstComponent(input.eventTimeMs, history);

  const combined =
    1 - (1 - WEIGHTS.amount * amount.value) * (1 - WEIGHTS.novelty * novelty.value) * (1 - WEIGHTS.burst * burst.value);

  return {
    score: roundTo4(clamp01(combined)),
    modelVersion: MODEL_VERSION,
    components: { amount: roundTo4(amount.value), novelty: roundTo4(novelty.value), burst: roundTo4(burst.value) },
    reason: [amount.reason, novelty.reason, burst.reason].filter((part) => part !== '').join('; '),
  };
}

/** The built-in model behind {@link AnomalyModel}, so callers can swap in a remote one without changes. */
export const robustZScoreModel: AnomalyModel = Object.freeze({
  version: MODEL_VERSION,
  score: async (input: AnomalyInput) => scoreAnomaly(input),
});

function amountComponent(amount: number, history: readonly HistoryEntry[]): Component {
  if (history.length < MIN_BASELINE) {
    return {
      value: 0,
      reason: `no amount baseline (${history.length} earlier transfer${history.length === 1 ? '' : 's'}, needs ${MIN_BASELINE})`,
    };
  }
  const amounts = history.map((entry) => entry.amount);
  const median = medianOf(amounts);
  const mad = medianOf(amounts.map((value) => Math.abs(value - median)));
  const scale = Math.max(mad, MAD_FLOOR_MINOR_UNITS, MAD_FLOOR_SHARE_OF_MEDIAN * Math.abs(median));
  const robustZ = (MAD_TO_SIGMA * (amount - median)) / scale;

  const value = clamp01((robustZ - AMOUNT_Z_START) / (AMOUNT_Z_FULL - AMOUNT_Z_START));
  if (robustZ <= 0) return { value, reason: `amount at or below the sender's median of ${median}` };
  if (value === 0) return { value, reason: `amount within the sender's usual range (robust z ${robustZ.toFixed(1)})` };
  return { value, reason: `amount robust z ${robustZ.toFixed(1)} above the sender's median of ${median}` };
}

function noveltyComponent(newReceiver: boolean, historyLength: number): Component {
  if (!newReceiver) return { value: 0, reason: '' };
  if (historyLength >= MIN_BASELINE) return { value: NOVELTY_ESTABLISHED_SENDER, reason: 'new receiver' };
  return { value: NOVELTY_LITTLE_HISTORY, reason: 'new receiver for a sender with little history' };
}

function burstComponent(eventTimeMs: number, history: readonly HistoryEntry[]): Component {
  const windowStart = eventTimeMs - BURST_WINDOW_MS;
  // No upper bound: every history entry was recorded before this transfer, so a time after
  // eventTimeMs is clock skew between instances and still part of the burst.
  const inWindow = history.filter((entry) => entry.atMs > windowStart).length;
  const rawBurst = clamp01((inWindow - BURST_COUNT_START) / (BURST_COUNT_FULL - BURST_COUNT_START));
  if (rawBurst === 0) return { value: 0, reason: '' };

  const usualGapMs = medianGapMs(history.filter((entry) => entry.atMs <= windowStart).map((entry) => entry.atMs));
  const reason = `${inWindow} transfers in the last ${BURST_WINDOW_MS / 1000} s`;
  if (usualGapMs === undefined || usualGapMs >= BURST_WINDOW_MS) return { value: rawBurst, reason };
  return {
    value: (rawBurst * usualGapMs) / BURST_WINDOW_MS,
    reason: `${reason} (sender usually sends every ${(usualGapMs / 1000).toFixed(1)} s)`,
  };
}

/** Median gap between consecutive times, or undefined when too few times to call it usual. */
function medianGapMs(times: number[]): number | undefined {
  if (times.length < MIN_BASELINE) return undefined;
  const sorted = [...times].sort((a, b) => a - b);
  return medianOf(sorted.slice(1).map((time, index) => time - sorted[index]!));
}

function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}

function roundTo4(value: number): number {
  return Math.round(value * DECIMALS) / DECIMALS;
}
