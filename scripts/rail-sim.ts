/**
 * `npm run rail-sim -- [--port 7400]` runs the bank-rail simulator (harness/rail-simulator.ts) on 127.0.0.1
 * until stopped, with the api key and callback secret from RAIL_API_KEY and RAIL_CALLBACK_SECRET (the
 * development values when unset), one log line per instruction, outcome and callback attempt.
 * The port is `--port`, else RAIL_SIM_PORT, else 7400; `npm run stack -- up` runs it as a daemon.
 */
import { DEV_RAIL_API_KEY, DEV_RAIL_CALLBACK_SECRET, RailSimulator } from '../harness/rail-simulator';

import { runStandIn } from './stand-in';

runStandIn({
  name: 'the rail simulator',
  script: 'rail-sim',
  portVariable: 'RAIL_SIM_PORT',
  defaultPort: 7400,
  start: (port, log) =>
    RailSimulator.start({
      port,
      apiKey: process.env.RAIL_API_KEY || DEV_RAIL_API_KEY,
      callbackSecret: process.env.RAIL_CALLBACK_SECRET || DEV_RAIL_CALLBACK_SECRET,
      log,
    }),
  listening: (simulator) => `rail simulator listening on ${simulator.url} (knobs: ${simulator.url}/_sim/knobs)`,
});
