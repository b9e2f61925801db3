/** What `npm run bench -- load` was asked for. */
export interface LoadOptions {
  /** Offered arrival rates, per second, in the order they run. */
  rates: number[];
  /** How long each rate is offered. */
  seconds: number;
}

export const DEFAULT_LOAD_OPTIONS: LoadOptions = { rates: [5, 10, 20, 30, 40, 60], seconds: 20 };

/** Bounds that keep one run within minutes on a small machine, whatever is typed. */
const MAX_RATE = 500;
const MAX_SECONDS = 300;
const MAX_RATES = 12;

/**
 * Reads `--rates 5,10,20 --seconds 20` (either may be left out).
 *
 * @throws Error naming the flag that is unknown or out of bounds.
 */
export function parseLoadOptions(args: string[]): LoadOptions {
  const options = { ...DEFAULT_LOAD_OPTIONS };
  for (let index = 0; index < args.length; index += 2) {
    const [flag, value = ''] = [args[index], args[index + 1]];
    if (flag === '--rates') {
      options.rates = value.split(',').map(Number);
      if (
        options.rates.length === 0 ||
        options.rates.length > MAX_RATES ||
        options.rates.some((rate) => !Number.isFinite(rate) || rate <= 0 || rate > MAX_RATE)
      ) {
        throw new Error(`--rates takes up to ${MAX_RATES} rates per second in (0, ${MAX_RATE}], e.g. 5,10,20`);
      }
    } else if (flag === '--seconds') {
      options.seconds = Number(value);
      if (!Number.isFinite(options.seconds) || options.seconds < 1 || options.seconds > MAX_SECONDS) {
        throw new Error(`--seconds takes a number of seconds in [1, ${MAX_SECONDS}]`);
      }
    } else {
      throw new Error(`unknown option ${flag}; usage: load [--rates 5,10,20,30,40,60] [--seconds 20]`);
    }
  }
  return options;
}
