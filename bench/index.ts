/**
 * Benchmarks against the local stack (`npm run stack -- up` first); each prints its figures.
 *
 *   npm run bench -- transfers [count=300] [parallel=30]   PASS-path throughput through the REST API
 *   npm run bench -- risk [evaluations=3000] [rules=50]    risk evaluation latency, in-process
 */
import { risk } from './risk';
import { transfers } from './transfers';

const BENCHMARKS: Record<string, (args: number[]) => Promise<void>> = {
  transfers: ([count = 300, parallel = 30]) => transfers(count, parallel),
  risk: ([evaluations = 3000, rules = 50]) => risk(evaluations, rules),
};

const [name = 'transfers', ...args] = process.argv.slice(2);
const benchmark = BENCHMARKS[name];
if (!benchmark) {
  console.error(`usage: npm run bench -- ${Object.keys(BENCHMARKS).join(' | ')} [numbers…]`);
  process.exit(2);
}
benchmark(args.map(Number)).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
