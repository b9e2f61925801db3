/**
 * What `npm run rail-sim` and `npm run sms-gateway` share: the port from `--port`, else an environment
 * variable, else a default; the stand-in started on 127.0.0.1 with a timestamped log; and a stop on SIGINT
 * or SIGTERM.
 */
import { parseArgs } from 'node:util';

/** A running stand-in, as its script sees it. */
interface StandIn {
  url: string;
  stop(): Promise<void>;
}

export interface StandInScript<T extends StandIn> {
  /** How the log names it, e.g. `the rail simulator`. */
  name: string;
  /** The npm script, for the usage line. */
  script: string;
  portVariable: string;
  defaultPort: number;
  start(port: number, log: (line: string) => void): Promise<T>;
  /** The line printed once it listens. */
  listening(standIn: T): string;
}

/** Runs a stand-in until it is stopped; a bad port is a usage error (exit 2). */
export function runStandIn<T extends StandIn>(script: StandInScript<T>): void {
  main(script).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}

async function main<T extends StandIn>(script: StandInScript<T>): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string' } } });
  const portText = values.port ?? process.env[script.portVariable] ?? String(script.defaultPort);
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`usage: npm run ${script.script} -- [--port ${script.defaultPort}]  (${portText} is not a port)`);
    process.exitCode = 2;
    return;
  }
  const standIn = await script.start(port, (line) => console.log(`${new Date().toISOString()} ${line}`));
  console.log(script.listening(standIn));
  const stop = (signal: NodeJS.Signals) => {
    console.log(`${signal}: stopping ${script.name}`);
    standIn.stop().then(
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
