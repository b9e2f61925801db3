/**
 * Benchmarks against the local stack (`npm run stack -- up` first); each prints its figures.
 *
 *   npm run bench -- load [--rates 5,10,20,30,40,60] [--seconds 20]
 *       the service (one all-roles process) offered each rate open-loop through REST, against the engine
 *       ceiling and the raw activity chain at the same rates; writes bench/results/<date>-load.{json,png}
 *   npm run bench -- events [rate=20] [seconds=20]
 *       settlement commit → staff WebSocket delivery of transfer.completed, with real transfers;
 *       writes bench/results/<date>-events.json
 *   npm run bench -- tracing [--rates 10,40] [--seconds 20]
 *       the same service with traces off and on (to the stack's Zipkin), alternated over two rounds;
 *       writes bench/results/<date>-tracing.{json,png}
 *   npm run bench -- risk [evaluations=3000] [rules=50]
 *       one risk evaluation in-process, transfers without device context against ones with a location and device
 *       id and ones with only an IP, interleaved over five rounds (`evaluations` per variant one at a time and as
 *       many 8 at a time), and the IP database's first load; writes bench/results/<date>-risk.{json,png}
 */
import { events } from './events';
import { load } from './load';
import { risk } from './risk';
import { tracing } from './tracing';

const BENCHMARKS: Record<string, (args: string[]) => Promise<void>> = {
  load: (args) => load(args),
  events: ([rate = '20', seconds = '20']) => events(Number(rate), Number(seconds)),
  risk: ([evaluations = '3000', rules = '50']) => risk(Number(evaluations), Number(rules)),
  tracing: (args) => tracing(args),
};

// Ctrl-C or a kill ends the run through `exit`, whose handlers kill the child processes a benchmark started.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

const [name = 'load', ...args] = process.argv.slice(2);
const benchmark = BENCHMARKS[name];
if (!benchmark) {
  console.error(`usage: npm run bench -- ${Object.keys(BENCHMARKS).join(' | ')} [options…]`);
  process.exit(2);
}
benchmark(args).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
