/**
 * `npm run rail-sim -- [--port 7400]` runs the bank-rail simulator (harness/rail-simulator.ts) on 127.0.0.1
 * until stopped, with the api key and callback secret from RAIL_API_KEY and RAIL_CALLBACK_SECRET (the
 * development values when unset), one log line per instruction, outcome and callback attempt.
 * The port is `--port`, else RAIL_SIM_PORT, else 7400; `npm run stack -- up` runs it as a daemon.
 */
import { parseArgs } from 'node:util';

import { DEV_RAIL_API_KEY, DEV_RAIL_CALLBACK_SECRET, RailSimulator } from '../harness/rail-simulator';

const DEFAULT_PORT = 7400;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string' } } });
  const portText = values.port ?? process.env.RAIL_SIM_PORT ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`usage: npm run rail-sim -- [--port ${DEFAULT_PORT}]  (${portText} is not a port)`);
    process.exitCode = 2;
    return;
  }
  const simulator = await RailSimulator.start({
    port,
    apiKey: process.env.RAIL_API_KEY || DEV_RAIL_API_KEY,
    callbackSecret: process.env.RAIL_CALLBACK_SECRET || DEV_RAIL_CALLBACK_SECRET,
    log: (line) => console.log(`${new Date().toISOString()} ${line}`),
  });
  console.log(`rail simulator listening on ${simulator.url} (knobs: ${simulator.url}/_sim/knobs)`);
  const stop = (signal: NodeJS.Signals) => {
    console.log(`${signal}: stopping the rail simulator`);
    simulator.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
