import { SAFEGUARDS, type Safeguard } from './hooks';

export interface Options {
  seed: number;
  seconds: number;
  accounts: number;
  break?: Safeguard;
}

/** Short runs in the test line of the README; long is the soak to run before a release. */
const PROFILES = {
  // Long enough for a round of every fault kind, the minute without Kafka and the rail's 20 s included.
  short: { seconds: 180, accounts: 20 },
  long: { seconds: 900, accounts: 50 },
};

/** `[--profile short|long] [--seed N] [--seconds S] [--accounts N] [--break <safeguard>]`, checked. */
export function parseOptions(args: string[]): Options {
  const text = (name: string) => {
    const at = args.indexOf(`--${name}`);
    return at < 0 ? undefined : args[at + 1];
  };
  const value = (name: string, fallback: number) => {
    const parsed = Number(text(name) ?? fallback);
    if (!Number.isSafeInteger(parsed) || parsed <= 0) throw new Error(`--${name} must be a positive integer`);
    return parsed;
  };
  const profile = text('profile') ?? 'short';
  if (!(profile in PROFILES)) throw new Error(`--profile must be one of ${Object.keys(PROFILES).join(', ')}`);
  const defaults = PROFILES[profile as keyof typeof PROFILES];
  const safeguard = text('break');
  if (safeguard !== undefined && !(safeguard in SAFEGUARDS)) {
    throw new Error(`--break must be one of ${Object.keys(SAFEGUARDS).join(', ')}`);
  }
  return {
    seed: value('seed', Date.now() % 1_000_000),
    seconds: value('seconds', defaults.seconds),
    accounts: value('accounts', defaults.accounts),
    ...(safeguard ? { break: safeguard as Safeguard } : {}),
  };
}
