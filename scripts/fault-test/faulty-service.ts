/**
 * The service as the fault test runs it: `faulty-service.ts [--break <safeguard>] <roles…>` is
 * `src/main.ts <roles…>` in the same process, with the fault hooks of ./hooks installed first.
 */
import { loseResultsOnSignal, SAFEGUARDS, type Safeguard } from './hooks';

const args = process.argv.slice(2);
const at = args.indexOf('--break');
if (at >= 0) {
  const safeguard = args[at + 1] as Safeguard;
  if (!(safeguard in SAFEGUARDS)) throw new Error(`--break: expected one of ${Object.keys(SAFEGUARDS).join(', ')}`);
  SAFEGUARDS[safeguard]();
  args.splice(at, 2);
}
loseResultsOnSignal();
process.argv = [...process.argv.slice(0, 2), ...args];
// eslint-disable-next-line @typescript-eslint/no-require-imports -- main starts on load, after the hooks
require('../../src/main');
