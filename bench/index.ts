/**
 * Benchmarks against the local stack (`npm run stack -- up` first); each prints its figures.
 *
 *   npm run bench -- transfers [count=300] [parallel=30]   PASS-path throughput through the REST API
 *   npm run bench -- risk [evaluations=3000] [rules=50]    risk evaluation latency, in-process
 *   npm run bench -- events [rate=100] [seconds=20]        publish → WebSocket delivery latency
 */
import { events } from './events';
import { risk } from './risk';
import { transfers } from './transfers';

const BENCHMARKS: Record<string, (args: number[]) => Promise<void>> = {
  transfers: ([count = 300, parallel = 30]) => transfers(count, parallel),
  risk: ([evaluations = 3000, rules = 50]) => risk(evaluations, rules),
  events: ([rate = 100, seconds = 20]) => events(rate, seconds),
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
